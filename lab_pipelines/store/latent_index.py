"""The latent index of a vector table: its CL-LSI space (lab_pipelines.text.latent) in LanceDB.

One table per vector table, ``latent__<model>``, holds both halves, so a rebuild replaces them
in one commit and a search never pairs one build's terms with another's rows: a row per term
(``kind`` "term": the term, its idf, its fold vector) and a row per indexed row (``kind``
"row": the row_id, its unit vector). Rebuilt from the vector table's index terms whenever a
twentieth of its rows changed since the last build; rows added since are found by the other
legs until then. An edited page keeps its row_ids, so each row's embed_key is kept too: a
row whose text changed counts as changed.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from lancedb.index import BTree

from lab_pipelines.store.filters import equals, in_filter
from lab_pipelines.store.table import LockedTable
from lab_pipelines.text.index_terms import term_key
from lab_pipelines.text.latent import (
    LATENT_VERSION,
    fold_query,
    train_latent_space,
    training_units,
)

LATENT_PREFIX = "latent__"
REBUILD_SHARE = 0.05  # rows added or removed since the last build, over the table's rows
NEAREST_ROWS = 40  # the leg's depth, as a full-text leg's (ranking.rank_rows: max(4 k, 40))


def latent_table_name(embeddings_table: str) -> str:
    return LATENT_PREFIX + embeddings_table.split("__", 1)[-1]


def latent_schema(dims: int, build: str) -> pa.Schema:
    return pa.schema(
        [
            ("kind", pa.string()),  # "term" | "row"
            ("key", pa.string()),  # the term, or the vector table's row_id
            ("embed_key", pa.string()),  # a row's, as its vector table held it; "" for a term
            ("idf", pa.float32()),  # a term's; 0 for a row
            ("vector", pa.list_(pa.float32(), dims)),
        ],
        # build: new for every build, so a process's cached build is never taken for another
        # one (a table dropped and made again starts its versions at 1 again).
        metadata={"latent_version": LATENT_VERSION, "build": build},
    )


def _metadata(table: Any, key: str) -> str | None:
    return (table.schema.metadata or {}).get(key.encode(), b"").decode() or None


def refresh_latent_index(vectors: LockedTable, latent: LockedTable, changed: bool = True) -> bool:
    """Rebuild ``latent`` from ``vectors`` when it is missing, of another LATENT_VERSION, or
    (when ``changed``: the vector table was written since the last call) a twentieth of its
    rows were added, removed or re-embedded since the build; True when it was rebuilt. A
    table too small for a latent space (fewer than text.latent.MIN_DIMS dimensions) has none.

    The decision, the read of the vector table and the write all happen under the latent
    table's writer lock, so of two processes refreshing at once the later one reads a vector
    table at least as new as the earlier one's and never overwrites a newer build."""
    built = latent.open()
    if not changed and built is not None and _metadata(built, "latent_version") == LATENT_VERSION:
        return False
    with latent.writing():
        table = vectors.open()
        if table is None:
            return False
        built = latent.open()
        if built is not None and _metadata(built, "latent_version") == LATENT_VERSION:
            stored = table.search().select(["row_id", "embed_key"]).limit(None).to_arrow()
            now = set(
                zip(stored["row_id"].to_pylist(), stored["embed_key"].to_pylist(), strict=True)
            )
            rows = latent.read(["key", "embed_key"], equals("kind", "row"))
            indexed = {(r["key"], r["embed_key"]) for r in rows}
            moved = {row_id for row_id, _ in indexed ^ now}  # an edited row counts once
            if len(moved) <= REBUILD_SHARE * len(now):
                return False
        return _rebuild(table, latent, built is not None)


def _rebuild(table: Any, latent: LockedTable, exists: bool) -> bool:
    """Train the space on ``table``'s index terms and write it as ``latent`` (lock held)."""
    rows = table.search().select(["row_id", "doc_id", "embed_key", "terms"]).limit(None)
    rows = rows.to_list()
    keyed = [(r["doc_id"], [term_key(t) for t in (r["terms"] or "").split()]) for r in rows]
    units = training_units(keyed)
    space = train_latent_space(units)
    if space is None:
        if exists:
            latent.db.drop_table(latent.name)
        return False
    row_vectors = space.fold_in(units[: len(rows)])  # all zero for a row of no known term
    dims = space.fold.shape[1]
    n_terms = len(space.terms)
    vectors_column = np.concatenate([space.fold, row_vectors]).reshape(-1)
    arrow = pa.table(
        {
            "kind": ["term"] * n_terms + ["row"] * len(rows),
            "key": list(space.terms) + [r["row_id"] for r in rows],
            "embed_key": [""] * n_terms + [r["embed_key"] for r in rows],
            "idf": np.concatenate([space.idf, np.zeros(len(rows))]).astype(np.float32),
            "vector": pa.FixedSizeListArray.from_arrays(vectors_column, dims),
        },
        schema=latent_schema(dims, uuid.uuid4().hex),
    )
    written = latent.db.create_table(latent.name, arrow, mode="overwrite")
    # A query's first terms are looked up by key (below): an index keeps that a seek at
    # 100,000 terms rather than a scan.
    written.create_index("key", config=BTree(), replace=True)
    return True


@dataclass
class _Build:
    """One build of a latent table in memory, per process: its row vectors (100 floats a row,
    3.5 MB at 579 documents) on the first query; its ~20,000 term vectors from the second on.
    A one-query process (the CLI) looks up its few terms instead: reading them all costs a
    cold search ~40 ms, the lookup ~11 ms. Shared by the webserver's threads: each field is
    set once, whole, and never changed in place."""

    key: tuple[str, str]  # (table uri, build)
    row_ids: list[str]
    rows: np.ndarray
    queries: int = 0
    terms: dict[str, tuple[float, np.ndarray]] | None = None


_CACHE_LOCK = threading.Lock()
_CACHED: list[_Build] = []  # the one build kept


def _vectors_of(arrow: pa.Table) -> np.ndarray:
    dims = arrow.schema.field("vector").type.list_size
    return arrow["vector"].combine_chunks().flatten().to_numpy().reshape(-1, dims)


def _build(table: Any) -> _Build:
    key = (table.uri, _metadata(table, "build") or "")
    with _CACHE_LOCK:
        if _CACHED and _CACHED[0].key == key:
            return _CACHED[0]
    rows = table.search().where(equals("kind", "row")).select(["key", "vector"]).limit(None)
    rows = rows.to_arrow()
    fresh = _Build(key, rows["key"].to_pylist(), _vectors_of(rows))
    with _CACHE_LOCK:
        _CACHED[:] = [fresh]
    return fresh


def _term_table(arrow: pa.Table) -> dict[str, tuple[float, np.ndarray]]:
    return dict(
        zip(
            arrow["key"].to_pylist(),
            zip(arrow["idf"].to_pylist(), _vectors_of(arrow), strict=True),
            strict=True,
        )
    )


def _term_vectors(table: Any, build: _Build, terms: list[str]) -> dict[str, tuple]:
    """{term: (idf, fold vector)} of the ``terms`` the space knows."""
    with _CACHE_LOCK:
        build.queries += 1
        every, later = build.terms, build.queries > 1
    if every is None and later:
        query = table.search().where(equals("kind", "term")).select(["key", "idf", "vector"])
        every = build.terms = _term_table(query.limit(None).to_arrow())
    if every is not None:
        return {t: every[t] for t in terms if t in every}
    where = f"{equals('kind', 'term')} AND {in_filter('key', terms)}"
    return _term_table(
        table.search().where(where).select(["key", "idf", "vector"]).limit(None).to_arrow()
    )


def nearest_rows(latent: LockedTable, terms: Sequence[str], k: int = NEAREST_ROWS) -> list[str]:
    """The row_ids nearest the query's index terms in the latent space, nearest first; [] when
    there is no latent index or the space knows none of the terms."""
    table = latent.open()
    counts = Counter(term_key(t) for t in terms)
    if table is None or not counts:
        return []
    build = _build(table)
    known = _term_vectors(table, build, sorted(counts))
    if not known or not build.row_ids:
        return []
    query = fold_query(
        np.array([counts[t] for t in known], dtype=np.float64),
        np.array([idf for idf, _ in known.values()], dtype=np.float64),
        np.stack([vector for _, vector in known.values()]),
    )
    similarity = build.rows @ query  # unit vectors: cosine
    k = min(k, len(similarity))
    top = np.argpartition(-similarity, k - 1)[:k]  # the k best of 100,000 rows, unsorted
    top = top[np.argsort(-similarity[top], kind="stable")]
    return [build.row_ids[i] for i in top if similarity[i] > 0]
