"""Figure 4: embedding requests are batched, within the batch caps."""

from __future__ import annotations

from harness import Figure

from figures.backfills import ZeroLatencyBackfill


def rows(zero: ZeroLatencyBackfill) -> list[Figure]:
    stats, command = zero.stats, zero.run.command
    texts = max(1, stats["embed_inputs"])
    requests = stats["embed_requests"]
    caps_ok = stats["embed_max_inputs"] <= 32 and stats["embed_max_chars"] <= 24_000
    return [
        Figure(
            "4",
            "/api/embed requests per embedded text (chunks + summaries)",
            f"{requests} / {stats['embed_inputs']} = 1/{texts / max(1, requests):.1f}",
            "≤ 1/16",
            requests / texts <= 1 / 16,
            command,
        ),
        Figure(
            "4",
            "largest /api/embed batch (inputs, characters)",
            f"{stats['embed_max_inputs']} inputs, {stats['embed_max_chars']} chars",
            "≤ 32 inputs and ≤ 24,000 chars (LAB_EMBED_BATCH_SIZE / _CHARS)",
            caps_ok,
            command,
        ),
    ]
