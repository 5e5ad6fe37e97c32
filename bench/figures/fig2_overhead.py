"""Figure 2: orchestration overhead, the backfill wall a document with no model time."""

from __future__ import annotations

from harness import Figure

from figures.backfills import OfflineBackfill, ZeroLatencyBackfill


def offline_rows(offline: OfflineBackfill) -> list[Figure]:
    run, docs = offline.run, offline.docs
    return [
        Figure(
            "2",
            "offline backends: batched backfill wall / document",
            f"{1000 * run.wall / docs:.0f} ms ({run.wall:.1f} s / {docs} docs, "
            f"{1000 * run.cpu / docs:.0f} ms CPU / document)",
            note="for scale: no model server at all",
            command=run.command,
        )
    ]


def overhead_rows(zero: ZeroLatencyBackfill) -> list[Figure]:
    run, docs = zero.run, zero.docs
    per_doc = 1000 * run.wall / docs
    return [
        Figure(
            "2",
            "orchestration overhead: batched backfill wall / document (zero-latency double)",
            f"{per_doc:.0f} ms ({run.wall:.1f} s / {docs} docs; the pipeline process used "
            f"{1000 * run.cpu / docs:.0f} ms CPU / document)",
            "≤ 50 ms",
            run.rc == 0 and per_doc <= 50,
            run.command,
        )
    ]


def rows(offline: OfflineBackfill, zero: ZeroLatencyBackfill) -> list[Figure]:
    return offline_rows(offline) + overhead_rows(zero)
