"""The daily digest's schedule: yesterday's digest, after the night backfill has run."""

import dagster as dg

from lab_pipelines.defs.generate.assets import daily_digest
from lab_pipelines.defs.ingest.schedules import local_day
from lab_pipelines.defs.step_options import LAB_SCHEDULE
from lab_pipelines.settings import current_settings

_SETTINGS = current_settings()

daily_digest_job = dg.define_asset_job(
    "daily_digest_job", selection=dg.AssetSelection.assets(daily_digest)
)


@dg.schedule(
    job=daily_digest_job,
    cron_schedule=f"0 {_SETTINGS.digest_cron_hour} * * *",
    **LAB_SCHEDULE,
    description="Daily at LAB_DIGEST_HOUR (05:00 by default) in LAB_TIMEZONE: the digest of the "
    "day that just ended, hours after the night backfill (01:00 by default) started bringing "
    "summaries up to date; it does not wait for runs still going.",
)
def daily_digest_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    yesterday = local_day(context.scheduled_execution_time, days_back=1)
    return dg.RunRequest(run_key=f"digest:{yesterday}", partition_key=yesterday)
