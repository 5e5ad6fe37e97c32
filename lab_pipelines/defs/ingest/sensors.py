"""The inbox sensor: new, changed and deleted documents followed without anyone asking."""

import time
from pathlib import Path

import dagster as dg

from lab_pipelines.defs.ingest.batching import ranged_run_requests
from lab_pipelines.defs.ingest.partitions import document_partitions
from lab_pipelines.defs.jobs import document_pipeline
from lab_pipelines.defs.resources import (
    InboxResource,
    LanceStoreResource,
    LocalModelsResource,
    TelemetryResource,
)
from lab_pipelines.inbox import scan_inbox
from lab_pipelines.metrics import gauges_registry, push
from lab_pipelines.settings import load_settings
from lab_pipelines.watch import InboxState, diff_inbox

_SETTINGS = load_settings()


@dg.sensor(
    job=document_pipeline,
    minimum_interval_seconds=_SETTINGS.sensor_interval_s,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Scans the inbox: new or changed files are (re)materialised in ranged runs of up to 100 "
        "documents; deleted files lose their partition and their LanceDB rows. Files still "
        "being written wait for the next tick; a touched but unchanged file does nothing."
    ),
)
def inbox_sensor(
    context: dg.SensorEvaluationContext,
    inbox: InboxResource,
    lance: LanceStoreResource,
    local_models: LocalModelsResource,
    telemetry: TelemetryResource,
) -> dg.SensorResult:
    started = time.perf_counter()
    state = InboxState.decode(context.cursor)
    files = scan_inbox(Path(inbox.inbox_dir))
    changes, new_state = diff_inbox(files, state, settle_s=inbox.settle_s)
    if changes.deleted:
        lance.store().delete_documents(changes.deleted)
    known = context.instance.get_dynamic_partitions(document_partitions.name)
    known_set = set(known)
    added = [doc_id for doc_id in changes.new if doc_id not in known_set]
    gone = [doc_id for doc_id in changes.deleted if doc_id in known_set]
    order = [k for k in known if k not in set(gone)] + added  # the order after this tick
    run_requests = ranged_run_requests(order, changes.to_process, "inbox", changes.hashes)
    partition_requests = []
    if added:
        partition_requests.append(document_partitions.build_add_request(added))
    if gone:
        partition_requests.append(document_partitions.build_delete_request(gone))
    context.log.info(
        f"{len(files)} files: {len(changes.new)} new, {len(changes.changed)} changed, "
        f"{len(changes.deleted)} deleted, {len(changes.touched)} touched, "
        f"{len(changes.waiting)} waiting; {changes.hashed} hashed; {len(run_requests)} runs "
        f"in {time.perf_counter() - started:.2f} s"
    )
    if telemetry.pushgateway_url:
        done = context.instance.get_materialized_partitions(dg.AssetKey("embeddings"))
        backlog = len(set(order) - done - set(changes.to_process)) + len(changes.to_process)
        gauges = [
            ("inbox_documents", len(files)),
            ("backlog_documents", backlog + len(changes.waiting)),
        ]
        if local_models.backend != "offline":
            gauges.append(("inference_up", 1.0 if local_models.reachable() else 0.0))
        push(telemetry.pushgateway_url, "inbox_sensor", gauges_registry(gauges))
    return dg.SensorResult(
        run_requests=run_requests,
        dynamic_partitions_requests=partition_requests,
        cursor=new_state.encode(),
    )
