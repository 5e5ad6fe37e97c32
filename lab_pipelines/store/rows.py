"""The store's tables: their names, Arrow schemas, and the typed rows the stages write
(the per-model vector tables' own are in lab_pipelines.store.vectors).

A row class's fields are its table's columns, in the schema's order. The schemas stay
explicit Arrow (not LanceDB's pydantic ``LanceModel``): stored tables have int32 columns, a
UTC timestamp, nullable fields and a column whose metadata names the index-term version, none
of which a model's type hints would reproduce, and a row is not validated twice on its way to
Arrow. Reads return Arrow's plain dicts (``to_pylist``), keyed by the same column names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, ClassVar

import pyarrow as pa

DOCUMENTS = "documents"
CHUNKS = "chunks"
SUMMARIES = "summaries"
OUTPUTS = "outputs"
USAGE = "model_usage"  # the cost ledger's source: one row per step and model
QUERY_VECTORS = "query_vectors"  # questions already embedded: asking again costs no model call

_ts = pa.timestamp("us", tz="UTC")


class Row:
    """A typed row of one table (the subclasses are slotted, frozen dataclasses)."""

    __slots__ = ()
    TABLE: ClassVar[str]
    KEY: ClassVar[str]  # the merge key: a row with a stored key replaces that row

    def as_record(self) -> dict[str, Any]:
        """The row as its table returns it: column name -> value."""
        return {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]


def arrow_table(rows: Sequence[Row], schema: pa.Schema) -> pa.Table:
    """Rows as one Arrow table of ``schema``, column by column (no per-row dict)."""
    return pa.Table.from_pydict(
        {name: [getattr(row, name) for row in rows] for name in schema.names}, schema=schema
    )


DOCUMENTS_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("path", pa.string()),
        ("title", pa.string()),
        ("format", pa.string()),
        ("lang", pa.string()),
        ("encoding", pa.string()),
        ("text", pa.string()),
        ("source_hash", pa.string()),  # of the file's bytes: unchanged bytes are not re-parsed
        ("content_hash", pa.string()),  # of the normalised text: what model calls are keyed on
        ("n_chars", pa.int64()),
        ("status", pa.string()),  # "ok" | "skipped"
        ("skip_reason", pa.string()),
        ("updated_at", _ts),
    ]
)


@dataclass(frozen=True, slots=True)
class DocumentRow(Row):
    TABLE: ClassVar[str] = DOCUMENTS
    KEY: ClassVar[str] = "doc_id"
    doc_id: str
    path: str
    title: str
    format: str
    lang: str
    encoding: str
    text: str
    source_hash: str
    content_hash: str
    n_chars: int
    status: str
    skip_reason: str
    updated_at: datetime


CHUNKS_SCHEMA = pa.schema(
    [
        ("chunk_id", pa.string()),
        ("doc_id", pa.string()),
        ("seq", pa.int32()),
        ("heading", pa.string()),
        ("text", pa.string()),
        ("plan_key", pa.string()),
    ]
)


@dataclass(frozen=True, slots=True)
class ChunkRow(Row):
    TABLE: ClassVar[str] = CHUNKS
    KEY: ClassVar[str] = "chunk_id"
    chunk_id: str
    doc_id: str
    seq: int
    heading: str
    text: str
    plan_key: str


SUMMARIES_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("summary", pa.string()),
        ("lang", pa.string()),
        ("model", pa.string()),
        ("backend", pa.string()),
        ("summary_key", pa.string()),
        ("prompt_tokens", pa.int64()),
        ("output_tokens", pa.int64()),
        ("parts", pa.int32()),
        ("updated_at", _ts),
    ]
)


@dataclass(frozen=True, slots=True)
class SummaryRow(Row):
    TABLE: ClassVar[str] = SUMMARIES
    KEY: ClassVar[str] = "doc_id"
    doc_id: str
    summary: str
    lang: str
    model: str
    backend: str
    summary_key: str
    prompt_tokens: int
    output_tokens: int
    parts: int
    updated_at: datetime


OUTPUTS_SCHEMA = pa.schema(
    [
        ("request_id", pa.string()),
        ("question", pa.string()),
        ("markdown", pa.string()),
        ("cited_doc_ids", pa.list_(pa.string())),
        ("model", pa.string()),
        ("backend", pa.string()),
        ("prompt_tokens", pa.int64()),
        ("output_tokens", pa.int64()),
        ("thinking_tokens", pa.int64()),
        ("answer_key", pa.string()),
        ("updated_at", _ts),
    ]
)


@dataclass(frozen=True, slots=True)
class OutputRow(Row):
    TABLE: ClassVar[str] = OUTPUTS
    KEY: ClassVar[str] = "request_id"
    request_id: str
    question: str
    markdown: str
    cited_doc_ids: list[str]
    model: str
    backend: str
    prompt_tokens: int
    output_tokens: int
    thinking_tokens: int
    answer_key: str
    updated_at: datetime


USAGE_SCHEMA = pa.schema(
    [
        ("usage_id", pa.string()),  # run id : asset : model — a retried step overwrites its row
        ("run_id", pa.string()),
        ("asset", pa.string()),
        ("day", pa.string()),  # YYYY-MM-DD in the lab's timezone
        ("backend", pa.string()),
        ("model", pa.string()),
        ("calls", pa.int64()),
        ("input_tokens", pa.int64()),
        ("output_tokens", pa.int64()),  # thinking included, as billed
        ("documents", pa.int64()),
        ("seconds", pa.float64()),
        ("cost_usd", pa.float64()),
        ("gemini_equivalent_usd", pa.float64()),
        ("created_at", _ts),
    ]
)


@dataclass(frozen=True, slots=True)
class UsageRow(Row):
    TABLE: ClassVar[str] = USAGE
    KEY: ClassVar[str] = "usage_id"
    usage_id: str
    run_id: str
    asset: str
    day: str
    backend: str
    model: str
    calls: int
    input_tokens: int
    output_tokens: int
    documents: int
    seconds: float
    cost_usd: float
    gemini_equivalent_usd: float
    created_at: datetime


QUERY_VECTORS_SCHEMA = pa.schema([("embed_key", pa.string()), ("vector", pa.list_(pa.float32()))])


@dataclass(frozen=True, slots=True)
class QueryVectorRow(Row):
    TABLE: ClassVar[str] = QUERY_VECTORS
    KEY: ClassVar[str] = "embed_key"
    embed_key: str  # "<model>:<embedding key of the prefixed question>"
    vector: list[float]


# Every row class of a fixed schema and that schema (EmbeddingRow: lab_pipelines.store.vectors).
ROW_SCHEMAS: dict[type[Row], pa.Schema] = {
    DocumentRow: DOCUMENTS_SCHEMA,
    ChunkRow: CHUNKS_SCHEMA,
    SummaryRow: SUMMARIES_SCHEMA,
    OutputRow: OUTPUTS_SCHEMA,
    UsageRow: USAGE_SCHEMA,
    QueryVectorRow: QUERY_VECTORS_SCHEMA,
}
