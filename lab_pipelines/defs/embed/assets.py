"""embeddings: vectors of every chunk and summary, the index that retrieval searches."""

from collections.abc import Iterator

import dagster as dg

from lab_pipelines.defs.checks import partition_check_results, partition_check_specs
from lab_pipelines.defs.ingest.assets import chunks
from lab_pipelines.defs.ingest.partitions import PER_DOCUMENT
from lab_pipelines.defs.metadata import range_totals
from lab_pipelines.defs.resources import LocalModelsResource, StoreResource, TelemetryResource
from lab_pipelines.defs.step_options import OLLAMA_STEP
from lab_pipelines.defs.summarize.assets import summaries
from lab_pipelines.defs.telemetry import observe_step
from lab_pipelines.settings import current_settings
from lab_pipelines.stages.embed import embed_documents
from lab_pipelines.store.vectors import embeddings_table_name


@dg.asset(
    **PER_DOCUMENT,
    **OLLAMA_STEP,
    deps=[chunks, summaries],
    group_name="embed",
    kinds={"ollama", "lancedb"},
    code_version=f"embeddings-1:{current_settings().embedding_model}",
    check_specs=partition_check_specs("embeddings"),
    description=(
        "Chunk and summary vectors in LanceDB `embeddings__<model>`: LAB_EMBEDDING_MODEL (bge-m3 "
        "by default) through Ollama's /api/embed in batches capped by count and characters, or "
        "offline the lexical embedding. The same table is full-text indexed: Korean words with "
        "their particle or 하다/되다 ending cut by rule, English words without stop words "
        "(phrasal verbs joined) stemmed by the index's Snowball stemmer, and title + heading "
        "path as a field of their own. For the offline model, `latent__<model>` holds a "
        "cross-language latent index (an SVD of the index terms over rows and translated page "
        "pairs), rebuilt once a twentieth of the rows changed. A text already embedded under "
        "the same model reuses its stored vector."
    ),
)
def embeddings(
    context: dg.AssetExecutionContext,
    local_models: LocalModelsResource,
    store: StoreResource,
    telemetry: TelemetryResource,
) -> Iterator[dg.MaterializeResult | dg.Output | dg.AssetCheckEvaluation]:
    embedder = local_models.embedder()
    store = store.open()
    keys = context.partition_keys
    report = embed_documents(store, embedder, keys)
    observed = observe_step(
        context, telemetry, store, embedder, documents=len(report.updated), seconds=report.seconds
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
