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


@dataclass(frozen=True)
class CallTimings:
    """The durations a model server reports for one call, in nanoseconds (Ollama's fields);
    a backend that reports none (offline, Gemini) gives the call's wall time as ``total_ns``."""

    total_ns: int = 0
    load_ns: int = 0
    prompt_eval_count: int = 0
    prompt_eval_ns: int = 0
    eval_count: int = 0
    eval_ns: int = 0

    @classmethod
    def from_ollama(cls, response: object) -> CallTimings:
        def get(name: str) -> int:
            return int(getattr(response, name, 0) or 0)

        return cls(
            get("total_duration"),
            get("load_duration"),
            get("prompt_eval_count"),
            get("prompt_eval_duration"),
            get("eval_count"),
            get("eval_duration"),
        )


@dataclass
class CallCounter:
    """Model calls and tokens of one backend object, safe to update from worker threads.

    ``timings`` sums what the server itself measured (Ollama's durations in every response),
    so throughput figures come from the inference node, not from our clock."""

    calls: int = 0
    prompt_tokens: int = 0
    output_tokens: int = 0
    timings: CallTimings = field(default_factory=CallTimings)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(
        self, prompt_tokens: int = 0, output_tokens: int = 0, timings: CallTimings | None = None
    ) -> None:
        with self._lock:
            self.calls += 1
            self.prompt_tokens += prompt_tokens
            self.output_tokens += output_tokens
            if timings is not None:
                t = self.timings
                self.timings = CallTimings(
                    t.total_ns + timings.total_ns,
                    t.load_ns + timings.load_ns,
                    t.prompt_eval_count + timings.prompt_eval_count,
                    t.prompt_eval_ns + timings.prompt_eval_ns,
                    t.eval_count + timings.eval_count,
                    t.eval_ns + timings.eval_ns,
                )

    def throughput(self) -> dict[str, float]:
        """Tokens per second as the server measured them, and its load and busy seconds; the
        figures every step can put in its metadata (0 where the backend reported nothing)."""
        t = self.timings
        # /api/embed reports no prompt_eval_duration: its compute is total minus load.
        prompt_ns = t.prompt_eval_ns or (max(0, t.total_ns - t.load_ns) if not t.eval_ns else 0)
        return {
            "prompt_tokens_per_s": round(t.prompt_eval_count / (prompt_ns / 1e9), 1)
            if prompt_ns
            else 0.0,
            "gen_tokens_per_s": round(t.eval_count / (t.eval_ns / 1e9), 1) if t.eval_ns else 0.0,
            "load_s": round(t.load_ns / 1e9, 3),
            "model_busy_s": round(t.total_ns / 1e9, 3),
        }


class MeteredModel(Protocol):
    """What every backend object says about itself for the usage ledger and the UI: its
    backend (``ollama``, ``gemini``, ``offline``), its model, and the calls it has made."""

    backend: str
    model: str
    counter: CallCounter


class Summarizer(MeteredModel, Protocol):
    def summarize(self, title: str, text: str, lang: str) -> Summary: ...


class Embedder(MeteredModel, Protocol):
    def embed(self, texts: list[str]) -> list[list[float]]: ...


class Writer(MeteredModel, Protocol):
    def write(self, system: str, prompt: str) -> Answer: ...
