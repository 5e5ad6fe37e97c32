"""The store's tables: their names, Arrow schemas, and the typed rows the stages write.

A row class's fields are its table's columns, in the schema's order. The schemas stay
explicit Arrow (not LanceDB's pydantic ``LanceModel``): stored tables have int32 columns, a
UTC timestamp, nullable fields and a column whose metadata names the index-term version, none
of which a model's type hints would reproduce, and a row is not validated twice on its way to
Arrow. Reads return Arrow's plain dicts (``to_pylist``), keyed by the same column names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, ClassVar

import pyarrow as pa

from lab_pipelines.text.index_terms import INDEX_TERMS_VERSION, index_terms

DOCUMENTS = "documents"
CHUNKS = "chunks"
SUMMARIES = "summaries"
OUTPUTS = "outputs"
USAGE = "model_usage"  # the cost ledger's source: one row per step and model
QUERY_VECTORS = "query_vectors"  # questions already embedded: asking again costs no model call
EMBEDDINGS_PREFIX = "embeddings__"

_ts = pa.timestamp("us", tz="UTC")


def embeddings_table_name(model: str) -> str:
    """One vector table per embedding model: switching models never mixes vector spaces."""
    return EMBEDDINGS_PREFIX + re.sub(r"[^A-Za-z0-9_]+", "_", model).strip("_").lower()


def search_terms(text: str) -> str:
    """The text's index terms (lab_pipelines.text.index_terms: English stems without stop
    words, Korean content morphemes, so 백업 finds 백업을) as one space-separated string,
    indexed with LanceDB's whitespace tokenizer: a few tokens per query instead of every
    2-3-gram of it (at 100k chunks ~3 ms instead of ~770 ms, bench/RESULTS.md, figure 6)."""
    return " ".join(index_terms(text))


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


def embeddings_schema(dim: int) -> pa.Schema:
    return pa.schema(
        [
            ("row_id", pa.string()),  # chunk_id, or "<doc_id>#summary"
            ("doc_id", pa.string()),
            ("kind", pa.string()),  # "chunk" | "summary"
            ("seq", pa.int32()),
            ("text", pa.string()),  # what was embedded
            # search_terms(text): what the full-text index holds; the field's metadata names
            # the term function's version, so a store of older terms is re-tokenised
            # (lab_pipelines.store.migrations).
            pa.field("terms", pa.string(), metadata={"index_terms": INDEX_TERMS_VERSION}),
            ("head", pa.string()),  # search_terms(title + heading path): a boosted field
            ("embed_key", pa.string()),
            ("vector", pa.list_(pa.float32(), dim)),
        ]
    )


@dataclass(frozen=True, slots=True)
class EmbeddingRow(Row):
    """One vector of an ``embeddings__<model>`` table (its table name depends on the model)."""

    KEY: ClassVar[str] = "row_id"
    row_id: str
    doc_id: str
    kind: str
    seq: int
    text: str
    terms: str
    head: str
    embed_key: str
    vector: list[float]

    @classmethod
    def indexed(
        cls,
        *,
        row_id: str,
        doc_id: str,
        kind: str,
        seq: int,
        text: str,
        head_text: str,
        embed_key: str,
        vector: list[float],
    ) -> EmbeddingRow:
        """The row with its full-text terms computed from ``text`` and ``head_text``."""
        return cls(
            row_id,
            doc_id,
            kind,
            seq,
            text,
            search_terms(text),
            search_terms(head_text),
            embed_key,
            vector,
        )


# Every row class and the schema its table is written with (embeddings: any dimension).
ROW_SCHEMAS: dict[type[Row], pa.Schema] = {
    DocumentRow: DOCUMENTS_SCHEMA,
    ChunkRow: CHUNKS_SCHEMA,
    SummaryRow: SUMMARIES_SCHEMA,
    OutputRow: OUTPUTS_SCHEMA,
    UsageRow: USAGE_SCHEMA,
    QueryVectorRow: QUERY_VECTORS_SCHEMA,
    EmbeddingRow: embeddings_schema(1),
}
