"""The main job end to end with the offline backends: sample inbox → every asset → outputs."""

import json

from lab_pipelines.cli import main
from lab_pipelines.store import Store
from lab_pipelines.store.rows import CHUNKS, DOCUMENTS, OUTPUTS, SUMMARIES
from lab_pipelines_tests.fixtures import SAMPLE_DOC_IDS

EMBEDDINGS = "embeddings__offline_lexical_v1"


def test_run_materialises_every_asset_and_cites_real_documents(lab, capsys):
    main(["run"])
    printed = capsys.readouterr().out
    assert "outputs in" in printed

    store = Store(lab.settings.lancedb_dir)
    doc_ids = {d["doc_id"] for d in store.read(DOCUMENTS, ["doc_id"], "status = 'ok'")}
    assert doc_ids == SAMPLE_DOC_IDS
    n_chunks = store.count(CHUNKS)
    assert n_chunks >= len(doc_ids)
    assert store.count(SUMMARIES) == len(doc_ids)
    assert store.count(EMBEDDINGS) == n_chunks + len(doc_ids)  # chunks + one summary each

    korean = store.summaries(["ko/backup.md"])["ko/backup.md"]
    assert korean["lang"] == "ko" and "백업" in korean["summary"]

    outputs = {o["request_id"]: o for o in store.read(OUTPUTS)}
    assert set(outputs) == {"en-context.md", "ko-taint.md"}
    for output in outputs.values():
        assert output["cited_doc_ids"], output["markdown"]
        assert set(output["cited_doc_ids"]) <= doc_ids
        assert "## Sources" in output["markdown"]
    assert "ko/node-labels.md" in outputs["ko-taint.md"]["cited_doc_ids"]
    written = lab.settings.outputs_dir / "ko-taint.md"
    assert written.read_text(encoding="utf-8") == outputs["ko-taint.md"]["markdown"]
    assert str(written) in printed


def test_search_ranks_korean_for_korean_and_english_for_english(lab, capsys):
    main(["run"])
    capsys.readouterr()
    main(["search", "노드에 테인트 붙이기", "--k", "3", "--json"])
    korean = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert korean[0]["doc_id"] == "ko/node-labels.md"
    assert korean[0]["path"] == "ko/node-labels.md"
    assert [h["score"] for h in korean] == sorted((h["score"] for h in korean), reverse=True)

    main(["search", "parallel requests queue full", "--k", "3", "--json"])
    english = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert english[0]["doc_id"] == "en/ollama-inference-node.md"


def test_a_deleted_file_loses_its_rows_and_a_broken_file_is_skipped_with_a_reason(lab):
    main(["run"])
    (lab.inbox / "ko" / "backup.md").unlink()
    (lab.inbox / "en" / "empty.md").write_text("   \n")
    (lab.inbox / "en" / "tool.exe").write_bytes(b"MZ\x00\x01")
    main(["run"])
    store = Store(lab.settings.lancedb_dir)
    assert store.documents(["ko/backup.md"]) == []
    assert store.count(CHUNKS, "doc_id = 'ko/backup.md'") == 0
    assert store.count(EMBEDDINGS, "doc_id = 'ko/backup.md'") == 0
    skipped = {
        d["doc_id"]: d["skip_reason"] for d in store.read(DOCUMENTS, None, "status = 'skipped'")
    }
    assert "empty" in skipped["en/empty.md"]
    assert "unsupported" in skipped["en/tool.exe"]
