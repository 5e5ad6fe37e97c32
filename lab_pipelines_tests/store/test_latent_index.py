"""The latent index through the Store: built from the vector table, rebuilt when enough of it
changed, and searched as the offline model's fourth leg."""

import threading
from concurrent.futures import ThreadPoolExecutor

from lab_pipelines.store import Store, latent_index
from lab_pipelines.store.ranking import plan_for
from lab_pipelines_tests.store.builders import DIM, vectors

MODEL = "offline-lexical-v1"  # the model whose ranking has the latent leg
# Words the ko/en term map does not know, so only the translated pages tie them together;
# each topic's pages share one Latin name, as Korean pages keep commands and field names.
TOPICS = [
    ("prune orphaned resources", "가지치기 고아 리소스", "syncoptions"),
    ("quorum fencing votes", "쿼럼 펜싱 투표", "corosync"),
    ("silence inhibit receivers", "음소거 억제 수신기", "amtool"),
    ("gguf quantize import", "양자화 변환 가져오기", "modelfile"),
    ("tailnet relay derp", "테일넷 중계 더프", "tailscaled"),
    ("gradient optimizer epochs", "그래디언트 옵티마이저 에폭", "autograd"),
    ("exemplar histogram buckets", "예시 히스토그램 버킷", "promql"),
    ("sidecar injector webhook", "사이드카 주입기 웹훅", "istioctl"),
    ("cordon drain eviction", "코든 드레인 축출", "kubectl"),
    ("wave hook ordering", "웨이브 훅 순서", "argocd"),
]


def translated_pages(store: Store) -> list[str]:
    """Each topic as a Korean page and its English translation (twins by path), two rows
    each."""
    doc_ids = []
    for n, (english, korean, name) in enumerate(TOPICS):
        for doc_id, text in ((f"docs-ko/t{n}.md", korean), (f"docs-en/t{n}.md", english)):
            rows = vectors(doc_id, [f"{text} {name}", text])
            store.replace_embeddings(MODEL, DIM, [doc_id], rows)
            doc_ids.append(doc_id)
    return doc_ids


def test_the_offline_model_ranks_with_a_latent_leg():
    assert plan_for(MODEL).latent > 0
    assert plan_for("bge-m3").latent == 0


def test_a_korean_question_finds_the_english_page_the_term_map_cannot_reach(tmp_path):
    store = Store(tmp_path)
    translated_pages(store)
    store.refresh_text_index(MODEL)
    assert store.refresh_latent_index(MODEL) is True
    # 가지치기 is not in the term map: no full-text leg can reach the English page.
    found = [h.doc_id for h in store.search(MODEL, "가지치기", None, k=10)]
    assert found[0] == "docs-ko/t0.md" and "docs-en/t0.md" in found
    without = plan_for(MODEL).__class__(**{**plan_for(MODEL).__dict__, "latent": 0.0})
    alone = [h.doc_id for h in store.search(MODEL, "가지치기", None, k=10, plan=without)]
    assert set(alone) == {"docs-ko/t0.md"}


def test_it_is_rebuilt_only_when_a_twentieth_of_the_rows_changed(tmp_path):
    store = Store(tmp_path)
    translated_pages(store)  # 40 rows
    assert store.refresh_latent_index(MODEL) is True
    assert store.refresh_latent_index(MODEL) is False  # nothing changed
    store.replace_embeddings(MODEL, DIM, ["new.md"], vectors("new.md", ["one more row"]))
    assert store.refresh_latent_index(MODEL) is False  # 1 of 41 rows
    store.replace_embeddings(MODEL, DIM, ["new.md"], vectors("new.md", ["a", "b", "c"]))
    assert store.refresh_latent_index(MODEL) is True  # 3 of 43


def test_pages_edited_in_place_count_as_changed(tmp_path):
    # An edited page keeps its row_ids (doc#seq); its embed_key is what changes.
    store = Store(tmp_path)
    translated_pages(store)  # 40 rows
    assert store.refresh_latent_index(MODEL) is True
    english, korean, name = TOPICS[0]
    rows = vectors("docs-en/t0.md", [f"{english} {name} revised", f"{english} revised"])
    store.replace_embeddings(MODEL, DIM, ["docs-en/t0.md"], rows)
    assert store.refresh_latent_index(MODEL) is False  # 2 of 40 rows
    rows = vectors("docs-ko/t0.md", [f"{korean} {name} 개정", f"{korean} 개정"])
    store.replace_embeddings(MODEL, DIM, ["docs-ko/t0.md"], rows)
    assert store.refresh_latent_index(MODEL) is True  # 4 of 40


def test_two_processes_refreshing_at_once_build_once(tmp_path):
    # The second refresh waits for the first's lock and then finds its build current.
    translated_pages(Store(tmp_path))
    barrier = threading.Barrier(2)

    def refresh() -> bool:
        store = Store(tmp_path)
        barrier.wait(timeout=30)
        return store.refresh_latent_index(MODEL)

    with ThreadPoolExecutor(2) as pool:
        built = sorted(pool.map(lambda _: refresh(), range(2)))
    assert built == [False, True]


def test_a_deleted_page_is_not_found_through_a_latent_index_built_before(tmp_path):
    store = Store(tmp_path)
    doc_ids = translated_pages(store)
    log = [f"run {n} finished on node {n % 3}" for n in range(30)]
    store.replace_embeddings(MODEL, DIM, ["log.md"], vectors("log.md", log))
    store.refresh_text_index(MODEL)
    store.refresh_latent_index(MODEL)
    store.delete_documents_vectors(MODEL, ["docs-en/t0.md"])  # 2 of 70 rows: no rebuild
    assert store.refresh_latent_index(MODEL) is False
    found = {h.doc_id for h in store.search(MODEL, "가지치기 고아", None, k=10)}
    assert "docs-ko/t0.md" in found and "docs-en/t0.md" not in found
    assert set(doc_ids) > found


def test_a_store_of_a_few_rows_has_no_latent_index_and_still_searches(tmp_path):
    store = Store(tmp_path)
    store.replace_embeddings(MODEL, DIM, ["a.md"], vectors("a.md", ["nightly backup"]))
    store.refresh_text_index(MODEL)
    assert store.refresh_latent_index(MODEL) is False
    assert "latent__offline_lexical_v1" not in store.table_names()
    assert [h.doc_id for h in store.search(MODEL, "backup", None)] == ["a.md"]


def test_an_index_of_another_latent_version_is_rebuilt(tmp_path, monkeypatch):
    store = Store(tmp_path)
    translated_pages(store)
    assert store.refresh_latent_index(MODEL) is True
    monkeypatch.setattr(latent_index, "LATENT_VERSION", "0-older")
    assert store.refresh_latent_index(MODEL) is True
    assert store.refresh_latent_index(MODEL) is False


def test_the_first_query_and_the_later_ones_read_the_same_term_vectors(tmp_path):
    # The first query of a process looks its terms up; later ones read them all once.
    store = Store(tmp_path)
    translated_pages(store)
    store.refresh_latent_index(MODEL)
    latent = store.table("latent__offline_lexical_v1")
    first = latent_index.nearest_rows(latent, ["가지치기", "고아"])
    second = latent_index.nearest_rows(latent, ["가지치기", "고아"])
    assert first and first == second
    assert set(first[:2]) == {"docs-ko/t0.md#0", "docs-ko/t0.md#1"}
    cached = latent_index._CACHED[0]
    assert cached.terms is not None
    assert len(cached.terms) == latent.count("kind = 'term'")


def test_a_model_reset_and_embedded_again_is_searched_through_its_new_build(tmp_path):
    # A process (the webserver) keeps a build in memory. `reset-embeddings` drops the tables
    # and the next run makes them again, versions starting at 1 again, with another shape.
    store = Store(tmp_path)
    translated_pages(store)
    store.refresh_text_index(MODEL)
    store.refresh_latent_index(MODEL)
    latent = store.table("latent__offline_lexical_v1")
    latent_index.nearest_rows(latent, ["가지치기"])
    before = latent_index._CACHED[0].rows.shape[1]
    store.drop_embeddings(MODEL)
    for n, (english, korean, name) in enumerate(TOPICS * 3):  # three times the pages
        for doc_id, text in ((f"docs-ko/r{n}.md", korean), (f"docs-en/r{n}.md", english)):
            store.replace_embeddings(MODEL, DIM, [doc_id], vectors(doc_id, [f"{text} {name}"]))
    assert store.refresh_latent_index(MODEL) is True
    found = latent_index.nearest_rows(latent, ["가지치기"])
    assert latent_index._CACHED[0].rows.shape[1] != before
    assert found and all(row_id.split("/")[1].startswith("r") for row_id in found)


def test_searches_from_many_threads_while_the_index_is_rebuilt(tmp_path):
    # The webserver answers from several threads; a sensor's run rebuilds the index meanwhile.
    store = Store(tmp_path)
    translated_pages(store)
    store.refresh_text_index(MODEL)
    store.refresh_latent_index(MODEL)
    latent = store.table("latent__offline_lexical_v1")
    latent_index._CACHED.clear()

    rebuilt = []

    def search(n: int) -> list[str]:
        if n % 8 == 7:  # five rows of 40 re-embedded: each time a rebuild
            churn = vectors("churn.md", [f"cron {n} line {i}" for i in range(5)])
            store.replace_embeddings(MODEL, DIM, ["churn.md"], churn)
            rebuilt.append(store.refresh_latent_index(MODEL))
        return latent_index.nearest_rows(latent, ["가지치기", "고아"])

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(search, range(48)))
    assert len(rebuilt) == 6 and any(rebuilt)  # two churns may share one rebuild
    assert all(set(r[:2]) == {"docs-ko/t0.md#0", "docs-ko/t0.md#1"} for r in results)
