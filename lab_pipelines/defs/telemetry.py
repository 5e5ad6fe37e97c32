"""Every asset's last act: record its model usage in the ledger, push its metrics, and return
the metadata a person reads in the UI (model, backend, tokens, latency, cost)."""

from typing import Any

import dagster as dg

from lab_pipelines.costs import price_book
from lab_pipelines.defs.resources import LanceStoreResource, TelemetryResource
from lab_pipelines.metrics import push, step_registry
from lab_pipelines.models.base import CallCounter
from lab_pipelines.usage import usage_row


def observe_step(
    context: dg.AssetExecutionContext | dg.OpExecutionContext,
    telemetry: TelemetryResource,
    lance: LanceStoreResource,
    *,
    asset: str,
    backend: str,
    model: str,
    counter: CallCounter,
    documents: int,
    seconds: float,
) -> dict[str, Any]:
    store = lance.store()
    prices = price_book()
    row = usage_row(
        run_id=context.run.run_id,
        asset=asset,
        backend=backend,
        model=model,
        counter=counter,
        documents=documents,
        seconds=seconds,
        prices=prices,
        reference_model=telemetry.reference_model,
        timezone=telemetry.timezone,
    )
    store.record_usage([row])
    push(
        telemetry.pushgateway_url,
        asset,
        step_registry(store, asset, duration_s=seconds, today=row["day"]),
    )
    return {
        "backend": backend,
        "model": model,
        "model_calls": counter.calls,
        "tokens_in": counter.prompt_tokens,
        "tokens_out": counter.output_tokens,
        "latency_s_per_call": round(seconds / counter.calls, 4) if counter.calls else 0.0,
        "cost_usd": round(row["cost_usd"], 6),
        "all_gemini_cost_usd": round(row["gemini_equivalent_usd"], 6),
        "prices_read_on": prices.read_on,
        **counter.throughput(),  # Ollama's own timings: tok/s and load time, from node B
    }
