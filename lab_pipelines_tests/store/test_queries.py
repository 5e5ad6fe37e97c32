"""The named queries callers ask instead of writing filters."""

from datetime import UTC, datetime

from lab_pipelines.store import Store
from lab_pipelines.store.rows import OutputRow
from lab_pipelines_tests.store.builders import document, usage


def test_documents_by_status(tmp_path):
    store = Store(tmp_path)
    store.upsert_documents([document("b.md"), document("a.md"), document("x.bin", "skipped")])
    assert store.ok_document_ids() == ["a.md", "b.md"]
    assert store.count_documents("ok") == 2
    assert store.count_documents("skipped") == 1
    assert store.count_documents() == 3
    assert {d["doc_id"] for d in store.ok_documents(["doc_id", "title"])} == {"a.md", "b.md"}
    assert store.skipped_documents(["doc_id", "skip_reason"]) == [
        {"doc_id": "x.bin", "skip_reason": "empty"}
    ]


def test_usage_by_asset_and_day(tmp_path):
    store = Store(tmp_path)
    store.record_usage(
        [
            usage("1", "summaries", "2026-12-01"),
            usage("2", "embeddings", "2026-12-01"),
            usage("3", "summaries", "2026-12-02"),
        ]
    )
    assert {r["usage_id"] for r in store.usage(asset="summaries")} == {"1", "3"}
    assert {r["usage_id"] for r in store.usage(day="2026-12-01")} == {"1", "2"}
    assert [r["usage_id"] for r in store.usage(asset="summaries", day="2026-12-02")] == ["3"]
    assert len(store.usage()) == 3


def test_outputs_are_read_back_as_written(tmp_path):
    store = Store(tmp_path)
    now = datetime.now(UTC)
    row = OutputRow("it's.md", "q?", "# q", ["a.md"], "m", "offline", 1, 2, 0, "key", now)
    store.upsert_output(row)
    assert store.output("it's.md") == row.as_record()
    assert store.outputs(["it's.md", "none"], ["request_id"]) == [{"request_id": "it's.md"}]
    store.delete_output("it's.md")
    assert store.output("it's.md") is None
