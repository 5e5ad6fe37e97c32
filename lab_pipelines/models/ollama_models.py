"""EXAONE summaries and bge-m3 embeddings through the official ``ollama`` client."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import ollama

from lab_pipelines.models.base import CallCounter, CallTimings, ModelError, Summary
from lab_pipelines.models.retry import GaveUp, RetryPolicy, Transient, parse_retry_after
from lab_pipelines.text.chunking import chunk_text
from lab_pipelines.text.prompts import combine_messages, summary_messages, summary_prompt_overhead
from lab_pipelines.text.tokens import estimate_tokens

T = TypeVar("T")
SUMMARY_TOKENS = 512  # num_predict: room the reply needs inside num_ctx
# Our estimate over-counts; a real count far below it means Ollama dropped the prompt's head.
TRUNCATION_RATIO = 0.4


def retry_after_seconds(err: ollama.ResponseError) -> float | None:
    """The Retry-After a 503 carried (a proxy in front of Ollama may send one), if any.

    The client raises ResponseError ``from None`` (hidden from tracebacks), but keeps the
    httpx error, and with it the response headers, as the exception's context.
    """
    context = err.__context__
    if isinstance(context, httpx.HTTPStatusError):
        return parse_retry_after(context.response.headers.get("Retry-After"))
    return None


@dataclass
class OllamaConnection:
    host: str
    timeout_s: float = 300.0
    parallel: int = 2  # requests this process keeps in flight; see the `ollama` pool
    # Busy, unreachable or dropped: `retry_attempts` in all, waits from `retry_first_delay_s`
    # (plus jitter) doubling to `retry_max_delay_s`, none begun past `retry_timeout_s`.
    retry_attempts: int = 5
    retry_first_delay_s: float = 1.0
    retry_max_delay_s: float = 20.0
    retry_timeout_s: float = 600.0  # room for one retry of a long summary cut by a reboot
    # Caps requests in flight from this process at `parallel`, also when a map-reduce summary
    # fans out inside a document that is itself one of `parallel` in flight.
    _in_flight: threading.BoundedSemaphore = field(init=False, repr=False)
    _client: ollama.Client | None = field(init=False, default=None, repr=False)
    _client_lock: threading.Lock = field(init=False, default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self._in_flight = threading.BoundedSemaphore(max(1, self.parallel))

    def client(self) -> ollama.Client:
        # One client per connection, shared by its threads (httpx clients are thread-safe):
        # building one costs ~17 ms (an SSL context even for http://) and a new TCP connection,
        # which at one client per request was most of the pipeline's time per model call.
        # The client's default timeout is None (wait forever); a rebooting node must not hang runs.
        with self._client_lock:
            if self._client is None:
                self._client = ollama.Client(host=self.host, timeout=self.timeout_s)
            return self._client

    def _policy(self) -> RetryPolicy:
        return RetryPolicy(
            self.retry_attempts,
            self.retry_first_delay_s,
            self.retry_max_delay_s,
            self.retry_timeout_s,
        )

    def call(self, what: str, request: Callable[[], T]) -> T:
        """One request with retries on faults that pass (busy, unreachable, dropped)."""
        check_host = f"check that Ollama runs at OLLAMA_HOST={self.host}"

        def attempt() -> T:
            try:
                with self._in_flight:  # not held while waiting to try again
                    return request()
            except ollama.ResponseError as err:
                if err.status_code == 503:
                    raise Transient(
                        f"Ollama at {self.host} is busy ({err.error})",
                        "lower LAB_OLLAMA_PARALLEL, or raise OLLAMA_NUM_PARALLEL or "
                        "OLLAMA_MAX_QUEUE on the inference node",
                        retry_after_seconds(err),
                    ) from err
                if err.status_code == 404:
                    raise ModelError(
                        f"{what}: {err.error}. Pull the model on the inference node "
                        f"(`ollama pull <model>`) or change the model setting"
                    ) from err
                raise ModelError(f"{what}: Ollama answered {err.status_code}: {err.error}") from err
            except ConnectionError as err:
                raise Transient(f"Ollama at {self.host} is unreachable", check_host) from err
            except httpx.TimeoutException as err:
                raise ModelError(
                    f"{what}: Ollama at {self.host} did not answer within {self.timeout_s:.0f} s; "
                    "raise LAB_OLLAMA_TIMEOUT_S or lower LAB_OLLAMA_PARALLEL"
                ) from err
            except httpx.TransportError as err:
                # The server went away mid-request (a reboot of the inference node).
                raise Transient(
                    f"Ollama at {self.host} dropped the connection ({err})",
                    f"{check_host}; a re-run makes only the calls that did not finish",
                ) from err

        try:
            return self._policy().run(attempt)
        except GaveUp as gave_up:
            raise ModelError(f"{what}: {gave_up}") from gave_up

    def require_capability(self, model: str, capability: str, fix: str) -> dict[str, Any]:
        """Fail early, with the fix, when ``model`` is missing or cannot do ``capability``."""
        client = self.client()
        shown = self.call(f"model {model!r}", lambda: client.show(model))
        capabilities = list(shown.capabilities or [])
        if capability not in capabilities:
            raise ModelError(
                f"model {model!r} cannot do {capability} "
                f"(it reports {capabilities or 'none'}): {fix}"
            )
        return dict(shown.modelinfo or {})

    def resident_bytes(self, model: str) -> int | None:
        """Memory the loaded ``model`` holds on the inference node (``/api/ps``), or None when
        it is not loaded."""
        client = self.client()
        loaded = self.call("loaded models", lambda: client.ps())
        wanted = {model, model if ":" in model else f"{model}:latest"}
        for entry in loaded.models:
            if entry.model in wanted or entry.name in wanted:
                return int(entry.size or 0)
        return None

    def map_parallel(self, fn: Callable[[Any], T], items: list[Any]) -> Iterator[T]:
        if self.parallel <= 1 or len(items) <= 1:
            yield from map(fn, items)
            return
        # One worker more than requests allowed in flight: it prepares its request while the
        # others wait on the model and blocks on the cap, so a freed slot is taken at once.
        workers = self.parallel + 1
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ollama") as pool:
            yield from pool.map(fn, items)


class _Truncated(Exception):
    pass


@dataclass
class OllamaSummarizer:
    connection: OllamaConnection
    model: str = "exaone3.5:7.8b"
    num_ctx: int = 8192
    backend: str = "ollama"
    counter: CallCounter = field(default_factory=CallCounter)
    truncations: int = 0  # prompts Ollama cut to num_ctx (then split and summarised in parts)

    def check(self) -> None:
        self.connection.require_capability(
            self.model, "completion", "set LAB_SUMMARY_MODEL to a chat model such as exaone3.5:7.8b"
        )

    def _chat(self, messages: list[dict[str, str]], sent_tokens: int) -> tuple[str, int, int]:
        client = self.connection.client()
        options = {"num_ctx": self.num_ctx, "num_predict": SUMMARY_TOKENS, "temperature": 0.2}
        response = self.connection.call(
            f"summary with {self.model!r}",
            lambda: client.chat(model=self.model, messages=messages, options=options, stream=False),
        )
        prompt_count = response.prompt_eval_count or 0
        output_count = response.eval_count or 0
        self.counter.add(prompt_count, output_count, CallTimings.from_ollama(response))
        # Ollama cuts an over-long prompt silently and still answers 200.
        if prompt_count < TRUNCATION_RATIO * sent_tokens or prompt_count >= self.num_ctx:
            self.truncations += 1
            raise _Truncated(f"sent ~{sent_tokens} tokens, model read {prompt_count}")
        text = (response.message.content or "").strip()
        return text, prompt_count, output_count

    def _budget(self, lang: str) -> int:
        return self.num_ctx - SUMMARY_TOKENS - summary_prompt_overhead(lang)

    def summarize(self, title: str, text: str, lang: str) -> Summary:
        budget = self._budget(lang)
        tokens = estimate_tokens(text)
        if tokens <= budget:
            try:
                reply, prompt_count, output_count = self._chat(
                    summary_messages(title, text, lang), tokens
                )
                return Summary(reply, self.model, prompt_count, output_count, 1)
            except _Truncated:
                budget = tokens // 2  # the model's real window was smaller: split instead
        return self._map_reduce(title, text, lang, budget)

    def _map_reduce(self, title: str, text: str, lang: str, budget: int) -> Summary:
        """Summarise parts that fit the window, then merge the part summaries."""
        chars_per_token = max(len(text) / max(estimate_tokens(text), 1), 1.0)
        parts = [c.search_text for c in chunk_text(text, int(budget * chars_per_token * 0.9), 0)]
        totals = [0, 0]

        def summarise_part(part: str) -> str:
            reply, prompt_count, output_count = self._chat(
                summary_messages(title, part, lang), estimate_tokens(part)
            )
            totals[0] += prompt_count
            totals[1] += output_count
            return reply

        try:
            partials = list(self.connection.map_parallel(summarise_part, parts))
            while estimate_tokens("\n\n".join(partials)) > budget:
                # Too many parts for one merge: merge them in groups first.
                groups = [partials[i : i + 8] for i in range(0, len(partials), 8)]
                partials = [self._combine(title, group, lang, totals) for group in groups]
            merged = self._combine(title, partials, lang, totals)
        except _Truncated as err:
            raise ModelError(
                f"summary of {title!r}: Ollama truncated a prompt that fits num_ctx={self.num_ctx}"
                f" ({err}); the server's context is smaller than LAB_NUM_CTX: lower LAB_NUM_CTX"
                " or raise OLLAMA_CONTEXT_LENGTH on the inference node"
            ) from err
        return Summary(merged, self.model, totals[0], totals[1], len(parts))

    def _combine(self, title: str, partials: list[str], lang: str, totals: list[int]) -> str:
        messages = combine_messages(title, partials, lang)
        reply, prompt_count, output_count = self._chat(
            messages, estimate_tokens(messages[1]["content"])
        )
        totals[0] += prompt_count
        totals[1] += output_count
        return reply


def embedding_batches(texts: list[str], max_count: int, max_chars: int) -> list[list[int]]:
    """Indices of ``texts`` grouped into batches capped by count AND total characters."""
    batches: list[list[int]] = []
    current: list[int] = []
    chars = 0
    for index, text in enumerate(texts):
        if current and (len(current) >= max_count or chars + len(text) > max_chars):
            batches.append(current)
            current, chars = [], 0
        current.append(index)
        chars += len(text)
    if current:
        batches.append(current)
    return batches


@dataclass
class OllamaEmbedder:
    connection: OllamaConnection
    model: str = "bge-m3"
    batch_size: int = 32
    batch_chars: int = 24_000
    backend: str = "ollama"
    counter: CallCounter = field(default_factory=CallCounter)

    def check(self) -> None:
        self.connection.require_capability(
            self.model,
            "embedding",
            "EXAONE and other chat models do not embed; set LAB_EMBEDDING_MODEL to an embedding "
            "model such as bge-m3 (`ollama pull bge-m3`)",
        )

    def _embed_batch(self, batch: list[str]) -> list[list[float]]:
        client = self.connection.client()
        response = self.connection.call(
            f"embedding with {self.model!r}", lambda: client.embed(model=self.model, input=batch)
        )
        vectors = [list(v) for v in response.embeddings]
        if len(vectors) != len(batch):
            raise ModelError(
                f"Ollama returned {len(vectors)} embeddings for {len(batch)} inputs from "
                f"{self.model!r}; upgrade Ollama to a version with /api/embed batching"
            )
        self.counter.add(
            getattr(response, "prompt_eval_count", 0) or 0,
            timings=CallTimings.from_ollama(response),
        )
        return vectors

    def embed(self, texts: list[str]) -> list[list[float]]:
        batches = embedding_batches(texts, self.batch_size, self.batch_chars)
        vectors: list[list[float]] = [[] for _ in texts]
        requests = [[texts[i] for i in batch] for batch in batches]
        results = self.connection.map_parallel(self._embed_batch, requests)
        for batch, result in zip(batches, results, strict=True):
            for index, vector in zip(batch, result, strict=True):
                vectors[index] = vector
        return vectors


def chat_once(
    connection: OllamaConnection,
    model: str,
    system: str,
    user: str,
    num_ctx: int = 8192,
    num_predict: int = 96,
) -> str:
    """One short chat turn (drafting an evaluation question), with the connection's retries."""
    client = connection.client()
    messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
    options = {"num_ctx": num_ctx, "num_predict": num_predict, "temperature": 0.7}
    response = connection.call(
        f"chat with {model!r}",
        lambda: client.chat(model=model, messages=messages, options=options, stream=False),
    )
    return response.message.content or ""
