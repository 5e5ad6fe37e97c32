"""summaries: what the inference node's EXAONE says each document is about."""

import dagster as dg

from lab_pipelines.defs.checks import result, spec
from lab_pipelines.defs.ingest.assets import DOCUMENT_BACKFILL, documents
from lab_pipelines.defs.ingest.partitions import document_partitions
from lab_pipelines.defs.metadata import preview
from lab_pipelines.defs.pools import OLLAMA_POOL
from lab_pipelines.defs.resources import LanceStoreResource, LocalModelsResource, TelemetryResource
from lab_pipelines.defs.telemetry import observe_step
from lab_pipelines.placement import INFERENCE_NODE, op_tags
from lab_pipelines.quality import empty_or_truncated_summaries, summary_language_mismatches
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
    check_specs=[
        spec(
            "summaries_not_empty_or_truncated",
            "summaries",
            "Every document has a non-empty summary made from its whole text (Ollama's "
            "prompt_eval_count not far below the prompt).",
            True,
        ),
        spec(
            "summary_language_matches_document",
            "summaries",
            "Korean documents get Korean summaries, English ones English.",
            False,
        ),
    ],
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
) -> dg.MaterializeResult:
    summarizer = local_models.summarizer()
    parallel = local_models.parallel if summarizer.backend != "offline" else 1
    store = lance.store()
    keys = context.partition_keys
    report = summarize_documents(store, summarizer, keys, parallel)
    first = next(iter(report.written.items()), None)
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
    return dg.MaterializeResult(
        metadata={
            **observed,
            "summarised": len(report.written),
            "reused": len(report.reused),
            "removed": len(report.removed),
            "map_reduce_documents": sum(1 for s in report.written.values() if s.parts > 1),
            "seconds": round(report.seconds, 3),
            "preview": preview(f"**{first[0]}**\n\n{first[1].text}" if first else "no new summary"),
        },
        check_results=[
            result(
                "summaries_not_empty_or_truncated",
                "summaries",
                empty_or_truncated_summaries(store, keys),
                "empty or truncated summaries",
            ),
            result(
                "summary_language_matches_document",
                "summaries",
                summary_language_mismatches(store, keys),
                "summaries in another language",
                blocking_severity=False,
            ),
        ],
    )
