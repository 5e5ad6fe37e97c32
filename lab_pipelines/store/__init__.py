"""LanceDB, the system of record (moved into this package: lab_store)."""

from lab_pipelines.store.lab_store import *  # noqa: F403
