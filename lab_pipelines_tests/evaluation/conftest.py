"""A lab whose store holds the sample inbox, built by the pipeline's own stages (no Dagster
run: the evaluation is what these tests exercise), against the doubles or offline."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lab_pipelines.defs.resources import build_resources
from lab_pipelines.inbox import scan_inbox
from lab_pipelines.stages.embed import embed_documents
from lab_pipelines.stages.ingest import ingest_documents, plan_chunks
from lab_pipelines.stages.summarize import summarize_documents
from lab_pipelines_tests.doubles.gemini_server import FakeGemini, gemini_models
from lab_pipelines_tests.doubles.ollama_models import candidate_models
from lab_pipelines_tests.doubles.ollama_server import FakeOllama
from lab_pipelines_tests.fixtures import Lab

CANDIDATES = (
    "summary=exaone3.5:2.4b, embedding=nomic-embed-text, "
    "writer=gemini-2.5-flash-lite, writer=gemini-2.5-flash@0"
)


def fill_store(lab: Lab) -> None:
    """documents → chunks → summaries → embeddings with the configured models."""
    settings = lab.settings
    models = build_resources(settings, as_env_vars=False)["local_models"]
    files = {f.doc_id: f for f in scan_inbox(settings.inbox)}
    ids = sorted(files)
    store = lab.store()
    ingest_documents(store, files, ids, settings.max_file_mb * 1_000_000)
    plan_chunks(store, ids, settings.chunk_chars, settings.chunk_overlap_chars)
    summarize_documents(store, models.summarizer(), ids)
    embed_documents(store, models.embedder(), ids)


@pytest.fixture
def candidate_ollama() -> Iterator[FakeOllama]:
    """Ollama with node B's candidate models; their durations are reported, never slept."""
    with FakeOllama(models=candidate_models(), sleep_scale=0.0) as server:
        yield server


@pytest.fixture
def candidate_gemini() -> Iterator[FakeGemini]:
    with FakeGemini(models=gemini_models()) as server:
        yield server


@pytest.fixture
def live_lab(lab: Lab, candidate_ollama: FakeOllama, candidate_gemini: FakeGemini) -> Lab:
    """The sample lab on the doubles, store filled, with one extra candidate of each kind."""
    lab.use_doubles(candidate_ollama.url, candidate_gemini.url)
    lab.monkeypatch.setenv("LAB_CANDIDATES", CANDIDATES)
    fill_store(lab)
    candidate_ollama.reset()
    candidate_gemini.reset()
    return lab
