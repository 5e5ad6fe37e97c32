import dagster as dg

from lab_pipelines.defs.monitoring.assets import cost_ledger
from lab_pipelines.defs.step_options import LAB_SCHEDULE
from lab_pipelines.settings import current_settings

cost_report = dg.define_asset_job(
    "cost_report",
    selection=dg.AssetSelection.assets(cost_ledger),
    description="Rebuild the cost ledger from the usage ledger.",
)

_SETTINGS = current_settings()


@dg.schedule(
    job=cost_report,
    cron_schedule=f"30 {_SETTINGS.digest_cron_hour} * * *",
    **LAB_SCHEDULE,
    description="Daily at half past LAB_DIGEST_HOUR (05:30 by default), half an hour after the "
    "daily digest, so the ledger includes the digest's spend.",
)
def cost_ledger_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    return dg.RunRequest(run_key=f"cost-ledger:{context.scheduled_execution_time:%Y-%m-%d}")
