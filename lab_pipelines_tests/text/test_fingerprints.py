import unicodedata

from lab_pipelines.text.fingerprints import (
    content_hash,
    embedding_key,
    fingerprint,
    summary_key,
)


def test_content_hash_ignores_unicode_normalisation_form():
    nfc = "한국어 문서"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    assert content_hash(nfd) == content_hash(nfc)


def test_summary_key_changes_with_model_and_prompt_only():
    text = content_hash("some text")
    base = summary_key(text, "exaone3.5:7.8b", "p1")
    assert base == summary_key(text, "exaone3.5:7.8b", "p1")
    assert base != summary_key(text, "exaone3.5:2.4b", "p1")
    assert base != summary_key(text, "exaone3.5:7.8b", "p2")
    assert base != summary_key(content_hash("other text"), "exaone3.5:7.8b", "p1")


def test_embedding_key_is_per_text_and_model():
    assert embedding_key("a chunk", "bge-m3") == embedding_key("a chunk", "bge-m3")
    assert embedding_key("a chunk", "bge-m3") != embedding_key("a chunk", "qwen3-embedding")


def test_fingerprint_joins_are_unambiguous():
    assert fingerprint("ab", "c") != fingerprint("a", "bc")
