"""A latency-simulating Ollama for the benchmarks: the ruler of bench/RESULTS.md.

The project's protocol double (``lab_pipelines_tests.doubles.ollama_server.FakeOllama``: real
HTTP API, ``OLLAMA_NUM_PARALLEL`` slots, a queue capped at ``OLLAMA_MAX_QUEUE`` with 503 beyond
it, every call recorded) built with node B's speeds, in its own process (so its threads never
take the pipeline's GIL). The speed model is the double's own constructor arguments:

* chat request ``base + prompt_tokens / prompt_tps + output_tokens / gen_tps``, /api/embed
  request ``embed_base + input_tokens / embed_tps`` over the batch, slept holding a slot;
* defaults of a 7.8B Q4_K_M model and bge-m3 on an 8-core CPU (llama.cpp-class figures):
  60 / 8 tok/s and 0.05 s a chat request, 400 tok/s and 0.02 s an embed request, 2 slots,
  queue 512; tokens are the double's count (~4 ASCII or ~1.5 Hangul characters a token);
* 150-token summaries (the head of the document), as long as a real 3-5 sentence one;
* ``time_scale``: the share of the modelled time slept (the double's ``sleep_scale``);
  the timeline keeps the full-speed time of each request (``model_seconds``);
* cheap hash vectors (the double's trigram vectors cost ~1 ms of Python a text);
* ``fail_after``: after that many inference requests every further one gets HTTP 500;
* ``chat_free``: chat requests cost nothing (the embeddings-only comparison of figure 7).

    python bench/ollama_sim.py --time-scale 0.005     # prints "URL ..." then "CONTROL ..."

Steer it over a second, separate HTTP server (the double's own port speaks only Ollama's API):
``GET /stats``, ``POST /reset``, ``POST /config`` (JSON body of settings), ``GET /embedded``
(texts embedded since the last reset).
"""

from __future__ import annotations

import argparse
import select
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lab_pipelines_tests.doubles._http import Exchange, FakeHttpServer  # noqa: E402
from lab_pipelines_tests.doubles.ollama_server import FakeOllama, hash_vector  # noqa: E402

DEFAULTS: dict[str, Any] = {
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
SWITCHES: dict[str, Any] = {"fail_after": None, "chat_free": False}


def apply(double: FakeOllama, settings: dict[str, Any]) -> None:
    """Set the double's speed attributes from the benchmark's settings."""
    chat_free = bool(settings["chat_free"])
    double.slots = int(settings["slots"])
    double.max_queue = int(settings["max_queue"])
    double.base_latency = 0.0 if chat_free else float(settings["chat_base_s"])
    double.prompt_tokens_per_s = 0.0 if chat_free else float(settings["prompt_tps"])
    double.gen_tokens_per_s = 0.0 if chat_free else float(settings["gen_tps"])
    double.embed_base_latency = float(settings["embed_base_s"])
    double.embed_tokens_per_s = float(settings["embed_tps"])
    double.summary_tokens = int(settings["summary_tokens"])
    double.sleep_scale = float(settings["time_scale"])
    fail_after = settings["fail_after"]
    double.fail_after = None if fail_after is None else int(fail_after)


def stats(double: FakeOllama, settings: dict[str, Any]) -> dict[str, Any]:
    """The counters a figure reads, as JSON."""
    calls = double.calls
    timeline = double.timeline
    embeds = [t for t in timeline if t.kind == "embed"]
    return {
        "settings": settings,
        "requests": {
            p: sum(1 for c in calls if c.path == p) for p in sorted({c.path for c in calls})
        },
        "statuses": {
            str(s): sum(1 for c in calls if c.status == s) for s in {c.status for c in calls}
        },
        "chat_requests": sum(1 for t in timeline if t.kind == "chat"),
        "embed_requests": len(embeds),
        "embed_inputs": sum(t.inputs for t in embeds),
        "embed_chars": sum(t.chars for t in embeds),
        "embed_max_inputs": max((t.inputs for t in embeds), default=0),
        "embed_max_chars": max((t.chars for t in embeds), default=0),
        "prompt_tokens": sum(t.prompt_tokens for t in timeline),
        "output_tokens": sum(t.output_tokens for t in timeline),
        "model_seconds": sum(t.modelled_seconds for t in timeline),  # at full speed
        "max_in_flight": double.max_in_flight,
        "max_queued": double.max_queued,
        "in_flight_now": double.in_flight,
        "queued_now": double.queued,
        # (start, end, kind, full-speed seconds), monotonic clock of this process
        "timeline": [(t.start, t.end, t.kind, t.modelled_seconds) for t in timeline],
        "now": time.monotonic(),
    }


class SimControl(FakeHttpServer):
    """The benchmark's control port: settings, counters and reset of one FakeOllama."""

    def __init__(self, double: FakeOllama, settings: dict[str, Any]) -> None:
        super().__init__()
        self.double = double
        self.settings = dict(settings)
        apply(double, self.settings)

    def _dispatch(self, ex: Exchange) -> None:
        if ex.path == "/stats":
            ex.send_json(200, stats(self.double, self.settings))
        elif ex.path == "/reset" and ex.method == "POST":
            self.double.reset()
            ex.send_json(200, {"ok": True})
        elif ex.path == "/config" and ex.method == "POST":
            body = ex.body if isinstance(ex.body, dict) else {}
            unknown = set(body) - set(DEFAULTS) - set(SWITCHES)
            if unknown:
                ex.send_json(400, {"error": f"unknown settings {sorted(unknown)}"})
                return
            self.settings.update(body)
            apply(self.double, self.settings)
            ex.send_json(200, self.settings)
        elif ex.path == "/embedded":
            ex.send_json(200, {"texts": self.double.embedded_texts})
        else:
            ex.send_json(404, {"error": f"no control route {ex.path}"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, value in DEFAULTS.items():
        parser.add_argument("--" + name.replace("_", "-"), type=type(value), default=value)
    parser.add_argument("--max-seconds", type=float, default=3600.0, help="exit after this long")
    args = parser.parse_args()
    settings = {name: getattr(args, name) for name in DEFAULTS} | SWITCHES
    double = FakeOllama(slots=int(settings["slots"]), embedder=hash_vector)
    with double, SimControl(double, settings) as control:
        print(f"URL {double.url}\nCONTROL {control.url}", flush=True)
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
