"""The one place that builds model backends: from the settings and a model name.

The Dagster resources (``defs/resources.py``), the evaluation (``defs/evaluate/runner.py``) and
the ``lab-pipelines search``/``ask`` commands all build their summarizer, embedder and writer
here. The evaluation compares models the pipeline is not configured with, so a backend is built
for a name, not only for the configured model. Offline names get the embedded stand-ins; any
other name needs the live backend (Ollama or Gemini). Plain Python: no Dagster, and neither
the ollama client nor google-genai is imported before a live backend is built.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from lab_pipelines.models.base import Embedder, ModelError, Summarizer, Writer
from lab_pipelines.models.offline import ExtractiveSummarizer, ExtractiveWriter, LexicalEmbedder
from lab_pipelines.settings import Settings
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


class CandidateFactory:
    """Builds every backend of ``settings``: the configured models and any candidate by name.

    One factory shares one Ollama connection (its HTTP client and request slots) between the
    backends it builds.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.offline = settings.is_offline

    @cached_property
    def ollama(self) -> OllamaConnection | None:
        """The connection to Ollama; None offline, where no model server is used."""
        if self.offline:
            return None
        from lab_pipelines.models.ollama_models import OllamaConnection

        s = self.settings
        return OllamaConnection(
            s.ollama_host,
            float(s.ollama_timeout_s),
            s.ollama_parallel,
            retry_attempts=s.ollama_retries,
            retry_first_delay_s=s.ollama_retry_delay_ms / 1000,
        )

    # The configured models, as the pipeline keys them (offline: the embedded stand-ins).
    def summary_model(self) -> str:
        return EXTRACTIVE_SUMMARY_MODEL if self.offline else self.settings.summary_model

    def embedding_model(self) -> str:
        return LEXICAL_MODEL if self.offline else self.settings.embedding_model

    def writer_model(self) -> str:
        return EXTRACTIVE_ANSWER_MODEL if self.offline else self.settings.gemini_model

    def configured_embedder(self) -> Embedder:
        """The pipeline's embedder, as the settings configure it."""
        return self.embedder(self.embedding_model())

    def _live(self, kind: str, name: str) -> OllamaConnection:
        if self.ollama is None:
            raise NotRunnable(
                f"{kind} candidate {name!r} is not an offline model: set LAB_BACKEND=live to "
                "evaluate it against Ollama"
            )
        return self.ollama

    def summarizer(self, name: str) -> Summarizer:
        if name in OFFLINE_SUMMARIZERS:
            return OFFLINE_SUMMARIZERS[name]()
        from lab_pipelines.models.ollama_models import OllamaSummarizer

        summarizer = OllamaSummarizer(self._live("summary", name), name, self.settings.num_ctx)
        summarizer.check()
        return summarizer

    def embedder(self, name: str) -> Embedder:
        if name in OFFLINE_EMBEDDERS:
            return OFFLINE_EMBEDDERS[name]()
        from lab_pipelines.models.ollama_models import OllamaEmbedder

        embedder = OllamaEmbedder(
            self._live("embedding", name),
            name,
            self.settings.embed_batch_size,
            self.settings.embed_batch_chars,
        )
        embedder.check()
        return embedder

    def writer(self, setting: str, max_output_tokens: int | None = None) -> Writer:
        """A writer for ``model`` or ``model@thinking_budget``; ``max_output_tokens`` bounds
        what one call can cost (the judge's short grades)."""
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
            api_key=self.settings.gemini_api_key.get_secret_value(),
            model=model,
            timeout_s=float(self.settings.gemini_timeout_s),
            base_url=self.settings.gemini_base_url or None,
            thinking_budget=budget,
            max_output_tokens=max_output_tokens,
        )
