"""`make run`, then `make dev`: the command and the daemon are one orchestrator, not two.

`lab-pipelines run` drives the daemon's own sensors and queue; afterwards `dagster dev` finds
the cursors where the command left them (its first ticks launch nothing), shows the command's
runs, and a command run while `make dev` is up waits for that daemon instead of starting one.
Ollama requests in flight are counted on the protocol double, whose 8 slots would let more
than LAB_OLLAMA_PARALLEL (2) in if anything flooded it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import dagster as dg

from lab_pipelines.defs.dagster_private import InstigatorType
from lab_pipelines.settings import project_root
from lab_pipelines_tests.daemon import dagster_dev, lab_env
from lab_pipelines_tests.doubles.ollama_server import FakeOllama
from lab_pipelines_tests.faults import write_synthetic_inbox
from lab_pipelines_tests.fixtures import SAMPLES

RUNS = "{ runsOrError { ... on Runs { results { runId status } } } }"


def completed_ticks(home, since: float) -> dict[str, int]:  # noqa: ANN001
    """How many ticks each sensor finished after ``since``."""
    with dg.DagsterInstance.from_config(str(home)) as instance:
        found = {}
        for state in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR):
            ticks = instance.get_ticks(state.instigator_origin_id, state.selector_id, after=since)
            done = [t for t in ticks if t.status.value != "STARTED"]
            found[state.name] = max(found.get(state.name, 0), len(done))
        return found


def all_runs(home) -> list[dg.DagsterRun]:  # noqa: ANN001
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return list(instance.get_runs())


def test_make_run_then_make_dev(tmp_path, fake_gemini):
    shutil.copytree(SAMPLES / "inbox", tmp_path / "inbox")
    shutil.copytree(SAMPLES / "requests", tmp_path / "requests")
    with FakeOllama(slots=8) as ollama:
        live = {
            "LAB_BACKEND": "live",
            "OLLAMA_HOST": ollama.url,
            "LAB_GEMINI_BASE_URL": fake_gemini.url,
            "GEMINI_API_KEY": "test-key-not-secret",
        }
        command = [sys.executable, "-m", "lab_pipelines.cli", "run", "--timeout", "600"]
        made = subprocess.run(
            command,
            cwd=project_root(),
            env=lab_env(tmp_path, **live),
            capture_output=True,
            text=True,
            timeout=700,
        )
        assert made.returncode == 0, made.stdout[-3000:] + made.stderr[-3000:]
        assert "outputs in" in made.stdout
        cli_runs = {r.run_id for r in all_runs(tmp_path / "home")}
        assert len(cli_runs) >= 2  # documents, then the requests' answers
        assert 1 <= ollama.max_in_flight <= 2

        since = time.time()
        with dagster_dev(tmp_path, LAB_SENSOR_INTERVAL_S="3", **live) as dev:
            dev.wait_until(
                lambda: all(
                    completed_ticks(dev.home, since).get(name, 0) >= 2
                    for name in ("inbox_sensor", "requests_sensor")
                ),
                180,
                "two ticks of each folder sensor",
            )
            assert {r.run_id for r in all_runs(dev.home)} == cli_runs  # nothing launched again
            shown = {r["runId"] for r in dev.graphql(RUNS)["runsOrError"]["results"]}
            assert shown == cli_runs  # the UI's Runs page lists the command's runs

            # New documents while make dev is up, and the command run at the same moment: it
            # waits for make dev's daemon, and the pool keeps Ollama at two requests.
            write_synthetic_inbox(dev.inbox / "more", 30)
            joined = dev.cli("run", "--timeout", "600", timeout_s=700)
            assert joined.returncode == 0, joined.stdout[-3000:] + joined.stderr[-3000:]
            assert "a Dagster daemon is running" in joined.stdout
    assert ollama.max_in_flight <= 2
