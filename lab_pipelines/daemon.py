"""`lab-pipelines run` as the daemon does it: the same sensors, queue and pools, until caught up.

The command starts `dagster-daemon run` on the code location (or, when a daemon of `make dev`
is already beating, lets that one work), asks the inbox sensor to catch up on documents out of
date in the store (failed twice, say), and waits until both folder sensors have looked at
their folders after the last run ended and asked for nothing more. Every run goes through the
run queue, so pool limits hold against the UI's and the sensors' runs, the Runs page shows them,
and the sensors' cursors are the ones `make dev` finds next: its first tick launches nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from lab_pipelines.defs.dagster_private import InstigatorStatus, InstigatorType, TickStatus
from lab_pipelines.defs.folder_sensor import IN_PROGRESS, MAX_ATTEMPTS
from lab_pipelines.defs.sensor_state import (
    SensorCursor,
    ask_catch_up,
    latest_index,
    unindexed,
)
from lab_pipelines.inbox import request_files, scan_inbox
from lab_pipelines.settings import project_root

SENSORS = ("inbox_sensor", "requests_sensor")
JOBS = ("document_pipeline", "generation")
# A daemon posts a heartbeat every 30 s; one younger than this is a live `make dev`.
LIVE_HEARTBEAT_S = 45
# The command's own daemon looks this often (the sensors' own interval may be 30 s: a one-off
# run should not wait that long between "documents done" and "answer the requests").
CLI_SENSOR_INTERVAL_S = 2
# Loading the code location takes ~10 s here; a daemon that has not ticked in this long has
# failed to load it (its log says why).
FIRST_TICK_S = 120


class CatchUpError(RuntimeError):
    """The daemon could not finish: the message says what failed and where to look."""


def daemon_alive(instance: dg.DagsterInstance) -> bool:
    beats = instance.get_daemon_heartbeats()
    sensor = beats.get("SENSOR")
    return sensor is not None and time.time() - sensor.timestamp < LIVE_HEARTBEAT_S


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the daemon gets SIGTERM if this command is killed, so none is left behind."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start_daemon(log: Path) -> subprocess.Popen:
    """`dagster-daemon run` on the project's workspace, in its own process group."""
    env = {**os.environ, "LAB_SENSOR_INTERVAL_S": str(CLI_SENSOR_INTERVAL_S)}
    daemon = Path(sys.executable).parent / "dagster-daemon"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a") as out, warnings.catch_warnings():
        # lancedb warns at any fork; this child execs at once and shares none of its state.
        warnings.filterwarnings("ignore", "lancedb fork support", RuntimeWarning)
        return subprocess.Popen(
            [str(daemon), "run", "-w", str(project_root() / "workspace.yaml")],
            cwd=project_root(),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )


def stop_daemon(process: subprocess.Popen, instance: dg.DagsterInstance) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    # Its last heartbeat would make the next `lab-pipelines run` wait for a daemon that is gone.
    instance.wipe_daemon_heartbeats()


@dataclass
class Progress:
    """What the command has seen so far, for its printout and its final verdict."""

    started: float
    seen: dict[str, str] = field(default_factory=dict)  # run id → status last printed
    last_activity: float = 0.0

    def runs(self, instance: dg.DagsterInstance) -> list[dg.RunRecord]:
        filters = dg.RunsFilter(created_after=_utc(self.started))
        return [r for r in instance.get_run_records(filters) if r.dagster_run.job_name in JOBS]


def _utc(timestamp: float):  # noqa: ANN202 - datetime
    from datetime import UTC, datetime

    return datetime.fromtimestamp(timestamp, UTC)


def _describe(run: dg.DagsterRun) -> str:
    tags = run.tags
    span = tags.get("dagster/partition") or (
        f"{tags.get('dagster/asset_partition_range_start')} … "
        f"{tags.get('dagster/asset_partition_range_end')}"
    )
    return f"{run.job_name} [{tags.get('lab/documents', '1')} partitions: {span}]"


def _sensor_states(instance: dg.DagsterInstance) -> dict[str, list]:
    """The stored states of the folder sensors, by name. One name can have several states: a
    daemon started with `-w workspace.yaml` and `dagster dev` reading pyproject.toml load the
    same code location from two origins (the cursor is shared through the selector)."""
    found: dict[str, list] = {}
    for state in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR):
        if state.name in SENSORS:
            found.setdefault(state.name, []).append(state)
    return found


def _indexed(instance: dg.DagsterInstance, folders: Folders) -> bool:
    """Both sensors' indexes hold their folders as they are now (nothing new, waiting to
    settle, or waiting to be deleted)."""
    for sensor, files in (
        ("inbox_sensor", scan_inbox(folders.inbox)),
        ("requests_sensor", request_files(folders.requests)),
    ):
        if unindexed(files, latest_index(instance, sensor)):
            return False
    return True


def _caught_up(instance: dg.DagsterInstance, token: str) -> bool:
    """The inbox sensor has committed the tick that answers catch-up request ``token``."""
    states = _sensor_states(instance).get("inbox_sensor", [])
    return any(
        SensorCursor.decode(
            state.instigator_data.cursor if state.instigator_data else None
        ).caught_up
        == token
        for state in states
    )


def _quiet_since(instance: dg.DagsterInstance, since: float) -> bool:
    """Both sensors ticked after ``since`` and asked for no run; a failed tick is an error."""
    states = _sensor_states(instance)
    for name in SENSORS:
        if name not in states:
            return False  # not ticked yet on this instance
        if any(state.status == InstigatorStatus.STOPPED for state in states[name]):
            raise CatchUpError(
                f"{name} is stopped: start it on the UI's Automation page, or "
                f"`dagster sensor start {name} -w workspace.yaml`"
            )
        ticks = [
            tick
            for state in states[name]
            for tick in instance.get_ticks(
                state.instigator_origin_id, state.selector_id, after=since
            )
        ]
        if any(tick.status == TickStatus.STARTED for tick in ticks):
            return False  # a tick is being evaluated: it may be asking for runs right now
        # The newest tick decides: an earlier quiet one may predate the files it then took, and
        # an earlier failure (the code server still starting) may have been retried since.
        latest = max(ticks, key=lambda t: t.timestamp, default=None)
        if latest is not None and latest.status == TickStatus.FAILURE:
            message = latest.error.message.strip() if latest.error else "no message"
            raise CatchUpError(f"{name} failed: {message}")
        if latest is None or (latest.status != TickStatus.SKIPPED and latest.run_ids):
            return False
    return True


@dataclass(frozen=True)
class Folders:
    inbox: Path
    requests: Path


def catch_up(
    instance: dg.DagsterInstance,
    folders: Folders,
    timeout_s: float,
    say: Callable[[str], None] = print,
    log: Path | None = None,
) -> Progress:
    """Let the daemon work until the sensors are quiet and no run is queued or in flight."""
    progress = Progress(started=time.time())
    progress.last_activity = progress.started
    # Documents whose runs failed twice (Ollama was down) are re-run now, not at night.
    token = ask_catch_up(instance, "inbox_sensor")
    own = None
    if daemon_alive(instance):
        say("a Dagster daemon is running (make dev): waiting for it to catch up")
    else:
        log = log or Path(os.environ["DAGSTER_HOME"]) / "lab-pipelines-daemon.log"
        own = start_daemon(log)
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if own is not None and own.poll() is not None:
                raise CatchUpError(f"dagster-daemon exited with {own.returncode}; see {log}")
            busy = _report(instance, progress, say)
            if (
                not busy
                and _caught_up(instance, token)
                and _quiet_since(instance, progress.last_activity)
                and _indexed(instance, folders)
            ):
                return progress
            if not _sensor_states(instance) and time.time() - progress.started > FIRST_TICK_S:
                raise CatchUpError(
                    f"the sensors have not ticked after {FIRST_TICK_S} s: the code location "
                    f"may not load; see {log}"
                )
            time.sleep(1)
        raise CatchUpError(f"not caught up after {timeout_s:.0f} s; the runs go on in the UI")
    finally:
        if own is not None:
            stop_daemon(own, instance)


def _report(instance: dg.DagsterInstance, progress: Progress, say: Callable[[str], None]) -> bool:
    """Print each run's status changes; True while any run is queued or in flight."""
    busy = False
    for record in progress.runs(instance):
        run = record.dagster_run
        if run.status in IN_PROGRESS:
            busy = True
        if progress.seen.get(run.run_id) != run.status.value:
            progress.seen[run.run_id] = run.status.value
            took = ""
            if record.end_time and record.start_time:
                took = f" in {record.end_time - record.start_time:.1f} s"
                progress.last_activity = max(progress.last_activity, record.end_time)
            say(f"  {_describe(run)}: {run.status.value.lower()}{took}")
    return busy


def final_failures(instance: dg.DagsterInstance, progress: Progress) -> list[str]:
    """Runs that failed and will not be retried: each with its first step's root cause."""
    lines = []
    for record in progress.runs(instance):
        run = record.dagster_run
        if run.status != dg.DagsterRunStatus.FAILURE:
            continue
        if int(run.tags.get("lab/attempt", str(MAX_ATTEMPTS))) < MAX_ATTEMPTS:
            continue  # retried by the sensor on a later tick
        causes = [
            root_cause(event.dagster_event.event_specific_data.error)
            for event in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
        ]
        lines.append(f"run {run.run_id} ({_describe(run)}) failed")
        lines += [f"    {cause}" for cause in causes or ["the run failed before its steps"]]
    return lines


def root_cause(error) -> str:  # noqa: ANN001 - a dagster SerializableErrorInfo
    """The first error below Dagster's wrappers: ours, which names the cause and the fix."""
    while error.cause is not None and error.cls_name.startswith("Dagster"):
        error = error.cause
    return f"{error.cls_name}: {error.message.strip()}"
