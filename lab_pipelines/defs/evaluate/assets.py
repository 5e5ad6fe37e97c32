"""Model evaluation as assets: one partition per candidate, one materialisation per
evaluation, its figures as metadata the UI plots; the leaderboard reads the latest of each."""

import dagster as dg

from lab_pipelines.defs.embed.assets import embeddings
from lab_pipelines.defs.evaluate import board, runner
from lab_pipelines.defs.evaluate.partitions import (
    embedding_candidates,
    summary_candidates,
    writer_candidates,
)
from lab_pipelines.defs.evaluate.resources import EvaluationResource
from lab_pipelines.defs.resources import (
    InboxResource,
    LocalModelsResource,
    StoreResource,
    TelemetryResource,
    TextWriterResource,
)
from lab_pipelines.defs.step_options import COMPUTE_STEP, OLLAMA_STEP
from lab_pipelines.defs.summarize.assets import summaries
from lab_pipelines.evaluation.candidates import EMBEDDING, SUMMARY, WRITER

_EVERY_DOCUMENT = dg.AllPartitionMapping()


def _evaluation(
    kind: str,
    name: str,
    partitions_def: dg.PartitionsDefinition,
    upstream: dg.AssetsDefinition,
    kinds: set[str],
    description: str,
) -> dg.AssetsDefinition:
    """One evaluation asset: its partition is the candidate, its metadata the figures."""

    @dg.asset(
        name=name,
        partitions_def=partitions_def,
        deps=[dg.AssetDep(upstream, partition_mapping=_EVERY_DOCUMENT)],
        kinds=kinds,
        code_version=f"{name}-1",
        description=description,
        group_name="evaluate",
        **OLLAMA_STEP,  # candidates run on node B like any Ollama step, never beside one
    )
    def _evaluate(
        context: dg.AssetExecutionContext,
        store: StoreResource,
        local_models: LocalModelsResource,
        text_writer: TextWriterResource,
        telemetry: TelemetryResource,
        evaluation: EvaluationResource,
    ) -> dg.MaterializeResult:
        resources = runner.EvalResources(store, local_models, text_writer, telemetry, evaluation)
        evaluate = runner.EVALUATE[kind]
        return dg.MaterializeResult(metadata=evaluate(context, context.partition_key, resources))

    return _evaluate


retrieval_eval = _evaluation(
    EMBEDDING,
    "retrieval_eval",
    embedding_candidates,
    embeddings,
    {"ollama", "lancedb"},
    "Recall@5, MRR@10 and nDCG@10 (overall and per language, vector and hybrid) of one "
    "embedding model on the evaluation set, with query latency and Ollama-measured speed. "
    "Runs on the model's own `embeddings__<model>` table: a new candidate embeds the store "
    "once, later evaluations only the questions.",
)
summary_eval = _evaluation(
    SUMMARY,
    "summary_eval",
    summary_candidates,
    summaries,
    {"ollama"},
    "One summary model on a fixed, seeded sample of documents: throughput from Ollama's own "
    "timings, resident memory from /api/ps, truncations and map-reduce splits, language and "
    "length, and a reference-free quality score (key-term coverage x no invented numbers or "
    "names), plus the optional Gemini judge under LAB_EVAL_JUDGE_USD.",
)
writer_eval = _evaluation(
    WRITER,
    "writer_eval",
    writer_candidates,
    embeddings,
    {"gemini"},
    "The evaluation set's questions answered under one Gemini setting (model@thinking "
    "budget) from the same retrieved sources: citation validity, whether a right document "
    "is cited, answer and thinking tokens, dollars per 1,000 answers, optional judge.",
)

EVAL_ASSETS = {EMBEDDING: retrieval_eval, SUMMARY: summary_eval, WRITER: writer_eval}


@dg.asset(
    deps=[dg.AssetDep(a, partition_mapping=dg.AllPartitionMapping()) for a in EVAL_ASSETS.values()],
    **COMPUTE_STEP,
    group_name="evaluate",
    kinds={"python"},
    code_version="leaderboard-1",
    description=(
        "Every candidate's latest evaluation side by side per kind, ranked on quality and on "
        "speed, with memory, node-B hours per 1,000 documents and dollars per 1,000 answers, "
        "and a recommendation against node B's 64 GB and tonight's backlog."
    ),
)
def model_leaderboard(
    context: dg.AssetExecutionContext,
    inbox: InboxResource,
    store: StoreResource,
    evaluation: EvaluationResource,
) -> dg.MaterializeResult:
    _, metadata = board.leaderboard(context.instance, inbox, store, evaluation)
    return dg.MaterializeResult(metadata=metadata)
