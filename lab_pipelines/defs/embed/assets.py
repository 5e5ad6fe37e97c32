"""embeddings: vectors of every chunk and summary, the index that retrieval searches."""

from collections.abc import Iterator

import dagster as dg

from lab_pipelines.defs.checks import partition_check_results, partition_check_specs
from lab_pipelines.defs.ingest.assets import DOCUMENT_BACKFILL, chunks
from lab_pipelines.defs.ingest.partitions import document_partitions
from lab_pipelines.defs.metadata import range_totals
from lab_pipelines.defs.pools import OLLAMA_POOL
from lab_pipelines.defs.resources import LanceStoreResource, LocalModelsResource, TelemetryResource
from lab_pipelines.defs.summarize.assets import summaries
from lab_pipelines.defs.telemetry import observe_step
from lab_pipelines.placement import INFERENCE_NODE, op_tags
from lab_pipelines.settings import load_settings
from lab_pipelines.stages.embed import embed_documents
from lab_pipelines.store import embeddings_table_name


@dg.asset(
    partitions_def=document_partitions,
    backfill_policy=DOCUMENT_BACKFILL,
    deps=[chunks, summaries],
    group_name="embed",
    kinds={"ollama", "lancedb"},
    owners=["team:homelab"],
    pool=OLLAMA_POOL,
    op_tags=op_tags(INFERENCE_NODE),
    code_version=f"embeddings-1:{load_settings().embedding_model}",
    check_specs=partition_check_specs("embeddings"),
    description=(
        "Chunk and summary vectors in LanceDB `embeddings__<model>` (bge-m3 through Ollama's "
        "/api/embed, batched by count and characters, or the offline lexical embedding), with a "
        "full-text index of Korean stems (particles cut) and stemmed English words, headings "
        "as a boosted field. Vectors are reused per chunk by content key."
    ),
)
def embeddings(
    context: dg.AssetExecutionContext,
    local_models: LocalModelsResource,
    lance: LanceStoreResource,
    telemetry: TelemetryResource,
) -> Iterator[dg.MaterializeResult | dg.Output | dg.AssetCheckEvaluation]:
    embedder = local_models.embedder()
    store = lance.store()
    keys = context.partition_keys
    report = embed_documents(store, embedder, keys)
    observed = observe_step(
        context,
        telemetry,
        lance,
        asset="embeddings",
        backend=embedder.backend,
        model=embedder.model,
        counter=embedder.counter,
        documents=len(report.updated),
        seconds=report.seconds,
    )
    yield dg.MaterializeResult(
        metadata={
            "table": embeddings_table_name(embedder.model),
            **range_totals(
                keys,
                {
                    **observed,
                    "documents_updated": len(report.updated),
                    "unchanged": len(report.unchanged),
                    "removed": len(report.removed),
                    "rows_written": report.rows,
                    "texts_embedded": report.embedded,
                    "vectors_reused": report.reused,
                    "seconds": round(report.seconds, 3),
                },
            ),
            "dimension": report.dim,
        }
    )
    yield from partition_check_results(context, store, embedder.model)
