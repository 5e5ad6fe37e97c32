"""The inbox and requests sensors on a real DagsterInstance, tick by tick."""

import os
import time
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from lab_pipelines.defs.generate.sensors import requests_sensor
from lab_pipelines.defs.ingest.sensors import inbox_sensor
from lab_pipelines.defs.resources import (
    InboxResource,
    LanceStoreResource,
    LocalModelsResource,
    TelemetryResource,
)
from lab_pipelines.store import LabStore


class Inbox:
    """An inbox folder, a real instance, and the sensor ticking over them."""

    def __init__(self, root: Path, instance: dg.DagsterInstance, settle_s: int = 0) -> None:
        self.dir = root / "inbox"
        self.dir.mkdir()
        (root / "requests").mkdir()
        self.requests = root / "requests"
        self.data = root / "data"
        self.instance = instance
        self.cursor: str | None = None
        self.resources = {
            "inbox": InboxResource(
                inbox_dir=str(self.dir), requests_dir=str(self.requests), settle_s=settle_s
            ),
            "lance": LanceStoreResource(data_dir=str(self.data)),
            "local_models": LocalModelsResource(),
            "telemetry": TelemetryResource(),
        }

    def write(self, name: str, text: str, age_s: float = 60) -> Path:
        path = self.dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        stamp = time.time() - age_s
        os.utime(path, (stamp, stamp))
        return path

    def tick(self, sensor=inbox_sensor, cursor: str | None = None) -> dg.SensorResult:  # noqa: ANN001
        context = dg.build_sensor_context(
            instance=self.instance,
            cursor=self.cursor if cursor is None else cursor,
            resources=self.resources,
        )
        result = sensor(context)
        self.cursor = result.cursor
        for request in result.dynamic_partitions_requests or []:
            # What the sensor daemon does with the requests before launching the runs.
            if isinstance(request, dg.AddDynamicPartitionsRequest):
                self.instance.add_dynamic_partitions(
                    request.partitions_def_name, request.partition_keys
                )
            else:
                for key in request.partition_keys:
                    self.instance.delete_dynamic_partition(request.partitions_def_name, key)
        return result


@pytest.fixture
def inbox(tmp_path):  # noqa: ANN001, ANN201
    with dg.instance_for_test() as instance:
        yield Inbox(tmp_path, instance)


def ranges(result: dg.SensorResult) -> list[tuple[str, str]]:
    return [
        (r.tags[ASSET_PARTITION_RANGE_START_TAG], r.tags[ASSET_PARTITION_RANGE_END_TAG])
        for r in result.run_requests
    ]


def test_a_new_file_adds_a_partition_and_requests_its_run(inbox):
    inbox.write("ko/노드.md", "# 노드\n\n노드 B는 모델을 서빙한다.")
    result = inbox.tick()
    (add,) = result.dynamic_partitions_requests
    assert add.partition_keys == ["ko/노드.md"]
    assert ranges(result) == [("ko/노드.md", "ko/노드.md")]
    assert result.run_requests[0].run_key.startswith("inbox:ko/노드.md")


def test_changed_content_reruns_but_a_touch_does_nothing(inbox):
    path = inbox.write("a.md", "first version")
    inbox.tick()
    os.utime(path, (time.time() - 30, time.time() - 30))  # touched, same bytes
    assert inbox.tick().run_requests == []
    inbox.write("a.md", "second version")
    result = inbox.tick()
    assert ranges(result) == [("a.md", "a.md")]
    assert result.dynamic_partitions_requests == []  # the partition exists already
    first_key = result.run_requests[0].run_key
    inbox.write("a.md", "third version")
    assert inbox.tick().run_requests[0].run_key != first_key  # a new version, a new run key


def test_a_deleted_file_loses_its_partition_and_its_rows(inbox):
    inbox.write("gone.md", "to be deleted")
    inbox.tick()
    store = LabStore(inbox.data / "lancedb")
    store.upsert_documents([{"doc_id": "gone.md", "path": "gone.md", "status": "ok", "text": "x"}])
    (inbox.dir / "gone.md").unlink()
    result = inbox.tick()
    (delete,) = result.dynamic_partitions_requests
    assert isinstance(delete, dg.DeleteDynamicPartitionsRequest)
    assert delete.partition_keys == ["gone.md"]
    assert store.documents(["gone.md"]) == []
    assert inbox.instance.get_dynamic_partitions("documents") == []


def test_half_written_and_temporary_files_wait(tmp_path):
    with dg.instance_for_test() as instance:
        inbox = Inbox(tmp_path, instance, settle_s=30)
        inbox.write("big.pdf.part", "partial download", age_s=0)
        inbox.write("notes.md", "still being written", age_s=0)
        assert inbox.tick().run_requests == []  # too fresh: maybe still being copied
        result = inbox.tick()  # same size and mtime as last tick: settled
        assert ranges(result) == [("notes.md", "notes.md")]
        assert instance.get_dynamic_partitions("documents") == ["notes.md"]  # never the .part


def test_five_hundred_files_at_once_become_five_runs(inbox):
    for i in range(500):
        inbox.write(f"drop/doc-{i:03}.md", f"document number {i}")
    result = inbox.tick()
    assert len(result.run_requests) == 5
    assert ranges(result)[0] == ("drop/doc-000.md", "drop/doc-099.md")
    assert sum(int(r.tags["lab/documents"]) for r in result.run_requests) == 500


def test_a_repeated_tick_launches_nothing_twice(inbox):
    inbox.write("a.md", "text")
    before = inbox.cursor
    first = inbox.tick()
    # The same tick evaluated again (e.g. its cursor was not saved) asks for the same run key,
    # which the daemon will not launch twice; the next tick asks for nothing.
    again = inbox.tick(cursor=before or "")
    assert [r.run_key for r in again.run_requests] == [r.run_key for r in first.run_requests]
    assert inbox.tick().run_requests == []


def test_a_new_or_edited_request_file_generates_its_output(inbox):
    (inbox.requests / "q.md").write_text("What is node B for?")
    old = time.time() - 60
    os.utime(inbox.requests / "q.md", (old, old))
    result = inbox.tick(requests_sensor)
    (request,) = result.run_requests
    assert request.partition_key == "q.md" and request.run_key.startswith("request:q.md:")
    assert inbox.tick(requests_sensor).run_requests == []
    (inbox.requests / "q.md").write_text("What is node A for?")
    os.utime(inbox.requests / "q.md", (old + 5, old + 5))
    assert [r.partition_key for r in inbox.tick(requests_sensor).run_requests] == ["q.md"]
