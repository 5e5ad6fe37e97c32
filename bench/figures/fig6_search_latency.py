"""Figure 6: hybrid search latency (p50 / p95) at 10k-1M chunk rows, flat and indexed."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from harness import HERE, PYTHON, Bench, Figure

from figures.backfills import OfflineBackfill


def _entry_rows(entry: dict, dim: str, command: str) -> list[Figure]:
    n = entry["rows"]
    at_target = n == 100_000
    target = "p50 ≤ 30 ms" if at_target else ""
    flat_ok = entry["hybrid_flat_ms"][0] <= 30 if at_target else None
    if entry["indexes"]:  # the store indexes this size: the flat figure is for scale
        flat_ok, target = None, "(for scale)"
    out = [
        Figure(
            "6",
            f"hybrid search p50 / p95 at {n:,} chunks ({dim}-d), flat vector search (no vector "
            "index)",
            f"{entry['hybrid_flat_ms'][0]} / {entry['hybrid_flat_ms'][1]} ms (FTS alone "
            f"{entry['fts_ms'][0]} / {entry['fts_ms'][1]}, vector flat "
            f"{entry['vector_flat_ms'][0]} / {entry['vector_flat_ms'][1]}); FTS index build "
            f"{entry['fts_build_s']} s",
            target,
            flat_ok,
            command,
        )
    ]
    for index in entry["indexes"]:
        recall_ok = index["recall@10"] >= 0.95
        out.append(
            Figure(
                "6",
                f"with vector index {index['index']} at {n:,} ({dim}-d)",
                f"hybrid p50 / p95 {index['hybrid_ms'][0]} / {index['hybrid_ms'][1]} ms, vector "
                f"{index['vector_ms'][0]} / {index['vector_ms'][1]} ms, ANN recall@10 "
                f"{index['recall@10']:.3f}, build {index['build_s']} s",
                "p50 ≤ 30 ms, recall@10 ≥ 0.95" if at_target else "recall@10 ≥ 0.95",
                (index["hybrid_ms"][0] <= 30 and recall_ok) if at_target else recall_ok,
                command,
            )
        )
    return out


def rows(b: Bench, offline: OfflineBackfill | None, row_counts: str, *, big: bool) -> list[Figure]:
    """`row_counts`: comma-separated table sizes (1024-d); big: 1,000,000 rows of 512-d."""
    texts_from = offline.data / "lancedb" if offline else None
    out: list[Figure] = []
    for dim, counts in [("512", "1000000")] if big else [("1024", row_counts)]:
        argv = [PYTHON, str(HERE / "retrieval.py"), "speed", "--rows", counts, "--dim", dim]
        argv += ["--work", str(b.work / "speed")]
        if texts_from is not None and (texts_from / "chunks.lance").exists():
            argv += ["--texts-from", str(texts_from)]
        if big:
            argv += ["--queries", "15"]
        shown = " ".join(shlex.quote(a) for a in argv[1:])
        command = f"{Path(PYTHON).name} " + shown.replace(str(HERE), "bench").replace(
            str(b.work), "$WORK"
        )
        env = {**os.environ, "PYTHONPATH": str(b.project)}
        result, error = b.last_json(argv, env, f"retrieval-speed-{dim}")
        if result is None:
            name = f"retrieval speed {counts} x {dim}"
            out.append(Figure("6", name, f"failed: {error}", passed=False, command=command))
            continue
        for entry in result["speed"]:
            out += _entry_rows(entry, dim, command)
    return out
