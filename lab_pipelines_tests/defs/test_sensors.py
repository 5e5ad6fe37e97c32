"""The inbox and requests sensors through the real daemon (`dagster dev`), as an owner meets them.

Each test changes files the way a person does and waits for what the daemon makes of it: runs
in the instance, rows in LanceDB, hits in `lab-pipelines search`. The tests on the offline
backends share one `dagster dev` (`shared_dev`): each works in its own inbox folder, with words
no other test writes, and counts only the runs created since it began.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import dagster as dg
import pytest

from lab_pipelines.cli import main
from lab_pipelines.defs.dagster_private import InstigatorType
from lab_pipelines.store import Store
from lab_pipelines_tests.daemon import DagsterDev, dagster_dev
from lab_pipelines_tests.doubles.ollama_server import FakeOllama

INTERVAL_S = 3  # LAB_SENSOR_INTERVAL_S in these tests
FIRST = "# Quokka notes\n\nThe quokka census runs on node A every spring.\n"
EDITED = "# Marmot notes\n\nThe marmot census moved to node B this winter.\n"
WOMBAT = "# Wombat notes\n\nThe wombat census runs on node A every autumn.\n"
QUESTION = "Where does the wombat census run?\n"


def search(dev: DagsterDev, query: str, monkeypatch, capsys) -> list[str]:  # noqa: ANN001
    """`lab-pipelines search QUERY --json` over the lab, as its owner would type it."""
    for name, value in dev.env.items():
        if name.startswith(("LAB_", "DAGSTER_HOME")):
            monkeypatch.setenv(name, value)
    capsys.readouterr()
    main(["search", query, "--k", "3", "--json", "--mode", "fts"])
    return [json.loads(line)["doc_id"] for line in capsys.readouterr().out.splitlines()]


def instance(dev: DagsterDev) -> dg.DagsterInstance:
    return dg.DagsterInstance.from_config(str(dev.home))


def runs_of(dev: DagsterDev, job: str, since: float | None = None) -> list[dg.DagsterRun]:
    """The runs of ``job``; only those created after ``since`` when given."""
    created_after = None if since is None else datetime.fromtimestamp(since, UTC)
    with instance(dev) as inst:
        return list(inst.get_runs(dg.RunsFilter(job_name=job, created_after=created_after)))


def wait_for_run_after(dev: DagsterDev, job: str, since: float) -> dg.DagsterRun:
    """The first run of ``job`` created after ``since``; fail if the sensor took longer than
    two intervals (plus the settle time and a tick's own work) to ask for it."""

    def created() -> dg.DagsterRun | None:
        with instance(dev) as inst:
            records = inst.get_run_records(dg.RunsFilter(job_name=job))
        fresh = [r for r in records if r.create_timestamp.timestamp() > since]
        return min(fresh, key=lambda r: r.create_timestamp).dagster_run if fresh else None

    run = dev.wait_until(created, 4 * INTERVAL_S + 30, f"a {job} run")
    with instance(dev) as inst:
        record = inst.get_run_record_by_id(run.run_id)
    latency = record.create_timestamp.timestamp() - since
    assert latency <= 2 * INTERVAL_S + 1 + 10, f"the sensor asked after {latency:.1f} s"
    return run


def test_a_failed_runs_documents_are_asked_for_again_on_a_later_tick(tmp_path, fake_gemini):
    (tmp_path / "inbox").mkdir()
    for i in range(3):
        (tmp_path / "inbox" / f"doc-{i}.md").write_text(FIRST + f"\nPart {i}.\n")
    with FakeOllama() as ollama:
        # The first summary request finds no model: the run fails at once, naming the fix.
        ollama.fail_next(1, 404, "model 'exaone3.5:7.8b' not found", path="/api/chat")
        live = {
            "LAB_BACKEND": "live",
            "OLLAMA_HOST": ollama.url,
            "LAB_GEMINI_BASE_URL": fake_gemini.url,
            "GEMINI_API_KEY": "test-key-not-secret",
            "LAB_OLLAMA_RETRY_DELAY_MS": "20",
            "LAB_SENSOR_INTERVAL_S": str(INTERVAL_S),
        }
        with dagster_dev(tmp_path, **live) as dev:

            def settled() -> list[dg.DagsterRun] | None:
                runs = runs_of(dev, "document_pipeline")
                done = [r for r in runs if r.status == dg.DagsterRunStatus.SUCCESS]
                return runs if done else None

            runs = dev.wait_until(settled, 300, "a successful retry")
    by_attempt = {r.tags["lab/attempt"]: r for r in runs}
    assert by_attempt["1"].status == dg.DagsterRunStatus.FAILURE
    assert by_attempt["2"].status == dg.DagsterRunStatus.SUCCESS
    assert by_attempt["2"].tags["lab/documents"] == "3"
    store = Store(tmp_path / "data" / "lancedb")
    assert set(store.summaries([f"doc-{i}.md" for i in range(3)])) == {
        f"doc-{i}.md" for i in range(3)
    }


# 10,000 files make 100 queued runs, and the daemon takes 3-25 s to create each ranged run on
# this machine (more when it is loaded): the full size is opt-in (LAB_SLOW_TESTS=1); CI runs
# 300 files, 3 runs. The cursor holds no index, so its size does not depend on the count.
FILES = 10_000 if os.environ.get("LAB_SLOW_TESTS") else 300


@pytest.mark.parametrize("files", [FILES])
def test_the_cursor_stays_small_over_many_files(tmp_path, files):
    inbox = tmp_path / "inbox"
    for i in range(files):
        folder = inbox / f"f{i // 500:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"note-{i:05d}.md").write_text(f"# Note {i}\n\nBody {i}.\n")
    with dagster_dev(tmp_path, LAB_SENSOR_INTERVAL_S=str(INTERVAL_S)) as dev:
        with instance(dev) as inst:
            for pool in ("ollama", "lancedb"):
                inst.event_log_storage.set_concurrency_slots(pool, 0)  # measure ticks, not runs

        def ticks() -> list | None:
            with instance(dev) as inst:
                states = inst.all_instigator_state(instigator_type=InstigatorType.SENSOR)
                state = next((s for s in states if s.name == "inbox_sensor"), None)
                if state is None:
                    return None
                found = inst.get_ticks(state.instigator_origin_id, state.selector_id)
                done = [t for t in found if t.status.value != "STARTED"]
                return (state, done) if len(done) >= 4 else None

        state, done = dev.wait_until(ticks, 300 + files * 0.6, "four inbox ticks")
        with instance(dev) as inst:
            assert len(inst.get_dynamic_partitions("documents")) == files
            assert len(runs_of(dev, "document_pipeline")) == files // 100
    cursor = state.instigator_data.cursor
    assert len(cursor.encode()) <= 1024, cursor
    quiet = [t for t in done if not t.run_ids]
    per_tick = sum(len(dg.serialize_value(t.tick_data)) for t in quiet) / len(quiet)
    per_day_mb = per_tick * 86_400 / 30 / 1e6  # one tick every 30 s, the shipped interval
    print(
        f"\n{files} files: cursor {len(cursor)} bytes; a quiet tick row {per_tick:.0f} bytes "
        f"→ {per_day_mb:.2f} MB of tick rows a day at 30 s ticks (was ~1.3 GB with the index)"
    )
    assert per_day_mb < 5


@pytest.fixture(scope="module")
def shared_dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DagsterDev]:
    """One `dagster dev` on the offline backends for the tests below, which can share an
    instance; its first tick sees an empty inbox. (Set up by the first of them, at the end of
    the module, so it is not running beside the tests that start their own.)"""
    with dagster_dev(
        tmp_path_factory.mktemp("shared-lab"), LAB_SENSOR_INTERVAL_S=str(INTERVAL_S)
    ) as dev:
        yield dev


def test_drop_edit_revert_delete_and_drop_again_each_reach_search(
    shared_dev: DagsterDev, monkeypatch, capsys
):
    dev, began = shared_dev, time.time()
    (dev.inbox / "lifecycle").mkdir()
    note = dev.inbox / "lifecycle" / "note.md"
    doc_id = "lifecycle/note.md"
    store = Store(dev.data / "lancedb")
    steps = [("drop", FIRST, "quokka"), ("edit", EDITED, "marmot"), ("revert", FIRST, "quokka")]
    for step, text, word in steps:
        since = time.time()
        note.write_text(text, encoding="utf-8")
        run = wait_for_run_after(dev, "document_pipeline", since)
        dev.wait_until(
            lambda word=word: search(dev, word, monkeypatch, capsys)[:1] == [doc_id],
            120,
            f"search to find the note after the {step} (run {run.run_id})",
        )
        other = "marmot" if word == "quokka" else "quokka"
        assert doc_id not in search(dev, other, monkeypatch, capsys), step

    note.unlink()
    dev.wait_until(lambda: store.documents([doc_id]) == [], 2 * INTERVAL_S + 30, "delete")
    assert search(dev, "quokka", monkeypatch, capsys) == []
    with instance(dev) as inst:
        assert doc_id not in inst.get_dynamic_partitions("documents")

    since = time.time()
    note.write_text(FIRST, encoding="utf-8")  # the same bytes as the first drop
    wait_for_run_after(dev, "document_pipeline", since)
    dev.wait_until(
        lambda: search(dev, "quokka", monkeypatch, capsys)[:1] == [doc_id],
        120,
        "search to find the note dropped back",
    )
    # Four runs for four changes: none was skipped as a run key seen before.
    assert len(runs_of(dev, "document_pipeline", since=began)) == 4


def test_a_request_deleted_and_re_added_is_answered_again(shared_dev: DagsterDev):
    dev, began = shared_dev, time.time()
    (dev.inbox / "answers").mkdir()
    (dev.inbox / "answers" / "node.md").write_text(WOMBAT, encoding="utf-8")
    question = dev.requests / "census.md"
    question.write_text(QUESTION, encoding="utf-8")
    store = Store(dev.data / "lancedb")
    answered = lambda: store.count("outputs", "request_id = 'census.md'") == 1  # noqa: E731
    dev.wait_until(answered, 240, "the first answer")
    question.unlink()
    dev.wait_until(lambda: not answered(), 2 * INTERVAL_S + 30, "the answer to go")
    since = time.time()
    question.write_text(QUESTION, encoding="utf-8")
    wait_for_run_after(dev, "generation", since)
    dev.wait_until(answered, 120, "the answer to the re-added request")
    assert len(runs_of(dev, "generation", since=began)) == 2


def test_a_document_deleted_while_a_queued_run_covers_it(shared_dev: DagsterDev):
    dev, began = shared_dev, time.time()
    queue = dev.inbox / "queue"
    queue.mkdir()
    a, b, c = (f"queue/{name}.md" for name in ("a", "b", "c"))
    with instance(dev) as inst:  # hold every run in the queue: no pool slot free
        limits = {p.name: p.limit for p in inst.event_log_storage.get_pool_limits()}
        for pool in ("ollama", "lancedb"):
            inst.event_log_storage.set_concurrency_slots(pool, 0)
    try:
        for name in ("a", "b", "c"):
            (queue / f"{name}.md").write_text(f"# Numbat notes\n\nNumbat note {name}.\n")
        queued = dev.wait_until(
            lambda: [
                r
                for r in runs_of(dev, "document_pipeline", since=began)
                if r.status.value == "QUEUED"
            ],
            60,
            "a queued run",
        )[0]
        assert queued.tags["lab/documents"] == "3"
        (queue / "b.md").unlink()
        time.sleep(3 * INTERVAL_S)  # three ticks see the deletion while the run waits
        with instance(dev) as inst:
            assert b in inst.get_dynamic_partitions("documents")  # its range still holds
    finally:
        with instance(dev) as inst:  # the pools as they were (the shipped limit of 1)
            for pool in ("ollama", "lancedb"):
                inst.event_log_storage.set_concurrency_slots(pool, limits.get(pool, 1))
    store = Store(dev.data / "lancedb")

    def finished() -> dg.DagsterRun | None:
        with instance(dev) as inst:
            run = inst.get_run_by_id(queued.run_id)
            gone = b not in inst.get_dynamic_partitions("documents")
        return run if run.is_finished and gone else None

    run = dev.wait_until(finished, 240, "the run to end and b.md to go")
    assert run.status == dg.DagsterRunStatus.SUCCESS
    assert set(store.summaries([a, b, c])) == {a, c}
    assert store.documents([b]) == []
