"""What an evaluation reads besides the pipeline's own resources: its question file, the
size of summary_eval's sample and the judge's dollar cap (each a setting, defaults from
lab_pipelines/settings.py)."""

import dagster as dg

from lab_pipelines.defs.resources import SettingsResource, resource_from_settings, setting
from lab_pipelines.evaluation.candidates import candidates_for
from lab_pipelines.settings import current_settings


class EvaluationResource(SettingsResource):
    # The models the pipeline runs, as it keys them (offline: its stand-ins); always candidates.
    summary_model: str
    embedding_model: str
    writer_model: str
    candidates: str = setting("candidates")
    questions_file: str = setting("eval_questions", required=True)
    sample_docs: int = setting("eval_sample_docs")
    judge_usd: float = setting("eval_judge_usd")  # 0: no Gemini judge
    night_backfill_cron: str = setting("night_backfill_cron")
    digest_hour: int = setting("digest_cron_hour")


@dg.definitions
def evaluation_resources() -> dg.Definitions:
    settings = current_settings()
    configured = candidates_for(settings)
    return dg.Definitions(
        resources={
            "evaluation": resource_from_settings(
                EvaluationResource,
                settings,
                summary_model=configured.summary[0],
                embedding_model=configured.embedding[0],
                writer_model=configured.writer[0],
            )
        }
    )
