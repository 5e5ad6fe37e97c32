"""summaries: what the inference node's EXAONE says each document is about."""

from collections.abc import Iterator

import dagster as dg

from lab_pipelines.defs.checks import partition_check_results, partition_check_specs
from lab_pipelines.defs.ingest.assets import documents
from lab_pipelines.defs.ingest.partitions import PER_DOCUMENT
from lab_pipelines.defs.metadata import per_partition, preview, range_totals
from lab_pipelines.defs.resources import LocalModelsResource, StoreResource, TelemetryResource
from lab_pipelines.defs.step_options import OLLAMA_STEP
from lab_pipelines.defs.telemetry import observe_step
from lab_pipelines.settings import current_settings
from lab_pipelines.stages.summarize import summarize_documents
from lab_pipelines.text.fingerprints import SUMMARY_PROMPT_VERSION


@dg.asset(
    **PER_DOCUMENT,
    **OLLAMA_STEP,
    deps=[documents],
    group_name="summarize",
    kinds={"ollama", "lancedb"},
    code_version=f"{SUMMARY_PROMPT_VERSION}:{current_settings().summary_model}",
    check_specs=partition_check_specs("summaries"),
    description=(
        "One summary per document in LanceDB `summaries`, in the document's language: 3-5 "
        "sentences from LAB_SUMMARY_MODEL (EXAONE-3.5 by default) through Ollama, map-reduce "
        "when the text does not fit LAB_NUM_CTX; or, offline, up to three of the document's own "
        "sentences. Keyed by text hash + model + prompt version: an unchanged key is reused."
    ),
)
def summaries(
    context: dg.AssetExecutionContext,
    local_models: LocalModelsResource,
    store: StoreResource,
    telemetry: TelemetryResource,
) -> Iterator[dg.MaterializeResult | dg.Output | dg.AssetCheckEvaluation]:
    summarizer = local_models.summarizer()
    parallel = local_models.parallel if summarizer.backend != "offline" else 1
    store = store.open()
    keys = context.partition_keys
    report = summarize_documents(store, summarizer, keys, parallel)
    observed = observe_step(
        context, telemetry, store, summarizer, documents=len(report.written), seconds=report.seconds
    )
    # Every partition shows its own summary, new or reused (the range's totals are labelled).
    per_partition(
        context,
        {
            doc_id: {"preview": preview(row["summary"]), "summary_model": row["model"]}
            for doc_id, row in store.summaries(keys).items()
        },
    )
    yield dg.MaterializeResult(
        metadata=range_totals(
            keys,
            {
                **observed,
                "summarised": len(report.written),
                "reused": len(report.reused),
                "removed": len(report.removed),
                "map_reduce_documents": sum(1 for s in report.written.values() if s.parts > 1),
                "seconds": round(report.seconds, 3),
            },
        )
    )
    yield from partition_check_results(context, store)
