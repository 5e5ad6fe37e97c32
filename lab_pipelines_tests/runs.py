"""The main jobs executed in-process over a lab, for tests about what the assets do.

Tests of the assets' behaviour under faults and bad inputs need the asset work and a real
instance, not the daemon: this runs the code location's own jobs with `execute_in_process`
(Dagster's testing idiom) over ranges of the inbox's partitions, as the sensors would ask.
How `lab-pipelines run` and the sensors decide what to run is tested through the real daemon
(`lab_pipelines_tests/defs/test_sensors.py`, `test_cli.py`).
"""

from __future__ import annotations

import os

import dagster as dg

from lab_pipelines.batching import MAX_PARTITIONS_PER_RUN, ranges
from lab_pipelines.cli import _instance
from lab_pipelines.daemon import root_cause
from lab_pipelines.defs.dagster_private import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)
from lab_pipelines.inbox import request_files, scan_inbox
from lab_pipelines.settings import load_settings
from lab_pipelines.store import Store

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def _sync(instance: dg.DagsterInstance, name: str, wanted: list[str]) -> list[str]:
    """Make the dynamic partitions ``name`` match ``wanted``; return the keys that went away."""
    known = instance.get_dynamic_partitions(name)
    new = [k for k in wanted if k not in set(known)]
    if new:
        instance.add_dynamic_partitions(name, new)
    gone = sorted(set(known) - set(wanted))
    for key in gone:
        instance.delete_dynamic_partition(name, key)
    return gone


def register_lab(instance: dg.DagsterInstance | None = None) -> tuple[list[str], list[str]]:
    """Make the partitions match the inbox and the requests folder, and drop the rows of what
    left, as the sensors' ticks do; returns (document ids, request ids). Runs that race over
    the same new files do so after one registration, as after a sensor tick: the instance's
    check-then-insert of new partitions is not atomic across processes."""
    settings = load_settings()
    instance = instance or _instance(settings)
    store = Store(settings.lancedb_dir)
    doc_ids = [f.doc_id for f in scan_inbox(settings.inbox)]
    request_ids = [f.doc_id for f in request_files(settings.requests)]
    store.delete_documents(_sync(instance, "documents", doc_ids))
    for request_id in _sync(instance, "requests", request_ids):
        store.delete_output(request_id)
    return doc_ids, request_ids


def materialize_lab(batch: int = MAX_PARTITIONS_PER_RUN) -> None:
    """Register the lab's inbox and requests, then run document_pipeline, generation and
    cost_report over every partition; raise SystemExit naming each failed step's cause."""
    from lab_pipelines.definitions import defs
    from lab_pipelines.defs.dagster_private import set_defs_state_storage

    instance = _instance(load_settings())
    doc_ids, request_ids = register_lab(instance)
    with set_defs_state_storage(instance.defs_state_storage):
        definitions = defs()
    for job_name, partitions, keys in (
        ("document_pipeline", "documents", doc_ids),
        ("generation", "requests", request_ids),
    ):
        job = definitions.resolve_job_def(job_name)
        order = instance.get_dynamic_partitions(partitions)  # a range is a span of this order
        for span in ranges(order, keys, batch):
            result = job.execute_in_process(
                instance=instance,
                run_config=QUIET,
                tags={
                    ASSET_PARTITION_RANGE_START_TAG: span[0],
                    ASSET_PARTITION_RANGE_END_TAG: span[-1],
                    "lab/trigger": "test",
                    "lab/pid": str(os.getpid()),
                },
                raise_on_error=False,
            )
            if not result.success:
                for event in result.all_events:
                    if event.is_step_failure:
                        cause = root_cause(event.event_specific_data.error)
                        print(f"    {event.step_key}: {cause}")
                raise SystemExit(f"run {result.run_id} failed; see the Dagster UI for its logs")
    definitions.resolve_job_def("cost_report").execute_in_process(
        instance=instance, run_config=QUIET
    )


if __name__ == "__main__":  # a lab run in its own process, for tests that kill or race it
    materialize_lab()
