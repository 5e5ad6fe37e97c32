"""embeddings: vectors of every chunk and summary, the index that retrieval searches."""

import dagster as dg

from lab_pipelines.defs.ingest.assets import DOCUMENT_BACKFILL, chunks
from lab_pipelines.defs.ingest.partitions import document_partitions
from lab_pipelines.defs.pools import OLLAMA_POOL
from lab_pipelines.defs.resources import LanceStoreResource, LocalModelsResource
from lab_pipelines.defs.summarize.assets import summaries
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
    description=(
        "Chunk and summary vectors in LanceDB `embeddings__<model>` (bge-m3 through Ollama's "
        "/api/embed, batched by count and characters, or the offline lexical embedding), with a "
        "Korean-aware n-gram full-text index. Vectors are reused per chunk by content key."
    ),
)
def embeddings(
    context: dg.AssetExecutionContext,
    local_models: LocalModelsResource,
    lance: LanceStoreResource,
) -> dg.MaterializeResult:
    embedder = local_models.embedder()
    report = embed_documents(lance.store(), embedder, context.partition_keys)
    return dg.MaterializeResult(
        metadata={
            "backend": embedder.backend,
            "model": embedder.model,
            "table": embeddings_table_name(embedder.model),
            "documents_updated": len(report.updated),
            "unchanged": len(report.unchanged),
            "removed": len(report.removed),
            "rows_written": report.rows,
            "texts_embedded": report.embedded,
            "vectors_reused": report.reused,
            "model_calls": embedder.counter.calls,
            "dimension": report.dim,
            "seconds": round(report.seconds, 3),
        }
    )
