"""One LanceDB table behind its writer lock: read, count, upsert, replace one document's rows.

Writes hold an exclusive file lock per table (one writer per table across the processes of
this host) because concurrent ``merge_insert`` calls on one table can commit duplicate rows.
A document's rows are replaced with one ``merge_insert`` whose
``when_not_matched_by_source_delete`` is scoped to that document, so readers see the old set
or the new set, never none and never both.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
from lancedb.db import DBConnection
from lancedb.table import Table

from lab_pipelines.store.filters import in_filter
from lab_pipelines.store.rows import Row, arrow_table


class LockedTable:
    """The table ``name`` of ``db``; ``schema`` is what it is created with on its first write."""

    def __init__(
        self, db: DBConnection, locks: Path, name: str, schema: pa.Schema | None = None
    ) -> None:
        self.db = db
        self.name = name
        self.schema = schema
        self._lock_path = locks / f"{name}.lock"

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the table's writer lock."""
        with open(self._lock_path, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def open(self) -> Table | None:
        """The table, or None while nothing was written to it."""
        if self.name in self.db.list_tables().tables:
            return self.db.open_table(self.name)
        return None

    def _open_or_create(self) -> Table:
        table = self.open()
        if table is not None:
            return table
        if self.schema is None:
            raise ValueError(f"table {self.name} does not exist and has no schema to create it")
        return self.db.create_table(self.name, schema=self.schema, exist_ok=True)

    def read(self, columns: list[str] | None = None, where: str | None = None) -> list[dict]:
        table = self.open()
        if table is None:
            return []
        query = table.search()
        if where:
            query = query.where(where)
        if columns:
            query = query.select(columns)
        return query.limit(None).to_arrow().to_pylist()

    def count(self, where: str | None = None) -> int:
        table = self.open()
        return 0 if table is None else table.count_rows(where)

    def upsert(self, key: str, rows: Sequence[Row]) -> None:
        """Insert ``rows``; a row whose ``key`` is stored replaces that row."""
        if rows:
            self._merge(key, rows, scope=None)

    def replace_scoped(self, key: str, doc_ids: Sequence[str], rows: Sequence[Row]) -> None:
        """Make ``rows`` the complete set of rows of ``doc_ids`` in ONE commit."""
        if doc_ids:
            self._merge(key, rows, scope=in_filter("doc_id", doc_ids))

    def _merge(self, key: str, rows: Sequence[Row], scope: str | None) -> None:
        """One merge_insert on ``key``; with ``scope``, stored rows it matches that ``rows``
        lack are deleted in the same commit."""
        with self.writing():
            merge = (
                self._open_or_create()
                .merge_insert(key)
                .when_matched_update_all()
                .when_not_matched_insert_all()
            )
            if scope is not None:
                merge = merge.when_not_matched_by_source_delete(scope)
            merge.execute(arrow_table(rows, self._write_schema()))

    def delete(self, where: str) -> None:
        if self.open() is None:
            return
        with self.writing():
            self.db.open_table(self.name).delete(where)

    def overwrite(self, rows: list[dict[str, Any]], schema: pa.Schema) -> None:
        """Rewrite the whole table as ``rows`` of ``schema`` (the caller holds the lock)."""
        self.db.create_table(self.name, pa.Table.from_pylist(rows, schema=schema), mode="overwrite")

    def _write_schema(self) -> pa.Schema:
        if self.schema is None:
            raise ValueError(f"writing to table {self.name} needs its schema")
        return self.schema
