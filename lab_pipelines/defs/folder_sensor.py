"""One tick of a folder sensor (inbox or requests), on Dagster's own run keys and run storage.

A tick reads the file index of the cursor's generation, diffs the folder against it, and asks
for work at the next generation. Run keys carry that generation, so a file that is dropped,
deleted and dropped back, or edited and reverted, is a new run key each time, while a tick that
is evaluated twice asks for nothing twice. What a run covers is read from the runs themselves:
a document a queued or running run covers is not deleted under it (its partition would vanish
from the run's range), and a failed run's documents are asked for again on a later tick.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import dagster as dg

from lab_pipelines.batching import covered, ranges
from lab_pipelines.defs.dagster_private import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)
from lab_pipelines.defs.pools import ensure_pool_limits
from lab_pipelines.defs.sensor_state import SensorCursor, load_index, save_index
from lab_pipelines.inbox import InboxFile
from lab_pipelines.watch import InboxChanges, InboxState, diff_inbox

IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]
# A run that failed this many times is left to the night backfill: one retry after a transient
# fault (Ollama restarting, a node drained) is cheap; a third failure is a cause to look at.
MAX_ATTEMPTS = 2


def run_spans(runs: Sequence[dg.DagsterRun]) -> list[tuple[str, str]]:
    """The (first, last) partitions each run covers, from its range or partition tag."""
    spans = []
    for run in runs:
        if PARTITION_NAME_TAG in run.tags:
            key = run.tags[PARTITION_NAME_TAG]
            spans.append((key, key))
        elif ASSET_PARTITION_RANGE_START_TAG in run.tags:
            spans.append(
                (run.tags[ASSET_PARTITION_RANGE_START_TAG], run.tags[ASSET_PARTITION_RANGE_END_TAG])
            )
    return spans


def runs_in_flight(instance: dg.DagsterInstance, job_name: str) -> list[dg.DagsterRun]:
    return list(instance.get_runs(dg.RunsFilter(job_name=job_name, statuses=IN_PROGRESS)))


def ranged_run_requests(
    order: Sequence[str],
    keys: Sequence[str],
    run_key_prefix: str,
    max_span: int,
    tags: dict[str, str],
) -> list[dg.RunRequest]:
    """One run request per range of ``keys`` (see lab_pipelines.batching.ranges); the run key
    names the range, so the same request evaluated twice launches one run."""
    requests = []
    for span in ranges(order, keys, max_span):
        if max_span == 1:  # a single partition: RunRequest(partition_key=...) tags it itself
            span_tags, partition_key = {}, span[0]
        else:
            span_tags = {
                ASSET_PARTITION_RANGE_START_TAG: span[0],
                ASSET_PARTITION_RANGE_END_TAG: span[-1],
            }
            partition_key = None
        requests.append(
            dg.RunRequest(
                run_key=f"{run_key_prefix}:{span[0]}…{span[-1]}",
                partition_key=partition_key,
                tags={
                    **span_tags,
                    **tags,
                    "lab/documents": str(len(span)),
                    # A run whose worker and code server both died (power cut) holds the pools
                    # until run monitoring fails it: ~41 s a document at EXAONE speed, so 150 s
                    # a document, at least 15 min, frees the queue well before the 4 h default.
                    "dagster/max_runtime": str(max(900, 150 * len(span))),
                },
            )
        )
    return requests


@dataclass
class FolderTick:
    """What one tick found and what it will ask for; built by :func:`begin`."""

    sensor: str
    trigger: str  # run tag lab/trigger and run-key prefix
    cursor: SensorCursor
    state: InboxState
    new_state: InboxState
    changes: InboxChanges
    generation: int
    keys: list[str]  # the partition order before this tick
    busy: set[str]  # partitions a queued or running run covers
    retries: list[tuple[list[str], int]] = field(default_factory=list)  # keys, attempt
    failures_after: float = 0.0
    deletable: list[str] = field(default_factory=list)
    caught_up: str = ""  # the catch-up request this tick answers (or the cursor's last one)

    @property
    def order(self) -> list[str]:
        """The partition order after this tick's deletions and additions."""
        gone = set(self.deletable)
        known = set(self.keys)
        return [k for k in self.keys if k not in gone] + [
            k for k in self.changes.new if k not in known
        ]

    def partition_requests(
        self, partitions: dg.DynamicPartitionsDefinition
    ) -> list[dg.DynamicPartitionsRequest]:
        known = set(self.keys)
        added = [k for k in self.changes.new if k not in known]
        gone = [k for k in self.deletable if k in known]
        requests = []
        if added:
            requests.append(partitions.build_add_request(added))
        if gone:
            requests.append(partitions.build_delete_request(gone))
        return requests

    def run_requests(self, max_span: int, tags: dict[str, str] | None = None) -> list:
        """Ranged run requests for new and changed files, then for retried failures."""
        order = self.order
        requests = []
        for keys, attempt in [(self.changes.to_process, 1), *self.retries]:
            prefix = self.trigger if attempt == 1 else f"{self.trigger}-retry{attempt}"
            requests += ranged_run_requests(
                order,
                keys,
                f"{prefix}:g{self.generation}",
                max_span,
                {
                    "lab/trigger": self.trigger,
                    "lab/generation": str(self.generation),
                    "lab/attempt": str(attempt),
                    **(tags or {}),
                },
            )
        return requests

    def catch_up_requests(self, token: str, keys: Sequence[str], max_span: int) -> list:
        """Ranged run requests for documents out of date in the store, answering the catch-up
        request ``token``. They are the asker's last attempt: `lab-pipelines run` reports a
        failure at once instead of the sensor trying again."""
        self.caught_up = token
        wanted = set(keys) - self.busy - set(self.changes.to_process) - set(self.deletable)
        wanted -= {doc_id for retried, _ in self.retries for doc_id in retried}
        return ranged_run_requests(
            self.order,
            sorted(wanted),
            f"{self.trigger}-catch-up:{token}",
            max_span,
            {"lab/trigger": f"{self.trigger}-catch-up", "lab/attempt": str(MAX_ATTEMPTS)},
        )

    def result(
        self,
        context: dg.SensorEvaluationContext,
        run_requests: list,
        partition_requests: list,
    ) -> dg.SensorResult:
        """Save the index if it moved, and return the tick's result with a cursor of < 100 B."""
        generation = self.cursor.generation
        if self.new_state != self.state:
            save_index(context.instance, self.sensor, self.generation, self.new_state)
            generation = self.generation
        cursor = SensorCursor(
            generation,
            max(self.failures_after, self.cursor.failures_after),
            self.caught_up or self.cursor.caught_up,
        )
        return dg.SensorResult(
            run_requests=run_requests,
            dynamic_partitions_requests=partition_requests,
            cursor=cursor.encode(),
        )


def begin(
    context: dg.SensorEvaluationContext,
    sensor: str,
    trigger: str,
    job_name: str,
    partitions: dg.DynamicPartitionsDefinition,
    files: list[InboxFile],
    settle_s: float,
) -> FolderTick:
    """Diff ``files`` against the index, decide deletions and retries."""
    instance = context.instance
    ensure_pool_limits(instance)  # before this tick queues a run that needs them
    cursor = SensorCursor.decode(context.cursor)
    state = load_index(instance, sensor, cursor.generation)
    generation = cursor.generation + 1
    changes, new_state = diff_inbox(files, state, settle_s=settle_s, generation=generation)
    keys = instance.get_dynamic_partitions(partitions.name)
    busy = covered(keys, run_spans(runs_in_flight(instance, job_name)))
    tick = FolderTick(sensor, trigger, cursor, state, new_state, changes, generation, keys, busy)
    for doc_id in changes.deleted:
        new_state.deleting[doc_id] = generation
    tick.deletable = sorted(d for d in new_state.deleting if d not in busy)
    for doc_id in tick.deletable:
        del new_state.deleting[doc_id]
    if cursor.generation == 0:
        # A first tick (or a reset cursor): failures of earlier runs belong to an index that
        # is gone, so look only at what fails from now on.
        tick.failures_after = datetime.now(UTC).timestamp()
    else:
        _plan_retries(instance, tick, job_name)
    return tick


def _plan_retries(instance: dg.DagsterInstance, tick: FolderTick, job_name: str) -> None:
    """Documents of runs this sensor launched that failed since the last look, asked for again
    (stamped with the new generation) unless they changed, went away, or failed too often."""
    after = datetime.fromtimestamp(tick.cursor.failures_after, UTC)
    records = instance.get_run_records(
        dg.RunsFilter(
            job_name=job_name,
            statuses=[dg.DagsterRunStatus.FAILURE],
            tags={"lab/trigger": tick.trigger},
            updated_after=after,
        )
    )
    present = tick.new_state.files
    claimed = set(tick.changes.to_process)
    for record in sorted(records, key=lambda r: r.update_timestamp.timestamp()):
        run = record.dagster_run
        tick.failures_after = max(tick.failures_after, record.update_timestamp.timestamp())
        attempt = int(run.tags.get("lab/attempt", "1"))
        generation = int(run.tags.get("lab/generation", "-1"))
        span = covered(tick.keys, run_spans([run]))
        docs = [
            d
            for d, entry in present.items()
            if entry[3] == generation and (not span or d in span) and d not in claimed
        ]
        if not docs:
            continue
        if attempt >= MAX_ATTEMPTS:
            continue  # the night backfill picks them up; the failed run shows why in the UI
        for doc_id in docs:
            size, mtime, content, _ = present[doc_id]
            present[doc_id] = (size, mtime, content, tick.generation)
        claimed.update(docs)
        tick.retries.append((sorted(docs), attempt + 1))
