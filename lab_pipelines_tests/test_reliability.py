"""Faults the home lab really sees, injected at the protocol doubles and in real processes.

After each scenario the same invariant is checked: every inbox document has exactly one
current set of chunks, vectors and summary in LanceDB, none lost, none duplicated, none stale.
"""

import os
import shutil
import signal
import subprocess
import sys
import threading
import time

from lab_pipelines_tests.doubles.gemini_server import FakeGemini
from lab_pipelines_tests.doubles.ollama_server import FakeOllama
from lab_pipelines_tests.faults import run_expecting_failure, write_synthetic_inbox
from lab_pipelines_tests.runs import materialize_lab, register_lab


def recovers(lab, ollama_url: str, gemini_url: str) -> None:  # noqa: ANN001
    """After a fault: a re-run with healthy servers completes and the invariant holds."""
    lab.use_doubles(ollama_url, gemini_url)
    materialize_lab()
    assert lab.invariant_problems() == []


def test_ollama_unreachable_when_the_run_starts(lab, fake_gemini, capsys):
    with FakeOllama() as dead:
        url = dead.url
    lab.use_doubles(url, fake_gemini.url)
    printed = run_expecting_failure(capsys)
    assert "unreachable" in printed and "OLLAMA_HOST" in printed
    assert lab.store().count("documents") == 6  # the steps before Ollama kept their work
    with FakeOllama() as ollama:
        recovers(lab, ollama.url, fake_gemini.url)


def test_ollama_dies_in_the_middle_of_a_50_document_run_and_the_rerun_finishes_the_rest(
    lab, fake_gemini, capsys
):
    shutil.rmtree(lab.inbox)
    write_synthetic_inbox(lab.inbox, 50)
    with FakeOllama(base_latency=0.05) as ollama:
        lab.use_doubles(ollama.url, fake_gemini.url)
        lab.monkeypatch.setenv("LAB_OLLAMA_RETRIES", "2")

        def kill_after_20_summaries() -> None:
            deadline = time.monotonic() + 60
            while ollama.count("/api/chat") < 20 and time.monotonic() < deadline:
                time.sleep(0.01)
            ollama.close()  # the inference node reboots

        killer = threading.Thread(target=kill_after_20_summaries)
        killer.start()
        printed = run_expecting_failure(capsys)
        killer.join(timeout=60)
    assert "Ollama" in printed
    kept = lab.store().count("summaries")
    assert 15 <= kept < 50  # what finished before the fault was committed
    with FakeOllama() as restarted:
        recovers(lab, restarted.url, fake_gemini.url)
        assert restarted.count("/api/chat") == 50 - kept  # only the unfinished summaries


def test_a_busy_ollama_is_waited_out(lab, fake_ollama, fake_gemini):
    busy = "server busy, please try again.  maximum pending requests exceeded"
    fake_ollama.fail_next(3, 503, busy, path="/api/chat")
    recovers(lab, fake_ollama.url, fake_gemini.url)
    assert [c.status for c in fake_ollama.calls_to("/api/chat")].count(503) == 3
    assert fake_ollama.count("/api/chat") == 6 + 3


def test_a_missing_model_names_the_pull_command(lab, fake_ollama, fake_gemini, capsys):
    fake_ollama.remove_model("exaone3.5:7.8b")
    lab.use_doubles(fake_ollama.url, fake_gemini.url)
    printed = run_expecting_failure(capsys)
    assert "ollama pull" in printed and "exaone3.5:7.8b" in printed
    with FakeOllama() as ollama:
        recovers(lab, ollama.url, fake_gemini.url)


def test_a_response_slower_than_the_timeout_fails_with_the_setting_to_raise(
    lab, fake_ollama, fake_gemini, capsys
):
    lab.use_doubles(fake_ollama.url, fake_gemini.url)
    lab.monkeypatch.setenv("LAB_OLLAMA_TIMEOUT_S", "1")
    fake_ollama.delay_next(1, 3.0, path="/api/chat")
    printed = run_expecting_failure(capsys)
    assert "LAB_OLLAMA_TIMEOUT_S" in printed
    lab.monkeypatch.setenv("LAB_OLLAMA_TIMEOUT_S", "30")
    recovers(lab, fake_ollama.url, fake_gemini.url)


def test_gemini_rate_limit_with_retry_delay_and_a_server_error_storm(lab, fake_ollama, fake_gemini):
    fake_gemini.fail_next(1, 429, "Resource has been exhausted", retry_delay="1s")
    fake_gemini.fail_next(2, 503, "The model is overloaded")
    recovers(lab, fake_ollama.url, fake_gemini.url)
    statuses = [c.status for c in fake_gemini.calls_to(":generateContent")]
    assert statuses.count(429) == 1 and statuses.count(503) == 2 and statuses.count(200) == 2


def test_gemini_timeout_and_a_permanent_error_fail_the_step_clearly(
    lab, fake_ollama, fake_gemini, capsys
):
    lab.use_doubles(fake_ollama.url, fake_gemini.url)
    fake_gemini.fail_next(20, 500, "Internal error encountered.")
    printed = run_expecting_failure(capsys)
    assert "Gemini answered 500" in printed
    assert lab.store().count("summaries") == 6  # the documents are not touched by it
    fake_gemini.reset()
    lab.monkeypatch.setenv("LAB_GEMINI_TIMEOUT_S", "1")
    fake_gemini.delay_next(20, 3.0)
    printed = run_expecting_failure(capsys)
    assert "LAB_GEMINI_TIMEOUT_S" in printed
    fake_gemini.reset()
    lab.monkeypatch.setenv("LAB_GEMINI_TIMEOUT_S", "30")
    recovers(lab, fake_ollama.url, fake_gemini.url)


def test_an_invalid_gemini_key_fails_at_once_without_a_retry_loop(lab, fake_ollama, capsys):
    with FakeGemini(valid_keys={"the-right-key"}) as gemini:
        lab.use_doubles(fake_ollama.url, gemini.url)
        printed = run_expecting_failure(capsys)
        assert "GEMINI_API_KEY" in printed
        assert gemini.count(":generateContent") == 1  # the first request; no retries
        assert "test-key-not-secret" not in printed


def test_a_run_killed_mid_write_is_retried_to_a_consistent_store(lab, fake_gemini):
    shutil.rmtree(lab.inbox)
    write_synthetic_inbox(lab.inbox, 30)
    with FakeOllama(base_latency=0.02) as ollama:
        lab.use_doubles(ollama.url, fake_gemini.url)
        process = subprocess.Popen(
            [sys.executable, "-m", "lab_pipelines_tests.runs"],
            env=dict(os.environ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        # Kill it with SIGKILL right after vectors come back: it is writing them to LanceDB.
        while ollama.count("/api/embed") < 1 and time.monotonic() < deadline:
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL
        recovers(lab, ollama.url, fake_gemini.url)


def test_sensor_and_night_backfill_runs_on_the_same_documents_at_once(
    lab, fake_ollama, fake_gemini
):
    lab.use_doubles(fake_ollama.url, fake_gemini.url)
    materialize_lab()  # the lab is running: its instance and tables exist
    write_synthetic_inbox(lab.inbox, 20)  # then 20 documents arrive,
    register_lab()  # a sensor tick makes them partitions, and two runs race over them
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "lab_pipelines_tests.runs"],
            env=dict(os.environ),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(2)
    ]
    for run in runs:
        out, _ = run.communicate(timeout=300)
        assert run.returncode == 0, out.decode(errors="replace")[-2000:]
    assert lab.invariant_problems() == []
