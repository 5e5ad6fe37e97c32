"""Adding a model to LAB_CANDIDATES adds a partition of its evaluation asset."""

import dagster as dg

from lab_pipelines.definitions import defs
from lab_pipelines.defs.dagster_private import set_defs_state_storage


def test_the_sensor_registers_the_configured_models_and_the_added_candidates(lab):
    lab.monkeypatch.setenv("LAB_CANDIDATES", "summary=offline-extractive-v1; writer=x@0")
    instance = dg.DagsterInstance.get()
    with set_defs_state_storage(instance.defs_state_storage):
        definitions = defs()
    sensor = definitions.resolve_sensor_def("candidate_sensor")
    with dg.build_sensor_context(instance=instance, resources=definitions.resources) as context:
        result = sensor(context)
    added = {
        r.partitions_def_name: list(r.partition_keys) for r in result.dynamic_partitions_requests
    }
    assert added == {
        "summary_candidates": ["offline-extractive-v1"],  # configured, listed once
        "embedding_candidates": ["offline-lexical-v1"],
        "writer_candidates": ["offline-extractive-answer-v1", "x@0"],
    }
