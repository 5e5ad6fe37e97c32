"""The night backfill: every document that is missing, failed or stale, in a few ranged runs."""

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
from dagster._core.storage.dagster_run import IN_PROGRESS_RUN_STATUSES, RunsFilter
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)

from lab_pipelines.defs.ingest.batching import ranged_run_requests
from lab_pipelines.defs.ingest.partitions import document_partitions
from lab_pipelines.defs.jobs import document_pipeline
from lab_pipelines.defs.resources import InboxResource, LanceStoreResource, LocalModelsResource
from lab_pipelines.inbox import scan_inbox
from lab_pipelines.settings import load_settings
from lab_pipelines.stages.freshness import stale_documents

_SETTINGS = load_settings()


def local_day(moment: datetime, days_back: int = 0) -> str:
    """The calendar day of ``moment`` in the lab's timezone (Asia/Seoul), as YYYY-MM-DD."""
    local = moment.astimezone(ZoneInfo(_SETTINGS.schedule_timezone)) - timedelta(days=days_back)
    return local.strftime("%Y-%m-%d")


def partitions_in_flight(instance: dg.DagsterInstance, keys: list[str]) -> set[str]:
    """Documents a queued or running document_pipeline run already covers."""
    index = {key: i for i, key in enumerate(keys)}
    busy: set[str] = set()
    runs = instance.get_runs(
        RunsFilter(job_name=document_pipeline.name, statuses=list(IN_PROGRESS_RUN_STATUSES))
    )
    for run in runs:
        if PARTITION_NAME_TAG in run.tags:
            busy.add(run.tags[PARTITION_NAME_TAG])
        start = run.tags.get(ASSET_PARTITION_RANGE_START_TAG)
        end = run.tags.get(ASSET_PARTITION_RANGE_END_TAG)
        if start in index and end in index:
            busy.update(keys[index[start] : index[end] + 1])
    return busy


@dg.schedule(
    job=document_pipeline,
    cron_schedule=_SETTINGS.night_backfill_cron,
    execution_timezone=_SETTINGS.schedule_timezone,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description=(
        "Each night (01:00 Asia/Seoul by default, LAB_NIGHT_BACKFILL_CRON): documents that are "
        "missing, failed, changed on disk or stale after a model, prompt or chunker change are "
        "re-run in ranges of up to 100; documents a daytime run already covers are left to it."
    ),
)
def night_backfill(
    context: dg.ScheduleEvaluationContext,
    inbox: InboxResource,
    lance: LanceStoreResource,
    local_models: LocalModelsResource,
) -> dg.SkipReason | list[dg.RunRequest]:
    keys = context.instance.get_dynamic_partitions(document_partitions.name)
    files = {f.doc_id: f for f in scan_inbox(Path(inbox.inbox_dir)) if f.doc_id in set(keys)}
    stale = stale_documents(
        lance.store(),
        files,
        summary_model=local_models.summary_model_name(),
        embedding_model=local_models.embedding_model_name(),
        chunk_chars=inbox.chunk_chars,
        chunk_overlap_chars=inbox.chunk_overlap_chars,
        max_bytes=inbox.max_file_mb * 1_000_000,
    )
    busy = partitions_in_flight(context.instance, keys)
    wanted = {doc_id for doc_id in stale if doc_id not in busy}
    if not wanted:
        return dg.SkipReason(f"all {len(files)} documents are current ({len(busy)} in flight)")
    night = local_day(context.scheduled_execution_time)
    reasons = sorted({stale[d] for d in wanted})
    return ranged_run_requests(
        keys,
        wanted,
        f"night:{night}",
        tags={"lab/trigger": "night_backfill", "lab/reasons": ", ".join(reasons)[:200]},
    )
