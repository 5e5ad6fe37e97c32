"""Each row class is its table's schema, and a row reads back as it was written."""

from dataclasses import fields

import pyarrow as pa

from lab_pipelines.store import Store
from lab_pipelines.store.rows import ChunkRow, DocumentRow, UsageRow, schema_of
from lab_pipelines.store.vectors import EmbeddingRow, embeddings_schema
from lab_pipelines_tests.store.builders import DIM, chunk, document, vectors


def test_a_row_class_is_its_tables_schema():
    assert schema_of(ChunkRow) == pa.schema(
        [
            ("chunk_id", pa.string()),
            ("doc_id", pa.string()),
            ("seq", pa.int32()),  # Int32
            ("heading", pa.string()),
            ("text", pa.string()),
            ("plan_key", pa.string()),
        ]
    )
    assert schema_of(DocumentRow).field("updated_at").type == pa.timestamp("us", tz="UTC")
    assert schema_of(UsageRow).field("seconds").type == pa.float64()


def test_the_vector_rows_have_the_vector_schemas_columns_in_order():
    assert [f.name for f in fields(EmbeddingRow)] == embeddings_schema(DIM).names


def test_a_stored_table_has_its_row_classs_schema(tmp_path):
    store = Store(tmp_path)
    store.upsert_documents([document("a.md")])
    assert store.rows(DocumentRow).open().schema == schema_of(DocumentRow)


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
