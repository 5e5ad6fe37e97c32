"""The inbox sensor: new, changed and deleted documents followed without anyone asking."""

import time
from pathlib import Path

import dagster as dg

from lab_pipelines.batching import MAX_PARTITIONS_PER_RUN
from lab_pipelines.defs.folder_sensor import begin
from lab_pipelines.defs.ingest.out_of_date import out_of_date
from lab_pipelines.defs.ingest.partitions import document_partitions
from lab_pipelines.defs.jobs import document_pipeline
from lab_pipelines.defs.resources import (
    InboxResource,
    LocalModelsResource,
    StoreResource,
    TelemetryResource,
)
from lab_pipelines.defs.sensor_state import catch_up_asked
from lab_pipelines.defs.step_options import FOLDER_SENSOR
from lab_pipelines.inbox import scan_inbox
from lab_pipelines.metrics import gauges_registry, push


@dg.sensor(
    job=document_pipeline,
    **FOLDER_SENSOR,
    description=(
        "Scans the inbox: new or changed files are (re)materialised in ranged runs of up to 100 "
        "documents; deleted files lose their partition and their LanceDB rows once no queued or "
        "running run covers them; a failed run's documents are asked for once more. Files still "
        "being written wait for the next tick; a touched but unchanged file does nothing. "
        "When `lab-pipelines run` asks, documents out of date in the store are re-run too."
    ),
)
def inbox_sensor(
    context: dg.SensorEvaluationContext,
    inbox: InboxResource,
    store: StoreResource,
    local_models: LocalModelsResource,
    telemetry: TelemetryResource,
) -> dg.SensorResult:
    started = time.perf_counter()
    files = scan_inbox(Path(inbox.inbox_dir))
    tick = begin(
        context,
        "inbox_sensor",
        "inbox",
        document_pipeline.name,
        document_partitions,
        files,
        inbox.settle_s,
    )
    if tick.deletable:
        store.open().delete_documents(tick.deletable)
    run_requests = tick.run_requests(MAX_PARTITIONS_PER_RUN)
    asked = catch_up_asked(context.instance, "inbox_sensor")
    if asked != tick.cursor.caught_up:
        stale, _ = out_of_date(files, tick.new_state, tick.order, inbox, store.open(), local_models)
        run_requests += tick.catch_up_requests(asked, sorted(stale), MAX_PARTITIONS_PER_RUN)
        context.log.info(f"catch-up {asked}: {len(stale)} documents out of date in the store")
    changes = tick.changes
    context.log.info(
        f"{len(files)} files: {len(changes.new)} new, {len(changes.changed)} changed, "
        f"{len(changes.deleted)} deleted ({len(tick.deletable)} removed, "
        f"{len(tick.new_state.deleting)} wait for a run), {len(changes.touched)} touched, "
        f"{len(changes.waiting)} waiting, {sum(len(k) for k, _ in tick.retries)} retried; "
        f"{changes.hashed} hashed; {len(run_requests)} runs at generation {tick.generation} "
        f"in {time.perf_counter() - started:.2f} s"
    )
    if telemetry.pushgateway_url:
        done = context.instance.get_materialized_partitions(dg.AssetKey("embeddings"))
        order = tick.order
        backlog = len(set(order) - done - set(changes.to_process)) + len(changes.to_process)
        gauges = [
            ("inbox_documents", len(files)),
            ("backlog_documents", backlog + len(changes.waiting)),
        ]
        if local_models.backend != "offline":
            gauges.append(("inference_up", 1.0 if local_models.reachable() else 0.0))
        push(telemetry.pushgateway_url, "inbox_sensor", gauges_registry(gauges))
    return tick.result(context, run_requests, tick.partition_requests(document_partitions))
