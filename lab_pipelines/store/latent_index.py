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
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa

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
        indexed = {r["key"] for r in latent.read(["key"], "kind = 'row'")}
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


@dataclass(frozen=True)
class _Loaded:
    """One build of a latent table, in memory: 100 floats a term and a row (~12 MB at 579
    documents), read once per process and build instead of searched per query."""

    term_index: dict[str, int]
    idf: np.ndarray
    fold: np.ndarray
    row_ids: list[str]
    rows: np.ndarray


@lru_cache(maxsize=2)
def _load(uri: str, name: str, version: int) -> _Loaded:
    import lancedb

    table = lancedb.connect(uri).open_table(name)
    table.checkout(version)
    arrow = table.to_arrow()
    kinds = arrow["kind"].to_pylist()
    keys = arrow["key"].to_pylist()
    dims = arrow.schema.field("vector").type.list_size
    vectors = arrow["vector"].combine_chunks().flatten().to_numpy().reshape(-1, dims)
    is_term = np.array([k == "term" for k in kinds])
    terms = [key for key, term in zip(keys, is_term, strict=True) if term]
    return _Loaded(
        term_index={t: i for i, t in enumerate(terms)},
        idf=arrow["idf"].to_numpy()[is_term].astype(np.float64),
        fold=vectors[is_term],
        row_ids=[key for key, term in zip(keys, is_term, strict=True) if not term],
        rows=vectors[~is_term],
    )


def nearest_rows(latent: LockedTable, terms: Sequence[str], k: int = NEAREST_ROWS) -> list[str]:
    """The row_ids nearest the query's index terms in the latent space, nearest first; [] when
    there is no latent index or the space knows none of the terms."""
    table = latent.open()
    counts = Counter(term_key(t) for t in terms)
    if table is None or not counts:
        return []
    space = _load(latent.db.uri, latent.name, table.version)
    known = [(space.term_index[t], n) for t, n in counts.items() if t in space.term_index]
    if not known or not space.row_ids:
        return []
    ids = np.array([i for i, _ in known])
    query = fold_query(
        np.array([n for _, n in known], dtype=np.float64), space.idf[ids], space.fold[ids]
    )
    similarity = space.rows @ query  # rows and query are unit vectors: cosine
    top = np.argsort(-similarity, kind="stable")[:k]
    return [space.row_ids[i] for i in top if similarity[i] > 0]
