"""Dagster concurrency pools; their limits live in the instance configuration
(deployment/local/dagster.yaml locally, the Helm values in the cluster)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dagster import DagsterInstance

# Every step that sends requests to Ollama. Limit 1 step; each step keeps LAB_OLLAMA_PARALLEL
# requests in flight, so steps x requests = OLLAMA_NUM_PARALLEL slots, all kept busy.
OLLAMA_POOL = "ollama"
# The other LanceDB writers (documents, chunks, digests): one at a time.
LANCEDB_POOL = "lancedb"
POOLS = (OLLAMA_POOL, LANCEDB_POOL)


def ensure_pool_limits(instance: DagsterInstance) -> None:
    """Create the pools in the instance's storage with the configured ``default_limit``, before
    any run that uses them is queued.

    Dagster 1.13.27's run queue reads the limited pools once per dequeue pass and only then
    creates missing pools from ``default_limit``; a pool it had not read counts as unlimited for
    that pass. So on a fresh instance the first pass dequeued every queued run: two sensor runs
    had 4 Ollama requests in flight against 2 slots. A pool set by hand (``dagster instance
    concurrency set ollama 2``) is left alone, the rule the queue itself follows.
    """
    default_limit = instance.global_op_concurrency_default_limit
    storage = instance.event_log_storage
    if default_limit is None or not storage.supports_global_concurrency_limits:
        return  # no default: the pools are unlimited until someone sets them
    limits = {pool.name: pool for pool in storage.get_pool_limits()}
    for name in POOLS:
        known = limits.get(name)
        if known is None or (known.from_default and known.limit != default_limit):
            storage.initialize_concurrency_limit_to_default(name)
