"""The doubles' candidate models, through the official clients: different speeds, memory,
prices-relevant thinking, and a measurably different quality."""

import ollama
import pytest
from google import genai
from google.genai import errors, types

from lab_pipelines_tests.doubles.gemini_server import FakeGemini, gemini_models
from lab_pipelines_tests.doubles.ollama_models import candidate_models
from lab_pipelines_tests.doubles.ollama_server import FakeOllama

FIRST_HALF = "Alpha nodes run the control plane. Beta nodes keep the backups."
SECOND_HALF = "Gamma nodes serve the models. Delta nodes watch the alerts."


@pytest.fixture
def fake() -> FakeOllama:
    with FakeOllama(models=candidate_models(), sleep_scale=0.0) as server:
        yield server


def chat(client: ollama.Client, model: str) -> ollama.ChatResponse:
    return client.chat(
        model=model, messages=[{"role": "user", "content": f"{FIRST_HALF} {SECOND_HALF}"}]
    )


def test_the_lazy_model_drops_the_second_half_and_reports_its_own_speed(fake):
    client = ollama.Client(host=fake.url)
    full, lazy = chat(client, "exaone3.5:7.8b"), chat(client, "exaone3.5:2.4b")
    assert "Gamma" in full.message.content and "Delta" in full.message.content
    assert "Gamma" not in lazy.message.content and "Delta" not in lazy.message.content
    # Durations are what node B would take (reported, not slept: sleep_scale=0).
    assert full.eval_count / (full.eval_duration / 1e9) == pytest.approx(9.0, rel=1e-3)
    assert lazy.eval_count / (lazy.eval_duration / 1e9) == pytest.approx(28.0, rel=1e-3)
    assert full.load_duration == pytest.approx(6e9, rel=1e-3)  # first use loads the model
    assert chat(client, "exaone3.5:7.8b").load_duration < 1e6  # then it stays loaded


def test_ps_lists_the_loaded_models_with_their_memory(fake):
    client = ollama.Client(host=fake.url)
    assert client.ps().models == []
    client.embed(model="nomic-embed-text", input=["a"])
    (loaded,) = client.ps().models
    assert loaded.model == "nomic-embed-text:latest"
    assert loaded.size == candidate_models()["nomic-embed-text"].size


def test_the_weaker_embedder_cannot_tell_texts_apart_after_its_first_tokens(fake):
    client = ollama.Client(host=fake.url)
    head = "the inference node serves summaries and embeddings for the lab " * 2
    texts = [head + "with bge-m3 on CPU", head + "while argo cd syncs the manifests"]
    weak = client.embed(model="nomic-embed-text", input=texts).embeddings
    strong = client.embed(model="bge-m3", input=texts).embeddings
    assert weak[0] == weak[1] and strong[0] != strong[1]


def test_gemini_models_think_by_default_and_not_with_a_zero_budget():
    with FakeGemini(models=gemini_models()) as gemini:
        client = genai.Client(api_key="k", http_options=types.HttpOptions(base_url=gemini.url))

        def usage(model: str, budget: int | None) -> types.GenerateContentResponseUsageMetadata:
            thinking = None if budget is None else types.ThinkingConfig(thinking_budget=budget)
            config = types.GenerateContentConfig(thinking_config=thinking)
            response = client.models.generate_content(
                model=model, contents="[1] One. [2] Two.", config=config
            )
            return response.usage_metadata

        assert usage("gemini-2.5-flash", None).thoughts_token_count == 700
        assert usage("gemini-2.5-flash", 0).thoughts_token_count is None  # proto3: 0 left out
        assert usage("gemini-2.5-flash", 100).thoughts_token_count == 100
        with pytest.raises(errors.ClientError, match="404"):
            usage("gemini-0-unknown", None)
