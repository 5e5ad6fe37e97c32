"""LanceDB, the system of record: the tables (rows, vectors), their locked writes (table),
index policy (indexes), migration (migrations), search (search), and ``Store`` over them."""

from lab_pipelines.store.indexes import (
    HEAD_INDEX,
    TEXT_INDEX,
    VECTOR_INDEX,
    VECTOR_INDEX_MIN_ROWS,
)
from lab_pipelines.store.rows import (
    CHUNKS,
    DOCUMENTS,
    OUTPUTS,
    QUERY_VECTORS,
    SUMMARIES,
    USAGE,
    ChunkRow,
    DocumentRow,
    OutputRow,
    QueryVectorRow,
    Row,
    SummaryRow,
    UsageRow,
)
from lab_pipelines.store.search import Hit
from lab_pipelines.store.store import Store
from lab_pipelines.store.vectors import (
    EMBEDDINGS_PREFIX,
    EmbeddingRow,
    embeddings_schema,
    embeddings_table_name,
    search_terms,
)

__all__ = [
    "CHUNKS",
    "DOCUMENTS",
    "EMBEDDINGS_PREFIX",
    "HEAD_INDEX",
    "OUTPUTS",
    "QUERY_VECTORS",
    "SUMMARIES",
    "TEXT_INDEX",
    "USAGE",
    "VECTOR_INDEX",
    "VECTOR_INDEX_MIN_ROWS",
    "ChunkRow",
    "DocumentRow",
    "EmbeddingRow",
    "Hit",
    "Store",
    "OutputRow",
    "QueryVectorRow",
    "Row",
    "SummaryRow",
    "UsageRow",
    "embeddings_schema",
    "embeddings_table_name",
    "search_terms",
]
