import re

from lab_pipelines.text.chunking import chunk_text
from lab_pipelines.text.sentences import split_sentences

KOREAN = (
    """# 백업 계획

"""
    + " ".join(f"{i}번째 백업은 밤마다 프록스목스 서버로 보낸다." for i in range(30))
    + """

## 복구

복구 연습은 한 달에 한 번 한다. 빈 가상 머신에 복구한 뒤 검색 결과를 비교한다.
"""
)

ENGLISH = """# Ollama

Ollama serves the models. It runs on node B.

## Parallel requests

""" + " ".join(f"Request number {i} waits in the queue when the slots are full." for i in range(25))


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def test_chunks_respect_the_budget_and_keep_headings():
    chunks = chunk_text(ENGLISH, max_chars=300, overlap_chars=80)
    assert len(chunks) > 3
    assert all(len(c.text) <= 300 for c in chunks)
    assert chunks[0].heading == "Ollama"
    assert chunks[-1].heading == "Ollama > Parallel requests"
    assert chunks[-1].search_text.startswith("Ollama > Parallel requests\n")


def test_no_word_is_lost_between_chunks():
    for text in (KOREAN, ENGLISH):
        joined = " ".join(c.search_text for c in chunk_text(text, max_chars=250, overlap_chars=60))
        assert set(words(text)) <= set(words(joined))


def test_korean_chunks_end_on_sentence_boundaries():
    chunks = chunk_text(KOREAN, max_chars=200, overlap_chars=50)
    body = [c for c in chunks if c.heading == "백업 계획"]
    assert len(body) > 3
    for chunk in body:
        assert chunk.text.endswith("보낸다."), chunk.text[-20:]


def test_overlap_repeats_whole_sentences_only():
    chunks = chunk_text(ENGLISH, max_chars=300, overlap_chars=80)
    second = chunks[2].text
    first_sentence = split_sentences(second)[0]
    assert first_sentence in chunks[1].text  # carried over from the previous chunk
    assert first_sentence.startswith("Request number")


def test_a_chunk_short_enough_to_be_all_overlap_is_not_repeated():
    # The short paragraph is flushed alone because the long sentence does not fit beside it.
    long_sentence = "가나다라 " * 58 + "끝이다."
    chunks = chunk_text(f"짧은 문단이다.\n\n{long_sentence}", max_chars=300, overlap_chars=80)
    assert chunks[0].text == "짧은 문단이다."
    assert not chunks[1].text.startswith("짧은 문단이다.")


def test_small_sections_share_a_chunk():
    text = "# A\n\nshort one.\n\n# B\n\nshort two.\n\n# C\n\nshort three."
    chunks = chunk_text(text, max_chars=900)
    assert len(chunks) == 1
    assert "# B" in chunks[0].text and "short three." in chunks[0].text


def test_kiwi_splits_korean_sentences():
    sentences = split_sentences("노드 B는 모델을 서빙한다. 노드 A는 컨트롤 플레인을 맡는다.")
    assert sentences == ["노드 B는 모델을 서빙한다.", "노드 A는 컨트롤 플레인을 맡는다."]


def test_an_unspaced_giant_sentence_is_cut_to_the_budget():
    chunks = chunk_text("가" * 2500, max_chars=500, overlap_chars=0)
    assert [len(c.text) for c in chunks] == [500] * 5


def test_a_document_of_headings_only_still_gets_a_chunk():
    (chunk,) = chunk_text("# Search\n\n## 검색\n")
    assert chunk.text == "Search\n검색"
