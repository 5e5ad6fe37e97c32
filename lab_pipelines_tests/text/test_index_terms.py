from lab_pipelines.text.bilingual import translate_query
from lab_pipelines.text.index_terms import index_terms, korean_stem


def test_korean_particles_and_endings_are_cut_so_both_sides_agree():
    assert korean_stem("백업을") == "백업"
    assert korean_stem("설치하려면") == "설치"
    assert index_terms("노드에 테인트를 붙이기") == ["노드", "테인트", "붙이기"]
    assert index_terms("노드에 테인트를 붙이기") == index_terms("노드 테인트 붙이기")


def test_phrasal_verbs_meet_their_nouns():
    assert index_terms("How do I back up a VM?") == ["backup", "vm"]
    assert "rollback" in index_terms("rolling back a release")


def test_a_korean_question_translates_into_english_terms_and_keeps_its_latin_words():
    translated = translate_query("Argo CD 설정을 백업하고 복원하기").split()
    assert {"backup", "restore", "configuration", "Argo", "CD"} <= set(translated)
    assert "백업" in translate_query("nightly backups").split()


def test_a_query_drops_the_words_of_how_it_is_asked_and_the_index_keeps_them():
    from lab_pipelines.text.index_terms import query_terms

    asked = "Why should I run my own DERP relay over there?"
    assert query_terms(asked) == ["run", "derp", "relay"]
    assert {"my", "own", "over", "there"} <= set(index_terms(asked))


def test_the_head_field_holds_the_documents_path_words_in_english_for_a_korean_page():
    from lab_pipelines.inbox import document_id
    from lab_pipelines.text.index_terms import head_terms, path_words

    head = head_terms("k8s-ko/docs/concepts/taint-and-toleration.md", "테인트와 톨러레이션")
    assert {"테인트", "톨러레이션", "taint", "toleration", "k8s"} <= set(head)
    assert path_words(document_id("notes/a,b.md")) == "notes a b"  # its ~hash left out
