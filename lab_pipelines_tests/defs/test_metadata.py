"""A ranged step's metadata: each partition's materialisation shows its own document's facts,
and the range's totals are labelled as the range's.

The code location's own jobs run over the sample inbox (plus an empty file, skipped) and the
two sample requests, one ranged run each, as a ranged RunRequest's run does, on the instance
of DAGSTER_HOME; the materialisations are read back from that instance.
"""

from __future__ import annotations

import dagster as dg

from lab_pipelines.defs.dagster_private import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)
from lab_pipelines.inbox import request_files, scan_inbox
from lab_pipelines_tests.fixtures import Lab


def run_ranged(instance: dg.DagsterInstance, job: str, partitions: str, keys: list[str]) -> None:
    """Register ``keys`` and materialise them with ``job`` in one run over their range."""
    from lab_pipelines.definitions import defs

    instance.add_dynamic_partitions(partitions, keys)
    result = (
        defs()
        .resolve_job_def(job)
        .execute_in_process(
            instance=instance,
            tags={
                ASSET_PARTITION_RANGE_START_TAG: keys[0],
                ASSET_PARTITION_RANGE_END_TAG: keys[-1],
            },
        )
    )
    assert result.success


def _latest(instance: dg.DagsterInstance, asset: str, partition: str) -> dict:
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=[partition]), limit=1
    ).records
    assert records, f"{asset} {partition} was never materialised"
    return records[0].asset_materialization.metadata


def test_each_partition_of_a_ranged_step_shows_its_own_preview(lab: Lab) -> None:
    (lab.inbox / "ko" / "빈-파일.md").write_bytes(b"")  # skipped: empty
    store = lab.store()
    with dg.DagsterInstance.get() as instance:
        doc_ids = sorted(f.doc_id for f in scan_inbox(lab.inbox))
        run_ranged(instance, "document_pipeline", "documents", doc_ids)
        requests = request_files(lab.settings.requests)
        run_ranged(instance, "generation", "requests", sorted(r.doc_id for r in requests))
        ko, en = "ko/backup.md", "en/gitops.rst"
        ko_meta, en_meta = _latest(instance, "summaries", ko), _latest(instance, "summaries", en)
        # One run covered both documents...
        assert ko_meta["range"].value == en_meta["range"].value
        assert ko_meta["range"].value.endswith(f"({len(doc_ids)} partitions)")
        # ...yet each partition's preview is its own document's summary.
        summaries = store.summaries([ko, en])
        assert ko_meta["preview"].value == summaries[ko]["summary"]
        assert en_meta["preview"].value == summaries[en]["summary"]
        assert "백업" in ko_meta["preview"].value and "백업" not in en_meta["preview"].value
        # Totals are the range's, by name: six documents summarised, not this one.
        assert ko_meta["range_summarised"].value == len(doc_ids) - 1
        assert "summarised" not in ko_meta

        # A skipped file's reason is on its own partition only.
        skipped = {d["doc_id"]: d for d in store.read("documents") if d["status"] == "skipped"}
        assert list(skipped) == ["ko/빈-파일.md"]
        for doc_id, row in skipped.items():
            assert _latest(instance, "documents", doc_id)["skip_reason"].value == row["skip_reason"]
        parsed = _latest(instance, "documents", ko)
        assert "skip_reason" not in parsed and parsed["range_skipped"].value == len(skipped)

        # Requests too: both answered in one ranged step, each shows its own answer.
        for request in requests:
            question = request.path.read_text(encoding="utf-8").strip()
            meta = _latest(instance, "generated_outputs", request.doc_id)
            assert meta["preview"].value.startswith(f"# {question}\n"), meta["preview"].value[:200]


def test_a_question_asked_from_the_launchpad_shows_its_sources_with_scores(lab: Lab) -> None:
    """The run config the launchpad sends; the materialisation lists what retrieval offered."""
    from lab_pipelines.definitions import defs
    from lab_pipelines_tests.runs import materialize_lab

    materialize_lab()
    instance = dg.DagsterInstance.get()
    question = "노드에 테인트를 붙이는 방법"
    code_location = defs()
    result = dg.materialize(
        [code_location.resolve_assets_def("ad_hoc_output")],
        instance=instance,
        run_config={"ops": {"ad_hoc_output": {"config": {"question": question}}}},
    )
    assert result.success
    (materialization,) = result.asset_materializations_for_node("ad_hoc_output")
    sources = materialization.metadata["sources"].value.splitlines()
    assert sources[0].startswith("1. `ko/node-labels.md`")
    scores = [float(line.rsplit("(", 1)[1].rstrip(")")) for line in sources]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
