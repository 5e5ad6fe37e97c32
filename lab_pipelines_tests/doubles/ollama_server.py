"""FakeOllama: an in-process stand-in for an Ollama server, speaking its real HTTP API.

The protocol follows Ollama's docs/api.md closely enough for the official `ollama` Python
client (0.6.3) to run unchanged: /api/tags, /api/show, /api/version, /api/chat,
/api/generate, /api/embed and the legacy /api/embeddings, with NDJSON streaming.

Replies are deterministic and derived only from the text the "model" saw, so tests can
tell what survived context truncation. Inference requests go through a queue and a fixed
number of slots (OLLAMA_NUM_PARALLEL / OLLAMA_MAX_QUEUE) and can simulate latency, so the
fake doubles as a benchmark ruler: `max_in_flight` and `busy_seconds` give utilisation.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from lab_pipelines_tests.doubles._http import Aborted, Exchange, FakeHttpServer
from lab_pipelines_tests.doubles.ollama_models import (
    EMBEDDING_MODEL,
    SUMMARY_MODEL,
    ModelSpec,
    candidate_models,
    default_models,
)
from lab_pipelines_tests.doubles.ollama_text import (
    SENTENCE_END,
    count_tokens,
    embed_text,
    first_sentences,
    hash_vector,
    head_tokens,
    strip_fences,
    tail_tokens,
)

__all__ = [
    "EMBEDDING_MODEL",
    "candidate_models",
    "SUMMARY_MODEL",
    "FakeOllama",
    "ModelSpec",
    "SlotUse",
    "count_tokens",
    "default_models",
    "embed_text",
    "first_sentences",
    "hash_vector",
    "head_tokens",
    "strip_fences",
    "tail_tokens",
]


_MODIFIED_AT = "2025-01-15T09:30:00.123456789+09:00"
_QUEUE_FULL = "server busy, please try again.  maximum pending requests exceeded"


def _normalise(vec: list[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vec)) or 1.0
    return [x / norm for x in vec]


def _embeds(spec: ModelSpec | None) -> bool:
    return spec is not None and "embedding" in spec.capabilities


def _canonical(name: str) -> str:
    # Ollama treats "bge-m3" and "bge-m3:latest" as the same model.
    return name if ":" in name else f"{name}:latest"


@dataclass(frozen=True)
class _Turn:
    role: str
    content: str


@dataclass(frozen=True)
class _Plan:
    """A completion request after context handling: what to answer and what it costs."""

    reply: str
    done_reason: str
    prompt_tokens: int  # tokens the model actually evaluated (after truncation)
    output_tokens: int
    seen: str = ""  # the last user message as the model saw it, for per-model replies


@dataclass(frozen=True)
class SlotUse:
    """One inference request's stay in a slot (monotonic clock of the double's process)."""

    start: float
    end: float
    kind: str  # "chat" (chat and generate) or "embed" (embed and embeddings)
    prompt_tokens: int
    output_tokens: int
    inputs: int  # texts of an /api/embed batch (0 for chat)
    chars: int  # their characters
    modelled_seconds: float  # the modelled time at full speed, whatever sleep_scale is


_INFERENCE = {"/api/chat", "/api/generate", "/api/embed", "/api/embeddings"}


def _ns(seconds: float) -> int:
    # Real Ollama never reports a zero duration, and callers divide by these.
    return max(1, round(seconds * 1e9))


def _now_rfc3339() -> str:
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1e9):09d}Z"


def _ndjson(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8") + b"\n"


_POST_ROUTES = {
    "/api/show": "_show",
    "/api/chat": "_chat",
    "/api/generate": "_generate",
    "/api/embed": "_embed",
    "/api/embeddings": "_embeddings",
}


class FakeOllama(FakeHttpServer):
    """Ollama double; see the module docstring. Keyword arguments:

    models: name -> ModelSpec (default: exaone3.5:7.8b for completion, bge-m3 for
        embeddings). A name without a tag means ":latest", as in Ollama.
    slots: requests processed at once (OLLAMA_NUM_PARALLEL).
    max_queue: requests allowed to wait for a slot; one more gets 503 (OLLAMA_MAX_QUEUE).
    base_latency, prompt_tokens_per_s, gen_tokens_per_s: simulated time per inference
        request = base + prompt_tokens / prompt_speed + output_tokens / gen_speed
        (a speed of 0 adds nothing), slept while holding a slot.
    embed_base_latency, embed_tokens_per_s: the same for embedding requests, which are
        charged base + input_tokens / speed over the whole batch (None: the chat figures).
        A model's own speeds (ModelSpec) win over the server's.
    default_num_ctx: context window when a request sends no options.num_ctx.
    sleep_scale: share of the modelled time actually slept (1.0). The durations in the answers
        stay the modelled ones, so a test can see node B's figures without waiting for them.
    summary_tokens: when > 0, a completion answers with the head of the last user message of
        that many tokens (capped by num_predict), as long as a real summary; 0 (default):
        its first two sentences.
    embedder: text, dims -> unit vector (embed_text: similar texts get similar vectors;
        hash_vector: cheap and unrelated, for benchmarks).
    fail_after (attribute, None): after that many inference requests every further one is
        answered 500, as a crashed model runner.

    Counters for benchmarks: `max_in_flight`, `max_queued`, `busy_seconds`, `timeline` (one
    SlotUse per inference request) and `embedded_texts`; reset() clears them.

    Only inference endpoints (chat, generate, embed, embeddings) take a slot and
    simulate latency; tags, show and version answer at once, as in Ollama. The
    settings are plain attributes and may be changed while the server runs.
    """

    def __init__(
        self,
        *,
        models: dict[str, ModelSpec] | None = None,
        slots: int = 2,
        max_queue: int = 512,
        base_latency: float = 0.0,
        prompt_tokens_per_s: float = 0.0,
        gen_tokens_per_s: float = 0.0,
        embed_base_latency: float | None = None,
        embed_tokens_per_s: float | None = None,
        default_num_ctx: int = 4096,
        sleep_scale: float = 1.0,
        summary_tokens: int = 0,
        embedder: Callable[[str, int], list[float]] = embed_text,
    ) -> None:
        super().__init__()
        if slots < 1 or max_queue < 0:
            raise ValueError("need slots >= 1 and max_queue >= 0")
        source = default_models() if models is None else models
        self._models = {_canonical(name): spec for name, spec in source.items()}
        self.slots = slots
        self.max_queue = max_queue
        self.base_latency = base_latency
        self.prompt_tokens_per_s = prompt_tokens_per_s
        self.gen_tokens_per_s = gen_tokens_per_s
        self.embed_base_latency = embed_base_latency
        self.embed_tokens_per_s = embed_tokens_per_s
        self.default_num_ctx = default_num_ctx
        self.sleep_scale = sleep_scale
        self.summary_tokens = summary_tokens
        self.embedder = embedder
        self.fail_after: int | None = None
        self._inference_seen = 0
        self._timeline: list[SlotUse] = []
        self._embedded: list[str] = []
        self._max_queued = 0
        self._loaded: dict[str, int] = {}  # canonical name -> num_ctx it was loaded with
        self._slot_cond = threading.Condition()
        self._in_flight = 0
        self._queued = 0
        self._max_in_flight = 0
        self._busy_seconds = 0.0

    # -- control ---------------------------------------------------------------------
    def fail_next(self, count: int, status: int, error: str, path: str | None = None) -> None:
        """Answer the next `count` matching requests with `status` and {"error": error}."""
        self._add_failure(count, status, {"error": error}, path)

    def add_model(self, name: str, spec: ModelSpec) -> None:
        with self._lock:
            self._models[_canonical(name)] = spec

    def remove_model(self, name: str) -> None:
        with self._lock:
            self._models.pop(_canonical(name), None)

    @property
    def models(self) -> dict[str, ModelSpec]:
        """Snapshot of the served models, by canonical name ("bge-m3:latest")."""
        with self._lock:
            return dict(self._models)

    # -- benchmark counters ----------------------------------------------------------
    @property
    def max_in_flight(self) -> int:
        """Most requests that were inside slots at the same time."""
        with self._slot_cond:
            return self._max_in_flight

    @property
    def busy_seconds(self) -> float:
        """Sum of simulated processing time of completed requests (slot-seconds).

        Utilisation over a run = busy_seconds / (slots * wall_seconds).
        """
        with self._slot_cond:
            return self._busy_seconds

    @property
    def max_queued(self) -> int:
        """Most requests that waited for a slot at the same time."""
        with self._slot_cond:
            return self._max_queued

    @property
    def timeline(self) -> list[SlotUse]:
        """Every inference request's slot occupancy since the last reset, in order of leaving."""
        with self._slot_cond:
            return list(self._timeline)

    @property
    def embedded_texts(self) -> list[str]:
        """Texts sent to /api/embed since the last reset, as sent (before truncation)."""
        with self._lock:
            return list(self._embedded)

    @property
    def in_flight(self) -> int:
        """Requests inside slots right now."""
        with self._slot_cond:
            return self._in_flight

    @property
    def queued(self) -> int:
        """Requests waiting for a slot right now."""
        with self._slot_cond:
            return self._queued

    def simulated_seconds(self, prompt_tokens: int, output_tokens: int) -> float:
        """Processing time the fake spends on one request, inside its slot."""
        return (
            self.base_latency
            + self._prompt_seconds(prompt_tokens)
            + self._gen_seconds(output_tokens)
        )

    def _modelled_seconds(
        self, prompt_tokens: int, output_tokens: int, spec: ModelSpec | None
    ) -> float:
        """simulated_seconds with the embedding figures and the model's own speeds, where set."""
        return (
            self._base_seconds(spec)
            + self._prompt_seconds(prompt_tokens, spec)
            + self._gen_seconds(output_tokens, spec)
        )

    def _base_seconds(self, spec: ModelSpec | None) -> float:
        if _embeds(spec) and self.embed_base_latency is not None:
            return self.embed_base_latency
        return self.base_latency

    def _prompt_seconds(self, tokens: int, spec: ModelSpec | None = None) -> float:
        speed = self.prompt_tokens_per_s
        if _embeds(spec) and self.embed_tokens_per_s is not None:
            speed = self.embed_tokens_per_s
        if spec is not None and spec.prompt_tokens_per_s is not None:
            speed = spec.prompt_tokens_per_s
        return tokens / speed if speed > 0 else 0.0

    def _gen_seconds(self, tokens: int, spec: ModelSpec | None = None) -> float:
        speed = self.gen_tokens_per_s
        if spec is not None and spec.gen_tokens_per_s is not None:
            speed = spec.gen_tokens_per_s
        return tokens / speed if speed > 0 else 0.0

    def _load(self, name: str, spec: ModelSpec, num_ctx: int) -> float:
        """Seconds this request spends loading the model: its load_seconds on first use, and
        marks it resident for /api/ps."""
        key = _canonical(name)
        with self._lock:
            first = key not in self._loaded
            self._loaded[key] = num_ctx
        if first and spec.load_seconds is not None:
            return spec.load_seconds
        return 0.0

    def _model_sleep(self, seconds: float) -> None:
        self._sleep(seconds * self.sleep_scale)

    # -- base-class hooks ------------------------------------------------------------
    def _reset_counters(self) -> None:
        with self._slot_cond:
            self._max_in_flight = self._in_flight
            self._max_queued = self._queued
            self._busy_seconds = 0.0
            self._timeline = []
            self._inference_seen = 0
        with self._lock:
            self._embedded = []

    def _error_body(self, status: int, message: str) -> Any:
        return {"error": message}

    def _dispatch(self, ex: Exchange) -> None:
        route = (ex.method, ex.path)
        if route in {("GET", "/"), ("HEAD", "/")}:
            ex.send_text(200, "Ollama is running")
        elif route == ("GET", "/api/version"):
            ex.send_json(200, {"version": "0.12.0"})
        elif route == ("GET", "/api/ps"):
            ex.send_json(200, {"models": self._ps()})
        elif route == ("GET", "/api/tags"):
            ex.send_json(200, {"models": [self._tag(n, s) for n, s in self.models.items()]})
        elif ex.method == "POST" and ex.path in _POST_ROUTES:
            if ex.path in _INFERENCE and self._failing_now():
                ex.send_json(500, {"error": "simulated failure: the model runner crashed"})
                return
            if not isinstance(ex.body, dict):
                message = ex.json_error or "request body must be a JSON object"
                ex.send_json(400, {"error": message if ex.raw else "missing request body"})
                return
            getattr(self, _POST_ROUTES[ex.path])(ex, ex.body)
        else:
            ex.send_text(404, "404 page not found")  # what Go's mux answers

    def _failing_now(self) -> bool:
        """Counts one inference request; True once fail_after of them have been served."""
        with self._slot_cond:
            self._inference_seen += 1
            return self.fail_after is not None and self._inference_seen > self.fail_after

    # -- model endpoints -------------------------------------------------------------
    def _tag(self, name: str, spec: ModelSpec) -> dict[str, Any]:
        return {
            "name": name,
            "model": name,
            "modified_at": _MODIFIED_AT,
            "size": spec.size,
            "digest": hashlib.sha256(name.encode()).hexdigest(),
            "details": self._details(spec),
        }

    def _ps(self) -> list[dict[str, Any]]:
        """Models an inference request has loaded, as `ollama ps` lists them (CPU: no VRAM)."""
        with self._lock:
            loaded = dict(self._loaded)
        expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 300))
        out = []
        for name, num_ctx in loaded.items():
            spec = self.models.get(name)
            if spec is None:
                continue
            out.append(
                self._tag(name, spec)
                | {"expires_at": expires, "size_vram": 0, "context_length": num_ctx}
            )
        return out

    @staticmethod
    def _details(spec: ModelSpec) -> dict[str, Any]:
        return {
            "parent_model": "",
            "format": "gguf",
            "family": spec.family,
            "families": [spec.family],
            "parameter_size": spec.parameter_size,
            "quantization_level": spec.quantization_level,
        }

    def _show(self, ex: Exchange, body: dict[str, Any]) -> None:
        name = str(body.get("model") or body.get("name") or "")
        spec = self.models.get(_canonical(name))
        if spec is None:
            ex.send_json(404, {"error": f"model '{name}' not found"})
            return
        info: dict[str, Any] = {
            "general.architecture": spec.family,
            f"{spec.family}.context_length": spec.context_length,
        }
        if spec.embedding_length is not None:
            info[f"{spec.family}.embedding_length"] = spec.embedding_length
        ex.send_json(
            200,
            {
                "modelfile": f"# Modelfile generated by FakeOllama\nFROM {_canonical(name)}\n",
                "parameters": "",
                "template": "{{ .Prompt }}",
                "details": self._details(spec),
                "model_info": info,
                "capabilities": list(spec.capabilities),
                "modified_at": _MODIFIED_AT,
            },
        )

    def _model_for(self, ex: Exchange, name: Any, capability: str, verb: str) -> ModelSpec | None:
        """The requested model, or None after answering with Ollama's own error."""
        name = str(name or "")
        if not name:
            ex.send_json(400, {"error": "model is required"})
            return None
        spec = self.models.get(_canonical(name))
        if spec is None:
            ex.send_json(404, {"error": f'model "{name}" not found, try pulling it first'})
            return None
        if capability not in spec.capabilities:
            ex.send_json(400, {"error": f'"{name}" does not support {verb}'})
            return None
        return spec

    # -- completion ------------------------------------------------------------------
    def _chat(self, ex: Exchange, body: dict[str, Any]) -> None:
        spec = self._model_for(ex, body.get("model"), "completion", "chat")
        if spec is None:
            return
        turns = [
            _Turn(str(m.get("role") or "user"), str(m.get("content") or ""))
            for m in body.get("messages") or []
            if isinstance(m, dict)
        ]
        self._complete(ex, body, turns, spec, chat=True)

    def _generate(self, ex: Exchange, body: dict[str, Any]) -> None:
        spec = self._model_for(ex, body.get("model"), "completion", "generate")
        if spec is None:
            return
        turns = [_Turn("user", str(body.get("prompt") or ""))]
        if body.get("system"):
            turns.insert(0, _Turn("system", str(body["system"])))
        self._complete(ex, body, turns, spec, chat=False)

    @staticmethod
    def _reply(text: str, spec: ModelSpec) -> str:
        """What the model answers from the text it read: see ModelSpec (reads, spread)."""
        text = strip_fences(text)
        if spec.reads < 1.0:
            text = text[: int(len(text) * spec.reads)]
        if not spec.spread:
            return first_sentences(text, spec.reply_sentences)
        sentences = [s.strip() for s in SENTENCE_END.split(text) if s.strip()]
        count = min(spec.reply_sentences, len(sentences))
        if count <= 1:
            return " ".join(sentences[:1])[:300]
        step = (len(sentences) - 1) / (count - 1)
        picked = [sentences[round(i * step)] for i in range(count)]
        return " ".join(dict.fromkeys(picked))[: 150 * count]

    def _plan(self, turns: list[_Turn], options: dict[str, Any]) -> _Plan:
        """Apply the context window and num_predict; derive the reply from what is left.

        Over num_ctx Ollama truncates silently: only the tail of the prompt survives
        (about num_ctx / 2 tokens here), so the system message is lost first. The
        reply is the first two sentences of the last user message the model still saw.
        """
        num_ctx = int(options.get("num_ctx") or self.default_num_ctx)
        prompt_tokens = sum(count_tokens(t.content) + 4 for t in turns)  # +4: template
        kept = turns
        if prompt_tokens > num_ctx:
            budget = remaining = num_ctx // 2
            kept = []
            for turn in reversed(turns):
                cost = count_tokens(turn.content) + 4
                if cost <= remaining:
                    kept.insert(0, turn)
                    remaining -= cost
                    continue
                if remaining > 4:  # room for part of this message: keep its tail
                    tail = tail_tokens(turn.content, remaining - 4)
                    kept.insert(0, _Turn(turn.role, tail))
                    remaining -= count_tokens(tail) + 4
                break
            prompt_tokens = budget - remaining
        last_user = next((t.content for t in reversed(kept) if t.role == "user"), "")
        num_predict = int(options.get("num_predict") or -1)  # <= 0: no limit
        if self.summary_tokens > 0:  # a summary as long as a real one; the model's style unused
            target = min(self.summary_tokens, num_predict if num_predict > 0 else math.inf)
            reply = head_tokens(" ".join(strip_fences(last_user).split()), int(target))
            return _Plan(reply, "stop", prompt_tokens, count_tokens(reply))
        reply = first_sentences(strip_fences(last_user))
        done_reason = "stop"
        if 0 < num_predict < count_tokens(reply):
            reply = head_tokens(reply, num_predict)
            done_reason = "length"  # what Ollama reports when num_predict cut it off
        return _Plan(reply, done_reason, prompt_tokens, count_tokens(reply), last_user)

    def _complete(
        self,
        ex: Exchange,
        body: dict[str, Any],
        turns: list[_Turn],
        spec: ModelSpec,
        *,
        chat: bool,
    ) -> None:
        options = body.get("options")
        options = options if isinstance(options, dict) else {}
        plan = self._plan(turns, options)
        if plan.seen and (spec.reads < 1.0 or spec.spread or spec.reply_sentences != 2):
            reply = self._reply(plan.seen, spec)
            num_predict = int(options.get("num_predict") or -1)
            if 0 < num_predict < count_tokens(reply):
                reply = head_tokens(reply, num_predict)
            plan = _Plan(reply, plan.done_reason, plan.prompt_tokens, count_tokens(reply))
        ex.model_spec = spec  # for the slot's busy-time bookkeeping
        model = str(body["model"])
        prompt_s = self._prompt_seconds(plan.prompt_tokens, spec)
        gen_s = self._gen_seconds(plan.output_tokens, spec)
        load_s = self._load(model, spec, int(options.get("num_ctx") or self.default_num_ctx))

        def chunk(text: str, done: bool) -> dict[str, Any]:
            out: dict[str, Any] = {"model": model, "created_at": _now_rfc3339()}
            if chat:
                out["message"] = {"role": "assistant", "content": text}
            else:
                out["response"] = text
            out["done"] = done
            if done:
                out |= {
                    "done_reason": plan.done_reason,
                    "total_duration": _ns(
                        self.base_latency + load_s + prompt_s + gen_s
                        if self.sleep_scale != 1.0
                        else time.monotonic() - ex.started
                    ),
                    "load_duration": _ns(self.base_latency + load_s),
                    "prompt_eval_count": plan.prompt_tokens,
                    "prompt_eval_duration": _ns(prompt_s),
                    "eval_count": plan.output_tokens,
                    "eval_duration": _ns(gen_s),
                }
            return out

        # Ollama streams unless the request says "stream": false.
        if body.get("stream", True) is False:
            with self._slot(ex, plan.prompt_tokens, plan.output_tokens) as granted:
                if not granted:
                    return
                self._model_sleep(self.base_latency + load_s + prompt_s + gen_s)
            ex.send_json(200, chunk(plan.reply, done=True))
            return
        pieces = re.findall(r"\s*\S+", plan.reply)
        with self._slot(ex, plan.prompt_tokens, plan.output_tokens) as granted:
            if not granted:
                return
            self._model_sleep(self.base_latency + load_s + prompt_s)  # time to first token
            ex.begin_stream(200, "application/x-ndjson")
            for text in pieces:
                # Spread generation time over the pieces so the total stays exact.
                self._model_sleep(gen_s * len(text) / len(plan.reply))
                ex.send_chunk(_ndjson(chunk(text, done=False)))
        ex.end_stream(_ndjson(chunk("", done=True)))

    # -- embeddings ------------------------------------------------------------------
    def _embed(self, ex: Exchange, body: dict[str, Any]) -> None:
        spec = self._model_for(ex, body.get("model"), "embedding", "embeddings")
        if spec is None:
            return
        raw = body.get("input")
        if isinstance(raw, str):
            texts = [raw] if raw else []  # Ollama: an empty string embeds nothing
        elif isinstance(raw, list) and all(isinstance(t, str) for t in raw):
            texts = list(raw)
        elif raw is None:
            texts = []
        else:
            ex.send_json(400, {"error": "invalid input type"})
            return
        with self._lock:
            self._embedded.extend(texts)
        ex.embed_batch = (len(texts), sum(len(t) for t in texts))  # for the timeline
        dims = spec.embedding_length or 0
        wanted = body.get("dimensions")
        if wanted is not None and not (isinstance(wanted, int) and 0 < wanted <= dims):
            ex.send_json(400, {"error": f"dimensions must be between 1 and {dims}"})
            return
        ctx = spec.context_length
        if body.get("truncate") is False and any(count_tokens(t) > ctx for t in texts):
            ex.send_json(400, {"error": "the input length exceeds the context length"})
            return
        # Truncation is on by default: each input keeps its first ctx tokens.
        texts = [head_tokens(t, ctx) for t in texts]
        prompt_tokens = sum(count_tokens(t) for t in texts)
        load_s = self._load(str(body["model"]), spec, ctx) if texts else 0.0
        ex.model_spec = spec
        read = texts
        if spec.embed_reads_tokens is not None:  # a weaker model: the rest never counts
            read = [head_tokens(t, spec.embed_reads_tokens) for t in texts]
        with self._slot(ex, prompt_tokens, 0) as granted:
            if not granted:
                return
            # The answer is computed in the slot and only the rest of the modelled time is
            # slept: Ollama's answer is ready when its compute ends, and this double's Python
            # work for 32 x 1024 floats (~15 ms) must not stretch the time it models.
            computing = time.monotonic()
            vectors = [self.embedder(t, dims) for t in read]
            if wanted is not None:  # Matryoshka-style: keep the first dims, renormalise
                vectors = [_normalise(v[:wanted]) for v in vectors]
            encoded_vectors = json.dumps(vectors)
            spent = time.monotonic() - computing
            modelled = load_s + self._modelled_seconds(prompt_tokens, 0, spec)
            self._sleep(max(0.0, modelled * self.sleep_scale - spent))
        head = json.dumps(
            {
                "model": str(body["model"]),
                # The modelled compute when time is scaled down: what node B would report.
                "total_duration": _ns(
                    modelled if self.sleep_scale != 1.0 else time.monotonic() - ex.started
                ),
                "load_duration": _ns(self._base_seconds(spec) + load_s),
                "prompt_eval_count": prompt_tokens,
            },
            ensure_ascii=False,
        )
        answer = f'{head[:-1]}, "embeddings": {encoded_vectors}}}'
        ex.send_bytes(200, answer.encode("utf-8"), "application/json; charset=utf-8")

    def _embeddings(self, ex: Exchange, body: dict[str, Any]) -> None:
        """Legacy endpoint: one `prompt` in, one `embedding` out."""
        spec = self._model_for(ex, body.get("model"), "embedding", "embeddings")
        if spec is None:
            return
        text = head_tokens(str(body.get("prompt") or ""), spec.context_length)
        tokens = count_tokens(text)
        ex.model_spec = spec
        with self._slot(ex, tokens, 0) as granted:
            if not granted:
                return
            self._model_sleep(self._modelled_seconds(tokens, 0, spec))
        vector = self.embedder(text, spec.embedding_length or 0) if text else []
        ex.send_json(200, {"embedding": vector})

    # -- queue and slots -------------------------------------------------------------
    @contextmanager
    def _slot(self, ex: Exchange, prompt_tokens: int, output_tokens: int) -> Iterator[bool]:
        """Hold one of `slots` for the with-block; yields False after answering 503.

        A request that finds every slot busy waits in the queue; when `max_queue`
        requests are already waiting it is refused at once, as Ollama does.
        """
        if not self._enter_slot():
            ex.send_json(503, {"error": _QUEUE_FULL})
            yield False
            return
        completed = False
        started = time.monotonic()
        try:
            yield True
            completed = True
        finally:
            spec = getattr(ex, "model_spec", None)
            modelled = self._modelled_seconds(prompt_tokens, output_tokens, spec)
            inputs, chars = getattr(ex, "embed_batch", (0, 0))
            use = SlotUse(
                started,
                time.monotonic(),
                "embed" if _embeds(spec) else "chat",
                prompt_tokens,
                output_tokens,
                inputs,
                chars,
                modelled,
            )
            with self._slot_cond:
                self._in_flight -= 1
                self._timeline.append(use)
                if completed:
                    self._busy_seconds += modelled
                self._slot_cond.notify_all()

    def _enter_slot(self) -> bool:
        with self._slot_cond:
            if self._in_flight >= self.slots:
                if self._queued >= self.max_queue:
                    return False
                self._queued += 1
                self._max_queued = max(self._max_queued, self._queued)
                try:
                    while self._in_flight >= self.slots:
                        # Bounded: close() sets _closing, checked on every poll.
                        if self._closing.is_set():
                            raise Aborted
                        self._slot_cond.wait(0.05)
                finally:
                    self._queued -= 1
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
            return True
