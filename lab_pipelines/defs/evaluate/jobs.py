"""model_evaluation_job: every candidate of every kind in one run, then the leaderboard.

An asset job cannot span the three candidate partition sets (Dagster: "Selected assets must
have the same partitions definitions"), so this job's ops run the same evaluation steps as
the assets and record each result as a materialisation of that asset's partition: the UI's
history and plots see no difference. `lab-pipelines eval` runs this job.
"""

import dagster as dg

from lab_pipelines.defs.evaluate import board, runner
from lab_pipelines.defs.evaluate.resources import EvaluationResource
from lab_pipelines.defs.pools import OLLAMA_POOL
from lab_pipelines.defs.resources import (
    InboxResource,
    LocalModelsResource,
    StoreResource,
    TelemetryResource,
    TextWriterResource,
)
from lab_pipelines.evaluation.candidates import EMBEDDING, SUMMARY, WRITER
from lab_pipelines.models.candidates import NotRunnable
from lab_pipelines.placement import COMPUTE_NODE, INFERENCE_NODE, op_tags


class Selection(dg.Config):
    """Which candidates to evaluate; empty lists mean all of them."""

    kinds: list[str] = []
    candidates: list[str] = []


@dg.op(pool=OLLAMA_POOL, tags=op_tags(INFERENCE_NODE), out=dg.Out(dg.Nothing))
def evaluate_candidates(
    context: dg.OpExecutionContext,
    config: Selection,
    store: StoreResource,
    local_models: LocalModelsResource,
    text_writer: TextWriterResource,
    telemetry: TelemetryResource,
    evaluation: EvaluationResource,
) -> None:
    resources = runner.EvalResources(store, local_models, text_writer, telemetry, evaluation)
    candidates = runner.configured_candidates(evaluation)
    for added in runner.register_candidates(context.instance, candidates):
        context.log.info(f"new candidate partition {added}")
    # Embeddings first: a new embedding candidate's table is built before anything reads it.
    for kind in (EMBEDDING, SUMMARY, WRITER):
        if config.kinds and kind not in config.kinds:
            continue
        for candidate in candidates.of(kind):
            if config.candidates and candidate not in config.candidates:
                continue
            try:
                metadata = runner.EVALUATE[kind](context, candidate, resources)
            except NotRunnable as err:
                context.log.warning(f"skipped: {err}")
                continue
            context.log_event(
                dg.AssetMaterialization(
                    asset_key=runner.ASSET_OF[kind], partition=candidate, metadata=metadata
                )
            )


@dg.op(ins={"after": dg.In(dg.Nothing)}, tags=op_tags(COMPUTE_NODE))
def publish_leaderboard(
    context: dg.OpExecutionContext,
    inbox: InboxResource,
    store: StoreResource,
    evaluation: EvaluationResource,
) -> None:
    _, metadata = board.leaderboard(context.instance, inbox, store, evaluation)
    context.log_event(dg.AssetMaterialization(asset_key="model_leaderboard", metadata=metadata))


@dg.job(
    name="model_evaluation_job",
    description="Evaluate every model candidate (retrieval, summaries, Gemini settings), then "
    "rebuild model_leaderboard. Launch it from the Jobs page; `lab-pipelines eval` runs it too.",
)
def model_evaluation_job() -> None:
    publish_leaderboard(after=evaluate_candidates())
