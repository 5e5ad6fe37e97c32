"""Bad inputs are refused or quarantined with a reason; good documents carry on untouched."""

import os
import unicodedata

import dagster as dg
from hypothesis import given, settings
from hypothesis import strategies as st

from lab_pipelines.text.chunking import chunk_text
from lab_pipelines.text.parsing import SkippedDocument, parse_document
from lab_pipelines_tests.fixtures import SAMPLE_DOC_IDS
from lab_pipelines_tests.runs import materialize_lab


def minimal_pdf_without_text() -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


def test_every_bad_input_is_refused_with_a_reason_and_the_good_ones_are_processed(lab):
    bad = lab.inbox / "bad"
    bad.mkdir()
    (bad / "empty.md").write_bytes(b"")
    (bad / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (bad / "invalid-utf8.md").write_bytes(b"caf\xe9 \xff\xfe\x00 broken \x80\x81")
    (bad / "legacy.txt").write_bytes(
        "한국어로 쓴 오래된 문서입니다. 인코딩은 CP949입니다.".encode("cp949")
    )
    nfd_name = unicodedata.normalize("NFD", "맥에서-만든-문서.md")
    (bad / nfd_name).write_text("# 맥\n\n맥에서 만든 파일 이름은 NFD로 저장된다.", encoding="utf-8")
    with open(bad / "huge.txt", "wb") as handle:  # 200 MB, sparse: never read, refused by size
        handle.truncate(200 * 1024 * 1024)
    (bad / "no-text.pdf").write_bytes(minimal_pdf_without_text())
    (bad / "corrupt.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage")
    scripts = "<script>steal()</script>" * 500
    (bad / "scripts.html").write_text(
        f"<html><head>{scripts}</head><body>{scripts}"
        "<p>Only this sentence is text.</p></body></html>"
    )
    (bad / 'it\'s a "quoted" name, 한글.md').write_text("# Quotes\n\nA name with quotes.")
    outside = lab.root / "outside-secret.md"
    outside.write_text("# Secret\n\nThis file is outside the inbox.")
    os.symlink(outside, bad / "link.md")
    lab.monkeypatch.setenv("LAB_MAX_FILE_MB", "50")

    instance = dg.DagsterInstance.get()
    instance.add_dynamic_partitions("documents", ["../outside-secret.md"])  # a hostile key

    materialize_lab()
    store = lab.store()
    rows = {d["doc_id"]: d for d in store.read("documents")}
    reason = {k: v["skip_reason"] for k, v in rows.items() if v["status"] == "skipped"}
    assert "empty" in reason["bad/empty.md"]
    assert "binary" in reason["bad/binary.txt"]
    assert "UTF-8" in reason["bad/invalid-utf8.md"]
    assert "LAB_MAX_FILE_MB" in reason["bad/huge.txt"]
    assert "OCR" in reason["bad/no-text.pdf"]
    assert "corrupt PDF" in reason["bad/corrupt.pdf"]
    assert (
        rows["bad/legacy.txt"]["status"] == "ok" and rows["bad/legacy.txt"]["encoding"] == "cp949"
    )
    assert "한국어로 쓴" in rows["bad/legacy.txt"]["text"]
    assert rows["bad/맥에서-만든-문서.md"]["status"] == "ok"  # the NFC id of an NFD name
    assert rows["bad/scripts.html"]["text"].strip().endswith("Only this sentence is text.")
    assert "steal" not in rows["bad/scripts.html"]["text"]
    quoted = next(k for k in rows if k.startswith("bad/it"))
    assert rows[quoted]["status"] == "ok"
    assert "bad/link.md" not in rows and "../outside-secret.md" not in rows  # never followed
    assert not any("outside the inbox" in (d["text"] or "") for d in rows.values())
    assert {k for k, v in rows.items() if v["status"] == "ok"} >= SAMPLE_DOC_IDS
    assert lab.invariant_problems() == []  # the good documents are complete and consistent
    n_skipped = len(reason)
    assert n_skipped == 6


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=4000), st.sampled_from([".md", ".txt", ".html", ".rst", ".adoc", ".mdx"]))
def test_the_parser_never_crashes_on_arbitrary_bytes(data, suffix):
    try:
        parsed = parse_document(f"doc{suffix}", data)
    except SkippedDocument as skipped:
        assert skipped.reason
    else:
        assert parsed.text.strip()
        assert parsed.text == unicodedata.normalize("NFC", parsed.text)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=5000), st.integers(min_value=200, max_value=1500))
def test_the_chunker_never_loses_text(text, max_chars):
    chunks = chunk_text(text, max_chars=max_chars, overlap_chars=max_chars // 5)
    joined = "".join("".join(c.search_text.split()) for c in chunks)
    for word in text.split():
        if word.lstrip("#"):
            assert word.lstrip("#") in joined or all(
                piece in joined for piece in word.lstrip("#")
            ), word
