"""The code location's resources, built from :mod:`lab_pipelines.settings`.

A value the environment sets is passed as ``EnvVar`` so the UI shows where it came from and the
run process reads it again; anything unset takes the documented default.
"""

from __future__ import annotations

import os
import urllib.request
from typing import Any

import dagster as dg

from lab_pipelines.models.base import Embedder, Summarizer, Writer
from lab_pipelines.models.gemini_writer import GeminiWriter
from lab_pipelines.models.offline import ExtractiveSummarizer, ExtractiveWriter, LexicalEmbedder
from lab_pipelines.models.ollama_models import OllamaConnection, OllamaEmbedder, OllamaSummarizer
from lab_pipelines.settings import ENV_VARS, OFFLINE, Settings, load_settings
from lab_pipelines.store import LabStore
from lab_pipelines.text.extractive import EXTRACTIVE_SUMMARY_MODEL
from lab_pipelines.text.lexical_embedding import LEXICAL_MODEL


class InboxResource(dg.ConfigurableResource):
    """Where documents and generation requests arrive, and how documents are cut into chunks."""

    inbox_dir: str
    requests_dir: str
    max_file_mb: int = 50
    chunk_chars: int = 900
    chunk_overlap_chars: int = 120
    settle_s: int = 10  # a file modified this recently may still be being written


class LanceStoreResource(dg.ConfigurableResource):
    """The LanceDB folder that holds every table of the pipeline."""

    data_dir: str

    def store(self) -> LabStore:
        return LabStore(os.path.join(self.data_dir, "lancedb"))


class LocalModelsResource(dg.ConfigurableResource):
    """Summaries and embeddings: Ollama on the inference node, or the offline stand-ins."""

    backend: str = OFFLINE
    ollama_host: str = "http://127.0.0.1:11434"
    summary_model: str = "exaone3.5:7.8b"
    embedding_model: str = "bge-m3"
    num_ctx: int = 8192
    timeout_s: int = 300
    parallel: int = 2
    retries: int = 5
    retry_delay_ms: int = 1000
    embed_batch_size: int = 32
    embed_batch_chars: int = 24_000

    def summary_model_name(self) -> str:
        """The model summaries are keyed on, without asking the server."""
        return EXTRACTIVE_SUMMARY_MODEL if self.backend == OFFLINE else self.summary_model

    def embedding_model_name(self) -> str:
        return LEXICAL_MODEL if self.backend == OFFLINE else self.embedding_model

    def reachable(self) -> bool:
        """Whether Ollama answers at all (a cheap GET, for the inference_up metric)."""
        try:
            with urllib.request.urlopen(f"{self.ollama_host.rstrip('/')}/api/version", timeout=3):
                return True
        except OSError:
            return False

    def _connection(self) -> OllamaConnection:
        return OllamaConnection(
            self.ollama_host,
            float(self.timeout_s),
            self.parallel,
            retry_attempts=self.retries,
            retry_first_delay_s=self.retry_delay_ms / 1000,
        )

    def summarizer(self) -> Summarizer:
        if self.backend == OFFLINE:
            return ExtractiveSummarizer()
        summarizer = OllamaSummarizer(self._connection(), self.summary_model, self.num_ctx)
        summarizer.check()
        return summarizer

    def embedder(self) -> Embedder:
        if self.backend == OFFLINE:
            return LexicalEmbedder()
        embedder = OllamaEmbedder(
            self._connection(), self.embedding_model, self.embed_batch_size, self.embed_batch_chars
        )
        embedder.check()
        return embedder


class TextWriterResource(dg.ConfigurableResource):
    """Final text: Gemini, or the offline extractive writer."""

    backend: str = OFFLINE
    gemini_api_key: str = ""
    gemini_model: str = "gemini-2.5-flash"
    timeout_s: int = 120
    base_url: str = ""
    prompt_token_budget: int = 6000

    def writer(self) -> Writer:
        if self.backend == OFFLINE:
            return ExtractiveWriter()
        return GeminiWriter(
            api_key=self.gemini_api_key,
            model=self.gemini_model,
            timeout_s=float(self.timeout_s),
            base_url=self.base_url or None,
        )


class TelemetryResource(dg.ConfigurableResource):
    """Where step figures go: the usage ledger (always) and a Pushgateway (when configured)."""

    pushgateway_url: str = ""
    timezone: str = "Asia/Seoul"
    reference_model: str = "gemini-2.5-flash"  # prices the all-Gemini equivalent of local work


def _from_env(settings: Settings, field: str, as_env_vars: bool) -> Any:
    name = ENV_VARS[field]
    value = getattr(settings, field)
    if not as_env_vars or not os.environ.get(name, "").strip():
        return str(value) if not isinstance(value, int) else value
    return dg.EnvVar.int(name) if isinstance(value, int) else dg.EnvVar(name)


def build_resources(
    settings: Settings, as_env_vars: bool = True
) -> dict[str, dg.ConfigurableResource]:
    """The resources for ``settings``; ``as_env_vars=False`` gives plain values, for callers
    outside a Dagster run (the command line), where nothing would resolve an ``EnvVar``."""

    def env(field: str) -> Any:
        return _from_env(settings, field, as_env_vars)

    api_key: Any = ""
    if settings.backend != OFFLINE:
        # An EnvVar inside Dagster: the key's value never enters run config, the UI or storage.
        api_key = (
            dg.EnvVar("GEMINI_API_KEY") if as_env_vars else os.environ.get("GEMINI_API_KEY", "")
        )

    return {
        "inbox": InboxResource(
            inbox_dir=env("inbox"),
            requests_dir=env("requests"),
            max_file_mb=env("max_file_mb"),
            chunk_chars=env("chunk_chars"),
            chunk_overlap_chars=env("chunk_overlap_chars"),
            settle_s=env("settle_s"),
        ),
        "lance": LanceStoreResource(data_dir=env("data")),
        "local_models": LocalModelsResource(
            backend=settings.backend,
            ollama_host=env("ollama_host"),
            summary_model=env("summary_model"),
            embedding_model=env("embedding_model"),
            num_ctx=env("num_ctx"),
            timeout_s=env("ollama_timeout_s"),
            parallel=env("ollama_parallel"),
            retries=env("ollama_retries"),
            retry_delay_ms=env("ollama_retry_delay_ms"),
            embed_batch_size=env("embed_batch_size"),
            embed_batch_chars=env("embed_batch_chars"),
        ),
        "text_writer": TextWriterResource(
            backend=settings.backend,
            gemini_api_key=api_key,
            gemini_model=env("gemini_model"),
            timeout_s=env("gemini_timeout_s"),
            base_url=env("gemini_base_url"),
            prompt_token_budget=env("prompt_token_budget"),
        ),
        "telemetry": TelemetryResource(
            pushgateway_url=env("pushgateway_url"),
            timezone=env("schedule_timezone"),
            reference_model=env("gemini_model"),
        ),
    }


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=build_resources(load_settings()))
