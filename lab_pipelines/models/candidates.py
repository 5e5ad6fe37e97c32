"""Build the backend object for a model candidate by name, next to the configured ones.

The evaluation compares models the pipeline is not configured with, so it cannot take the
resources' single summarizer/embedder/writer: it builds one per candidate here. Offline names
get the embedded stand-ins; any other name needs the live backend (Ollama or Gemini).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lab_pipelines.models.base import Embedder, ModelError, Summarizer, Writer
from lab_pipelines.models.offline import ExtractiveSummarizer, ExtractiveWriter, LexicalEmbedder
from lab_pipelines.settings import OFFLINE, Settings
from lab_pipelines.text.extractive import EXTRACTIVE_ANSWER_MODEL, EXTRACTIVE_SUMMARY_MODEL
from lab_pipelines.text.lexical_embedding import LEXICAL_MODEL

if TYPE_CHECKING:  # the ollama client is imported only by a live backend
    from lab_pipelines.models.ollama_models import OllamaConnection

OFFLINE_SUMMARIZERS = {EXTRACTIVE_SUMMARY_MODEL: ExtractiveSummarizer}
OFFLINE_EMBEDDERS = {LEXICAL_MODEL: LexicalEmbedder}
OFFLINE_WRITERS = {EXTRACTIVE_ANSWER_MODEL: ExtractiveWriter}


class NotRunnable(ModelError):
    """The candidate needs a backend this run does not have (an Ollama model while offline)."""


def split_writer_setting(setting: str) -> tuple[str, int | None]:
    """``gemini-2.5-flash@0`` → (model, thinking budget); no ``@``: the model's own default."""
    model, _, budget = setting.partition("@")
    if not budget:
        return model, None
    try:
        return model, int(budget)
    except ValueError:
        raise ModelError(
            f"writer candidate {setting!r}: the thinking budget after '@' must be a whole number"
        ) from None


@dataclass
class CandidateFactory:
    """What is needed to reach the model servers; one factory builds every candidate."""

    offline: bool
    ollama: OllamaConnection | None = None
    num_ctx: int = 8192
    embed_batch_size: int = 32
    embed_batch_chars: int = 24_000
    gemini_api_key: str = field(default="", repr=False)
    gemini_base_url: str | None = None
    gemini_timeout_s: float = 120.0

    @classmethod
    def from_settings(cls, settings: Settings) -> CandidateFactory:
        """The factory of the configured servers, without Dagster: what `lab-pipelines search`
        and `ask` use, so a search imports neither Dagster nor google-genai."""
        offline = settings.backend == OFFLINE
        if offline:
            return cls(offline=True, num_ctx=settings.num_ctx)
        from lab_pipelines.models.ollama_models import OllamaConnection

        return cls(
            offline=offline,
            ollama=OllamaConnection(
                settings.ollama_host,
                float(settings.ollama_timeout_s),
                settings.ollama_parallel,
                retry_attempts=settings.ollama_retries,
                retry_first_delay_s=settings.ollama_retry_delay_ms / 1000,
            ),
            num_ctx=settings.num_ctx,
            embed_batch_size=settings.embed_batch_size,
            embed_batch_chars=settings.embed_batch_chars,
            gemini_api_key=os.environ.get("GEMINI_API_KEY", ""),
            gemini_base_url=settings.gemini_base_url or None,
            gemini_timeout_s=float(settings.gemini_timeout_s),
        )

    def configured_embedder(self, settings: Settings) -> Embedder:
        return self.embedder(LEXICAL_MODEL if self.offline else settings.embedding_model)

    def _live(self, kind: str, name: str) -> OllamaConnection:
        if self.offline or self.ollama is None:
            raise NotRunnable(
                f"{kind} candidate {name!r} is not an offline model: set LAB_BACKEND=live to "
                "evaluate it against Ollama"
            )
        return self.ollama

    def summarizer(self, name: str) -> Summarizer:
        if name in OFFLINE_SUMMARIZERS:
            return OFFLINE_SUMMARIZERS[name]()
        from lab_pipelines.models.ollama_models import OllamaSummarizer

        summarizer = OllamaSummarizer(self._live("summary", name), name, self.num_ctx)
        summarizer.check()
        return summarizer

    def embedder(self, name: str) -> Embedder:
        if name in OFFLINE_EMBEDDERS:
            return OFFLINE_EMBEDDERS[name]()
        from lab_pipelines.models.ollama_models import OllamaEmbedder

        embedder = OllamaEmbedder(
            self._live("embedding", name), name, self.embed_batch_size, self.embed_batch_chars
        )
        embedder.check()
        return embedder

    def writer(self, setting: str) -> Writer:
        if setting in OFFLINE_WRITERS:
            return OFFLINE_WRITERS[setting]()
        if self.offline:
            raise NotRunnable(
                f"writer candidate {setting!r} is a Gemini setting: set LAB_BACKEND=live and "
                "GEMINI_API_KEY to evaluate it"
            )
        from lab_pipelines.models.gemini_writer import GeminiWriter  # google-genai: ~0.5 s

        model, budget = split_writer_setting(setting)
        return GeminiWriter(
            api_key=self.gemini_api_key,
            model=model,
            timeout_s=self.gemini_timeout_s,
            base_url=self.gemini_base_url,
            thinking_budget=budget,
        )
