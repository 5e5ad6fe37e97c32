"""Where the code location runs: the one place that decides local vs cluster.

LAB_PROFILE=local (default) runs every step in the run's own process; LAB_PROFILE=cluster makes
k8s_job_executor the default executor, so UI materialisations launch a pod per step too.
"""

from __future__ import annotations

import os

import dagster as dg

LOCAL = "local"
CLUSTER = "cluster"


def profile() -> str:
    value = os.environ.get("LAB_PROFILE", LOCAL).strip().lower() or LOCAL
    if value not in (LOCAL, CLUSTER):
        raise ValueError(f"LAB_PROFILE={value!r}: use 'local' or 'cluster'")
    return value


def executor() -> dg.ExecutorDefinition:
    if profile() == CLUSTER:
        from dagster_k8s import k8s_job_executor

        return k8s_job_executor
    # One process per run: the steps form a chain and each keeps Ollama busy by itself, so
    # subprocesses per step would only add start-up time (imports, Kiwi's model).
    return dg.in_process_executor
