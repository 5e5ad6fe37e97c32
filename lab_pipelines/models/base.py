"""What every backend returns, and the error it raises when it cannot go on."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Protocol


class ModelError(RuntimeError):
    """A model call failed in a way a retry will not fix; the message names the cause and fix."""


@dataclass(frozen=True)
class Summary:
    text: str
    model: str
    prompt_tokens: int
    output_tokens: int
    parts: int  # 1, or the number of map steps when a long document was summarised map-reduce


@dataclass(frozen=True)
class Answer:
    markdown: str
    model: str
    prompt_tokens: int
    output_tokens: int
    thinking_tokens: int = 0


@dataclass
class CallCounter:
    """Model calls and tokens of one backend object, safe to update from worker threads."""

    calls: int = 0
    prompt_tokens: int = 0
    output_tokens: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, prompt_tokens: int = 0, output_tokens: int = 0) -> None:
        with self._lock:
            self.calls += 1
            self.prompt_tokens += prompt_tokens
            self.output_tokens += output_tokens


class Summarizer(Protocol):
    backend: str
    model: str
    counter: CallCounter

    def summarize(self, title: str, text: str, lang: str) -> Summary: ...


class Embedder(Protocol):
    backend: str
    model: str
    counter: CallCounter

    def embed(self, texts: list[str]) -> list[list[float]]: ...


class Writer(Protocol):
    backend: str
    model: str
    counter: CallCounter

    def write(self, system: str, prompt: str) -> Answer: ...
