"""One setting picks where runs execute: LAB_PROFILE.

``placement.executor()`` is evaluated inside ``lab_pipelines.definitions.defs()``, so the
variable is set before each call, as the Helm values set it in the code server and run pods.
"""

import dagster as dg
import pytest
from dagster_k8s import k8s_job_executor

from lab_pipelines import placement
from lab_pipelines.definitions import defs


def test_cluster_profile_loads_without_a_cluster_and_launches_a_pod_per_step(monkeypatch):
    monkeypatch.setenv("LAB_PROFILE", "cluster")

    definitions = defs()

    dg.Definitions.validate_loadable(definitions)
    executor = definitions.executor
    # dagster-k8s's executor, configured with the step bound the budget test relies on.
    assert executor.executor_creation_fn is k8s_job_executor.executor_creation_fn
    config = executor.apply_config_mapping({})
    assert config.success and config.value["config"]["max_concurrent"] == 2
    assert placement.MAX_CONCURRENT_STEPS == 2
    # Set at the Definitions level, so "Materialize" in the UI (the implicit asset job) and
    # every job of the code location, scheduled or sensor-launched, use it too.
    assert definitions.resolve_implicit_global_asset_job_def().executor_def is executor
    jobs = definitions.resolve_all_job_defs()
    assert jobs and all(job.executor_def is executor for job in jobs)


def test_local_profile_runs_every_step_in_the_run_process(monkeypatch):
    monkeypatch.delenv("LAB_PROFILE", raising=False)

    definitions = defs()

    assert placement.profile() == placement.LOCAL
    assert definitions.executor is dg.in_process_executor


def test_an_unknown_profile_is_refused_with_the_choices(monkeypatch):
    monkeypatch.setenv("LAB_PROFILE", "kubernetes")

    with pytest.raises(ValueError, match="use 'local' or 'cluster'"):
        placement.executor()
