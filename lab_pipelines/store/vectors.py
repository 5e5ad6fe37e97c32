"""The vector tables, one per embedding model: their names, schema, rows and index terms."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

import pyarrow as pa

from lab_pipelines.store.rows import Row
from lab_pipelines.text.index_terms import INDEX_TERMS_VERSION, head_terms, index_terms

EMBEDDINGS_PREFIX = "embeddings__"


def embeddings_table_name(model: str) -> str:
    """One vector table per embedding model: switching models never mixes vector spaces."""
    return EMBEDDINGS_PREFIX + re.sub(r"[^A-Za-z0-9_]+", "_", model).strip("_").lower()


def search_terms(text: str) -> str:
    """The text's index terms (lab_pipelines.text.index_terms: English stems without stop
    words, Korean content morphemes, so 백업 finds 백업을) as one space-separated string,
    indexed with LanceDB's whitespace tokenizer: a few tokens per query instead of every
    2-3-gram of it (at 100k chunks ~3 ms instead of ~770 ms, bench/RESULTS.md, figure 6)."""
    return " ".join(index_terms(text))


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
            ("head", pa.string()),  # head_terms(doc_id, title + heading path): a boosted field
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
            " ".join(head_terms(doc_id, head_text)),
            embed_key,
            vector,
        )
