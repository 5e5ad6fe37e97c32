"""What the project relies on of Dagster's private names (lab_pipelines/defs/dagster_private.py).

An upgrade that moves or changes one of them fails here, by name, instead of in a sensor tick.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import dagster as dg

from lab_pipelines.defs import dagster_private as private

letters = dg.DynamicPartitionsDefinition(name="letters")


@dg.asset(partitions_def=letters, backfill_policy=dg.BackfillPolicy.multi_run(10))
def seen(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"keys": ",".join(context.partition_keys)})


def test_the_range_tags_make_a_ranged_run_of_a_dynamic_partition_set():
    job = dg.define_asset_job("letters_job", selection=[seen])
    defs = dg.Definitions(assets=[seen], jobs=[job])
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("letters", ["a", "b", "c", "d"])
        result = defs.resolve_job_def("letters_job").execute_in_process(
            instance=instance,
            tags={
                private.ASSET_PARTITION_RANGE_START_TAG: "b",
                private.ASSET_PARTITION_RANGE_END_TAG: "c",
            },
        )
        assert result.success
        (materialized,) = {
            m.metadata["keys"].value for m in result.asset_materializations_for_node("seen")
        }
        assert materialized == "b,c"


def test_a_single_partition_request_is_named_by_the_partition_tag():
    request = dg.RunRequest(partition_key="a")
    assert request.partition_key == "a"
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("letters", ["a"])
        job = dg.define_asset_job("letters_job", selection=[seen])
        run = (
            dg.Definitions(assets=[seen], jobs=[job])
            .resolve_job_def("letters_job")
            .execute_in_process(instance=instance, partition_key="a")
        )
        assert instance.get_run_by_id(run.run_id).tags[private.PARTITION_NAME_TAG] == "a"


def test_tick_and_instigator_enums_have_the_members_the_cli_reads():
    assert {private.InstigatorType.SENSOR, private.InstigatorType.SCHEDULE}
    assert {s.value for s in private.TickStatus} >= {"STARTED", "SKIPPED", "SUCCESS", "FAILURE"}
    assert private.InstigatorStatus.STOPPED.value == "STOPPED"


def test_the_key_value_store_keeps_a_sensors_index_across_instances(tmp_path):
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        instance.daemon_cursor_storage.set_cursor_values({"lab_pipelines/x/index/1": "v1"})
        instance.daemon_cursor_storage.set_cursor_values({"lab_pipelines/x/index/1": "v2"})
    with dg.instance_for_test(temp_dir=str(tmp_path)) as again:
        keys = {"lab_pipelines/x/index/1", "lab_pipelines/x/index/0"}
        assert again.daemon_cursor_storage.get_cursor_values(keys) == {
            "lab_pipelines/x/index/1": "v2"
        }


def test_a_check_evaluation_can_point_at_the_materialization_it_judged():
    target = private.AssetCheckEvaluationTargetMaterializationData(
        storage_id=7, run_id="run", timestamp=1.0
    )
    evaluation = dg.AssetCheckEvaluation(
        asset_key=dg.AssetKey("seen"),
        check_name="c",
        passed=True,
        partition="a",
        target_materialization_data=target,
    )
    assert evaluation.target_materialization_data.storage_id == 7
    assert evaluation.partition == "a"


def test_set_defs_state_storage_is_a_context_manager():
    with private.set_defs_state_storage(None):
        pass


def test_a_sensors_stored_state_carries_its_cursor_as_instigator_data(tmp_path):
    """`lab-pipelines run` waits for the inbox sensor's cursor to echo its catch-up token, and
    reads it as ``state.instigator_data.cursor`` (lab_pipelines.daemon._caught_up). Set here by
    Dagster's own `dagster sensor cursor --set`, which stores it where a tick would."""
    (tmp_path / "defs.py").write_text(
        textwrap.dedent(
            """
            import dagster as dg

            @dg.asset
            def a() -> None: ...

            @dg.sensor(target=[a])
            def watch(context):
                return dg.SkipReason("nothing to do")

            defs = dg.Definitions(assets=[a], sensors=[watch])
            """
        )
    )
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    dagster = Path(sys.executable).with_name("dagster")
    subprocess.run(
        [str(dagster), "sensor", "cursor", "watch", "--set", '{"c": "t1"}', "-f", "defs.py"],
        cwd=tmp_path,
        env={**os.environ, "DAGSTER_HOME": str(home)},
        check=True,
        capture_output=True,
        timeout=120,
    )
    with dg.DagsterInstance.from_config(str(home)) as instance:
        (state,) = instance.all_instigator_state(instigator_type=private.InstigatorType.SENSOR)
        assert state.name == "watch"
        assert state.instigator_data.cursor == '{"c": "t1"}'
