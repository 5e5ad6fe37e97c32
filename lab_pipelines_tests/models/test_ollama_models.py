"""The Ollama backends through the official client, against the protocol double."""

import pytest

from lab_pipelines.models.base import ModelError
from lab_pipelines.models.ollama_models import (
    OllamaConnection,
    OllamaEmbedder,
    OllamaSummarizer,
    embedding_batches,
)

LONG_KOREAN = "\n\n".join(
    f"## {i}장\n\n"
    + " ".join(f"{i}장의 {j}번째 문장은 노드 B의 설정을 설명한다." for j in range(40))
    for i in range(12)
)


def connection(url: str, **kwargs) -> OllamaConnection:
    return OllamaConnection(url, timeout_s=5, **kwargs)


def test_a_short_document_is_one_chat_with_num_ctx(fake_ollama):
    summarizer = OllamaSummarizer(connection(fake_ollama.url), num_ctx=8192)
    summary = summarizer.summarize("Title", "Ollama serves models. It runs on node B.", "en")
    (call,) = fake_ollama.calls_to("/api/chat")
    assert call.body["options"]["num_ctx"] == 8192
    assert call.body["messages"][0]["role"] == "system"
    assert "<document" in call.body["messages"][1]["content"]
    assert summary.parts == 1 and summary.text


def test_a_long_document_is_summarised_map_reduce_instead_of_truncated(fake_ollama):
    summarizer = OllamaSummarizer(connection(fake_ollama.url), num_ctx=2048)
    summary = summarizer.summarize("긴 문서", LONG_KOREAN, "ko")
    chats = fake_ollama.calls_to("/api/chat")
    assert summary.parts > 1
    assert len(chats) >= summary.parts + 1  # every part, then the merge
    sent = "".join(c.body["messages"][1]["content"] for c in chats[: summary.parts])
    assert "11장의 39번째" in sent  # the tail of the document reached the model


def test_every_map_and_merge_call_sends_num_ctx(fake_ollama):
    summarizer = OllamaSummarizer(connection(fake_ollama.url), num_ctx=4096)
    summary = summarizer.summarize("긴 문서", LONG_KOREAN, "ko")
    for call in fake_ollama.calls_to("/api/chat"):
        assert call.body["options"]["num_ctx"] == 4096
    assert summary.parts > 1


def test_a_missing_model_names_the_pull_command(fake_ollama):
    summarizer = OllamaSummarizer(connection(fake_ollama.url), model="exaone3.5:32b")
    with pytest.raises(ModelError, match="ollama pull"):
        summarizer.check()


def test_a_chat_model_configured_for_embeddings_is_refused_with_the_fix(fake_ollama):
    embedder = OllamaEmbedder(connection(fake_ollama.url), model="exaone3.5:7.8b")
    with pytest.raises(ModelError, match="bge-m3"):
        embedder.check()


def test_embeddings_are_batched_by_count_and_characters(fake_ollama):
    embedder = OllamaEmbedder(connection(fake_ollama.url), batch_size=4, batch_chars=1000)
    texts = [f"chunk {i} " + "x" * (300 if i % 2 else 10) for i in range(10)]
    vectors = embedder.embed(texts)
    assert len(vectors) == 10 and all(len(v) == 1024 for v in vectors)
    batches = [c.body["input"] for c in fake_ollama.calls_to("/api/embed")]
    assert [t for batch in batches for t in batch] == texts or sorted(
        t for batch in batches for t in batch
    ) == sorted(texts)
    assert all(len(b) <= 4 and sum(map(len, b)) <= 1000 for b in batches)


def test_batches_never_exceed_either_cap():
    texts = ["a" * 400, "b" * 400, "c" * 400, "d" * 10, "e" * 10]
    assert embedding_batches(texts, max_count=2, max_chars=900) == [[0, 1], [2, 3], [4]]


def test_busy_server_is_retried_then_succeeds(fake_ollama):
    fake_ollama.fail_next(
        2, 503, "server busy, please try again.  maximum pending requests exceeded"
    )
    embedder = OllamaEmbedder(connection(fake_ollama.url))
    assert len(embedder.embed(["one"])) == 1
    assert [c.status for c in fake_ollama.calls_to("/api/embed")] == [503, 503, 200]


def test_an_unreachable_server_fails_with_the_host_named(fake_ollama):
    url = fake_ollama.url
    fake_ollama.close()
    embedder = OllamaEmbedder(connection(url, retry_attempts=2))
    with pytest.raises(ModelError, match="OLLAMA_HOST"):
        embedder.embed(["one"])


def test_every_call_records_ollama_s_own_timings_and_the_memory_it_holds():
    from lab_pipelines_tests.doubles.ollama_models import candidate_models
    from lab_pipelines_tests.doubles.ollama_server import FakeOllama

    with FakeOllama(models=candidate_models(), sleep_scale=0.0) as fake:
        conn = connection(fake.url)
        summarizer = OllamaSummarizer(conn, "exaone3.5:2.4b")
        summarizer.summarize("Title", "Ollama serves models. It runs on node B. " * 30, "en")
        embedder = OllamaEmbedder(conn, "bge-m3")
        embedder.embed(["node B serves every model call"] * 4)
        loaded = conn.resident_bytes("exaone3.5:2.4b")
        assert conn.resident_bytes("nomic-embed-text") is None  # never loaded
    chat = summarizer.counter.throughput()
    # The double models the 2.4B at 190 prompt / 28 generated tokens a second, 2 s to load.
    assert chat["prompt_tokens_per_s"] == 190.0 and chat["gen_tokens_per_s"] == 28.0
    assert chat["load_s"] == 2.0
    assert summarizer.counter.timings.prompt_eval_count == summarizer.counter.prompt_tokens
    assert embedder.counter.throughput()["prompt_tokens_per_s"] == 900.0  # bge-m3
    assert loaded == candidate_models()["exaone3.5:2.4b"].size
