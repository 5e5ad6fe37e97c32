"""Locked writes: one swap per document's rows, one row per key, every table of a document."""

import dataclasses
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from lab_pipelines.store import Store
from lab_pipelines.store.rows import USAGE
from lab_pipelines_tests.store.builders import DIM, chunk, usage, vectors


def test_replacing_a_documents_vectors_is_one_swap_scoped_to_it(tmp_path):
    store = Store(tmp_path)
    store.replace_embeddings(
        "m", DIM, ["a", "b"], vectors("a", ["one", "two", "three"]) + vectors("b", ["x"])
    )
    version = store.db.open_table("embeddings__m").version
    store.replace_embeddings("m", DIM, ["a"], vectors("a", ["one"]))
    assert store.db.open_table("embeddings__m").version == version + 1  # one commit
    kept = sorted(r["row_id"] for r in store.read("embeddings__m", ["row_id"]))
    assert kept == ["a#0", "b#0"]  # a's stale rows gone, b untouched


def test_delete_documents_removes_every_table_row(tmp_path):
    store = Store(tmp_path)
    store.replace_embeddings("m", DIM, ["a"], vectors("a", ["one"]))
    store.replace_chunks(["a"], [chunk("a")])
    store.delete_documents(["a"])
    assert store.count("embeddings__m") == 0
    assert store.count("chunks") == 0


def test_doc_ids_with_quotes_are_safe_in_filters(tmp_path):
    store = Store(tmp_path)
    store.replace_embeddings("m", DIM, ["it's.md"], vectors("it's.md", ["text"]))
    assert store.embedding_keys("m", ["it's.md"]) == {"it's.md": {("it's.md#0", "k-text")}}
    store.delete_documents_vectors("m", ["it's.md"])
    assert store.embedding_keys("m", ["it's.md"]) == {}


def test_another_dimension_is_refused_with_the_fix_and_the_fix_works(tmp_path):
    store = Store(tmp_path / "lancedb")
    store.replace_embeddings("m", DIM, ["a"], vectors("a", ["one"]))
    with pytest.raises(ValueError, match="reset-embeddings m"):
        store.replace_embeddings("m", 8, ["a"], [])
    done = subprocess.run(
        [sys.executable, "-m", "lab_pipelines.cli", "reset-embeddings", "m"],
        env={**os.environ, "LAB_DATA": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "dropped embeddings__m" in done.stdout
    wider = [dataclasses.replace(row, vector=[0.5] * 8) for row in vectors("a", ["one"])]
    store.replace_embeddings("m", 8, ["a"], wider)  # now accepted
    assert [len(r["vector"]) for r in store.read("embeddings__m", ["vector"])] == [8]


def test_concurrent_upserts_of_one_key_leave_one_row(tmp_path):
    store = Store(tmp_path)
    rows = [usage("run:step:m", calls=n) for n in range(6)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda r: Store(tmp_path).record_usage([r]), rows))
    assert store.count(USAGE) == 1  # the writer lock serialises the merge_inserts
