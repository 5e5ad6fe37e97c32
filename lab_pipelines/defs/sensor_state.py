"""Where a folder sensor keeps its file index: the instance's key-value store, not the cursor.

Dagster copies a sensor's cursor into every tick row (every 30 s, kept for days), so a cursor
holding the index of 10,000 files (~460 KiB) would write ~1.3 GB a day. The index goes into the
instance's own key-value table instead (`daemon_cursor_storage`, SQLite locally, Postgres in the
cluster), written only when it changes; the cursor holds just the generation, under 100 bytes.

Two slots, by generation parity: a tick that reads generation g writes g + 1 into the other slot
and returns cursor g + 1. If that tick is lost before Dagster commits its cursor, the next tick
reads slot g again, which is intact, and its run keys (which carry g + 1) are the same ones.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import dagster as dg

from lab_pipelines.inbox import InboxFile
from lab_pipelines.watch import InboxState


@dataclass(frozen=True)
class SensorCursor:
    generation: int = 0  # advanced by every tick that changes the index
    failures_after: float = 0.0  # failed runs updated before this were already retried
    caught_up: str = ""  # the last catch-up request (see ask_catch_up) this sensor answered

    def encode(self) -> str:
        data: dict = {"g": self.generation, "f": round(self.failures_after, 3)}
        if self.caught_up:
            data["c"] = self.caught_up
        return json.dumps(data)

    @classmethod
    def decode(cls, cursor: str | None) -> SensorCursor:
        try:
            data = json.loads(cursor or "{}")
            return cls(int(data.get("g", 0)), float(data.get("f", 0.0)), str(data.get("c", "")))
        except (ValueError, TypeError, AttributeError):
            return cls()  # a cursor of an older layout: start over


def ask_catch_up(instance: dg.DagsterInstance, sensor: str) -> str:
    """Ask ``sensor`` to re-run, on its next tick, every document the store does not hold as
    the settings want it (what the night backfill would do), and return the request's token:
    the sensor's cursor carries it once that tick is committed. `lab-pipelines run` asks, so
    that documents whose runs failed twice are not left until the night."""
    token = uuid.uuid4().hex[:8]
    instance.daemon_cursor_storage.set_cursor_values({_catch_up_key(sensor): token})
    return token


def catch_up_asked(instance: dg.DagsterInstance, sensor: str) -> str:
    """The newest catch-up request's token ("" when none was ever made)."""
    key = _catch_up_key(sensor)
    return instance.daemon_cursor_storage.get_cursor_values({key}).get(key) or ""


def _catch_up_key(sensor: str) -> str:
    return f"lab_pipelines/{sensor}/catch_up"


def _key(sensor: str, generation: int) -> str:
    return f"lab_pipelines/{sensor}/index/{generation % 2}"


def load_index(instance: dg.DagsterInstance, sensor: str, generation: int) -> InboxState:
    """The index as of ``generation`` (empty at generation 0 or when the slot has moved on)."""
    if generation == 0:
        return InboxState()
    raw = instance.daemon_cursor_storage.get_cursor_values({_key(sensor, generation)})
    stored = json.loads(raw.get(_key(sensor, generation)) or "{}")
    if stored.get("generation") != generation:
        return InboxState()  # wiped or overwritten storage: start over, fingerprints make it free
    return InboxState.decode(stored["index"])


def save_index(
    instance: dg.DagsterInstance, sensor: str, generation: int, state: InboxState
) -> None:
    payload = json.dumps({"generation": generation, "index": state.encode()})
    instance.daemon_cursor_storage.set_cursor_values({_key(sensor, generation): payload})


def latest_index(instance: dg.DagsterInstance, sensor: str) -> InboxState:
    """The newest index either slot holds, for readers other than the sensor itself (the night
    backfill): at worst one tick old, which only delays a document to the next tick."""
    raw = instance.daemon_cursor_storage.get_cursor_values({_key(sensor, 0), _key(sensor, 1)})
    slots = [json.loads(value) for value in raw.values() if value]
    if not slots:
        return InboxState()
    return InboxState.decode(max(slots, key=lambda s: s["generation"])["index"])


def unindexed(files: list[InboxFile], index: InboxState) -> list[str]:
    """What the sensor's index does not hold as the folder is now: new files, files changed
    since, and files gone but still indexed or waiting for deletion. Reads no file."""
    present = {f.doc_id for f in files}
    return [
        f.doc_id
        for f in files
        if (entry := index.files.get(f.doc_id)) is None or entry[:2] != (f.size, f.mtime_ns)
    ] + [doc_id for doc_id in [*index.files, *index.deleting] if doc_id not in present]
