"""The real daemon in tests: `dagster dev` (webserver + daemon + code server) on a lab folder.

Tests drive it as a person would, by changing files in the inbox and requests folders, and read
what happened through the webserver's GraphQL API, the instance and the LanceDB store.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from lab_pipelines.cli import ensure_instance_config
from lab_pipelines.settings import project_root

MATERIALIZATIONS = """
query ($path: [String!]!, $partition: String!) {
  assetOrError(assetKey: {path: $path}) {
    ... on Asset { assetMaterializations(partitions: [$partition]) { partition runId } }
  }
}"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class DagsterDev:
    """A running `dagster dev` over ``root`` (inbox/, requests/, data/, home/)."""

    root: Path
    port: int
    log: Path
    env: Mapping[str, str]

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def requests(self) -> Path:
        return self.root / "requests"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def home(self) -> Path:
        return self.root / "home"

    def wait_until(self, check: Callable[[], object], timeout_s: float, what: str) -> object:
        """Poll ``check`` once a second until it returns something true, or fail the test with
        the tail of the `dagster dev` log."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                value = check()
            except (OSError, ValueError):
                value = None
            if value:
                return value
            time.sleep(1)
        tail = self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""
        pytest.fail(f"timed out after {timeout_s:.0f} s waiting for {what}; log:\n{tail}")

    def graphql(self, query: str, variables: Mapping[str, object] | None = None) -> dict:
        body = json.dumps({"query": query, "variables": dict(variables or {})}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/graphql", body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=20) as response:
            return json.load(response)["data"]

    def materialization_runs(self, asset: str, partition: str) -> list[str]:
        """Run ids of every materialisation of ``asset``'s ``partition``, newest first."""
        data = self.graphql(MATERIALIZATIONS, {"path": [asset], "partition": partition})
        return [m["runId"] for m in data["assetOrError"].get("assetMaterializations") or []]

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
    """Start `dagster dev` on 127.0.0.1 over the lab at ``root`` and stop it (and every process
    it started: webserver, daemon, code servers, runs) when the block ends."""
    for folder in ("inbox", "requests", "data"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    ensure_instance_config(root / "home")
    env = lab_env(root, **env_overrides)
    port = free_port()
    log = root / "dagster-dev.log"
    dagster = Path(sys.executable).parent / "dagster"
    with open(log, "a") as out:
        process = subprocess.Popen(
            [str(dagster), "dev", "-h", "127.0.0.1", "-p", str(port)],
            cwd=project_root(),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so the webserver, daemon and code servers stop together
        )
    dev = DagsterDev(root, port, log, env)
    try:
        dev.wait_until(
            lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5),
            180,
            "the webserver",
        )
        yield dev
    finally:
        _stop(process)


def _stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
