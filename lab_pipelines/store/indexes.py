"""The index policy of a vector table: when to build, rebuild or fold new rows into an index.

Rows not yet in an index are searched by a flat scan, so results stay exact for them; an
index is (re)built only when that unindexed tail costs more than the build.
"""

from __future__ import annotations

from lancedb.index import IvfRq

from lab_pipelines.store.ranking import VECTOR_INDEX_ROWS_PER_PARTITION, text_index_config
from lab_pipelines.store.table import LockedTable

TEXT_INDEX = "text_idx"
HEAD_INDEX = "head_idx"
VECTOR_INDEX = "vector_idx"
# Below this many rows a flat scan is fast enough and an index would only cost its build.
VECTOR_INDEX_MIN_ROWS = 10_000
# IVF partitions: ~4096 rows each (LanceDB's guidance); the search options are in
# lab_pipelines.store.ranking.


def refresh_vector_index(locked: LockedTable) -> None:
    """None below VECTOR_INDEX_MIN_ROWS rows (a flat scan is fast enough); an IVF_RQ index
    once the table reaches it; rebuilt (retrained) when the table has grown 4x past what the
    index was trained on; otherwise new rows are folded into it by ``optimize()`` once they
    are over a tenth of the indexed ones."""
    table = locked.open()
    if table is None:
        return
    with locked.writing():
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


def refresh_text_index(locked: LockedTable) -> None:
    """Keep the full-text indexes (body terms, title + heading terms) current enough: built
    when missing or on another column, folded in by ``optimize()`` once the unindexed tail
    has grown past 2,000 rows and a tenth of the indexed ones."""
    table = locked.open()
    if table is None:
        return
    with locked.writing():
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
