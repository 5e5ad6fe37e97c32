from lab_pipelines.text.prefixes import document_text, prefixes_for, query_text


def test_model_names_with_tags_and_namespaces_find_their_prefixes():
    assert prefixes_for("nomic-embed-text:v1.5").query == "search_query: "
    assert prefixes_for("jeffh/intfloat-multilingual-e5-large:f16").document == "passage: "
    assert query_text("e5-small", "q") == "query: q"
    assert document_text("bge-m3:567m", "d") == "d"
    assert document_text("offline-lexical-v1", "d") == "d"
