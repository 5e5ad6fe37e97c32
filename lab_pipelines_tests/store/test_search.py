"""The store's search: Korean particles, the translated leg, the boosted title and heading."""

from lab_pipelines.store import Store
from lab_pipelines_tests.store.builders import DIM, vectors


def test_hybrid_search_finds_korean_words_with_particles(tmp_path):
    store = Store(tmp_path)
    data = vectors("ko", ["매일 밤 백업을 한다", "파드를 스케줄링한다"]) + vectors(
        "en", ["nightly backup"]
    )
    store.replace_embeddings("m", DIM, ["ko", "en"], data)
    store.refresh_text_index("m")
    hits = store.search("m", "백업", None, k=3, mode="fts")
    # 백업을 is found through its morpheme 백업, the English row through the translated leg
    # (backup), and the unrelated Korean row not at all.
    assert {h.row_id for h in hits} == {"ko#0", "en#0"}


def test_title_and_heading_weigh_above_the_body(tmp_path):
    store = Store(tmp_path)
    # Same body text; only one of them is *about* it (title or heading).
    data = vectors("body", ["restore a backup"], head="Networking") + vectors(
        "head", ["restore a backup"], head="Backup and restore"
    )
    store.replace_embeddings("m", DIM, ["body", "head"], data)
    store.refresh_text_index("m")
    hits = store.search("m", "restore backup", None, k=2, mode="fts")
    assert [h.doc_id for h in hits] == ["head", "body"]


def test_a_model_without_a_table_finds_nothing(tmp_path):
    assert Store(tmp_path).search("never-used", "backup", [0.0] * DIM) == []
