"""Prometheus metrics, pushed to a Pushgateway after every step when LAB_PUSHGATEWAY_URL is set.

Why push, not scrape: runs and step pods live for seconds to minutes and are gone before a
scrape could find them; the Pushgateway keeps each step's last figures for Prometheus. Counters
are cumulative totals computed from the usage ledger in LanceDB, so they only ever grow and
`rate()`/`increase()` work across pushes. Each asset pushes under its own grouping key
(job="lab_pipelines", asset=...), so steps never overwrite each other's metrics.
"""

from __future__ import annotations

import logging
import time
import urllib.error
from collections import defaultdict
from collections.abc import Iterable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    disable_created_metrics,
    push_to_gateway,
)

from lab_pipelines.store import Store

JOB = "lab_pipelines"
PREFIX = "lab_pipelines"
log = logging.getLogger(__name__)
disable_created_metrics()  # *_created series would double the count and say nothing here

# Every metric the pipeline emits: the dashboard and alert rules may use only these.
METRICS = {
    f"{PREFIX}_documents_processed_total": "Documents a step processed (new or changed work).",
    f"{PREFIX}_model_calls_total": "Model calls, by model and backend.",
    f"{PREFIX}_model_tokens_total": "Tokens sent to (input) and produced by (output) models.",
    f"{PREFIX}_gemini_cost_usd_total": "Gemini spend in USD (thinking tokens billed as output).",
    f"{PREFIX}_gemini_cost_usd_today": "Gemini spend so far today (lab timezone), in USD.",
    f"{PREFIX}_step_duration_seconds": "Wall time of the asset's last step.",
    f"{PREFIX}_model_latency_seconds": "Mean wall time per model call in the asset's last step.",
    f"{PREFIX}_last_success_timestamp_seconds": "Unix time the asset last materialised.",
    f"{PREFIX}_run_failures_total": "Failed runs of the code location.",
    f"{PREFIX}_backlog_documents": "Inbox documents not yet processed by the current pipeline.",
    f"{PREFIX}_inbox_documents": "Documents in the inbox.",
    f"{PREFIX}_inference_up": "1 if Ollama on the inference node answered the last check.",
}


def _name(short: str) -> str:
    name = f"{PREFIX}_{short}"
    assert name in METRICS, name
    return name


def _counter_name(short: str) -> str:
    # prometheus_client appends _total to counters itself.
    return _name(short).removesuffix("_total")


def push(url: str, asset: str, registry: CollectorRegistry) -> None:
    """Push ``registry`` under {job, asset}; a Pushgateway outage never fails a step."""
    if not url:
        return
    try:
        push_to_gateway(url, job=JOB, grouping_key={"asset": asset}, registry=registry, timeout=5)
    except (OSError, urllib.error.URLError) as err:
        log.warning("could not push metrics to %s: %s", url, err)


def step_registry(
    store: Store,
    asset: str,
    *,
    duration_s: float,
    today: str,
    extra_gauges: dict[str, float] | None = None,
) -> CollectorRegistry:
    """The asset's figures: cumulative totals from the usage ledger plus its last step's gauges."""
    registry = CollectorRegistry()
    rows = store.usage(asset=asset)
    documents = Counter(
        _counter_name("documents_processed_total"),
        METRICS[_name("documents_processed_total")],
        registry=registry,
    )
    calls = Counter(
        _counter_name("model_calls_total"),
        METRICS[_name("model_calls_total")],
        ["model", "backend"],
        registry=registry,
    )
    tokens = Counter(
        _counter_name("model_tokens_total"),
        METRICS[_name("model_tokens_total")],
        ["model", "backend", "direction"],
        registry=registry,
    )
    by_model: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0, 0, 0.0])
    for row in rows:
        documents.inc(row["documents"])
        entry = by_model[(row["model"], row["backend"])]
        entry[0] += row["calls"]
        entry[1] += row["input_tokens"]
        entry[2] += row["output_tokens"]
        entry[3] += row["cost_usd"]
    for (model, backend), (n_calls, n_in, n_out, _) in by_model.items():
        calls.labels(model, backend).inc(n_calls)
        tokens.labels(model, backend, "input").inc(n_in)
        tokens.labels(model, backend, "output").inc(n_out)
    if any(backend == "gemini" for _, backend in by_model):
        cost = Counter(
            _counter_name("gemini_cost_usd_total"),
            METRICS[_name("gemini_cost_usd_total")],
            ["model"],
            registry=registry,
        )
        for (model, backend), values in by_model.items():
            if backend == "gemini":
                cost.labels(model).inc(values[3])
        today_cost = sum(r["cost_usd"] for r in store.usage(day=today))
        Gauge(
            _name("gemini_cost_usd_today"),
            METRICS[_name("gemini_cost_usd_today")],
            registry=registry,
        ).set(today_cost)
    Gauge(
        _name("step_duration_seconds"), METRICS[_name("step_duration_seconds")], registry=registry
    ).set(duration_s)
    last_rows = [r for r in rows if r["calls"]]
    if last_rows:
        latest = max(last_rows, key=lambda r: r["created_at"])
        latency = Gauge(
            _name("model_latency_seconds"),
            METRICS[_name("model_latency_seconds")],
            ["model"],
            registry=registry,
        )
        latency.labels(latest["model"]).set(latest["seconds"] / max(latest["calls"], 1))
    Gauge(
        _name("last_success_timestamp_seconds"),
        METRICS[_name("last_success_timestamp_seconds")],
        registry=registry,
    ).set(time.time())
    for short, value in (extra_gauges or {}).items():
        Gauge(_name(short), METRICS[_name(short)], registry=registry).set(value)
    return registry


def gauges_registry(values: Iterable[tuple[str, float]]) -> CollectorRegistry:
    registry = CollectorRegistry()
    for short, value in values:
        Gauge(_name(short), METRICS[_name(short)], registry=registry).set(value)
    return registry


def failures_registry(failed_runs: int) -> CollectorRegistry:
    registry = CollectorRegistry()
    Counter(
        _counter_name("run_failures_total"), METRICS[_name("run_failures_total")], registry=registry
    ).inc(failed_runs)
    return registry
