"""LanceDB, the system of record: documents, chunk plans, summaries, vectors and outputs.

Writes go through :meth:`LabStore.writing`, an exclusive file lock per table, because concurrent
``merge_insert`` calls on one table can commit duplicate rows. A document's chunks and vectors
are replaced with one ``merge_insert`` whose ``when_not_matched_by_source_delete`` is scoped to
that document, so readers see the old set or the new set, never none and never both.
"""

from __future__ import annotations

import fcntl
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lancedb
import pyarrow as pa
from lancedb.index import IvfRq

from lab_pipelines.store_search import (
    VECTOR_INDEX_ROWS_PER_PARTITION,
    SearchPlan,
    plan_for,
    rank_rows,
    text_index_config,
)
from lab_pipelines.text.bilingual import translate_query
from lab_pipelines.text.index_terms import INDEX_TERMS_VERSION, index_terms

DOCUMENTS = "documents"
CHUNKS = "chunks"
SUMMARIES = "summaries"
OUTPUTS = "outputs"
USAGE = "model_usage"  # the cost ledger's source: one row per step and model
QUERY_VECTORS = "query_vectors"  # questions already embedded: asking again costs no model call
EMBEDDINGS_PREFIX = "embeddings__"
TEXT_INDEX = "text_idx"
HEAD_INDEX = "head_idx"
VECTOR_INDEX = "vector_idx"
# Below this many rows a flat scan is fast enough and an index would only cost its build.
VECTOR_INDEX_MIN_ROWS = 10_000
# IVF partitions: ~4096 rows each (LanceDB's guidance); the search options are in
# lab_pipelines.store_search.

_ts = pa.timestamp("us", tz="UTC")
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
QUERY_VECTORS_SCHEMA = pa.schema([("embed_key", pa.string()), ("vector", pa.list_(pa.float32()))])


def embeddings_schema(dim: int) -> pa.Schema:
    return pa.schema(
        [
            ("row_id", pa.string()),  # chunk_id, or "<doc_id>#summary"
            ("doc_id", pa.string()),
            ("kind", pa.string()),  # "chunk" | "summary"
            ("seq", pa.int32()),
            ("text", pa.string()),  # what was embedded
            # search_terms(text): what the full-text index holds; the field's metadata names
            # the term function's version, so a store of older terms is re-tokenised.
            pa.field("terms", pa.string(), metadata={"index_terms": INDEX_TERMS_VERSION}),
            ("head", pa.string()),  # search_terms(title + heading path): a boosted field
            ("embed_key", pa.string()),
            ("vector", pa.list_(pa.float32(), dim)),
        ]
    )


def search_terms(text: str) -> str:
    """The text's index terms (lab_pipelines.text.index_terms: English stems without stop
    words, Korean content morphemes, so 백업 finds 백업을) as one space-separated string,
    indexed with LanceDB's whitespace tokenizer: a few tokens per query instead of every
    2-3-gram of it (at 100k chunks ~3 ms instead of ~770 ms, bench/RESULTS.md, figure 6)."""
    return " ".join(index_terms(text))


def _terms_version(table: Any) -> str | None:
    if "terms" not in table.schema.names or "head" not in table.schema.names:
        return None
    metadata = table.schema.field("terms").metadata or {}
    return metadata.get(b"index_terms", b"").decode() or None


def embeddings_table_name(model: str) -> str:
    """One vector table per embedding model: switching models never mixes vector spaces."""
    return EMBEDDINGS_PREFIX + re.sub(r"[^A-Za-z0-9_]+", "_", model).strip("_").lower()


def sql_string(value: str) -> str:
    """A SQL string literal (single quotes: double quotes name a column in LanceDB filters)."""
    return "'" + value.replace("'", "''") + "'"


def in_filter(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(sql_string(v) for v in values)})"


@dataclass(frozen=True)
class Hit:
    row_id: str
    doc_id: str
    kind: str
    text: str
    score: float


class LabStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "locks").mkdir(exist_ok=True)
        self.db = lancedb.connect(str(self.root))

    # ---- plumbing -------------------------------------------------------------------------
    @contextmanager
    def writing(self, table: str) -> Iterator[None]:
        """Hold the table's writer lock (one writer per table across processes on this host)."""
        with open(self.root / "locks" / f"{table}.lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def table_names(self) -> list[str]:
        return list(self.db.list_tables().tables)

    def _table(self, name: str, schema: pa.Schema | None = None) -> Any:
        if name in self.table_names():
            return self.db.open_table(name)
        if schema is None:
            return None
        return self.db.create_table(name, schema=schema, exist_ok=True)

    def read(
        self, name: str, columns: list[str] | None = None, where: str | None = None
    ) -> list[dict[str, Any]]:
        table = self._table(name)
        if table is None:
            return []
        query = table.search()
        if where:
            query = query.where(where)
        if columns:
            query = query.select(columns)
        return query.limit(None).to_arrow().to_pylist()

    def count(self, name: str, where: str | None = None) -> int:
        table = self._table(name)
        return 0 if table is None else table.count_rows(where)

    def _upsert(self, name: str, schema: pa.Schema, key: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        with self.writing(name):
            table = self._table(name, schema)
            data = pa.Table.from_pylist(rows, schema=schema)
            table.merge_insert(key).when_matched_update_all().when_not_matched_insert_all().execute(
                data
            )

    def _delete(self, name: str, where: str) -> None:
        if name not in self.table_names():
            return
        with self.writing(name):
            self.db.open_table(name).delete(where)

    def _replace_scoped(
        self, name: str, schema: pa.Schema, key: str, doc_ids: Sequence[str], rows: list[dict]
    ) -> None:
        """Make ``rows`` the complete set of rows of ``doc_ids`` in ONE commit."""
        if not doc_ids:
            return
        with self.writing(name):
            table = self._table(name, schema)
            data = pa.Table.from_pylist(rows, schema=schema)
            (
                table.merge_insert(key)
                .when_matched_update_all()
                .when_not_matched_insert_all()
                .when_not_matched_by_source_delete(in_filter("doc_id", doc_ids))
                .execute(data)
            )

    # ---- documents ------------------------------------------------------------------------
    def source_hashes(self, doc_ids: Sequence[str]) -> dict[str, str]:
        """doc_id → hash of the file bytes last ingested, for the stored ``doc_ids``."""
        if not doc_ids:
            return {}
        rows = self.read(DOCUMENTS, ["doc_id", "source_hash"], in_filter("doc_id", doc_ids))
        return {r["doc_id"]: r["source_hash"] for r in rows}

    def upsert_documents(self, rows: list[dict[str, Any]]) -> None:
        self._upsert(DOCUMENTS, DOCUMENTS_SCHEMA, "doc_id", rows)

    def documents(self, doc_ids: Sequence[str], columns: list[str] | None = None) -> list[dict]:
        if not doc_ids:
            return []
        return self.read(DOCUMENTS, columns, in_filter("doc_id", doc_ids))

    # ---- chunks ---------------------------------------------------------------------------
    def chunk_plan_keys(self, doc_ids: Sequence[str]) -> dict[str, str]:
        if not doc_ids:
            return {}
        rows = self.read(CHUNKS, ["doc_id", "plan_key"], in_filter("doc_id", doc_ids))
        return {r["doc_id"]: r["plan_key"] for r in rows}

    def replace_chunks(self, doc_ids: Sequence[str], rows: list[dict[str, Any]]) -> None:
        self._replace_scoped(CHUNKS, CHUNKS_SCHEMA, "chunk_id", doc_ids, rows)

    def chunks(self, doc_ids: Sequence[str]) -> list[dict[str, Any]]:
        if not doc_ids:
            return []
        rows = self.read(CHUNKS, None, in_filter("doc_id", doc_ids))
        return sorted(rows, key=lambda r: (r["doc_id"], r["seq"]))

    # ---- summaries ------------------------------------------------------------------------
    def summary_keys(self, doc_ids: Sequence[str]) -> dict[str, str]:
        if not doc_ids:
            return {}
        rows = self.read(SUMMARIES, ["doc_id", "summary_key"], in_filter("doc_id", doc_ids))
        return {r["doc_id"]: r["summary_key"] for r in rows}

    def upsert_summaries(self, rows: list[dict[str, Any]]) -> None:
        self._upsert(SUMMARIES, SUMMARIES_SCHEMA, "doc_id", rows)

    def delete_summaries(self, doc_ids: Sequence[str]) -> None:
        if doc_ids:
            self._delete(SUMMARIES, in_filter("doc_id", doc_ids))

    def summaries(self, doc_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not doc_ids:
            return {}
        return {r["doc_id"]: r for r in self.read(SUMMARIES, None, in_filter("doc_id", doc_ids))}

    # ---- embeddings -----------------------------------------------------------------------
    def embedding_keys(self, model: str, doc_ids: Sequence[str]) -> dict[str, set[tuple]]:
        """doc_id → {(row_id, embed_key)} currently stored for ``model``."""
        if not doc_ids:
            return {}
        rows = self.read(
            embeddings_table_name(model),
            ["doc_id", "row_id", "embed_key"],
            in_filter("doc_id", doc_ids),
        )
        current: dict[str, set[tuple]] = {}
        for r in rows:
            current.setdefault(r["doc_id"], set()).add((r["row_id"], r["embed_key"]))
        return current

    def vectors_by_key(self, model: str, embed_keys: Sequence[str]) -> dict[str, list[float]]:
        """Stored vectors for any of ``embed_keys``, from any document (same text, same vector)."""
        if not embed_keys:
            return {}
        rows = self.read(
            embeddings_table_name(model),
            ["embed_key", "vector"],
            in_filter("embed_key", sorted(set(embed_keys))),
        )
        return {r["embed_key"]: r["vector"] for r in rows}

    def replace_embeddings(
        self, model: str, dim: int, doc_ids: Sequence[str], rows: list[dict[str, Any]]
    ) -> None:
        name = embeddings_table_name(model)
        table = self._table(name)
        for row in rows:
            row["terms"] = search_terms(row["text"])
            row["head"] = search_terms(row.get("head") or "")
        if table is not None and _terms_version(table) != INDEX_TERMS_VERSION:
            self._reindex_terms(name)
            table = self._table(name)
        if table is not None:
            stored = table.schema.field("vector").type.list_size
            if stored != dim:
                raise ValueError(
                    f"table {name} holds {stored}-d vectors but {model} now returns {dim}-d; "
                    f"drop the table (lab-pipelines reset-embeddings {model}) and re-run"
                )
        self._replace_scoped(name, embeddings_schema(dim), "row_id", doc_ids, rows)

    def delete_documents_vectors(self, model: str, doc_ids: Sequence[str]) -> None:
        if doc_ids:
            self._delete(embeddings_table_name(model), in_filter("doc_id", doc_ids))

    def _reindex_terms(self, name: str) -> None:
        """Migrate a table whose index terms are of an older version (or missing): recompute
        ``terms`` and ``head`` from the stored text, titles and headings; vectors are kept."""
        with self.writing(name):
            table = self.db.open_table(name)
            if _terms_version(table) == INDEX_TERMS_VERSION:
                return
            data = table.to_arrow().to_pylist()
            titles = {d["doc_id"]: d["title"] for d in self.read(DOCUMENTS, ["doc_id", "title"])}
            headings = {
                c["chunk_id"]: c["heading"] for c in self.read(CHUNKS, ["chunk_id", "heading"])
            }
            for row in data:
                head = titles.get(row["doc_id"], "")
                if row["kind"] == "chunk":
                    head += "\n" + (headings.get(row["row_id"]) or "")
                row["terms"] = search_terms(row["text"])
                row["head"] = search_terms(head)
            dim = table.schema.field("vector").type.list_size
            schema = embeddings_schema(dim)
            self.db.create_table(name, pa.Table.from_pylist(data, schema=schema), mode="overwrite")

    def refresh_vector_index(self, model: str) -> None:
        """The vector index policy: none below VECTOR_INDEX_MIN_ROWS rows (a flat scan is fast
        enough); an IVF_RQ index once the table reaches it; rebuilt (retrained) when the table
        has grown 4x past what the index was trained on; otherwise new rows are folded into
        it by ``optimize()`` once they are over a tenth of the indexed ones (until then they
        are searched by a flat scan, so results stay exact for them)."""
        name = embeddings_table_name(model)
        table = self._table(name)
        if table is None:
            return
        with self.writing(name):
            rows = table.count_rows()
            if rows < VECTOR_INDEX_MIN_ROWS:
                return
            indexed = any(index.name == VECTOR_INDEX for index in table.list_indices())
            stats = table.index_stats(VECTOR_INDEX) if indexed else None
            if stats is None or stats.num_indexed_rows * 4 < rows:
                partitions = max(1, rows // VECTOR_INDEX_ROWS_PER_PARTITION)
                table.create_index(
                    "vector",
                    config=IvfRq(distance_type="l2", num_partitions=partitions),
                    name=VECTOR_INDEX,
                    replace=True,
                )
            elif stats.num_unindexed_rows > stats.num_indexed_rows // 10:
                table.optimize()

    def refresh_text_index(self, model: str) -> None:
        """Keep the full-text indexes (body terms, title + heading terms) current enough: new
        rows are searched by a flat scan until they are indexed, so re-index only when that
        unindexed tail has grown."""
        name = embeddings_table_name(model)
        table = self._table(name)
        if table is None:
            return
        with self.writing(name):
            current = {i.name: list(i.columns) for i in table.list_indices()}
            built = False
            for index, column in ((TEXT_INDEX, "terms"), (HEAD_INDEX, "head")):
                if current.get(index) != [column]:
                    table.create_index(column, config=text_index_config(), name=index, replace=True)
                    built = True
            if built:
                return
            stats = table.index_stats(TEXT_INDEX)
            if stats and stats.num_unindexed_rows > max(2000, stats.num_indexed_rows // 10):
                table.optimize()

    def search(
        self,
        model: str,
        query_text: str,
        query_vector: list[float] | None,
        k: int = 10,
        mode: str = "hybrid",
        plan: SearchPlan | None = None,
    ) -> list[Hit]:
        """Rows best matching the query: full-text (with a translated leg), vector, or both,
        fused by reciprocal rank with the model's weights (lab_pipelines.store_search)."""
        table = self._table(embeddings_table_name(model))
        if table is None:
            return []
        rows = rank_rows(
            table,
            query_text,
            query_vector,
            plan or plan_for(model),
            index_terms,
            k=k,
            mode=mode,
            translate=translate_query,
        )
        return [Hit(r["row_id"], r["doc_id"], r["kind"], r["text"], r["score"]) for r in rows]

    def query_vector(self, model: str, embed_key: str) -> list[float] | None:
        rows = self.read(
            QUERY_VECTORS, ["vector"], in_filter("embed_key", [f"{model}:{embed_key}"])
        )
        return rows[0]["vector"] if rows else None

    def save_query_vector(self, model: str, embed_key: str, vector: list[float]) -> None:
        row = {"embed_key": f"{model}:{embed_key}", "vector": vector}
        self._upsert(QUERY_VECTORS, QUERY_VECTORS_SCHEMA, "embed_key", [row])

    # ---- usage ledger ---------------------------------------------------------------------
    def record_usage(self, rows: list[dict[str, Any]]) -> None:
        self._upsert(USAGE, USAGE_SCHEMA, "usage_id", rows)

    def usage(self, where: str | None = None) -> list[dict[str, Any]]:
        return self.read(USAGE, None, where)

    # ---- outputs --------------------------------------------------------------------------
    def upsert_output(self, row: dict[str, Any]) -> None:
        self._upsert(OUTPUTS, OUTPUTS_SCHEMA, "request_id", [row])

    def output(self, request_id: str) -> dict[str, Any] | None:
        rows = self.read(OUTPUTS, None, in_filter("request_id", [request_id]))
        return rows[0] if rows else None

    def delete_output(self, request_id: str) -> None:
        self._delete(OUTPUTS, in_filter("request_id", [request_id]))

    # ---- whole documents ------------------------------------------------------------------
    def delete_documents(self, doc_ids: Sequence[str]) -> None:
        """Remove every row of ``doc_ids`` from every table (the file left the inbox)."""
        if not doc_ids:
            return
        where = in_filter("doc_id", doc_ids)
        for name in self.table_names():
            if name in (DOCUMENTS, CHUNKS, SUMMARIES) or name.startswith(EMBEDDINGS_PREFIX):
                self._delete(name, where)
