"""A SQLite event log that keeps its connections open, for the local Dagster instance.

Dagster's ``SqliteEventLogStorage`` builds a new SQLAlchemy engine and opens and closes a SQLite
connection for every event it stores. A ranged run over 100 documents stores a planned and a
materialisation event per document and asset (800 events per run), each written twice (run
shard and index shard); closing the last connection to a WAL database checkpoints it, so each
event cost ~10 ms, more than everything else the pipeline does for a document. This subclass
keeps one engine per shard with a small pool of open connections, and sets
``synchronous=NORMAL`` (safe with WAL: a power cut may lose the last commits, never corrupt the
database). Configured in ``deployment/local/dagster.yaml``; the cluster uses Postgres.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as db
from dagster import Field, StringSource
from dagster._core.events import ASSET_EVENTS
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from sqlalchemy.engine import Connection
from sqlalchemy.pool import QueuePool

OPEN_RUN_SHARDS = 4  # engines kept for recent runs; the index shard is always kept
# Dagster hands a ranged step's per-partition events (planned, materialised) to
# store_event_batch only when this is set; it reads it at every event.
EVENT_BATCH_SIZE = "1000"


def _tune(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    def __init__(self, base_dir: str | None = None, inst_data: Any = None) -> None:
        base_dir = base_dir or os.path.join(os.environ["DAGSTER_HOME"], "history", "runs")
        self._engines: OrderedDict[str, db.engine.Engine] = OrderedDict()
        self._engines_lock = threading.Lock()
        self._tables: set[str] = set()
        super().__init__(base_dir, inst_data)
        os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", EVENT_BATCH_SIZE)

    @classmethod
    def config_type(cls) -> dict:
        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data: Any, config_value: dict) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> db.engine.Engine:
        with self._engines_lock:
            engine = self._engines.get(shard)
            if engine is not None:
                self._engines.move_to_end(shard)
                return engine
            engine = db.create_engine(
                self.conn_string_for_shard(shard),
                poolclass=QueuePool,
                pool_size=2,
                max_overflow=4,
                connect_args={
                    "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                    "check_same_thread": False,
                },
            )
            db.event.listen(engine, "connect", _tune)
            self._engines[shard] = engine
            run_shards = [s for s in self._engines if s != "index"]
            for old in run_shards[:-OPEN_RUN_SHARDS]:
                self._engines.pop(old).dispose()
            return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def has_table(self, table_name: str) -> bool:
        # Asked once per stored asset event; the stock method opens a new engine each time.
        # Tables are only ever added (by migrations), so a yes is cached.
        if table_name in self._tables:
            return True
        with self._engine(INDEX_SHARD_NAME).connect() as conn:
            found = bool(conn.dialect.has_table(conn, table_name))
        if found:
            self._tables.add(table_name)
        return found

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        """One transaction per shard for each run of consecutive asset events in the batch (a
        ranged step's per-partition planned or materialisation events) instead of two per event;
        other events (asset check plans) are stored one by one, in order."""
        bulk: list[EventLogEntry] = []
        for event in events:
            if event.is_dagster_event and event.dagster_event_type in ASSET_EVENTS:
                bulk.append(event)
                continue
            self._store_asset_events(bulk)
            bulk = []
            self.store_event(event)
        self._store_asset_events(bulk)

    def _store_asset_events(self, events: Sequence[EventLogEntry]) -> None:
        if not events:
            return
        statements = [self.prepare_insert_event(event) for event in events]
        for run_id in dict.fromkeys(event.run_id for event in events):
            with self.run_connection(run_id) as conn:
                for event, statement in zip(events, statements, strict=True):
                    if event.run_id == run_id:
                        conn.execute(statement)
        with self.index_transaction() as conn:
            for event, statement in zip(events, statements, strict=True):
                event_id = conn.execute(statement).inserted_primary_key[0]
                self._store_asset_event_tags(conn, [event], [event_id])
                self._store_asset_event(conn, event, event_id)

    def delete_events(self, run_id: str) -> None:
        with self._engines_lock:
            engine = self._engines.pop(run_id, None)
        if engine is not None:
            engine.dispose()
        super().delete_events(run_id)

    def dispose(self) -> None:
        with self._engines_lock:
            engines, self._engines = list(self._engines.values()), OrderedDict()
        for engine in engines:
            engine.dispose()
        super().dispose()
