"""The real daemon in tests: `dagster dev` (webserver + daemon + code server) on a lab folder.

Tests drive it as a person would, by changing files in the inbox and requests folders, and read
what happened through the webserver's GraphQL API, the instance and the LanceDB store.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from lab_pipelines.cli import ensure_instance_config
from lab_pipelines.settings import project_root
from lab_pipelines_tests.monitoring.servers import background, free_port, http_get, wait_until

T = TypeVar("T")

MATERIALIZATIONS = """
query ($path: [String!]!, $partitions: [String!]!) {
  assetOrError(assetKey: {path: $path}) {
    ... on Asset { assetMaterializations(partitions: $partitions) { partition runId } }
  }
}"""
LOCATIONS = """
{ repositoriesOrError { ... on RepositoryConnection { nodes {
    name location { name }
    sensors { name sensorState { id status } }
    schedules { name scheduleState { id status } }
} } } }"""
STOP_SENSOR = """
mutation ($id: String!) { stopSensor(id: $id) { __typename } }"""
STOP_SCHEDULE = """
mutation ($id: String!) { stopRunningSchedule(id: $id) { __typename } }"""

__all__ = ["DagsterDev", "dagster_dev", "dagster_dev_on", "free_port", "lab_env", "stop_sensors"]


@dataclass
class DagsterDev:
    """A running `dagster dev` over the lab that ``env`` names (LAB_INBOX, LAB_REQUESTS, LAB_DATA,
    DAGSTER_HOME); ``root`` holds its log."""

    root: Path
    port: int
    log: Path
    env: Mapping[str, str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def inbox(self) -> Path:
        return Path(self.env["LAB_INBOX"])

    @property
    def requests(self) -> Path:
        return Path(self.env["LAB_REQUESTS"])

    @property
    def data(self) -> Path:
        return Path(self.env["LAB_DATA"])

    @property
    def home(self) -> Path:
        return Path(self.env["DAGSTER_HOME"])

    def wait_until(
        self, check: Callable[[], T], timeout_s: float, what: str, every_s: float = 0.5
    ) -> T:
        """Poll ``check`` every ``every_s`` until it returns something true, or fail the test
        with the tail of the `dagster dev` log. (Most checks open the instance: twice a second
        keeps that from taking a core the daemon needs on a 2-core machine.)"""
        return wait_until(check, timeout_s, what, self.log, every_s)

    def graphql(self, query: str, variables: Mapping[str, object] | None = None) -> dict:
        body = json.dumps({"query": query, "variables": dict(variables or {})}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/graphql", body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=20) as response:
            return json.load(response)["data"]

    def materialization_runs(self, asset: str, partition: str) -> list[str]:
        """Run ids of every materialisation of ``asset``'s ``partition``, newest first."""
        return self.partition_runs(asset, [partition]).get(partition, [])

    def partition_runs(self, asset: str, partitions: Iterable[str]) -> dict[str, list[str]]:
        """Run ids of every materialisation of each of ``asset``'s ``partitions`` that has one,
        newest first, in one query (a poll over 100 partitions is one request, not 100)."""
        variables = {"path": [asset], "partitions": list(partitions)}
        data = self.graphql(MATERIALIZATIONS, variables)
        runs: dict[str, list[str]] = {}
        for event in data["assetOrError"].get("assetMaterializations") or []:
            runs.setdefault(event["partition"], []).append(event["runId"])
        return runs

    def cli(self, *args: str, timeout_s: float = 600) -> subprocess.CompletedProcess:
        """`lab-pipelines ARGS` from a shell with this lab's environment."""
        return subprocess.run(
            [sys.executable, "-m", "lab_pipelines.cli", *args],
            cwd=project_root(),
            env=dict(self.env),
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )


def lab_env(root: Path, **overrides: str) -> dict[str, str]:
    """The environment of a lab rooted at ``root``: offline backends, fast sensor ticks."""
    env = {
        **os.environ,
        "DAGSTER_HOME": str(root / "home"),
        "LAB_INBOX": str(root / "inbox"),
        "LAB_REQUESTS": str(root / "requests"),
        "LAB_DATA": str(root / "data"),
        "LAB_BACKEND": "offline",
        "LAB_PROFILE": "local",
        "LAB_SENSOR_INTERVAL_S": "2",
        "LAB_SETTLE_S": "1",
    }
    env.update(overrides)
    return env


@contextmanager
def dagster_dev(root: Path, **env_overrides: str) -> Iterator[DagsterDev]:
    """Start `dagster dev` on 127.0.0.1 over the lab at ``root`` (inbox/, requests/, data/,
    home/) and stop it, and every process it started, when the block ends."""
    for folder in ("inbox", "requests", "data"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    ensure_instance_config(root / "home")
    with dagster_dev_on(lab_env(root, **env_overrides), root) as dev:
        yield dev


@contextmanager
def dagster_dev_on(env: Mapping[str, str], root: Path) -> Iterator[DagsterDev]:
    """`dagster dev` (webserver, daemon, code server) with ``env``, its log in ``root``. Stopped
    with Ctrl-C (SIGINT to its process group, as a terminal sends it), then SIGKILL for what is
    left after 5 s: the webserver and the daemon are down within a second, and what dagster dev
    then spends ~10 s more on is letting its code server go, nothing a test reads."""
    port = free_port()
    log = root / "dagster-dev.log"
    dagster = Path(sys.executable).parent / "dagster"
    argv = [str(dagster), "dev", "-h", "127.0.0.1", "-p", str(port)]
    with background(
        argv, log, stop=signal.SIGINT, cwd=project_root(), env=env, append=True, grace_s=5
    ):
        dev = DagsterDev(root, port, log, env)
        dev.wait_until(
            lambda: http_get(f"{dev.url}/server_info", 5), 240, "the webserver", every_s=0.25
        )
        yield dev


def stop_sensors(dev: DagsterDev, names: Iterable[str] | None = None) -> str | None:
    """Stop the running sensors ``names`` (all of them, and every schedule, when None) as from
    the Automation page, through the webserver's GraphQL API; return the code location's name,
    or None while it is still loading."""
    nodes = dev.graphql(LOCATIONS)["repositoriesOrError"].get("nodes")
    if not nodes:
        return None
    (repo,) = nodes
    wanted = None if names is None else set(names)
    for sensor in repo["sensors"]:
        state = sensor["sensorState"]
        if (wanted is None or sensor["name"] in wanted) and state["status"] == "RUNNING":
            dev.graphql(STOP_SENSOR, {"id": state["id"]})
    if wanted is None:
        for schedule in repo["schedules"]:
            if schedule["scheduleState"]["status"] == "RUNNING":
                dev.graphql(STOP_SCHEDULE, {"id": schedule["scheduleState"]["id"]})
    return repo["location"]["name"]
