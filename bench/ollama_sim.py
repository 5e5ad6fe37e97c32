"""A latency-simulating Ollama for the benchmarks: the ruler of bench/RESULTS.md.

It is the project's protocol-faithful test double (``lab_pipelines_tests.doubles.ollama_server.
FakeOllama``: real HTTP API, ``OLLAMA_NUM_PARALLEL`` slots, a queue capped at
``OLLAMA_MAX_QUEUE`` with 503 beyond it, every call recorded), extended here, by subclassing,
with what a benchmark needs:

* **Separate speeds per model kind.** The double charges an embedding at the chat model's
  prompt speed; here a chat request costs ``base + prompt_tokens / prompt_tps + output_tokens /
  gen_tps`` and an ``/api/embed`` request ``embed_base + input_tokens / embed_tps`` (all inputs of
  the batch, after truncation to the model's context), slept while holding a slot.
* **Defaults of a 7.8B Q4_K_M model and bge-m3 on an 8-core CPU** (llama.cpp-class figures):
  prompt evaluation 60 tok/s, generation 8 tok/s, 0.05 s per chat request; bge-m3 400 tok/s and
  0.02 s per embed request; 2 slots, queue 512. Tokens are the double's own count
  (about 4 ASCII characters or 1.5 Hangul characters per token).
* **A summary as long as a real one.** The double answers with two sentences (~40 tokens); a
  3-5 sentence EXAONE summary is ~150 tokens, which at 8 tok/s is most of a summary's cost, so
  the reply is the head of the document of ``summary_tokens`` (default 150) tokens.
* **Uniform time scaling.** ``time_scale`` multiplies every simulated duration (1/200 makes an
  8-hour backfill take minutes). Counters report both the scaled slot-seconds actually slept
  and the full-speed model time (``model_seconds``); utilisation is computed from a per-request
  timeline of slot occupancy, so the pipeline's own (unscaled) overhead can be told apart.
* **A timeline and counters**: every slot occupancy (start, end, kind, tokens, inputs,
  characters), the most requests ever in slots and ever queued, per-path counts.
* **Failure injection by count**: after ``fail_after`` inference requests, every further one
  gets HTTP 500 (a broken model server) until reconfigured.
* **Cheap vectors.** Deterministic unit vectors from a hash of the text (the double's trigram
  vectors cost ~1 ms of Python per text and would compete with the pipeline for the CPU);
  retrieval quality is measured with the offline backends, not with these vectors.

Run as its own process (so its threads never take the pipeline's GIL):

    python bench/ollama_sim.py --time-scale 0.005            # prints "URL http://127.0.0.1:PORT"

and steer it over HTTP: ``GET /bench/stats``, ``POST /bench/reset``, ``POST /bench/config``
(JSON body of settings), ``GET /bench/embedded`` (texts embedded since the last reset).
"""

from __future__ import annotations

import argparse
import hashlib
import select
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lab_pipelines_tests.doubles import ollama_server as _double  # noqa: E402
from lab_pipelines_tests.doubles.ollama_server import FakeOllama, strip_fences  # noqa: E402

DEFAULTS = {
    "slots": 2,
    "max_queue": 512,
    "chat_base_s": 0.05,
    "prompt_tps": 60.0,
    "gen_tps": 8.0,
    "embed_base_s": 0.02,
    "embed_tps": 400.0,
    "summary_tokens": 150,
    "time_scale": 1.0,
}

_INFERENCE = {"/api/chat", "/api/generate", "/api/embed", "/api/embeddings"}
_EMBED = {"/api/embed", "/api/embeddings"}


# -- faster, identical helpers of the double (it runs in the same process as the server) ------
_slow_head_tokens = _double.head_tokens


def _count_tokens(text: str) -> int:
    ascii_chars = len(text.encode("ascii", "ignore"))
    return _double._tokens_from(ascii_chars, len(text) - ascii_chars)


def _head_tokens(text: str, budget: int) -> str:
    return text if _count_tokens(text) <= budget else _slow_head_tokens(text, budget)


def _hash_vector(text: str, dims: int) -> list[float]:
    seed = int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")
    vec = np.random.default_rng(seed).standard_normal(dims)
    vec /= np.linalg.norm(vec)
    return np.round(vec, 6).tolist()


_double.count_tokens = _count_tokens
_double.head_tokens = _head_tokens
_double.embed_text = _hash_vector


class SimOllama(FakeOllama):
    """FakeOllama with per-kind speeds, time scaling, a slot timeline and failure by count."""

    def __init__(self, **settings: Any) -> None:
        config = {**DEFAULTS, **settings}
        super().__init__(slots=int(config["slots"]), max_queue=int(config["max_queue"]))
        self._local = threading.local()
        self._timeline: list[tuple] = []
        self._max_queued = 0
        self._inference_served = 0
        self._embedded: list[str] = []
        self.configure(**config)

    # -- settings ----------------------------------------------------------------------
    def configure(self, **config: Any) -> None:
        for name, value in config.items():
            if name == "slots":
                self.slots = int(value)
            elif name == "max_queue":
                self.max_queue = int(value)
            elif name == "fail_after":
                self.fail_after = None if value is None else int(value)
            elif name == "chat_free":
                self.chat_free = bool(value)
            elif name in DEFAULTS:
                setattr(self, name, float(value))
            else:
                raise ValueError(f"unknown setting {name!r}")
        self.fail_after = getattr(self, "fail_after", None)
        self.chat_free = getattr(self, "chat_free", False)
        # The double's own knobs, which its chat path reads: scaled chat speeds.
        scale = self.time_scale
        self.base_latency = 0.0 if self.chat_free else self.chat_base_s * scale
        self.prompt_tokens_per_s = 0.0 if self.chat_free or scale == 0 else self.prompt_tps / scale
        self.gen_tokens_per_s = 0.0 if self.chat_free or scale == 0 else self.gen_tps / scale

    def settings(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in DEFAULTS}
        out.update(fail_after=self.fail_after, chat_free=self.chat_free)
        return out

    # -- cost model --------------------------------------------------------------------
    def full_speed_seconds(self, kind: str, prompt_tokens: int, output_tokens: int) -> float:
        if kind == "embed":
            return self.embed_base_s + prompt_tokens / self.embed_tps
        if self.chat_free:
            return 0.0
        return self.chat_base_s + prompt_tokens / self.prompt_tps + output_tokens / self.gen_tps

    def simulated_seconds(self, prompt_tokens: int, output_tokens: int) -> float:
        kind = getattr(self._local, "kind", "chat")
        return self.full_speed_seconds(kind, prompt_tokens, output_tokens) * self.time_scale

    # -- routes ------------------------------------------------------------------------
    def _dispatch(self, ex: Any) -> None:
        if ex.path.startswith("/bench/"):
            self._bench_route(ex)
            return
        if ex.method == "POST" and ex.path in _INFERENCE and self.fail_after is not None:
            with self._slot_cond:
                failing = self._inference_served >= self.fail_after
                self._inference_served += 1
            if failing:
                ex.send_json(500, {"error": "simulated failure: the model runner crashed"})
                return
        elif ex.method == "POST" and ex.path in _INFERENCE:
            with self._slot_cond:
                self._inference_served += 1
        self._local.kind = "embed" if ex.path in _EMBED else "chat"
        self._local.inputs = 0
        self._local.chars = 0
        if ex.path == "/api/embed" and isinstance(ex.body, dict):
            raw = ex.body.get("input")
            texts = [raw] if isinstance(raw, str) else list(raw or [])
            self._local.inputs = len(texts)
            self._local.chars = sum(len(t) for t in texts if isinstance(t, str))
            with self._lock:
                self._embedded.extend(t for t in texts if isinstance(t, str))
        super()._dispatch(ex)

    def _plan(self, turns: list, options: dict[str, Any]) -> Any:
        plan = super()._plan(turns, options)
        target = int(self.summary_tokens)
        if target <= 0:
            return plan
        num_predict = int(options.get("num_predict") or -1)
        if 0 < num_predict < target:
            target = num_predict
        last_user = next((t.content for t in reversed(turns) if t.role == "user"), "")
        reply = _head_tokens(" ".join(strip_fences(last_user).split()), target)
        return type(plan)(reply, plan.done_reason, plan.prompt_tokens, _count_tokens(reply))

    @contextmanager
    def _slot(self, ex: Any, prompt_tokens: int, output_tokens: int):  # noqa: ANN202
        kind = getattr(self._local, "kind", "chat")
        with super()._slot(ex, prompt_tokens, output_tokens) as granted:
            started = time.monotonic()
            try:
                yield granted
            finally:
                if granted:
                    self._timeline.append(
                        (
                            started,
                            time.monotonic(),
                            kind,
                            prompt_tokens,
                            output_tokens,
                            getattr(self._local, "inputs", 0),
                            getattr(self._local, "chars", 0),
                            self.full_speed_seconds(kind, prompt_tokens, output_tokens),
                        )
                    )

    def _enter_slot(self) -> bool:
        with self._slot_cond:
            if self._in_flight >= self.slots:
                self._max_queued = max(self._max_queued, self._queued + 1)
        return super()._enter_slot()

    def _reset_counters(self) -> None:
        super()._reset_counters()
        with self._slot_cond:
            self._timeline = []
            self._max_queued = 0
            self._inference_served = 0
        with self._lock:
            self._embedded = []

    # -- control endpoints -------------------------------------------------------------
    def _bench_route(self, ex: Any) -> None:
        if ex.path == "/bench/stats":
            ex.send_json(200, self.stats())
        elif ex.path == "/bench/reset" and ex.method == "POST":
            self.reset()
            ex.send_json(200, {"ok": True})
        elif ex.path == "/bench/config" and ex.method == "POST":
            try:
                self.configure(**(ex.body or {}))
            except (TypeError, ValueError) as err:
                ex.send_json(400, {"error": str(err)})
                return
            ex.send_json(200, self.settings())
        elif ex.path == "/bench/embedded":
            with self._lock:
                texts = list(self._embedded)
            ex.send_json(200, {"texts": texts})  # outside the lock: answering records the call
        else:
            ex.send_json(404, {"error": f"no bench route {ex.path}"})

    def stats(self) -> dict[str, Any]:
        calls = [c for c in self.calls if not c.path.startswith("/bench/")]
        with self._slot_cond:
            timeline = list(self._timeline)
            max_in_flight, max_queued = self._max_in_flight, self._max_queued
        embeds = [t for t in timeline if t[2] == "embed"]
        return {
            "settings": self.settings(),
            "requests": {
                path: sum(1 for c in calls if c.path == path)
                for path in sorted({c.path for c in calls})
            },
            "statuses": {
                str(s): sum(1 for c in calls if c.status == s) for s in {c.status for c in calls}
            },
            "chat_requests": sum(1 for t in timeline if t[2] == "chat"),
            "embed_requests": len(embeds),
            "embed_inputs": sum(t[5] for t in embeds),
            "embed_chars": sum(t[6] for t in embeds),
            "embed_max_inputs": max((t[5] for t in embeds), default=0),
            "embed_max_chars": max((t[6] for t in embeds), default=0),
            "prompt_tokens": sum(t[3] for t in timeline),
            "output_tokens": sum(t[4] for t in timeline),
            "model_seconds": sum(t[7] for t in timeline),  # at full speed
            "max_in_flight": max_in_flight,
            "max_queued": max_queued,
            "in_flight_now": self.in_flight,
            "queued_now": self.queued,
            # (start, end, kind, full-speed seconds), monotonic clock of this process
            "timeline": [(t[0], t[1], t[2], t[7]) for t in timeline],
            "now": time.monotonic(),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, value in DEFAULTS.items():
        parser.add_argument("--" + name.replace("_", "-"), type=type(value), default=value)
    parser.add_argument("--max-seconds", type=float, default=3600.0, help="exit after this long")
    args = parser.parse_args()
    settings = {name: getattr(args, name) for name in DEFAULTS}
    with SimOllama(**settings) as sim:
        print(f"URL {sim.url}", flush=True)
        deadline = time.monotonic() + args.max_seconds
        try:
            # Bounded: stops at --max-seconds or when the parent closes our stdin.
            while time.monotonic() < deadline:
                ready, _, _ = select.select([sys.stdin], [], [], 1.0)
                if ready and sys.stdin.readline() == "":
                    break
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
