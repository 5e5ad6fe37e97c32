"""The requests sensor: a new or edited request file gets its output (re)generated."""

from pathlib import Path

import dagster as dg

from lab_pipelines.defs.generate.partitions import request_partitions
from lab_pipelines.defs.jobs import generation
from lab_pipelines.defs.resources import InboxResource, LanceStoreResource
from lab_pipelines.inbox import request_files
from lab_pipelines.settings import load_settings
from lab_pipelines.watch import InboxState, diff_inbox

_SETTINGS = load_settings()


@dg.sensor(
    job=generation,
    minimum_interval_seconds=_SETTINGS.sensor_interval_s,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Materialises generated_outputs for each new or edited request file.",
)
def requests_sensor(
    context: dg.SensorEvaluationContext, inbox: InboxResource, lance: LanceStoreResource
) -> dg.SensorResult:
    state = InboxState.decode(context.cursor)
    files = request_files(Path(inbox.requests_dir))
    changes, new_state = diff_inbox(files, state, settle_s=inbox.settle_s)
    known = set(context.instance.get_dynamic_partitions(request_partitions.name))
    store = lance.store()
    for request_id in changes.deleted:
        store.delete_output(request_id)
    added = [r for r in changes.new if r not in known]
    gone = [r for r in changes.deleted if r in known]
    partition_requests = []
    if added:
        partition_requests.append(request_partitions.build_add_request(added))
    if gone:
        partition_requests.append(request_partitions.build_delete_request(gone))
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(partition_key=r, run_key=f"request:{r}:{changes.hashes[r]}")
            for r in changes.to_process
        ],
        dynamic_partitions_requests=partition_requests,
        cursor=new_state.encode(),
    )
