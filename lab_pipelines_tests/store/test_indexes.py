"""The index policy: full-text indexes on both term columns, no vector index while small."""

from lab_pipelines.store import Store
from lab_pipelines.store.indexes import HEAD_INDEX, TEXT_INDEX
from lab_pipelines_tests.store.builders import DIM, vectors


def test_small_tables_get_text_indexes_and_no_vector_index(tmp_path):
    store = Store(tmp_path)
    store.replace_embeddings("m", DIM, ["a"], vectors("a", ["one", "two"]))
    store.refresh_text_index("m")
    store.refresh_vector_index("m")
    indices = {i.name: list(i.columns) for i in store.db.open_table("embeddings__m").list_indices()}
    assert indices == {TEXT_INDEX: ["terms"], HEAD_INDEX: ["head"]}


def test_refreshing_a_missing_table_does_nothing(tmp_path):
    store = Store(tmp_path)
    store.refresh_text_index("m")
    store.refresh_vector_index("m")
    assert store.table_names() == []
