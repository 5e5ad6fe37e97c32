"""Inbox sensor tick duration over a large inbox (a figure, not a test).

    python bench/sensor_tick.py --files 10000

Creates N small Markdown files in a temporary inbox, then times real sensor evaluations on a
real (temporary) Dagster instance: the first tick (every file new: all hashed), a quiet tick
(nothing changed), and a tick after 100 files were touched and 50 edited.
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

import dagster as dg

from lab_pipelines.defs.ingest.sensors import inbox_sensor
from lab_pipelines.defs.resources import (
    InboxResource,
    LocalModelsResource,
    StoreResource,
    TelemetryResource,
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, dg.instance_for_test() as instance:
        inbox = Path(tmp) / "inbox"
        old = time.time() - 3600
        for i in range(args.files):
            path = inbox / f"folder-{i // 500:02}" / f"doc-{i:05}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"# Document {i}\n\nSome text of document number {i}.\n" * 20)
            os.utime(path, (old, old))
        resources = {
            "inbox": InboxResource(inbox_dir=str(inbox), requests_dir=str(Path(tmp) / "r")),
            "store": StoreResource(data_dir=str(Path(tmp) / "data")),
            "local_models": LocalModelsResource(),
            "telemetry": TelemetryResource(),
        }
        cursor = None

        def tick(label: str) -> None:
            nonlocal cursor
            context = dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources)
            started = time.perf_counter()
            result = inbox_sensor(context)
            seconds = time.perf_counter() - started
            for request in result.dynamic_partitions_requests:
                if isinstance(request, dg.AddDynamicPartitionsRequest):
                    instance.add_dynamic_partitions(
                        request.partitions_def_name, request.partition_keys
                    )
            cursor = result.cursor
            print(
                f"{label:<28} {seconds:6.2f} s  runs={len(result.run_requests):<4} "
                f"cursor={len(cursor)} B"
            )

        print(f"{args.files} files, {os.cpu_count()} cores")
        tick("first tick (all new)")
        tick("quiet tick (no change)")
        for i in range(0, 100):
            path = inbox / f"folder-{i // 500:02}" / f"doc-{i:05}.md"
            os.utime(path, (old + 60, old + 60))  # touched only
        for i in range(5000, 5050):
            path = inbox / f"folder-{i // 500:02}" / f"doc-{i:05}.md"
            path.write_text(path.read_text() + "edited\n")
            os.utime(path, (old + 120, old + 120))
        tick("100 touched + 50 edited")


if __name__ == "__main__":
    main()
