"""Small helpers that turn stage reports into metadata a person wants to read in the UI."""

from __future__ import annotations

from collections.abc import Mapping

import dagster as dg


def counts_table(counts: Mapping[str, int], label: str) -> dg.MetadataValue:
    rows = "\n".join(f"| {key} | {value} |" for key, value in sorted(counts.items()))
    return dg.MetadataValue.md(f"| {label} | count |\n|---|---:|\n{rows}" if rows else "none")


def preview(text: str, limit: int = 1500) -> dg.MetadataValue:
    return dg.MetadataValue.md(text if len(text) <= limit else text[:limit] + " …")
