"""A store of older index terms is re-tokenised when a process first opens it, keeping its
vectors."""

import subprocess
import sys

import pyarrow as pa

from lab_pipelines.store import Store
from lab_pipelines.store.vectors import embeddings_schema
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


def _open_in_a_new_process(root) -> str:
    """What a process of this code prints when it opens ``root`` and asks to migrate again."""
    opened = f"from lab_pipelines.store import Store; print(Store({str(root)!r}).migrate())"
    done = subprocess.run([sys.executable, "-c", opened], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_opening_a_store_of_older_terms_retokenises_it(tmp_path):
    store = Store(tmp_path)
    store.upsert_documents([document("ko", title="Backups")])
    store.replace_chunks(["ko"], [chunk("ko", heading="Nightly")])
    _old_table(store)  # as an older version of the code left it
    assert _open_in_a_new_process(tmp_path) == "[]"  # opening it already migrated it
    stored = {r["row_id"]: r for r in store.read("embeddings__m")}
    assert stored["ko#0"]["terms"] != "stale" and "백업" in stored["ko#0"]["terms"].split()
    assert stored["ko#0"]["head"].split() == ["backups", "nightly", "ko"]  # title, heading, path
    assert stored["ko#0"]["vector"] == [1.0, 0.0, 0.0, 0.0]
    store.refresh_text_index("m")
    assert "ko" in {h.doc_id for h in store.search("m", "백업", None, k=2, mode="fts")}


def test_a_process_migrates_a_root_on_its_first_open_only(tmp_path):
    store = Store(tmp_path)
    _old_table(store)  # written after this process opened the root
    assert Store(tmp_path).migrate() == ["embeddings__m"]  # a second open did not migrate


def test_migrate_names_what_it_migrated_once(tmp_path):
    store = Store(tmp_path)
    _old_table(store)
    assert store.migrate() == ["embeddings__m"]
    assert store.migrate() == []
    store.replace_embeddings("m", DIM, ["en"], vectors("en", ["nightly backup"]))  # new schema
    assert store.count("embeddings__m") == 2
