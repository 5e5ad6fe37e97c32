"""LanceDB, the system of record: ``Store`` over the tables. Its parts are modules of their own,
imported by name: rows (the fixed tables' typed rows), vectors (the per-model vector tables),
table (locked writes), indexes (index policy), migrations, search and ranking."""

from lab_pipelines.store.search import Hit
from lab_pipelines.store.store import Store

__all__ = ["Hit", "Store"]
