"""Every asset's last act: record its model usage in the ledger, push its metrics, and return
the metadata a person reads in the UI (model, backend, tokens, latency, cost)."""

from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from lab_pipelines.costs import price_book
from lab_pipelines.defs.resources import TelemetryResource
from lab_pipelines.metrics import push, step_registry
from lab_pipelines.models.base import CallCounter, MeteredModel
from lab_pipelines.store import Store
from lab_pipelines.usage import ledger_row


@dataclass
class NoModel:
    """A step that calls no model (parsing, chunking): still a ledger row, with its documents
    and seconds, so every step's time shows in the same place."""

    model: str  # what did the work instead, e.g. "parser"
    backend: str = "local"
    counter: CallCounter = field(default_factory=CallCounter)


def observe_step(
    context: dg.AssetExecutionContext,
    telemetry: TelemetryResource,
    store: Store,
    used: MeteredModel,
    *,
    documents: int,
    seconds: float,
) -> dict[str, Any]:
    """Ledger row, metrics push and UI metadata of the running asset's step; the backend, model
    and counts are read off ``used``, the ledger's asset name off the step itself."""
    asset = context.asset_key.to_user_string()
    prices = price_book()
    counter = used.counter
    row = ledger_row(
        run_id=context.run.run_id,
        asset=asset,
        backend=used.backend,
        model=used.model,
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
        step_registry(store, asset, duration_s=seconds, today=row.day),
    )
    return {
        "backend": used.backend,
        "model": used.model,
        "model_calls": counter.calls,
        "tokens_in": counter.prompt_tokens,
        "tokens_out": counter.output_tokens,
        "latency_s_per_call": round(seconds / counter.calls, 4) if counter.calls else 0.0,
        "cost_usd": round(row.cost_usd, 6),
        "all_gemini_cost_usd": round(row.gemini_equivalent_usd, 6),
        "prices_read_on": prices.read_on,
        **counter.throughput(),  # Ollama's own timings: tok/s and load time, from node B
    }
