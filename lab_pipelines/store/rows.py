"""The store's tables: their names, Arrow schemas, and the typed rows the stages write
(the per-model vector tables' own are in lab_pipelines.store.vectors).

A row class is its table: its fields are the columns, in order, and ``schema_of`` reads the
Arrow schema off their types (``Int32`` where a stored column is 32-bit; every field is
nullable, as in the tables already stored). Not LanceDB's pydantic ``LanceModel``: a row is not
validated twice on its way to Arrow, and the vector tables' schema, whose width depends on the
model and whose ``terms`` field carries the index-term version, stays explicit
(lab_pipelines.store.vectors). Reads return Arrow's plain dicts (``to_pylist``), keyed by the
same column names.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Annotated, Any, ClassVar, get_args, get_origin, get_type_hints

import pyarrow as pa

DOCUMENTS = "documents"
CHUNKS = "chunks"
SUMMARIES = "summaries"
OUTPUTS = "outputs"
USAGE = "model_usage"  # the cost ledger's source: one row per step and model
QUERY_VECTORS = "query_vectors"  # questions already embedded: asking again costs no model call

Int32 = Annotated[int, pa.int32()]  # a 32-bit column (Python's int is stored as int64)

_ARROW_TYPES: dict[Any, pa.DataType] = {
    str: pa.string(),
    int: pa.int64(),
    float: pa.float64(),
    datetime: pa.timestamp("us", tz="UTC"),
    list[str]: pa.list_(pa.string()),
    list[float]: pa.list_(pa.float32()),
}


class Row:
    """A typed row of one table (the subclasses are slotted, frozen dataclasses)."""

    __slots__ = ()
    TABLE: ClassVar[str]
    KEY: ClassVar[str]  # the merge key: a row with a stored key replaces that row

    def as_record(self) -> dict[str, Any]:
        """The row as its table returns it: column name -> value."""
        return {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]


@functools.cache
def schema_of(row_type: type[Row]) -> pa.Schema:
    """The Arrow schema of a row class: one field per dataclass field, typed from its hint."""
    hints = get_type_hints(row_type, include_extras=True)
    columns = []
    for f in fields(row_type):  # type: ignore[arg-type]
        hint = hints[f.name]
        arrow = get_args(hint)[1] if get_origin(hint) is Annotated else _ARROW_TYPES[hint]
        columns.append(pa.field(f.name, arrow))
    return pa.schema(columns)


def arrow_table(rows: Sequence[Row], schema: pa.Schema) -> pa.Table:
    """Rows as one Arrow table of ``schema``, column by column (no per-row dict)."""
    return pa.Table.from_pydict(
        {name: [getattr(row, name) for row in rows] for name in schema.names}, schema=schema
    )


# kw_only: the fields keep the columns' order and may still have defaults.
@dataclass(frozen=True, slots=True, kw_only=True)
class DocumentRow(Row):
    """A file of the inbox: its text once parsed, or why it was skipped."""

    TABLE: ClassVar[str] = DOCUMENTS
    KEY: ClassVar[str] = "doc_id"
    doc_id: str
    path: str
    title: str
    format: str = ""
    lang: str = ""
    encoding: str = ""
    text: str = ""
    source_hash: str = ""  # of the file's bytes: unchanged bytes are not re-parsed
    content_hash: str = ""  # of the normalised text: what model calls are keyed on
    n_chars: int = 0
    status: str = "skipped"  # "ok" | "skipped"
    skip_reason: str = ""
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ChunkRow(Row):
    TABLE: ClassVar[str] = CHUNKS
    KEY: ClassVar[str] = "chunk_id"
    chunk_id: str
    doc_id: str
    seq: Int32
    heading: str
    text: str
    plan_key: str


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
    parts: Int32
    updated_at: datetime


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


@dataclass(frozen=True, slots=True)
class UsageRow(Row):
    TABLE: ClassVar[str] = USAGE
    KEY: ClassVar[str] = "usage_id"
    usage_id: str  # run id : asset : model — a retried step overwrites its row
    run_id: str
    asset: str
    day: str  # YYYY-MM-DD in the lab's timezone
    backend: str
    model: str
    calls: int
    input_tokens: int
    output_tokens: int  # thinking included, as billed
    documents: int
    seconds: float
    cost_usd: float
    gemini_equivalent_usd: float
    created_at: datetime


@dataclass(frozen=True, slots=True)
class QueryVectorRow(Row):
    TABLE: ClassVar[str] = QUERY_VECTORS
    KEY: ClassVar[str] = "embed_key"
    embed_key: str  # "<model>:<embedding key of the prefixed question>"
    vector: list[float]


# Every row class of a fixed schema (EmbeddingRow: lab_pipelines.store.vectors).
ROW_TYPES: tuple[type[Row], ...] = (
    DocumentRow,
    ChunkRow,
    SummaryRow,
    OutputRow,
    UsageRow,
    QueryVectorRow,
)
