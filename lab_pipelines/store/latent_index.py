"""The latent index of a vector table: its CL-LSI space (lab_pipelines.text.latent) in LanceDB.

One table per vector table, ``latent__<model>``, holds both halves, so a rebuild replaces them
in one commit and a search never pairs one build's terms with another's rows: a row per term
(``kind`` "term": the term, its idf, its fold vector) and a row per indexed row (``kind``
"row": the row_id, its unit vector). Rebuilt from the vector table's index terms whenever a
twentieth of its rows changed since the last build; rows added since are found by the other
legs until then.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

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


def latent_schema(dims: int) -> pa.Schema:
    return pa.schema(
        [
            ("kind", pa.string()),  # "term" | "row"
            ("key", pa.string()),  # the term, or the vector table's row_id
            ("idf", pa.float32()),  # a term's; 0 for a row
            ("vector", pa.list_(pa.float32(), dims)),
        ],
        metadata={"latent_version": LATENT_VERSION},
    )


def _built_version(table: Any) -> str | None:
    return (table.schema.metadata or {}).get(b"latent_version", b"").decode() or None


def refresh_latent_index(vectors: LockedTable, latent: LockedTable, changed: bool = True) -> bool:
    """Rebuild ``latent`` from ``vectors`` when it is missing, of another LATENT_VERSION, or
    (when ``changed``: the vector table was written since the last call) a twentieth of its
    rows changed since the build; True when it was rebuilt. A table too small for a latent
    space (fewer than text.latent.MIN_DIMS dimensions) has none."""
    table = vectors.open()
    if table is None:
        return False
    built = latent.open()
    current = built is not None and _built_version(built) == LATENT_VERSION
    if current and not changed:
        return False
    if current:
        row_ids = {r["row_id"] for r in table.search().select(["row_id"]).limit(None).to_list()}
        indexed = {r["key"] for r in latent.read(["key"], equals("kind", "row"))}
        if len(indexed ^ row_ids) <= REBUILD_SHARE * len(row_ids):
            return False
    rows = table.search().select(["row_id", "doc_id", "terms"]).limit(None).to_list()
    keyed = [(r["doc_id"], [term_key(t) for t in (r["terms"] or "").split()]) for r in rows]
    units = training_units(keyed)
    space = train_latent_space(units)
    if space is None:
        if built is not None:
            with latent.writing():
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
            "idf": np.concatenate([space.idf, np.zeros(len(rows))]).astype(np.float32),
            "vector": pa.FixedSizeListArray.from_arrays(vectors_column, dims),
        },
        schema=latent_schema(dims),
    )
    with latent.writing():
        latent.db.create_table(latent.name, arrow, mode="overwrite")
    return True


@dataclass
class _Build:
    """One build of a latent table in memory, per process: its row vectors (100 floats a row,
    3.5 MB at 579 documents) on the first query; its ~20,000 term vectors from the second on.
    A one-query process (the CLI) looks up its few terms instead: reading them all costs a
    cold search ~40 ms, the lookup ~11 ms."""

    row_ids: list[str]
    rows: np.ndarray
    queries: int = 0
    terms: dict[str, tuple[float, np.ndarray]] | None = None


_BUILDS: dict[tuple[str, int], _Build] = {}  # (table uri, version): one build kept


def _vectors_of(arrow: pa.Table) -> np.ndarray:
    dims = arrow.schema.field("vector").type.list_size
    return arrow["vector"].combine_chunks().flatten().to_numpy().reshape(-1, dims)


def _build(table: Any) -> _Build:
    key = (table.uri, table.version)
    if key not in _BUILDS:
        rows = table.search().where(equals("kind", "row")).select(["key", "vector"]).limit(None)
        rows = rows.to_arrow()
        _BUILDS.clear()
        _BUILDS[key] = _Build(rows["key"].to_pylist(), _vectors_of(rows))
    return _BUILDS[key]


def _term_vectors(table: Any, build: _Build, terms: list[str]) -> dict[str, tuple]:
    """{term: (idf, fold vector)} of the ``terms`` the space knows."""
    build.queries += 1
    if build.terms is None and build.queries > 1:
        every = table.search().where(equals("kind", "term")).select(["key", "idf", "vector"])
        every = every.limit(None).to_arrow()
        build.terms = dict(
            zip(
                every["key"].to_pylist(),
                zip(every["idf"].to_pylist(), _vectors_of(every), strict=True),
                strict=True,
            )
        )
    if build.terms is not None:
        return {t: build.terms[t] for t in terms if t in build.terms}
    where = f"{equals('kind', 'term')} AND {in_filter('key', terms)}"
    known = table.search().where(where).select(["key", "idf", "vector"]).limit(None).to_arrow()
    return dict(
        zip(
            known["key"].to_pylist(),
            zip(known["idf"].to_pylist(), _vectors_of(known), strict=True),
            strict=True,
        )
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
    top = np.argsort(-similarity, kind="stable")[:k]
    return [build.row_ids[i] for i in top if similarity[i] > 0]
