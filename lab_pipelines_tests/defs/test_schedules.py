"""The night backfill through the real daemon, and the daily digest on a real instance."""

import shutil
import time
from datetime import UTC, datetime

import dagster as dg

from lab_pipelines.defs.dagster_private import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    InstigatorType,
)
from lab_pipelines.defs.generate.assets import daily_digest
from lab_pipelines.defs.resources import build_resources
from lab_pipelines.store import Store
from lab_pipelines.store.rows import OUTPUTS
from lab_pipelines_tests.daemon import dagster_dev
from lab_pipelines_tests.fixtures import SAMPLES
from lab_pipelines_tests.runs import materialize_lab


def schedule_ticks(home, name: str) -> list:  # noqa: ANN001
    """The finished ticks of schedule ``name``, newest first."""
    with dg.DagsterInstance.from_config(str(home)) as instance:
        states = instance.all_instigator_state(instigator_type=InstigatorType.SCHEDULE)
        state = next((s for s in states if s.name == name), None)
        if state is None:
            return []
        ticks = instance.get_ticks(state.instigator_origin_id, state.selector_id)
        return [t for t in ticks if t.status.value != "STARTED"]


def night_runs(home) -> list[dg.DagsterRun]:  # noqa: ANN001
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return list(instance.get_runs(dg.RunsFilter(tags={"lab/trigger": "night_backfill"})))


def test_the_night_backfill_finds_what_the_sensor_cannot_see(tmp_path):
    """Through the daemon, with the backfill's cron at every minute: after the sensor has taken
    the inbox the backfill finds nothing; after the chunk settings change (no file changed, so
    the sensor sees nothing) it re-runs all six documents in one ranged run, then nothing."""
    shutil.copytree(SAMPLES / "inbox", tmp_path / "inbox")
    every_minute = {"LAB_NIGHT_BACKFILL_CRON": "* * * * *", "LAB_SENSOR_INTERVAL_S": "3"}
    with dagster_dev(tmp_path, **every_minute) as dev:
        store = Store(dev.data / "lancedb")
        dev.wait_until(lambda: store.count("summaries") == 6, 300, "the sensor's run")
        since = time.time()
        dev.wait_until(
            lambda: [t for t in schedule_ticks(dev.home, "night_backfill") if t.timestamp > since],
            150,
            "a night_backfill tick",
        )
        tick = next(t for t in schedule_ticks(dev.home, "night_backfill") if t.timestamp > since)
        assert tick.status.value == "SKIPPED" and "all 6 documents are current" in (
            tick.skip_reason or ""
        ), tick
        assert night_runs(dev.home) == []

    rechunk = {**every_minute, "LAB_CHUNK_CHARS": "300", "LAB_CHUNK_OVERLAP_CHARS": "0"}
    with dagster_dev(tmp_path, **rechunk) as dev:
        (run,) = dev.wait_until(lambda: night_runs(dev.home), 150, "a night_backfill run")
        assert run.tags["lab/documents"] == "6"
        assert run.tags["lab/reasons"] == "chunker or chunk settings changed"
        assert run.tags[ASSET_PARTITION_RANGE_START_TAG] == "en/gitops.rst"
        assert run.tags[ASSET_PARTITION_RANGE_END_TAG] == "ko/node-labels.md"

        def finished() -> bool:
            with dg.DagsterInstance.from_config(str(dev.home)) as instance:
                return instance.get_run_by_id(run.run_id).is_finished

        dev.wait_until(finished, 300, "the night run to finish")
        with dg.DagsterInstance.from_config(str(dev.home)) as instance:
            assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.SUCCESS
        since = time.time()
        dev.wait_until(
            lambda: [t for t in schedule_ticks(dev.home, "night_backfill") if t.timestamp > since],
            150,
            "the next night_backfill tick",
        )
        assert len(night_runs(dev.home)) == 1  # the run made them current: nothing more


def test_the_daily_digest_cites_the_documents_of_the_day(lab):
    materialize_lab()
    today = datetime.now(UTC).astimezone().strftime("%Y-%m-%d")
    resources = build_resources(lab.settings, as_env_vars=False)
    instance = dg.DagsterInstance.get()
    seoul_today = dg.DailyPartitionsDefinition(
        start_date="2026-01-01", timezone="Asia/Seoul", end_offset=1
    ).get_last_partition_key()
    result = dg.materialize(
        [daily_digest],
        partition_key=seoul_today,
        instance=instance,
        resources={k: resources[k] for k in ("store", "text_writer", "telemetry")},
        selection=[daily_digest],
    )
    assert result.success, today
    store = Store(lab.settings.lancedb_dir)
    (digest,) = store.read(OUTPUTS, None, f"request_id = 'digest/{seoul_today}'")
    assert len(digest["cited_doc_ids"]) == 6
    assert (lab.settings.outputs_dir / "digest" / f"{seoul_today}.md").exists()


def test_the_digest_schedule_asks_for_the_seoul_day_that_just_ended():
    from lab_pipelines.defs.generate.schedules import daily_digest_schedule

    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 11, 27, 20, 0, tzinfo=UTC)  # 05:00 on the 28th
    )
    request = daily_digest_schedule(context)
    assert request.partition_key == "2026-11-27"
    assert request.run_key == "digest:2026-11-27"
