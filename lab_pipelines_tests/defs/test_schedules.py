"""The night backfill and the daily digest, evaluated on a real instance after a real run."""

from datetime import UTC, datetime

import dagster as dg
from dagster._core.storage.dagster_run import DagsterRunStatus
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)
from dagster._core.test_utils import create_run_for_test

from lab_pipelines.defs.generate.assets import daily_digest
from lab_pipelines.defs.ingest.schedules import night_backfill
from lab_pipelines.defs.resources import LocalModelsResource, build_resources
from lab_pipelines.store import OUTPUTS, LabStore
from lab_pipelines_tests.runs import materialize_lab


def evaluate(lab, **overrides) -> list[dg.RunRequest] | dg.SkipReason:  # noqa: ANN001
    resources = {**build_resources(lab.settings, as_env_vars=False), **overrides}
    # Not closed here: like the CLI, the test process keeps the DAGSTER_HOME instance open.
    context = dg.build_schedule_context(
        instance=dg.DagsterInstance.get(),
        scheduled_execution_time=datetime(2026, 11, 27, 16, 0, tzinfo=UTC),
        resources={k: resources[k] for k in ("inbox", "lance", "local_models")},
    )
    return night_backfill(context)


def test_nothing_to_do_after_a_complete_run(lab):
    materialize_lab()
    result = evaluate(lab)
    assert (
        isinstance(result, dg.SkipReason) and "all 6 documents are current" in result.skip_message
    )


def test_a_new_embedding_model_makes_every_document_stale_in_one_batched_run(lab):
    materialize_lab()
    switched = LocalModelsResource(backend="live", embedding_model="qwen3-embedding")
    (request,) = evaluate(lab, local_models=switched)
    assert request.tags["lab/documents"] == "6"
    assert request.tags[ASSET_PARTITION_RANGE_START_TAG] == "en/gitops.rst"
    assert request.tags[ASSET_PARTITION_RANGE_END_TAG] == "ko/node-labels.md"
    assert request.run_key.startswith("night:2026-11-28:")  # 01:00 in Seoul


def test_a_file_edited_on_disk_is_picked_up_and_a_running_one_left_alone(lab):
    materialize_lab()
    for name in ("en/gitops.rst", "ko/backup.md"):
        path = lab.inbox / name
        path.write_text(path.read_text(encoding="utf-8") + "\n\nOne more line.\n", encoding="utf-8")
    (request,) = evaluate(lab)
    assert request.tags["lab/reasons"] == "changed on disk"
    assert request.tags["lab/documents"] == "2"
    create_run_for_test(
        dg.DagsterInstance.get(),
        job_name="document_pipeline",
        status=DagsterRunStatus.STARTED,
        tags={
            ASSET_PARTITION_RANGE_START_TAG: "ko/backup.md",
            ASSET_PARTITION_RANGE_END_TAG: "ko/backup.md",
        },
    )
    (request,) = evaluate(lab)  # the daytime run covers ko/backup.md: not processed twice
    assert request.tags["lab/documents"] == "1"
    assert request.tags[ASSET_PARTITION_RANGE_START_TAG] == "en/gitops.rst"


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
        resources={k: resources[k] for k in ("lance", "text_writer", "telemetry")},
        selection=[daily_digest],
    )
    assert result.success, today
    store = LabStore(lab.settings.lancedb_dir)
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
