from lab_pipelines.store import LabStore


def rows(doc_id: str, texts: list[str]) -> list[dict]:
    return [
        {
            "row_id": f"{doc_id}#{i}",
            "doc_id": doc_id,
            "kind": "chunk",
            "seq": i,
            "text": t,
            "embed_key": f"k-{t}",
            "vector": [1.0, 0.0, 0.0, float(i)],
        }
        for i, t in enumerate(texts)
    ]


def test_replacing_a_documents_vectors_is_one_swap_scoped_to_it(tmp_path):
    store = LabStore(tmp_path)
    store.replace_embeddings(
        "m", 4, ["a", "b"], rows("a", ["one", "two", "three"]) + rows("b", ["x"])
    )
    table = store.db.open_table("embeddings__m")
    version = table.version
    store.replace_embeddings("m", 4, ["a"], rows("a", ["one"]))
    assert store.db.open_table("embeddings__m").version == version + 1  # one commit
    kept = sorted(r["row_id"] for r in store.read("embeddings__m", ["row_id"]))
    assert kept == ["a#0", "b#0"]  # a's stale rows gone, b untouched


def test_hybrid_search_finds_korean_words_with_particles(tmp_path):
    store = LabStore(tmp_path)
    data = rows("ko", ["매일 밤 백업을 한다", "파드를 스케줄링한다"]) + rows(
        "en", ["nightly backup"]
    )
    store.replace_embeddings("m", 4, ["ko", "en"], data)
    store.refresh_text_index("m")
    hits = store.search("m", "백업", None, k=3, mode="fts")
    # 백업을 is found through its morpheme 백업, the English row through the translated leg
    # (backup), and the unrelated Korean row not at all.
    assert {h.row_id for h in hits} == {"ko#0", "en#0"}


def test_delete_documents_removes_every_table_row(tmp_path):
    store = LabStore(tmp_path)
    store.replace_embeddings("m", 4, ["a"], rows("a", ["one"]))
    store.replace_chunks(
        ["a"],
        [
            {
                "chunk_id": "a#0",
                "doc_id": "a",
                "seq": 0,
                "heading": "",
                "text": "one",
                "plan_key": "p",
            }
        ],
    )
    store.delete_documents(["a"])
    assert store.count("embeddings__m") == 0
    assert store.count("chunks") == 0


def test_doc_ids_with_quotes_are_safe_in_filters(tmp_path):
    store = LabStore(tmp_path)
    store.replace_embeddings("m", 4, ["it's.md"], rows("it's.md", ["text"]))
    assert store.embedding_keys("m", ["it's.md"]) == {"it's.md": {("it's.md#0", "k-text")}}


def test_title_and_heading_weigh_above_the_body(tmp_path):
    store = LabStore(tmp_path)
    # Same body text; only one of them is *about* it (title or heading).
    data = rows("body", ["restore a backup"]) + rows("head", ["restore a backup"])
    data[0]["head"] = "Networking"
    data[1]["head"] = "Backup and restore"
    store.replace_embeddings("m", 4, ["body", "head"], data)
    store.refresh_text_index("m")
    hits = store.search("m", "restore backup", None, k=2, mode="fts")
    assert [h.doc_id for h in hits] == ["head", "body"]


def test_a_store_of_older_index_terms_is_retokenised_keeping_vectors(tmp_path):
    import pyarrow as pa

    store = LabStore(tmp_path)
    old = pa.schema([f for f in store_schema(4) if f.name not in ("terms", "head")])
    old = old.append(pa.field("terms", pa.string()))  # v1: no version, no head column
    data = [{**r, "terms": "stale"} for r in rows("ko", ["매일 밤 백업을 한다"])]
    store.db.create_table("embeddings__m", pa.Table.from_pylist(data, schema=old))
    store.replace_embeddings("m", 4, ["en"], rows("en", ["nightly backup"]))
    stored = {r["row_id"]: r for r in store.read("embeddings__m")}
    assert stored["ko#0"]["terms"] != "stale" and "백업" in stored["ko#0"]["terms"].split()
    assert stored["ko#0"]["vector"] == [1.0, 0.0, 0.0, 0.0]
    store.refresh_text_index("m")
    assert "ko" in {h.doc_id for h in store.search("m", "백업", None, k=2, mode="fts")}


def store_schema(dim: int):
    from lab_pipelines.store import embeddings_schema

    return embeddings_schema(dim)
