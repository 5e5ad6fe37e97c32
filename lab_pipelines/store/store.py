"""LanceDB, the system of record: documents, chunk plans, summaries, vectors and outputs.

``Store`` names every question the pipeline asks of its tables (``ok_document_ids()``,
``usage(day=...)``, ...), so no SQL is written outside this package. Each write goes through
one ``LockedTable`` (lab_pipelines.store.table); the first open of a root in a process runs
its migration (lab_pipelines.store.migrations).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import lancedb
import pyarrow as pa

from lab_pipelines.store import indexes, migrations
from lab_pipelines.store.filters import equals, in_filter
from lab_pipelines.store.latent_index import latent_table_name, refresh_latent_index
from lab_pipelines.store.ranking import plan_for
from lab_pipelines.store.rows import (
    ROW_TYPES,
    ChunkRow,
    DocumentRow,
    OutputRow,
    QueryVectorRow,
    Row,
    SummaryRow,
    UsageRow,
    schema_of,
)
from lab_pipelines.store.search import Hit, search_vectors
from lab_pipelines.store.table import LockedTable
from lab_pipelines.store.vectors import (
    EMBEDDINGS_PREFIX,
    EmbeddingRow,
    embeddings_schema,
    embeddings_table_name,
)

_SCHEMAS = {row_type.TABLE: schema_of(row_type) for row_type in ROW_TYPES}
_PER_DOCUMENT = (DocumentRow.TABLE, ChunkRow.TABLE, SummaryRow.TABLE)  # and the vector tables
# Roots this process has migrated: an open lists and opens every vector table (3.5 ms at 579
# documents), and only an older version of this code writes stale terms.
_MIGRATED: set[Path] = set()


class Store:
    """The LanceDB database at ``root``: typed rows in, plain dicts out (Arrow's rows)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "locks").mkdir(exist_ok=True)
        self.db = lancedb.connect(str(self.root))
        resolved = self.root.resolve()
        if resolved not in _MIGRATED:
            self.migrate()
            _MIGRATED.add(resolved)

    # ---- tables ---------------------------------------------------------------------------
    def table(self, name: str, schema: pa.Schema | None = None) -> LockedTable:
        return LockedTable(self.db, self.root / "locks", name, schema or _SCHEMAS.get(name))

    def rows(self, row_type: type[Row]) -> LockedTable:
        """The table of ``row_type`` (``store.rows(DocumentRow)``)."""
        return self.table(row_type.TABLE, schema_of(row_type))

    def _vectors(self, model: str, dim: int | None = None) -> LockedTable:
        name = embeddings_table_name(model)
        return self.table(name, embeddings_schema(dim) if dim else None)

    def _latent(self, model: str) -> LockedTable:
        return self.table(latent_table_name(embeddings_table_name(model)))

    def table_names(self) -> list[str]:
        return list(self.db.list_tables().tables)

    def read(
        self, name: str, columns: list[str] | None = None, where: str | None = None
    ) -> list[dict[str, Any]]:
        """Rows of table ``name`` (all, or those matching the LanceDB filter ``where``, which
        tests and benchmarks pass; the pipeline asks the named queries below)."""
        return self.table(name).read(columns, where)

    def count(self, name: str, where: str | None = None) -> int:
        return self.table(name).count(where)

    def migrate(self) -> list[str]:
        """Bring every vector table to the current index-term version; the tables migrated.
        Run by a root's first open in a process; idempotent (a current table is only looked at)."""
        stale = [
            t
            for t in (self.table(n) for n in self.table_names() if n.startswith(EMBEDDINGS_PREFIX))
            if migrations.needs_reindex(t)
        ]
        if not stale:
            return []
        documents = self.rows(DocumentRow).read(["doc_id", "title"])
        chunks = self.rows(ChunkRow).read(["chunk_id", "heading"])
        titles = {d["doc_id"]: d["title"] for d in documents}
        headings = {c["chunk_id"]: c["heading"] for c in chunks}
        return [t.name for t in stale if migrations.reindex_terms(t, titles, headings)]

    def _of_documents(
        self, table: LockedTable, doc_ids: Sequence[str], columns: list[str] | None = None
    ) -> list[dict[str, Any]]:
        return table.read(columns, in_filter("doc_id", doc_ids)) if doc_ids else []

    # ---- documents ------------------------------------------------------------------------
    def source_hashes(self, doc_ids: Sequence[str]) -> dict[str, str]:
        """doc_id → hash of the file bytes last ingested, for the stored ``doc_ids``."""
        rows = self._of_documents(self.rows(DocumentRow), doc_ids, ["doc_id", "source_hash"])
        return {r["doc_id"]: r["source_hash"] for r in rows}

    def upsert_documents(self, rows: Sequence[DocumentRow]) -> None:
        self.rows(DocumentRow).upsert(DocumentRow.KEY, rows)

    def documents(self, doc_ids: Sequence[str], columns: list[str] | None = None) -> list[dict]:
        return self._of_documents(self.rows(DocumentRow), doc_ids, columns)

    def ok_documents(self, columns: list[str] | None = None) -> list[dict[str, Any]]:
        """Every ingested document (status "ok"; skipped files are not among them)."""
        return self.rows(DocumentRow).read(columns, equals("status", "ok"))

    def skipped_documents(self, columns: list[str] | None = None) -> list[dict[str, Any]]:
        """Every file recorded as skipped, with its ``skip_reason``."""
        return self.rows(DocumentRow).read(columns, equals("status", "skipped"))

    def ok_document_ids(self) -> list[str]:
        return sorted(d["doc_id"] for d in self.ok_documents(["doc_id"]))

    def count_documents(self, status: str | None = None) -> int:
        """Documents stored, or those of ``status`` ("ok" | "skipped")."""
        return self.rows(DocumentRow).count(equals("status", status) if status else None)

    # ---- chunks ---------------------------------------------------------------------------
    def chunk_plan_keys(self, doc_ids: Sequence[str]) -> dict[str, str]:
        rows = self._of_documents(self.rows(ChunkRow), doc_ids, ["doc_id", "plan_key"])
        return {r["doc_id"]: r["plan_key"] for r in rows}

    def replace_chunks(self, doc_ids: Sequence[str], rows: Sequence[ChunkRow]) -> None:
        self.rows(ChunkRow).replace_scoped(ChunkRow.KEY, doc_ids, rows)

    def chunks(self, doc_ids: Sequence[str]) -> list[dict[str, Any]]:
        rows = self._of_documents(self.rows(ChunkRow), doc_ids)
        return sorted(rows, key=lambda r: (r["doc_id"], r["seq"]))

    # ---- summaries ------------------------------------------------------------------------
    def summary_keys(self, doc_ids: Sequence[str]) -> dict[str, str]:
        rows = self._of_documents(self.rows(SummaryRow), doc_ids, ["doc_id", "summary_key"])
        return {r["doc_id"]: r["summary_key"] for r in rows}

    def upsert_summaries(self, rows: Sequence[SummaryRow]) -> None:
        self.rows(SummaryRow).upsert(SummaryRow.KEY, rows)

    def delete_summaries(self, doc_ids: Sequence[str]) -> None:
        if doc_ids:
            self.rows(SummaryRow).delete(in_filter("doc_id", doc_ids))

    def summaries(self, doc_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {r["doc_id"]: r for r in self._of_documents(self.rows(SummaryRow), doc_ids)}

    # ---- embeddings -----------------------------------------------------------------------
    def embedding_keys(self, model: str, doc_ids: Sequence[str]) -> dict[str, set[tuple]]:
        """doc_id → {(row_id, embed_key)} currently stored for ``model``."""
        current: dict[str, set[tuple]] = {}
        columns = ["doc_id", "row_id", "embed_key"]
        for r in self._of_documents(self._vectors(model), doc_ids, columns):
            current.setdefault(r["doc_id"], set()).add((r["row_id"], r["embed_key"]))
        return current

    def embedding_rows(
        self, model: str, doc_ids: Sequence[str], columns: list[str] | None = None
    ) -> list[dict[str, Any]]:
        """The stored vector rows of ``doc_ids`` for ``model``."""
        return self._of_documents(self._vectors(model), doc_ids, columns)

    def vectors_by_key(self, model: str, embed_keys: Sequence[str]) -> dict[str, list[float]]:
        """Stored vectors for any of ``embed_keys``, from any document (same text, same vector)."""
        if not embed_keys:
            return {}
        where = in_filter("embed_key", sorted(set(embed_keys)))
        return {r["embed_key"]: r["vector"] for r in self._vectors(model).read(None, where)}

    def replace_embeddings(
        self, model: str, dim: int, doc_ids: Sequence[str], rows: Sequence[EmbeddingRow]
    ) -> None:
        """Make ``rows`` the vectors of ``doc_ids`` for ``model``, in one commit."""
        locked = self._vectors(model, dim)
        table = locked.open()
        if table is not None:
            stored = table.schema.field("vector").type.list_size
            if stored != dim:
                raise ValueError(
                    f"table {locked.name} holds {stored}-d vectors but {model} now returns "
                    f"{dim}-d; drop the table (lab-pipelines reset-embeddings {model}) and re-run"
                )
        locked.replace_scoped(EmbeddingRow.KEY, doc_ids, rows)

    def drop_embeddings(self, model: str) -> list[str]:
        """Drop ``model``'s vector table and its latent index (what `lab-pipelines
        reset-embeddings` does); the tables dropped. The next embeddings run embeds again."""
        dropped = []
        for locked in (self._vectors(model), self._latent(model)):
            if locked.open() is not None:
                with locked.writing():
                    self.db.drop_table(locked.name)
                dropped.append(locked.name)
        return dropped

    def delete_documents_vectors(self, model: str, doc_ids: Sequence[str]) -> None:
        if doc_ids:
            self._vectors(model).delete(in_filter("doc_id", doc_ids))

    def refresh_vector_index(self, model: str) -> None:
        """The vector index policy (lab_pipelines.store.indexes.refresh_vector_index)."""
        indexes.refresh_vector_index(self._vectors(model))

    def refresh_text_index(self, model: str) -> None:
        """The full-text index policy (lab_pipelines.store.indexes.refresh_text_index)."""
        indexes.refresh_text_index(self._vectors(model))

    def refresh_latent_index(self, model: str, changed: bool = True) -> bool:
        """The latent index policy (lab_pipelines.store.latent_index), for the models whose
        ranking has a latent leg (ranking.plan_for(model).latent); ``changed``: the vector
        table was written since the last call. True when rebuilt."""
        if plan_for(model).latent <= 0:
            return False
        return refresh_latent_index(self._vectors(model), self._latent(model), changed)

    def search(
        self, model: str, query_text: str, query_vector: list[float] | None, **options: Any
    ) -> list[Hit]:
        """Rows of ``model``'s table best matching the query; ``options`` (k, mode, plan) as
        lab_pipelines.store.search.search_vectors takes them."""
        return search_vectors(
            self._vectors(model),
            model,
            query_text,
            query_vector,
            latent=self._latent(model),
            **options,
        )

    # ---- query vectors: a question asked before costs no model call -----------------------
    def query_vector(self, model: str, embed_key: str) -> list[float] | None:
        rows = self.rows(QueryVectorRow).read(
            ["vector"], equals("embed_key", f"{model}:{embed_key}")
        )
        return rows[0]["vector"] if rows else None

    def save_query_vector(self, model: str, embed_key: str, vector: list[float]) -> None:
        row = QueryVectorRow(f"{model}:{embed_key}", vector)
        self.rows(QueryVectorRow).upsert(QueryVectorRow.KEY, [row])

    # ---- usage ledger ---------------------------------------------------------------------
    def record_usage(self, rows: Sequence[UsageRow]) -> None:
        self.rows(UsageRow).upsert(UsageRow.KEY, list(rows))

    def usage(self, *, asset: str | None = None, day: str | None = None) -> list[dict[str, Any]]:
        """Ledger rows: all, or those of one asset, or of one day (YYYY-MM-DD, lab timezone)."""
        where = [equals(column, v) for column, v in (("asset", asset), ("day", day)) if v]
        return self.rows(UsageRow).read(None, " AND ".join(where) or None)

    # ---- outputs --------------------------------------------------------------------------
    def upsert_output(self, row: OutputRow) -> None:
        self.rows(OutputRow).upsert(OutputRow.KEY, [row])

    def output(self, request_id: str) -> dict[str, Any] | None:
        rows = self.outputs([request_id])
        return rows[0] if rows else None

    def outputs(
        self, request_ids: Sequence[str], columns: list[str] | None = None
    ) -> list[dict[str, Any]]:
        if not request_ids:
            return []
        return self.rows(OutputRow).read(columns, in_filter("request_id", request_ids))

    def delete_output(self, request_id: str) -> None:
        self.rows(OutputRow).delete(equals("request_id", request_id))

    # ---- whole documents ------------------------------------------------------------------
    def delete_documents(self, doc_ids: Sequence[str]) -> None:
        """Remove every row of ``doc_ids`` from every table (the file left the inbox)."""
        if not doc_ids:
            return
        where = in_filter("doc_id", doc_ids)
        for name in self.table_names():
            if name in _PER_DOCUMENT or name.startswith(EMBEDDINGS_PREFIX):
                self.table(name).delete(where)
