"""Jobs over the asset graph: the per-document pipeline and the generation step."""

import dagster as dg

from lab_pipelines.defs.checks import ON_DEMAND_CHECKS
from lab_pipelines.defs.embed.assets import embeddings
from lab_pipelines.defs.generate.assets import generated_outputs
from lab_pipelines.defs.ingest.assets import chunks, documents
from lab_pipelines.defs.summarize.assets import summaries

document_pipeline = dg.define_asset_job(
    "document_pipeline",
    # The store-wide invariant is run from the UI: a run covers only part of the inbox.
    selection=dg.AssetSelection.assets(documents, chunks, summaries, embeddings)
    - dg.AssetSelection.checks(*ON_DEMAND_CHECKS),
    description="documents → chunks, summaries → embeddings for a range of documents.",
)
generation = dg.define_asset_job(
    "generation",
    selection=dg.AssetSelection.assets(generated_outputs),
    description="Answer request files from the current index.",
)
