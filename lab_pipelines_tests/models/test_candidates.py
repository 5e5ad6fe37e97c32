"""One factory builds every backend from the settings and a model name, against the doubles."""

import pytest

from lab_pipelines.defs.resources import build_resources
from lab_pipelines.models.candidates import CandidateFactory, NotRunnable, split_writer_setting
from lab_pipelines.models.gemini_writer import GeminiWriter
from lab_pipelines.models.offline import ExtractiveSummarizer, ExtractiveWriter, LexicalEmbedder
from lab_pipelines.models.ollama_models import OllamaEmbedder, OllamaSummarizer
from lab_pipelines.settings import ENV_VARS, load_settings


@pytest.fixture
def live_env(monkeypatch, fake_ollama, fake_gemini):  # noqa: ANN001, ANN201
    for name in ENV_VARS.values():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LAB_BACKEND", "live")
    monkeypatch.setenv("OLLAMA_HOST", fake_ollama.url)
    monkeypatch.setenv("LAB_GEMINI_BASE_URL", fake_gemini.url)
    monkeypatch.setenv("GEMINI_API_KEY", "test-key-not-secret")
    monkeypatch.setenv("LAB_NUM_CTX", "4096")
    monkeypatch.setenv("LAB_OLLAMA_PARALLEL", "3")
    monkeypatch.setenv("LAB_EMBED_BATCH_SIZE", "8")
    return monkeypatch


def test_offline_the_configured_models_are_the_embedded_stand_ins(monkeypatch):
    monkeypatch.setenv("LAB_BACKEND", "offline")
    build = CandidateFactory(load_settings())

    assert build.ollama is None
    assert isinstance(build.summarizer(build.summary_model()), ExtractiveSummarizer)
    assert isinstance(build.embedder(build.embedding_model()), LexicalEmbedder)
    assert isinstance(build.writer(build.writer_model()), ExtractiveWriter)


def test_offline_a_model_server_candidate_names_the_setting_to_change(monkeypatch):
    monkeypatch.setenv("LAB_BACKEND", "offline")
    build = CandidateFactory(load_settings())

    with pytest.raises(NotRunnable, match="LAB_BACKEND=live"):
        build.summarizer("exaone3.5:2.4b")
    with pytest.raises(NotRunnable, match="GEMINI_API_KEY"):
        build.writer("gemini-2.5-flash@0")


def test_live_backends_carry_the_settings_and_share_one_connection(live_env, fake_ollama):
    build = CandidateFactory(load_settings())

    summarizer = build.summarizer(build.summary_model())
    embedder = build.embedder(build.embedding_model())

    assert isinstance(summarizer, OllamaSummarizer) and isinstance(embedder, OllamaEmbedder)
    assert summarizer.connection is embedder.connection is build.ollama
    assert build.ollama.host == fake_ollama.url and build.ollama.parallel == 3
    assert summarizer.num_ctx == 4096 and embedder.batch_size == 8
    assert fake_ollama.calls  # check() asked the server for each model


def test_a_writer_setting_names_the_model_and_its_thinking_budget(live_env, fake_gemini):
    build = CandidateFactory(load_settings())

    writer = build.writer("gemini-2.5-flash-lite@0", max_output_tokens=64)

    assert isinstance(writer, GeminiWriter)
    assert (writer.model, writer.thinking_budget, writer.max_output_tokens) == (
        "gemini-2.5-flash-lite",
        0,
        64,
    )
    assert writer.base_url == fake_gemini.url and writer.api_key == "test-key-not-secret"
    assert "test-key-not-secret" not in repr(writer)
    assert split_writer_setting("gemini-2.5-flash") == ("gemini-2.5-flash", None)


def test_the_resources_build_the_same_backends_as_the_factory(live_env):
    settings = load_settings()
    resources = build_resources(settings, as_env_vars=False)
    build = CandidateFactory(settings)

    summarizer = resources["local_models"].summarizer()
    writer = resources["text_writer"].writer()

    assert (summarizer.model, summarizer.num_ctx) == (settings.summary_model, 4096)
    assert summarizer.connection.host == build.ollama.host
    assert isinstance(writer, GeminiWriter) and writer.model == settings.gemini_model
    assert writer.api_key == settings.gemini_api_key.get_secret_value()
