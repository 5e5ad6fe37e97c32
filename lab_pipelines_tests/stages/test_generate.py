"""An answer carries the documents it was retrieved from, with their fused scores."""

from lab_pipelines.models.offline import ExtractiveWriter, LexicalEmbedder
from lab_pipelines.stages.embed import embed_documents
from lab_pipelines.stages.generate import generate_output
from lab_pipelines_tests.stages.test_embed import store_with_one_document


def test_generated_output_lists_its_sources_with_scores(tmp_path):
    store = store_with_one_document(tmp_path)
    embed_documents(store, LexicalEmbedder(), ["d.md"])
    output = generate_output(
        store, LexicalEmbedder(), ExtractiveWriter(), "q1", "How do I back up a node?", 4000
    )
    (source,) = output.sources
    assert source["doc_id"] == "d.md" and source["title"] == "Backups" and source["rank"] == 1
    assert source["score"] > 0


def test_a_korean_question_finds_the_english_document(tmp_path):
    store = store_with_one_document(tmp_path)
    embed_documents(store, LexicalEmbedder(), ["d.md"])
    output = generate_output(
        store, LexicalEmbedder(), ExtractiveWriter(), "q2", "노드를 백업하는 방법", 4000
    )
    assert [s["doc_id"] for s in output.sources] == ["d.md"]
