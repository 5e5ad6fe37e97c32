"""summaries: what the inference node's EXAONE says each document is about."""

from collections.abc import Iterator

import dagster as dg

from lab_pipelines.defs.checks import partition_check_results, partition_check_specs
from lab_pipelines.defs.ingest.assets import DOCUMENT_BACKFILL, documents
from lab_pipelines.defs.ingest.partitions import document_partitions
from lab_pipelines.defs.metadata import per_partition, preview, range_totals
from lab_pipelines.defs.pools import OLLAMA_POOL
from lab_pipelines.defs.resources import LanceStoreResource, LocalModelsResource, TelemetryResource
from lab_pipelines.defs.telemetry import observe_step
from lab_pipelines.placement import INFERENCE_NODE, op_tags
from lab_pipelines.settings import load_settings
from lab_pipelines.stages.summarize import summarize_documents
from lab_pipelines.text.fingerprints import SUMMARY_PROMPT_VERSION


@dg.asset(
    partitions_def=document_partitions,
    backfill_policy=DOCUMENT_BACKFILL,
    deps=[documents],
    group_name="summarize",
    kinds={"ollama", "lancedb"},
    owners=["team:homelab"],
    pool=OLLAMA_POOL,
    op_tags=op_tags(INFERENCE_NODE),
    code_version=f"{SUMMARY_PROMPT_VERSION}:{load_settings().summary_model}",
    check_specs=partition_check_specs("summaries"),
    description=(
        "A 3-5 sentence summary per document in LanceDB `summaries`, in the document's language, "
        "from EXAONE-3.5 through Ollama (map-reduce for documents longer than num_ctx) or the "
        "offline extractive summariser. Keyed by text hash + model + prompt version."
    ),
)
def summaries(
    context: dg.AssetExecutionContext,
    local_models: LocalModelsResource,
    lance: LanceStoreResource,
    telemetry: TelemetryResource,
) -> Iterator[dg.MaterializeResult | dg.Output | dg.AssetCheckEvaluation]:
    summarizer = local_models.summarizer()
    parallel = local_models.parallel if summarizer.backend != "offline" else 1
    store = lance.store()
    keys = context.partition_keys
    report = summarize_documents(store, summarizer, keys, parallel)
    observed = observe_step(
        context,
        telemetry,
        lance,
        asset="summaries",
        backend=summarizer.backend,
        model=summarizer.model,
        counter=summarizer.counter,
        documents=len(report.written),
        seconds=report.seconds,
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
