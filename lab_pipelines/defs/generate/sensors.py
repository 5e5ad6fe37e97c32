"""The requests sensor: a new or edited request file gets its output (re)generated."""

from pathlib import Path

import dagster as dg

from lab_pipelines.batching import MAX_PARTITIONS_PER_RUN
from lab_pipelines.defs.folder_sensor import begin, runs_in_flight
from lab_pipelines.defs.generate.partitions import request_partitions
from lab_pipelines.defs.jobs import document_pipeline, generation
from lab_pipelines.defs.resources import InboxResource, StoreResource
from lab_pipelines.defs.sensor_state import latest_index, unindexed
from lab_pipelines.defs.step_options import FOLDER_SENSOR
from lab_pipelines.inbox import request_files, scan_inbox


@dg.sensor(
    job=generation,
    **FOLDER_SENSOR,
    description=(
        "Materialises generated_outputs for each new or edited request file, once the inbox "
        "sensor has taken every document and no document run is queued or running (answers "
        "are written from a finished index); a deleted "
        "request loses its output, and a failed answer is asked for once more."
    ),
)
def requests_sensor(
    context: dg.SensorEvaluationContext, inbox: InboxResource, store: StoreResource
) -> dg.SensorResult | dg.SkipReason:
    ingesting = runs_in_flight(context.instance, document_pipeline.name)
    if ingesting:
        return dg.SkipReason(f"waiting for {len(ingesting)} document runs to finish")
    documents = scan_inbox(Path(inbox.inbox_dir))
    waiting = unindexed(documents, latest_index(context.instance, "inbox_sensor"))
    if waiting:
        return dg.SkipReason(f"waiting for the inbox sensor to take {len(waiting)} documents")
    files = request_files(Path(inbox.requests_dir))
    tick = begin(
        context,
        "requests_sensor",
        "requests",
        generation.name,
        request_partitions,
        files,
        inbox.settle_s,
    )
    store = store.open()
    for request_id in tick.deletable:
        store.delete_output(request_id)
    return tick.result(
        context,
        tick.run_requests(MAX_PARTITIONS_PER_RUN),
        tick.partition_requests(request_partitions),
    )
