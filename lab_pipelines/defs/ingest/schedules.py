"""The night backfill: every document that is missing, failed or stale, in a few ranged runs."""

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from lab_pipelines.batching import MAX_PARTITIONS_PER_RUN, covered
from lab_pipelines.defs.folder_sensor import ranged_run_requests, run_spans, runs_in_flight
from lab_pipelines.defs.ingest.out_of_date import out_of_date
from lab_pipelines.defs.ingest.partitions import document_partitions
from lab_pipelines.defs.jobs import document_pipeline
from lab_pipelines.defs.resources import InboxResource, LocalModelsResource, StoreResource
from lab_pipelines.defs.sensor_state import latest_index
from lab_pipelines.defs.step_options import LAB_SCHEDULE
from lab_pipelines.inbox import scan_inbox
from lab_pipelines.settings import current_settings

_SETTINGS = current_settings()


def local_day(moment: datetime, days_back: int = 0) -> str:
    """The calendar day of ``moment`` in the lab's timezone (Asia/Seoul), as YYYY-MM-DD."""
    local = moment.astimezone(ZoneInfo(_SETTINGS.schedule_timezone)) - timedelta(days=days_back)
    return local.strftime("%Y-%m-%d")


def partitions_in_flight(instance: dg.DagsterInstance, keys: list[str]) -> set[str]:
    """Documents a queued or running document_pipeline run already covers."""
    return covered(keys, run_spans(runs_in_flight(instance, document_pipeline.name)))


@dg.schedule(
    job=document_pipeline,
    cron_schedule=_SETTINGS.night_backfill_cron,
    **LAB_SCHEDULE,
    description=(
        "Each night (01:00 Asia/Seoul by default, LAB_NIGHT_BACKFILL_CRON): documents that are "
        "missing, failed, changed on disk or stale after a model, prompt or chunker change are "
        "re-run in ranges of up to 100; documents a daytime run already covers are left to it."
    ),
)
def night_backfill(
    context: dg.ScheduleEvaluationContext,
    inbox: InboxResource,
    store: StoreResource,
    local_models: LocalModelsResource,
) -> dg.SkipReason | list[dg.RunRequest]:
    keys = context.instance.get_dynamic_partitions(document_partitions.name)
    files = scan_inbox(Path(inbox.inbox_dir))
    index = latest_index(context.instance, "inbox_sensor")
    stale, looked_at = out_of_date(files, index, keys, inbox, store.open(), local_models)
    busy = partitions_in_flight(context.instance, keys)
    wanted = {doc_id for doc_id in stale if doc_id not in busy}
    if not wanted:
        return dg.SkipReason(f"all {looked_at} documents are current ({len(busy)} in flight)")
    night = local_day(context.scheduled_execution_time)
    reasons = sorted({stale[d] for d in wanted})
    return ranged_run_requests(
        keys,
        sorted(wanted),
        f"night:{night}",
        MAX_PARTITIONS_PER_RUN,
        {"lab/trigger": "night_backfill", "lab/reasons": ", ".join(reasons)[:200]},
    )
