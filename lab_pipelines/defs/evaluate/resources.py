"""What an evaluation reads besides the pipeline's own resources: its question file, the
size of summary_eval's sample and the judge's dollar cap."""

import dagster as dg

from lab_pipelines.evaluation.candidates import candidates_for
from lab_pipelines.settings import load_settings


class EvaluationResource(dg.ConfigurableResource):
    # The models the pipeline runs, as it keys them (offline: its stand-ins); always candidates.
    summary_model: str
    embedding_model: str
    writer_model: str
    candidates: str = ""  # LAB_CANDIDATES: kind=name entries besides the configured models
    questions_file: str
    sample_docs: int = 12
    judge_usd: float = 0.0  # 0: no Gemini judge
    night_backfill_cron: str = "0 1 * * *"
    digest_hour: int = 5


@dg.definitions
def evaluation_resources() -> dg.Definitions:
    settings = load_settings()
    configured = candidates_for(settings)
    return dg.Definitions(
        resources={
            "evaluation": EvaluationResource(
                summary_model=configured.summary[0],
                embedding_model=configured.embedding[0],
                writer_model=configured.writer[0],
                candidates=settings.candidates,
                questions_file=str(settings.eval_questions),
                sample_docs=settings.eval_sample_docs,
                judge_usd=settings.eval_judge_usd,
                night_backfill_cron=settings.night_backfill_cron,
                digest_hour=settings.digest_cron_hour,
            )
        }
    )
