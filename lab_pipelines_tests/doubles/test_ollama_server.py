"""FakeOllama driven by the official `ollama` client: examples of use and protocol checks."""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import ollama
import pytest

from lab_pipelines_tests.doubles.ollama_server import (
    EMBEDDING_MODEL,
    SUMMARY_MODEL,
    FakeOllama,
    ModelSpec,
    count_tokens,
)


def client(fake: FakeOllama, timeout: float = 5) -> ollama.Client:
    return ollama.Client(host=fake.url, timeout=timeout)


def wait_until(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.005)


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))  # vectors are unit length


# -- models ---------------------------------------------------------------------------
def test_list_shows_the_lab_models(fake_ollama: FakeOllama) -> None:
    listed = client(fake_ollama).list()

    by_name = {m.model: m for m in listed.models}
    # Ollama lists untagged names with ":latest".
    assert set(by_name) == {"exaone3.5:7.8b", "bge-m3:latest"}
    assert by_name["exaone3.5:7.8b"].details.family == "exaone"
    assert by_name["bge-m3:latest"].details.format == "gguf"
    assert [(c.method, c.path) for c in fake_ollama.calls] == [("GET", "/api/tags")]


def test_show_reports_capabilities_and_context_length(fake_ollama: FakeOllama) -> None:
    api = client(fake_ollama)

    summary = api.show(SUMMARY_MODEL)
    embedder = api.show(EMBEDDING_MODEL)

    assert summary.capabilities == ["completion"]
    assert summary.modelinfo["exaone.context_length"] == 32768
    assert embedder.capabilities == ["embedding"]
    assert embedder.modelinfo["general.architecture"] == "bert"
    assert embedder.modelinfo["bert.embedding_length"] == 1024
    assert [c.body for c in fake_ollama.calls_to("/api/show")] == [
        {"model": SUMMARY_MODEL},
        {"model": EMBEDDING_MODEL},
    ]


def test_removed_model_is_not_found_and_added_model_is_served(fake_ollama: FakeOllama) -> None:
    api = client(fake_ollama)
    fake_ollama.remove_model(SUMMARY_MODEL)
    fake_ollama.add_model("qwen3:8b", ModelSpec(["completion"], 40960, family="qwen3"))

    with pytest.raises(ollama.ResponseError) as show_error:
        api.show(SUMMARY_MODEL)
    with pytest.raises(ollama.ResponseError) as chat_error:
        api.chat(model=SUMMARY_MODEL, messages=[{"role": "user", "content": "hi"}])

    assert (show_error.value.status_code, show_error.value.error) == (
        404,
        "model 'exaone3.5:7.8b' not found",
    )
    assert chat_error.value.status_code == 404
    assert chat_error.value.error == 'model "exaone3.5:7.8b" not found, try pulling it first'
    assert api.show("qwen3:8b").modelinfo["qwen3.context_length"] == 40960


def test_models_refuse_the_wrong_kind_of_request(fake_ollama: FakeOllama) -> None:
    api = client(fake_ollama)

    with pytest.raises(ollama.ResponseError) as chat_error:
        api.chat(model=EMBEDDING_MODEL, messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(ollama.ResponseError) as embed_error:
        api.embed(model=SUMMARY_MODEL, input="hi")

    assert chat_error.value.status_code == 400
    assert chat_error.value.error == '"bge-m3" does not support chat'
    assert embed_error.value.status_code == 400
    assert embed_error.value.error == '"exaone3.5:7.8b" does not support embeddings'


# -- chat -----------------------------------------------------------------------------
DOCUMENT = (
    "Summarise the document.\n"
    "<document>\n"
    "```\n"
    "서울시는 올해 공공 와이파이를 확대했다. 설치 지점은 2천 곳이다. 예산은 별도로 편성됐다.\n"
    "```\n"
    "</document>"
)


def test_chat_answers_with_the_first_sentences_of_the_last_user_message(
    fake_ollama: FakeOllama,
) -> None:
    messages = [
        {"role": "system", "content": "You summarise Korean news."},
        {"role": "user", "content": DOCUMENT},
    ]

    reply = client(fake_ollama).chat(
        model=SUMMARY_MODEL, messages=messages, options={"num_ctx": 8192, "temperature": 0}
    )

    # Fence and <document> lines are dropped; then the first two sentences.
    expected = "Summarise the document. 서울시는 올해 공공 와이파이를 확대했다."
    assert reply.message.content == expected
    assert reply.done and reply.done_reason == "stop"
    assert reply.prompt_eval_count == sum(count_tokens(m["content"]) + 4 for m in messages)
    assert reply.eval_count == count_tokens(reply.message.content)
    (call,) = fake_ollama.calls_to("/api/chat")
    assert call.body is not None
    assert call.body["stream"] is False
    assert call.body["options"] == {"num_ctx": 8192, "temperature": 0}
    assert call.body["messages"] == messages


def test_streamed_chat_joins_to_the_same_reply(fake_ollama: FakeOllama) -> None:
    api = client(fake_ollama)
    messages = [{"role": "user", "content": DOCUMENT}]

    chunks = list(api.chat(model=SUMMARY_MODEL, messages=messages, stream=True))
    whole = api.chat(model=SUMMARY_MODEL, messages=messages)

    assert len(chunks) > 2
    assert "".join(c.message.content or "" for c in chunks) == whole.message.content
    assert [c.done for c in chunks] == [False] * (len(chunks) - 1) + [True]
    assert chunks[-1].eval_count == whole.eval_count
    assert [c.body["stream"] for c in fake_ollama.calls_to("/api/chat") if c.body] == [True, False]


def test_prompt_over_num_ctx_is_truncated_silently(fake_ollama: FakeOllama) -> None:
    api = client(fake_ollama)
    facts = "\n".join(f"Fact {i} is recorded." for i in range(200))
    messages = [
        {"role": "system", "content": "Answer briefly. " * 40},
        {"role": "user", "content": facts},
    ]
    sent_tokens = sum(count_tokens(m["content"]) + 4 for m in messages)

    roomy = api.chat(model=SUMMARY_MODEL, messages=messages, options={"num_ctx": 8192})
    cramped = api.chat(model=SUMMARY_MODEL, messages=messages, options={"num_ctx": 512})

    assert roomy.prompt_eval_count == sent_tokens
    assert roomy.message.content == "Fact 0 is recorded. Fact 1 is recorded."
    # Only the tail (about num_ctx / 2 tokens) survived, and still a 200 answer.
    assert cramped.prompt_eval_count is not None
    assert 240 <= cramped.prompt_eval_count <= 256 < sent_tokens
    seen = [int(n) for n in re.findall(r"\d+", cramped.message.content or "")]
    assert seen and min(seen) > 150
    assert [c.body["options"]["num_ctx"] for c in fake_ollama.calls_to("/api/chat") if c.body] == [
        8192,
        512,
    ]


def test_default_num_ctx_applies_when_the_request_sends_none() -> None:
    with FakeOllama(default_num_ctx=64) as fake:
        reply = client(fake).chat(
            model=SUMMARY_MODEL, messages=[{"role": "user", "content": "word " * 400}]
        )

    assert reply.prompt_eval_count is not None and reply.prompt_eval_count <= 32


def test_num_predict_caps_the_reply(fake_ollama: FakeOllama) -> None:
    reply = client(fake_ollama).chat(
        model=SUMMARY_MODEL,
        messages=[{"role": "user", "content": DOCUMENT}],
        options={"num_predict": 5},
    )

    assert reply.eval_count is not None and reply.eval_count <= 5
    assert reply.done_reason == "length"


def test_generate_uses_the_same_reply_logic(fake_ollama: FakeOllama) -> None:
    result = client(fake_ollama).generate(
        model=SUMMARY_MODEL, prompt="First point. Second point. Third point."
    )

    assert result.response == "First point. Second point."
    assert fake_ollama.calls_to("/api/generate")[0].body == {
        "model": SUMMARY_MODEL,
        "prompt": "First point. Second point. Third point.",
        "stream": False,
    }


# -- embeddings -----------------------------------------------------------------------
def test_embed_returns_deterministic_unit_vectors(fake_ollama: FakeOllama) -> None:
    api = client(fake_ollama)
    batch = [
        "The cat sat on the mat.",
        "The cat sat on a mat.",
        "Quarterly revenue grew by eight percent.",
        "서울시는 공공 와이파이를 확대했다.",
    ]

    first = api.embed(model=EMBEDDING_MODEL, input=batch)
    again = api.embed(model=EMBEDDING_MODEL, input=batch)

    vectors = [list(v) for v in first.embeddings]
    assert len(vectors) == 4
    assert all(len(v) == 1024 for v in vectors)
    assert all(math.isclose(math.sqrt(sum(x * x for x in v)), 1.0) for v in vectors)
    assert vectors == [list(v) for v in again.embeddings]
    assert cosine(vectors[0], vectors[1]) > 0.6 > cosine(vectors[0], vectors[2])
    assert first.prompt_eval_count == sum(count_tokens(t) for t in batch)
    assert [c.body["input"] for c in fake_ollama.calls_to("/api/embed") if c.body] == [
        batch,
        batch,
    ]


def test_embed_edge_cases(fake_ollama: FakeOllama) -> None:
    api = client(fake_ollama)
    too_long = "token " * 12000  # far over bge-m3's 8192-token context

    assert list(api.embed(model=EMBEDDING_MODEL, input=[]).embeddings) == []
    truncated = api.embed(model=EMBEDDING_MODEL, input=too_long)
    with pytest.raises(ollama.ResponseError) as refused:
        api.embed(model=EMBEDDING_MODEL, input=too_long, truncate=False)
    legacy = api.embeddings(model=EMBEDDING_MODEL, prompt="The cat sat on the mat.")

    assert truncated.prompt_eval_count == 8192
    assert (refused.value.status_code, refused.value.error) == (
        400,
        "the input length exceeds the context length",
    )
    assert len(legacy.embedding) == 1024
    assert fake_ollama.calls_to("/api/embed")[2].body == {
        "model": EMBEDDING_MODEL,
        "input": too_long,
        "truncate": False,
    }


# -- wire details the client hides ----------------------------------------------------
def test_plain_http_endpoints_and_content_types(fake_ollama: FakeOllama) -> None:
    # The ollama client has no call for these, so plain httpx (what it uses) checks them.
    with httpx.Client(base_url=fake_ollama.url, timeout=5) as http:
        root = http.get("/")
        version = http.get("/api/version")
        stream = http.post("/api/chat", json={"model": SUMMARY_MODEL, "messages": []})
        bad_input = http.post("/api/embed", json={"model": EMBEDDING_MODEL, "input": [1, 2]})

    assert (root.status_code, root.text) == (200, "Ollama is running")
    assert version.json() == {"version": "0.12.0"}
    # No "stream" field means streaming, as NDJSON.
    assert stream.headers["content-type"] == "application/x-ndjson"
    assert [line["done"] for line in map(json.loads, stream.text.splitlines())] == [True]
    assert version.headers["content-type"].startswith("application/json")
    assert (bad_input.status_code, bad_input.json()) == (400, {"error": "invalid input type"})


# -- queue, slots and latency ---------------------------------------------------------
def ask(fake: FakeOllama, text: str = "Hello there.") -> ollama.ChatResponse:
    return client(fake).chat(model=SUMMARY_MODEL, messages=[{"role": "user", "content": text}])


def test_full_queue_answers_503_at_once() -> None:
    with FakeOllama(slots=1, max_queue=1, base_latency=0.4) as fake, ThreadPoolExecutor(2) as pool:
        running = pool.submit(ask, fake)
        wait_until(lambda: fake.in_flight == 1)
        waiting = pool.submit(ask, fake)
        wait_until(lambda: fake.queued == 1)

        started = time.monotonic()
        with pytest.raises(ollama.ResponseError) as busy:
            ask(fake)
        refused_after = time.monotonic() - started

        assert running.result(timeout=5).done
        assert waiting.result(timeout=5).done
    assert busy.value.status_code == 503
    assert busy.value.error == "server busy, please try again.  maximum pending requests exceeded"
    assert refused_after < 0.2
    assert sorted(c.status for c in fake.calls_to("/api/chat")) == [200, 200, 503]


def test_slots_bound_concurrency_and_busy_seconds_add_up() -> None:
    with FakeOllama(slots=2, base_latency=0.2) as fake, ThreadPoolExecutor(6) as pool:
        started = time.monotonic()
        replies = [f.result(timeout=5) for f in [pool.submit(ask, fake) for _ in range(6)]]
        wall = time.monotonic() - started

    assert all(r.done for r in replies)
    assert fake.max_in_flight == 2
    assert fake.busy_seconds == pytest.approx(6 * 0.2)
    assert wall >= 3 * 0.2  # six requests through two slots: three rounds
    utilisation = fake.busy_seconds / (fake.slots * wall)
    assert 0.5 < utilisation <= 1.0


def test_latency_follows_the_token_speeds() -> None:
    with FakeOllama(base_latency=0.05, prompt_tokens_per_s=2000, gen_tokens_per_s=200) as fake:
        started = time.monotonic()
        reply = ask(fake, "A long prompt sentence. " * 50)
        elapsed = time.monotonic() - started

    assert reply.prompt_eval_count is not None and reply.eval_count is not None
    expected = 0.05 + reply.prompt_eval_count / 2000 + reply.eval_count / 200
    assert fake.busy_seconds == pytest.approx(expected)
    assert expected <= elapsed < expected + 0.5
    assert reply.eval_duration == pytest.approx(reply.eval_count / 200 * 1e9, rel=1e-3)


# -- fault injection ------------------------------------------------------------------
def test_fail_next_hits_only_the_matching_path(fake_ollama: FakeOllama) -> None:
    api = client(fake_ollama)
    fake_ollama.fail_next(2, 500, "llama runner process has terminated", path="/api/embed")

    assert ask(fake_ollama).done  # another path: unaffected
    for _ in range(2):
        with pytest.raises(ollama.ResponseError) as failed:
            api.embed(model=EMBEDDING_MODEL, input="x")
        assert failed.value.status_code == 500
        assert failed.value.error == "llama runner process has terminated"
    assert len(api.embed(model=EMBEDDING_MODEL, input="x").embeddings) == 1
    assert [c.status for c in fake_ollama.calls_to("/api/embed")] == [500, 500, 200]


def test_delay_next_trips_the_client_timeout(fake_ollama: FakeOllama) -> None:
    fake_ollama.delay_next(1, 2.0, path="/api/chat")
    impatient = client(fake_ollama, timeout=0.3)

    with pytest.raises(httpx.ReadTimeout):  # ollama 0.6.3 does not wrap timeouts
        impatient.chat(model=SUMMARY_MODEL, messages=[{"role": "user", "content": "hi"}])

    assert ask(fake_ollama).done  # only one request was delayed


def test_close_kills_requests_in_flight_and_refuses_new_ones() -> None:
    fake = FakeOllama(base_latency=10.0).start()
    api = client(fake)
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            ask(fake)
        except BaseException as exc:  # noqa: BLE001 (the error is what we inspect)
            outcome.append(exc)

    worker = threading.Thread(target=call)
    worker.start()
    wait_until(lambda: fake.in_flight == 1)
    started = time.monotonic()
    fake.close()
    closing_took = time.monotonic() - started
    worker.join(timeout=5)

    assert closing_took < 1.0
    assert not worker.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], httpx.TransportError)
    with pytest.raises(ConnectionError):  # ollama's wrapping of httpx.ConnectError
        api.list()
    assert fake.calls_to("/api/chat")[0].status == 0  # no answer was sent


def test_reset_forgets_calls_and_counters_but_keeps_models() -> None:
    with FakeOllama(base_latency=0.01) as fake:
        ask(fake)
        fake.fail_next(1, 500, "never used")
        fake.reset()

        assert fake.calls == []
        assert (fake.max_in_flight, fake.busy_seconds) == (0, 0.0)
        assert ask(fake).done  # the pending failure was dropped too
        assert fake.count("/api/chat") == 1
        assert SUMMARY_MODEL in fake.models
