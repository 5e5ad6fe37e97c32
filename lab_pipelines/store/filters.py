"""LanceDB filter strings: the one place the store builds SQL, so callers never do."""

from __future__ import annotations

from collections.abc import Sequence


def sql_string(value: str) -> str:
    """A SQL string literal (single quotes: double quotes name a column in LanceDB filters)."""
    return "'" + value.replace("'", "''") + "'"


def in_filter(column: str, values: Sequence[str]) -> str:
    """``column`` is one of ``values`` (quotes in the values are escaped)."""
    return f"{column} IN ({', '.join(sql_string(v) for v in values)})"


def equals(column: str, value: str) -> str:
    return f"{column} = {sql_string(value)}"
