"""The run queue of the real daemon (`dagster dev`) with the shipped instance configuration.

- Two ranged runs queued at once on a fresh instance share Ollama's slots: the `ollama` pool
  (limit 1, run granularity) admits one of them at a time, so the protocol double never sees
  more than LAB_OLLAMA_PARALLEL (2) requests in flight.
- A run whose worker is killed with SIGKILL mid-step does not hold the pools for ever: run
  monitoring's max runtime fails it, and the next queued run goes through.

Runs are launched from the webserver's GraphQL API (the UI's own call) with the sensors and
schedules stopped, so each test owns exactly the runs it counts.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import yaml
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus

from lab_pipelines.cli import LOCAL_INSTANCE_CONFIG, ensure_instance_config
from lab_pipelines.defs.dagster_private import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)
from lab_pipelines.defs.ingest.partitions import document_partitions
from lab_pipelines.defs.pools import ensure_pool_limits
from lab_pipelines.settings import project_root
from lab_pipelines_tests.daemon import (
    LOCATIONS,
    DagsterDev,
    dagster_dev,
    free_port,
    lab_env,
    stop_sensors,
)
from lab_pipelines_tests.doubles.gemini_server import FakeGemini
from lab_pipelines_tests.doubles.ollama_server import FakeOllama
from lab_pipelines_tests.monitoring.servers import background

PARALLEL = 2  # LAB_OLLAMA_PARALLEL, and Ollama's OLLAMA_NUM_PARALLEL

LAUNCH = """
mutation ($params: [ExecutionParams!]!) {
  launchMultipleRuns(executionParamsList: $params) {
    __typename
    ... on LaunchMultipleRunsResult { launchMultipleRunsResult {
      __typename
      ... on LaunchRunSuccess { run { runId } }
      ... on PythonError { message }
      ... on RunConfigValidationInvalid { errors { message } }
    } }
    ... on PythonError { message }
  }
}"""


def live_env(ollama: FakeOllama, gemini: FakeGemini) -> dict[str, str]:
    """The live backends against the protocol doubles (as fixtures.Lab.use_doubles)."""
    return {
        "LAB_BACKEND": "live",
        "OLLAMA_HOST": ollama.url,
        "LAB_GEMINI_BASE_URL": gemini.url,
        "GEMINI_API_KEY": "test-key-not-secret",
        "LAB_OLLAMA_RETRY_DELAY_MS": "20",
        "LAB_OLLAMA_PARALLEL": str(PARALLEL),
    }


def write_documents(inbox: Path, count: int) -> list[str]:
    """``count`` short English notes; their partition keys in order."""
    (inbox / "notes").mkdir(parents=True, exist_ok=True)
    keys = []
    for n in range(count):
        name = f"notes/note-{n:03d}.md"
        (inbox / name).write_text(
            f"# Note {n}\n\nNode B serves the models of the lab, request {n}. "
            f"Its two slots take one summary each. Backups of volume {n} run at night.\n",
            encoding="utf-8",
        )
        keys.append(name)
    return keys


def stop_automation(dev: DagsterDev) -> str:
    """Stop every sensor and schedule, as from the Automation page (their first tick saw an
    empty inbox); return the code location's name."""
    return dev.wait_until(lambda: stop_sensors(dev), 120, "the code location")


def launch_ranged_runs(
    dev: DagsterDev, location: str, ranges: Sequence[Sequence[str]], tags: dict[str, str]
) -> list[str]:
    """One `document_pipeline` run per range, all in one GraphQL call; their run ids."""
    params = [
        {
            "selector": {
                "repositoryLocationName": location,
                "repositoryName": "__repository__",
                "jobName": "document_pipeline",
            },
            "runConfigData": {},
            "executionMetadata": {
                "tags": [
                    {"key": key, "value": value}
                    for key, value in {
                        ASSET_PARTITION_RANGE_START_TAG: keys[0],
                        ASSET_PARTITION_RANGE_END_TAG: keys[-1],
                        **tags,
                    }.items()
                ]
            },
        }
        for keys in ranges
    ]
    answer = dev.graphql(LAUNCH, {"params": params})["launchMultipleRuns"]
    results = answer.get("launchMultipleRunsResult") or [answer]
    assert all(r["__typename"] == "LaunchRunSuccess" for r in results), results
    return [r["run"]["runId"] for r in results]


@contextmanager
def webserver_only(root: Path, **env: str) -> Iterator[DagsterDev]:
    """The webserver without the daemon over the lab at ``root``: runs launched here stay
    QUEUED, so a daemon started later finds them all queued at once. (`dagster dev` creates
    two runs of one launch ~3 s apart on this machine, and the queue looks every 5 s.)"""
    for folder in ("inbox", "requests", "data"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    ensure_instance_config(root / "home")
    port = free_port()
    log = root / "webserver.log"
    webserver = Path(sys.executable).parent / "dagster-webserver"
    argv = [str(webserver), "-h", "127.0.0.1", "-p", str(port)]
    with background(argv, log, cwd=project_root(), env=lab_env(root, **env), append=True):
        web = DagsterDev(root, port, log, lab_env(root, **env))
        web.wait_until(
            lambda: web.graphql(LOCATIONS)["repositoriesOrError"]["nodes"], 120, "the webserver"
        )
        yield web


@contextmanager
def instance_of(dev: DagsterDev) -> Iterator[DagsterInstance]:
    """The instance `dagster dev` runs on (same DAGSTER_HOME), for reading run records."""
    with DagsterInstance.from_config(str(dev.home)) as instance:
        yield instance


def statuses(instance: DagsterInstance, run_ids: Sequence[str]) -> list[DagsterRunStatus]:
    return [instance.get_run_by_id(run_id).status for run_id in run_ids]  # type: ignore[union-attr]


FINISHED = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}


def test_two_runs_queued_at_once_on_a_fresh_instance_never_exceed_the_ollama_slots(
    tmp_path: Path,
) -> None:
    # The double has 8 slots, so over-admission shows in its count instead of queueing
    # silently: 2 runs x 2 requests = 4 in flight without the pool. 0.6 s a request and 16
    # notes a run: each run's summaries step lasts ~5 s, longer than the ~3-6 s between the
    # starts of two runs admitted together on 2 cores, so they overlap.
    with FakeOllama(slots=8, base_latency=0.6) as ollama, FakeGemini() as gemini:
        env = live_env(ollama, gemini)
        keys = write_documents(tmp_path / "inbox", 32)
        with webserver_only(tmp_path, **env) as web:
            location = stop_automation(web)  # their first tick would launch the 32 notes
            with instance_of(web) as instance:
                instance.add_dynamic_partitions(document_partitions.name, keys)
            run_ids = launch_ranged_runs(web, location, [keys[:16], keys[16:]], {})
        with instance_of(web) as instance:
            assert statuses(instance, run_ids) == [DagsterRunStatus.QUEUED] * 2
            assert instance.event_log_storage.get_pool_limits() == []  # a fresh instance
            # What the sensors do at the start of every tick: create the pools from the
            # instance's default_limit before the queue's first pass.
            ensure_pool_limits(instance)
        with dagster_dev(tmp_path, **env) as dev, instance_of(dev) as instance:
            dev.wait_until(
                lambda: set(statuses(instance, run_ids)) <= FINISHED, 150, "both runs to finish"
            )
            assert statuses(instance, run_ids) == [DagsterRunStatus.SUCCESS] * 2
            spans = sorted(
                (r.start_time or 0.0, r.end_time or 0.0)
                for r in instance.get_run_records()
                if r.dagster_run.run_id in run_ids
            )
        summaries = [c for c in ollama.calls if c.path == "/api/chat"]
        assert len(summaries) >= 32, "every note was summarised by the double"
        assert ollama.max_in_flight == PARALLEL, (
            f"{ollama.max_in_flight} Ollama requests in flight at once (run spans {spans})"
        )
        assert spans[1][0] >= spans[0][1], f"the pool admitted one run at a time: {spans}"


MAX_RUNTIME_S = 30  # the test's run_monitoring.max_runtime_seconds (the lab ships 14,400)
POLL_S = 2  # the test's run_monitoring.poll_interval_seconds (the lab ships 60)
DEQUEUE_S = 5  # QueuedRunCoordinator's dequeue interval


def instance_config_with(home: Path, **run_monitoring: int) -> None:
    """DAGSTER_HOME/dagster.yaml: the shipped configuration with ``run_monitoring`` changed."""
    config = yaml.safe_load(LOCAL_INSTANCE_CONFIG.read_text())
    config["run_monitoring"] = {**config["run_monitoring"], **run_monitoring}
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))


def worker_pid(instance: DagsterInstance, run_id: str) -> int | None:
    """The run worker's pid, from the launcher's "Started process for run (pid: N)." event."""
    for entry in instance.all_logs(run_id):
        match = re.search(r"Started process for run \(pid: (\d+)\)", entry.message or "")
        if match:
            return int(match.group(1))
    return None


def cmdline_of(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def step_started(instance: DagsterInstance, run_id: str, step: str) -> bool:
    return any(
        entry.step_key == step and entry.dagster_event_type == DagsterEventType.STEP_START
        for entry in instance.all_logs(run_id)
    )


def test_a_run_killed_mid_step_with_its_daemon_frees_the_queue_within_the_max_runtime(
    tmp_path: Path,
) -> None:
    """The whole `dagster dev` tree dies with SIGKILL while a run is in its summaries step (a
    power cut, or the OOM killer taking the code server with the worker). Nothing is left to
    report the run: it stays STARTED, holding both pools, and the next run waits. When the
    daemon is back, run monitoring fails it at its max runtime and the queue drains.

    (A worker killed alone is reported failed by its own code server within ~1 s, Dagster's
    DagsterApiServer watches its run processes: measured on this machine, the next run started
    22.6 s after the dead one, ~17 s of it the new worker loading.)"""
    instance_config_with(
        tmp_path / "home", max_runtime_seconds=MAX_RUNTIME_S, poll_interval_seconds=POLL_S
    )
    # 1 s a summary: the first run's summaries step is still going when it is killed.
    with FakeOllama(base_latency=1.0) as ollama, FakeGemini() as gemini:
        env = live_env(ollama, gemini)
        with dagster_dev(tmp_path, **env) as dev, instance_of(dev) as instance:
            location = stop_automation(dev)
            keys = write_documents(dev.inbox, 16)
            instance.add_dynamic_partitions(document_partitions.name, keys)
            ensure_pool_limits(instance)
            doomed, waiting = launch_ranged_runs(dev, location, [keys[:8], keys[8:]], {})
            dev.wait_until(
                lambda: step_started(instance, doomed, "summaries") and ollama.count("/api/chat"),
                120,
                "the first run's summaries step",
            )
            assert statuses(instance, [doomed, waiting]) == [
                DagsterRunStatus.STARTED,
                DagsterRunStatus.QUEUED,  # the pools hold it back
            ]
            pid = worker_pid(instance, doomed)
            assert pid is not None
            # The code server runs each run in a multiprocessing child of its own.
            assert "api grpc" in cmdline_of(parent_of(pid)), cmdline_of(parent_of(pid))
            group = os.getpgid(pid)  # dagster dev's session: webserver, daemon, code servers
            assert group != os.getpgid(0)
            os.killpg(group, signal.SIGKILL)
            time.sleep(3)
            assert statuses(instance, [doomed, waiting]) == [
                DagsterRunStatus.STARTED,  # nobody left to notice
                DagsterRunStatus.QUEUED,
            ]
        ollama.base_latency = 0.05  # the second run may be quick
        with dagster_dev(tmp_path, **env) as dev, instance_of(dev) as instance:
            restarted = time.time()
            dev.wait_until(
                lambda: set(statuses(instance, [doomed, waiting])) <= FINISHED,
                MAX_RUNTIME_S + 120,
                "the queue to drain",
            )
            assert statuses(instance, [doomed, waiting]) == [
                DagsterRunStatus.FAILURE,
                DagsterRunStatus.SUCCESS,
            ]
            dead = instance.get_run_record_by_id(doomed)
            after = instance.get_run_record_by_id(waiting)
            assert dead and dead.start_time and dead.end_time
            assert after and after.start_time
            why = [entry.message or "" for entry in instance.all_logs(doomed)]
        assert any("maximum runtime of 30 seconds" in message for message in why), why[-3:]
        due = max(dead.start_time + MAX_RUNTIME_S, restarted)
        print(
            f"run failed {dead.end_time - due:.1f} s after its max runtime was due "
            f"(daemon back {restarted - dead.start_time:.1f} s into the run); the next run "
            f"started {after.start_time - dead.end_time:.1f} s later"
        )
        # Failed at the first monitoring poll once due; the next run dequeued within one pass
        # and started by a worker that loads the code (~15 s on 2 busy cores).
        assert dead.end_time - due <= POLL_S + 10
        assert after.start_time - dead.end_time <= DEQUEUE_S + 30
