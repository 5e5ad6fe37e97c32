"""`lab-pipelines run` after Ollama was down: what failed twice is done now, not at night.

The first command meets an Ollama double that answers every inference request 500, so each
document run fails and its sensor retry fails too, and the command exits naming the failures.
Once the double answers again, a second command (same instance, same unchanged inbox: the
inbox sensor sees nothing new) asks the sensor to catch up, and every document ends with its
summary and vectors, in runs tagged as the catch-up's.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import dagster as dg

from lab_pipelines.settings import project_root
from lab_pipelines.store import Store
from lab_pipelines_tests.daemon import lab_env
from lab_pipelines_tests.doubles.ollama_server import FakeOllama
from lab_pipelines_tests.fixtures import SAMPLES


def lab_run(root, **env: str) -> subprocess.CompletedProcess:  # noqa: ANN001
    return subprocess.run(
        [sys.executable, "-m", "lab_pipelines.cli", "run", "--timeout", "400"],
        cwd=project_root(),
        env=lab_env(root, **env),
        capture_output=True,
        text=True,
        timeout=500,
    )


def test_a_second_run_redoes_documents_whose_runs_failed_twice(tmp_path, fake_gemini):
    shutil.copytree(SAMPLES / "inbox" / "en", tmp_path / "inbox")
    (tmp_path / "requests").mkdir()
    documents = len(list((tmp_path / "inbox").iterdir()))
    with FakeOllama() as ollama:
        live = {
            "LAB_BACKEND": "live",
            "OLLAMA_HOST": ollama.url,
            "LAB_GEMINI_BASE_URL": fake_gemini.url,
            "GEMINI_API_KEY": "test-key-not-secret",
        }
        ollama.fail_after = 0  # a crashed model runner: every inference request answers 500
        down = lab_run(tmp_path, **live)
        assert down.returncode != 0, down.stdout[-2000:]
        assert "runs failed" in down.stderr, down.stderr[-2000:]

        ollama.fail_after = None
        back = lab_run(tmp_path, **live)
        assert back.returncode == 0, back.stdout[-3000:] + back.stderr[-3000:]

    store = Store(tmp_path / "data" / "lancedb")
    doc_ids = sorted(d["doc_id"] for d in store.ok_documents())
    assert len(doc_ids) == documents
    assert len(store.summaries(doc_ids)) == documents
    embedded = store.embedding_keys("bge-m3", doc_ids)
    assert sorted(d for d, keys in embedded.items() if keys) == doc_ids
    with dg.DagsterInstance.from_config(str(tmp_path / "home")) as instance:
        runs = list(instance.get_runs())
    by_trigger: dict[str, list[str]] = {}
    for run in runs:
        by_trigger.setdefault(run.tags.get("lab/trigger", "?"), []).append(run.status.value)
    # attempt 1 and the sensor's retry failed; the catch-up run of the second command succeeded
    assert by_trigger["inbox"] == ["FAILURE", "FAILURE"], by_trigger
    assert by_trigger["inbox-catch-up"] == ["SUCCESS"], by_trigger
