"""The local instance's event log keeps the same records as Dagster's own SQLite storage.

A ranged run over dynamic partitions is stored once by the stock ``SqliteEventLogStorage`` and
once by ``PooledSqliteEventLogStorage`` (batched per-partition events); what Dagster later
reads back (materialised partitions, planned and stored events, check results) must not differ.
"""

from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from lab_pipelines.event_log import PooledSqliteEventLogStorage

pages = dg.DynamicPartitionsDefinition(name="pages")
ranged = dg.BackfillPolicy.single_run()


@dg.asset(partitions_def=pages, backfill_policy=ranged)
def page_texts(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"pages": len(context.partition_keys)})


@dg.asset(partitions_def=pages, backfill_policy=ranged, deps=[page_texts])
def page_lengths(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"pages": len(context.partition_keys)})


@dg.asset_check(asset=page_lengths)
def lengths_are_positive() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


KEYS = [f"page-{n:03d}" for n in range(40)]
job = dg.define_asset_job("pages_job", [page_texts, page_lengths])
defs = dg.Definitions(
    assets=[page_texts, page_lengths], asset_checks=[lengths_are_positive], jobs=[job]
)


def _stored_records(instance: dg.DagsterInstance) -> dict:
    """What readers of the event log see after one ranged run over KEYS."""
    instance.add_dynamic_partitions("pages", KEYS)
    result = defs.resolve_job_def("pages_job").execute_in_process(
        instance=instance,
        tags={ASSET_PARTITION_RANGE_START_TAG: KEYS[0], ASSET_PARTITION_RANGE_END_TAG: KEYS[-1]},
    )
    assert result.success
    run_events = [
        e.dagster_event_type.value for e in instance.all_logs(result.run_id) if e.is_dagster_event
    ]
    seen: dict = {"run events": sorted(run_events)}
    for key in (page_texts.key, page_lengths.key):
        name = key.to_user_string()
        seen[f"{name} partitions"] = sorted(instance.get_materialized_partitions(key))
        stored = instance.fetch_materializations(key, limit=1000).records
        seen[f"{name} materialisations"] = sorted(r.partition_key for r in stored)
        planned = instance.event_log_storage.get_event_records(
            dg.EventRecordsFilter(dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED, key),
            limit=1000,
        )
        seen[f"{name} planned"] = sorted(r.partition_key for r in planned)
        latest = instance.get_latest_materialization_event(key)
        seen[f"{name} latest"] = latest.dagster_event.partition if latest else None
    return seen


@pytest.fixture
def stock():
    with dg.instance_for_test() as instance:
        yield instance


@pytest.fixture
def pooled(tmp_path: Path):
    storage = {
        "module": "lab_pipelines.event_log",
        "class": "PooledSqliteEventLogStorage",
        "config": {"base_dir": str(tmp_path / "pooled" / "history" / "runs")},
    }
    with dg.instance_for_test(overrides={"event_log_storage": storage}) as instance:
        assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
        yield instance


def test_a_ranged_run_reads_back_the_same_as_with_the_stock_storage(stock, pooled):
    expected = _stored_records(stock)
    assert expected["page_lengths partitions"] == KEYS  # the comparison is not of nothing
    assert _stored_records(pooled) == expected
