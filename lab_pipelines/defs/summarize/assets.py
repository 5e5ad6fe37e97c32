"""summaries: what the inference node's EXAONE says each document is about."""

import dagster as dg

from lab_pipelines.defs.ingest.assets import DOCUMENT_BACKFILL, documents
from lab_pipelines.defs.ingest.partitions import document_partitions
from lab_pipelines.defs.metadata import preview
from lab_pipelines.defs.pools import OLLAMA_POOL
from lab_pipelines.defs.resources import LanceStoreResource, LocalModelsResource
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
) -> dg.MaterializeResult:
    summarizer = local_models.summarizer()
    parallel = local_models.parallel if summarizer.backend != "offline" else 1
    report = summarize_documents(lance.store(), summarizer, context.partition_keys, parallel)
    first = next(iter(report.written.items()), None)
    return dg.MaterializeResult(
        metadata={
            "backend": summarizer.backend,
            "model": summarizer.model,
            "summarised": len(report.written),
            "reused": len(report.reused),
            "removed": len(report.removed),
            "model_calls": summarizer.counter.calls,
            "tokens_in": summarizer.counter.prompt_tokens,
            "tokens_out": summarizer.counter.output_tokens,
            "map_reduce_documents": sum(1 for s in report.written.values() if s.parts > 1),
            "seconds": round(report.seconds, 3),
            "preview": preview(f"**{first[0]}**\n\n{first[1].text}" if first else "no new summary"),
        }
    )
