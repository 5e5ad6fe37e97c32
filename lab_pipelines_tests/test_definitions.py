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
