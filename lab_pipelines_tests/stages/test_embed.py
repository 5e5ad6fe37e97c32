"""embed_documents: switching the embedding model switches its query and document prefixes
(Ollama double); the offline model's store gets its latent index."""

import pytest

from lab_pipelines.models.offline import LexicalEmbedder
from lab_pipelines.models.ollama_models import OllamaConnection, OllamaEmbedder
from lab_pipelines.stages.embed import embed_documents
from lab_pipelines.stages.generate import query_vector
from lab_pipelines.store import Store
from lab_pipelines_tests.doubles.ollama_models import candidate_models
from lab_pipelines_tests.store.builders import chunk, document

NIGHTLY = "Back up the node nightly."  # the document's one chunk


def store_with_one_document(root) -> Store:
    store = Store(root)
    store.upsert_documents([document("d.md", title="Backups")])
    store.replace_chunks(["d.md"], [chunk("d.md", heading="Nightly", text=NIGHTLY)])
    return store


@pytest.mark.parametrize(
    ("model", "query_prefix", "document_prefix"),
    [("bge-m3", "", ""), ("nomic-embed-text", "search_query: ", "search_document: ")],
)
def test_each_model_gets_its_own_prefixes(
    fake_ollama, tmp_path, model, query_prefix, document_prefix
):
    fake_ollama.add_model("nomic-embed-text", candidate_models()["nomic-embed-text"])
    embedder = OllamaEmbedder(OllamaConnection(fake_ollama.url, timeout_s=5), model=model)
    store = store_with_one_document(tmp_path)
    embed_documents(store, embedder, ["d.md"])
    query_vector(store, embedder, "how do I back up a node?")
    inputs = [text for call in fake_ollama.calls_to("/api/embed") for text in call.body["input"]]
    assert all(call.body["model"] == model for call in fake_ollama.calls_to("/api/embed"))
    assert inputs[-1] == query_prefix + "how do I back up a node?"
    assert inputs[:-1] == [document_prefix + "Nightly\n" + NIGHTLY]
    # What is stored and full-text indexed is the text itself, never the prefix.
    stored = store.read(f"embeddings__{model.replace('-', '_')}", ["text"])
    assert stored and not any(r["text"].startswith("search_") for r in stored)


def test_switching_to_a_prefixed_model_embeds_again_instead_of_reusing(fake_ollama, tmp_path):
    fake_ollama.add_model("nomic-embed-text", candidate_models()["nomic-embed-text"])
    store = store_with_one_document(tmp_path)
    connection = OllamaConnection(fake_ollama.url, timeout_s=5)
    first = embed_documents(store, OllamaEmbedder(connection, model="bge-m3"), ["d.md"])
    second = embed_documents(store, OllamaEmbedder(connection, model="nomic-embed-text"), ["d.md"])
    assert first.embedded == second.embedded == first.rows  # nothing reused across models


def test_an_unchanged_run_gives_a_store_from_before_the_latent_index_its_index(tmp_path):
    store = Store(tmp_path)
    topics = ["backup snapshot restore", "taint toleration node", "quorum fencing cluster"]
    topics += ["rollback revision release", "scrape exporter metric", "relay tailnet derp"]
    for n in range(24):
        doc_id = f"d{n}.md"
        store.upsert_documents([document(doc_id)])
        text = f"{topics[n % 6]} {n} part"
        store.replace_chunks([doc_id], [chunk(doc_id, seq, text=f"{text} {seq}") for seq in (0, 1)])
    embedder = LexicalEmbedder()
    doc_ids = [f"d{n}.md" for n in range(24)]
    embed_documents(store, embedder, doc_ids)
    assert "latent__offline_lexical_v1" in store.table_names()
    store.db.drop_table("latent__offline_lexical_v1")  # as a store built before it existed
    report = embed_documents(store, embedder, doc_ids)
    assert report.embedded == 0 and len(report.unchanged) == 24
    assert store.count("latent__offline_lexical_v1", "kind = 'row'") == store.count(
        "embeddings__offline_lexical_v1"
    )
