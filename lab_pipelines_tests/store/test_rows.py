"""Each row class is its table's schema, and a row reads back as it was written."""

from dataclasses import fields

from lab_pipelines.store import EmbeddingRow, Store, embeddings_schema
from lab_pipelines.store.rows import ROW_SCHEMAS
from lab_pipelines_tests.store.builders import DIM, chunk, document, vectors


def test_every_row_class_has_its_schemas_columns_in_order():
    for row_class, schema in {**ROW_SCHEMAS, EmbeddingRow: embeddings_schema(DIM)}.items():
        assert [f.name for f in fields(row_class)] == schema.names, row_class.__name__


def test_rows_read_back_as_their_records(tmp_path):
    store = Store(tmp_path)
    doc = document("a.md", title="Backups")
    store.upsert_documents([doc])
    store.replace_chunks(["a.md"], [chunk("a.md", heading="Nightly")])
    (row,) = vectors("a.md", ["one"], head="Backups\nNightly")
    store.replace_embeddings("m", DIM, ["a.md"], [row])
    assert store.documents(["a.md"]) == [doc.as_record()]
    assert store.chunks(["a.md"]) == [chunk("a.md", heading="Nightly").as_record()]
    assert store.embedding_rows("m", ["a.md"]) == [row.as_record()]
    assert row.head == "backups nightly"  # the index terms of its title and heading
