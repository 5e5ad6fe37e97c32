"""The embedded offline backends: chosen with LAB_BACKEND=offline, never as a silent fallback."""

from __future__ import annotations

from dataclasses import dataclass, field

from lab_pipelines.models.base import Answer, CallCounter, Summary
from lab_pipelines.text.extractive import (
    EXTRACTIVE_ANSWER_MODEL,
    EXTRACTIVE_SUMMARY_MODEL,
    extractive_summary,
)
from lab_pipelines.text.lexical_embedding import LEXICAL_MODEL, lexical_vector
from lab_pipelines.text.prompts import extractive_answer
from lab_pipelines.text.tokens import estimate_tokens


@dataclass
class _OfflineBackend:
    """What the ledger reads off each offline backend (MeteredModel): tokens are estimated."""

    model: str
    backend: str = "offline"
    counter: CallCounter = field(default_factory=CallCounter)


@dataclass
class ExtractiveSummarizer(_OfflineBackend):
    model: str = EXTRACTIVE_SUMMARY_MODEL

    def summarize(self, title: str, text: str, lang: str) -> Summary:
        summary = extractive_summary(text)
        self.counter.add(estimate_tokens(text[:20_000]), estimate_tokens(summary))
        return Summary(summary, self.model, estimate_tokens(text), estimate_tokens(summary), 1)


@dataclass
class LexicalEmbedder(_OfflineBackend):
    model: str = LEXICAL_MODEL

    def embed(self, texts: list[str]) -> list[list[float]]:
        self.counter.add(sum(estimate_tokens(t) for t in texts))
        return [lexical_vector(text) for text in texts]


@dataclass
class ExtractiveWriter(_OfflineBackend):
    model: str = EXTRACTIVE_ANSWER_MODEL

    def write(self, system: str, prompt: str) -> Answer:
        markdown = extractive_answer(prompt)
        tokens_in, tokens_out = estimate_tokens(system + prompt), estimate_tokens(markdown)
        self.counter.add(tokens_in, tokens_out)
        return Answer(markdown, self.model, tokens_in, tokens_out)
