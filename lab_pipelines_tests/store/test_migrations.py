"""A store of older index terms is re-tokenised when it is opened, keeping its vectors."""

import pyarrow as pa

from lab_pipelines.store import Store, embeddings_schema
from lab_pipelines_tests.store.builders import DIM, chunk, document, vectors


def _old_table(store: Store) -> None:
    """v1 of the vector table: ``terms`` without a version, no ``head`` column."""
    old = pa.schema([f for f in embeddings_schema(DIM) if f.name not in ("terms", "head")])
    old = old.append(pa.field("terms", pa.string()))
    data = [
        {k: v for k, v in r.as_record().items() if k != "head"} | {"terms": "stale"}
        for r in vectors("ko", ["매일 밤 백업을 한다"])
    ]
    store.db.create_table("embeddings__m", pa.Table.from_pylist(data, schema=old))


def test_opening_a_store_of_older_terms_retokenises_it(tmp_path):
    store = Store(tmp_path)
    store.upsert_documents([document("ko", title="Backups")])
    store.replace_chunks(["ko"], [chunk("ko", heading="Nightly")])
    _old_table(store)
    assert Store(tmp_path).migrate() == []  # opening it already migrated it
    stored = {r["row_id"]: r for r in store.read("embeddings__m")}
    assert stored["ko#0"]["terms"] != "stale" and "백업" in stored["ko#0"]["terms"].split()
    assert stored["ko#0"]["head"].split() == ["backups", "nightly", "ko"]  # title, heading, path
    assert stored["ko#0"]["vector"] == [1.0, 0.0, 0.0, 0.0]
    store.refresh_text_index("m")
    assert "ko" in {h.doc_id for h in store.search("m", "백업", None, k=2, mode="fts")}


def test_migrate_names_what_it_migrated_once(tmp_path):
    store = Store(tmp_path)
    _old_table(store)
    assert store.migrate() == ["embeddings__m"]
    assert store.migrate() == []
    store.replace_embeddings("m", DIM, ["en"], vectors("en", ["nightly backup"]))  # new schema
    assert store.count("embeddings__m") == 2
