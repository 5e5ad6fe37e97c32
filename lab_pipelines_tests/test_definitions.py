import dagster as dg

from lab_pipelines.definitions import defs


def test_the_code_location_loads_with_every_asset_grouped_and_described():
    definitions = defs()
    dg.Definitions.validate_loadable(definitions)
    specs = {spec.key.to_user_string(): spec for spec in definitions.resolve_all_asset_specs()}
    assert set(specs) == {
        "documents",
        "chunks",
        "summaries",
        "embeddings",
        "generated_outputs",
        "ad_hoc_output",
        "daily_digest",
        "cost_ledger",
        "retrieval_eval",
        "summary_eval",
        "writer_eval",
        "model_leaderboard",
    }
    groups = {key: spec.group_name for key, spec in specs.items()}
    assert groups["summaries"] == "summarize" and groups["embeddings"] == "embed"
    for spec in specs.values():
        assert spec.description and spec.kinds and spec.code_version
    assert "ollama" in specs["summaries"].kinds and "gemini" in specs["generated_outputs"].kinds


def test_document_assets_run_ranges_in_one_step():
    definitions = defs()
    for key in ("documents", "chunks", "summaries", "embeddings"):
        assets_def = definitions.resolve_assets_def(key)
        assert assets_def.backfill_policy.max_partitions_per_run == 100


def test_sensors_and_schedules_are_on_by_default():
    definitions = defs()
    sensors = {s.name: s for s in definitions.sensors}
    schedules = {s.name: s for s in definitions.schedules}
    assert set(sensors) == {
        "inbox_sensor",
        "requests_sensor",
        "run_failure_metrics",
        "candidate_sensor",
    }
    assert set(schedules) == {"night_backfill", "daily_digest_schedule", "cost_ledger_schedule"}
    assert schedules["night_backfill"].execution_timezone == "Asia/Seoul"
    assert schedules["night_backfill"].cron_schedule == "0 1 * * *"
    for instigator in [*sensors.values(), *schedules.values()]:
        assert instigator.default_status.value == "RUNNING"
