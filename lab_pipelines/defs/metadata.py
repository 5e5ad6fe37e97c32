"""Small helpers that turn stage reports into metadata a person wants to read in the UI."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg


def counts_table(counts: Mapping[str, int], label: str) -> dg.MetadataValue:
    rows = "\n".join(f"| {key} | {value} |" for key, value in sorted(counts.items()))
    return dg.MetadataValue.md(f"| {label} | count |\n|---|---:|\n{rows}" if rows else "none")


def preview(text: str, limit: int = 1500) -> dg.MetadataValue:
    return dg.MetadataValue.md(text if len(text) <= limit else text[:limit] + " …")


# Telemetry entries true of every partition of a step; the rest are sums over the step.
_SAME_FOR_EVERY_PARTITION = ("backend", "model", "prices_read_on")


def range_totals(keys: Sequence[str], totals: Mapping[str, Any]) -> dict[str, Any]:
    """Metadata of a whole ranged step, which Dagster copies onto each of its partitions:
    labelled ``range_…`` so no partition's page passes the range's numbers off as its own."""
    span = f"{keys[0]} … {keys[-1]}" if len(keys) > 1 else (keys[0] if keys else "")
    labelled: dict[str, Any] = {"range": f"{span} ({len(keys)} partitions)"}
    for key, value in totals.items():
        labelled[key if key in _SAME_FOR_EVERY_PARTITION else f"range_{key}"] = value
    return labelled


def per_partition(context: dg.AssetExecutionContext, facts: Mapping[str, Mapping]) -> None:
    """Each partition's own facts onto its own materialisation (partition key → metadata).

    Dagster re-reads the dynamic partition set on every call, about 10-30 ms at a few
    thousand partitions, so assets pass only the facts a person reads per document.
    """
    for partition_key, metadata in facts.items():
        context.add_asset_metadata(metadata, partition_key=partition_key)
