"""FakeOllama's speed model and counters, the part the benchmarks use (bench/ollama_sim.py)."""

from __future__ import annotations

import math

import ollama
import pytest

from lab_pipelines_tests.doubles.ollama_server import (
    EMBEDDING_MODEL,
    SUMMARY_MODEL,
    FakeOllama,
    count_tokens,
    hash_vector,
)


def test_embeddings_have_their_own_speed_and_chat_its_own() -> None:
    fake = FakeOllama(
        base_latency=0.5,
        prompt_tokens_per_s=10.0,
        gen_tokens_per_s=1.0,
        embed_base_latency=0.02,
        embed_tokens_per_s=400.0,
        sleep_scale=0.0,
    )
    with fake:
        api = ollama.Client(host=fake.url, timeout=5)
        api.embed(model=EMBEDDING_MODEL, input=["a" * 400, "b" * 400])  # 200 tokens
        api.chat(model=SUMMARY_MODEL, messages=[{"role": "user", "content": "One. Two."}])
        embed, chat = fake.timeline

    assert (embed.kind, embed.inputs, embed.chars, embed.prompt_tokens) == ("embed", 2, 800, 200)
    assert embed.modelled_seconds == pytest.approx(0.02 + 200 / 400)
    expected_chat = 0.5 + chat.prompt_tokens / 10 + chat.output_tokens / 1
    assert chat.kind == "chat"
    assert chat.modelled_seconds == pytest.approx(expected_chat)
    assert fake.busy_seconds == pytest.approx(embed.modelled_seconds + expected_chat)
    assert fake.embedded_texts == ["a" * 400, "b" * 400]


def test_summary_tokens_make_the_reply_as_long_as_a_summary() -> None:
    text = " ".join(f"word{i}." for i in range(400))
    with FakeOllama(summary_tokens=50) as fake:
        api = ollama.Client(host=fake.url, timeout=5)
        reply = api.chat(model=SUMMARY_MODEL, messages=[{"role": "user", "content": text}])
        short = api.chat(
            model=SUMMARY_MODEL,
            messages=[{"role": "user", "content": text}],
            options={"num_predict": 10},
        )

    assert text.startswith(reply.message.content)
    assert count_tokens(reply.message.content) == reply.eval_count == 50
    assert count_tokens(short.message.content) == 10


def test_fail_after_answers_500_to_every_later_inference_request() -> None:
    with FakeOllama() as fake:
        fake.fail_after = 1
        api = ollama.Client(host=fake.url, timeout=5)
        api.embed(model=EMBEDDING_MODEL, input="first")
        with pytest.raises(ollama.ResponseError) as err:
            api.embed(model=EMBEDDING_MODEL, input="second")
        api.list()  # not inference: unaffected
        fake.fail_after = None
        api.embed(model=EMBEDDING_MODEL, input="third")

    assert err.value.status_code == 500
    assert [c.status for c in fake.calls] == [200, 500, 200, 200]


def test_reset_clears_the_timeline_and_the_embedded_texts() -> None:
    with FakeOllama(embedder=hash_vector) as fake:
        ollama.Client(host=fake.url, timeout=5).embed(model=EMBEDDING_MODEL, input="x")
        assert len(fake.timeline) == 1
        fake.reset()
        assert (fake.timeline, fake.embedded_texts, fake.max_queued) == ([], [], 0)


def test_hash_vectors_are_deterministic_unit_vectors() -> None:
    a, b = hash_vector("some text", 64), hash_vector("some text", 64)

    assert a == b != hash_vector("other text", 64)
    assert math.isclose(sum(x * x for x in a), 1.0, abs_tol=1e-4)
