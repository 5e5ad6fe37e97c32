"""The store's one migration: vector tables whose full-text terms are of an older version.

The ``terms`` column's metadata names the version of the term function that filled it
(lab_pipelines.text.index_terms.INDEX_TERMS_VERSION); a table of older terms, or without the
``head`` column, is re-tokenised from its stored text, the documents' titles and the chunks'
headings, keeping its vectors. ``Store`` runs it when it opens a store.
"""

from __future__ import annotations

from collections.abc import Mapping

from lancedb.table import Table

from lab_pipelines.store.table import LockedTable
from lab_pipelines.store.vectors import embeddings_schema, search_terms
from lab_pipelines.text.index_terms import INDEX_TERMS_VERSION, head_terms


def terms_version(table: Table) -> str | None:
    """The index-term version a vector table was written with (None: older than versions)."""
    if "terms" not in table.schema.names or "head" not in table.schema.names:
        return None
    metadata = table.schema.field("terms").metadata or {}
    return metadata.get(b"index_terms", b"").decode() or None


def needs_reindex(locked: LockedTable) -> bool:
    table = locked.open()
    return table is not None and terms_version(table) != INDEX_TERMS_VERSION


def reindex_terms(
    locked: LockedTable, titles: Mapping[str, str], headings: Mapping[str, str]
) -> bool:
    """Recompute ``terms`` and ``head`` of every row (``titles``: doc_id -> title,
    ``headings``: chunk_id -> heading path); False when another process already did."""
    with locked.writing():
        table = locked.open()
        if table is None or terms_version(table) == INDEX_TERMS_VERSION:
            return False
        data = table.to_arrow().to_pylist()
        for row in data:
            head = titles.get(row["doc_id"], "")
            if row["kind"] == "chunk":
                head += "\n" + (headings.get(row["row_id"]) or "")
            row["terms"] = search_terms(row["text"])
            row["head"] = " ".join(head_terms(row["doc_id"], head))
        dim = table.schema.field("vector").type.list_size
        locked.overwrite(data, embeddings_schema(dim))
        return True
