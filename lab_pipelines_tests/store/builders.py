"""Typed rows for the store tests: vectors of 4 dimensions, documents and chunks."""

from datetime import UTC, datetime

from lab_pipelines.store.rows import ChunkRow, DocumentRow, UsageRow
from lab_pipelines.store.vectors import EmbeddingRow

DIM = 4


def vectors(doc_id: str, texts: list[str], head: str = "") -> list[EmbeddingRow]:
    """One chunk row per text, its vector distinct by position."""
    return [
        EmbeddingRow.indexed(
            row_id=f"{doc_id}#{i}",
            doc_id=doc_id,
            kind="chunk",
            seq=i,
            text=t,
            head_text=head,
            embed_key=f"k-{t}",
            vector=[1.0, 0.0, 0.0, float(i)],
        )
        for i, t in enumerate(texts)
    ]


def document(doc_id: str, status: str = "ok", title: str = "", **changes) -> DocumentRow:  # noqa: ANN003
    fields = {
        "doc_id": doc_id,
        "path": doc_id,
        "title": title or doc_id,
        "format": "markdown",
        "lang": "en",
        "encoding": "utf-8",
        "text": "Back up the node nightly.",
        "source_hash": "s",
        "content_hash": "c",
        "n_chars": 25,
        "status": status,
        "skip_reason": "" if status == "ok" else "empty",
        "updated_at": datetime.now(UTC),
    }
    return DocumentRow(**{**fields, **changes})


def chunk(doc_id: str, seq: int = 0, text: str = "one", heading: str = "") -> ChunkRow:
    return ChunkRow(f"{doc_id}#{seq}", doc_id, seq, heading, text, "p")


def usage(
    usage_id: str, asset: str = "summaries", day: str = "2026-12-01", calls: int = 1
) -> UsageRow:
    return UsageRow(
        usage_id, "run", asset, day, "ollama", "m", calls, 10, 5, 1, 0.5, 0.0, 0.01,
        datetime.now(UTC),
    )  # fmt: skip
