"""PDF files through parse_document; the PDFs are written by hand so the test needs no tools."""

import pytest

from lab_pipelines.text.parsing import SkippedDocument, parse_document, parse_documents


def make_pdf(*page_streams: bytes, title: str | None = None) -> bytes:
    """A minimal valid PDF: one Helvetica font and one content stream per page."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(page_streams)))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(page_streams)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, stream in enumerate(page_streams):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 200] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    if title:
        objects.append(b"<< /Title (%s) >>" % title.encode("latin-1"))
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    info = b" /Info %d 0 R" % len(objects) if title else b""
    pdf += b"trailer\n<< /Size %d /Root 1 0 R%s >>\n" % (len(objects) + 1, info)
    pdf += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(pdf)


def text_page(text: str) -> bytes:
    return b"BT /F1 12 Tf 20 150 Td (%s) Tj ET" % text.encode("latin-1")


def test_text_layer_pages_are_separated_by_a_blank_line():
    pdf = make_pdf(
        text_page("Hello from the lab notebook."),
        text_page("Backups run every night."),
        title="Lab Manual",
    )
    doc = parse_document("reports/manual.pdf", pdf)
    assert doc.text == "Hello from the lab notebook.\n\nBackups run every night."
    assert (doc.title, doc.format, doc.encoding) == ("Lab Manual", "pdf", "pdf")


def test_without_metadata_title_the_file_stem_is_the_title():
    doc = parse_document("audit-2024.pdf", make_pdf(text_page("Findings are listed below.")))
    assert doc.title == "audit-2024"


def test_a_pdf_without_text_layer_asks_for_ocr():
    scanned = make_pdf(b"0 0 m 300 150 l S", text_page("p. 1"))  # a line drawing and a label
    with pytest.raises(SkippedDocument) as skipped:
        parse_document("scan.pdf", scanned)
    assert skipped.value.reason.startswith("PDF has no text layer")
    assert "run OCR first" in skipped.value.reason


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4\n1 0 obj << /Type /Catalog >> and then nothing", b"not a pdf at all"],
    ids=["truncated", "not-a-pdf"],
)
def test_a_corrupt_pdf_is_skipped(data):
    with pytest.raises(SkippedDocument) as skipped:
        parse_document("broken.pdf", data)
    assert skipped.value.reason.startswith("corrupt PDF: ")


def test_a_page_with_one_word_per_line_is_reflowed_into_a_paragraph():
    sentence = "Some exporters place every single word of the page on its own line"
    moves = b" 0 -12 Td ".join(b"(%s) Tj" % word.encode() for word in sentence.split(" "))
    doc = parse_document("export.pdf", make_pdf(b"BT /F1 10 Tf 20 190 Td " + moves + b" ET"))
    assert doc.text == sentence


def test_several_pdfs_are_parsed_in_worker_processes_in_order():
    files = [
        ("a.pdf", make_pdf(text_page("The first report of the quarter"), title="Report A")),
        ("notes.md", b"# Notes\n\nA Markdown page between the PDFs.\n"),
        ("broken.pdf", b"%PDF-1.4 not really"),
        ("b.pdf", make_pdf(text_page("Second report, page one"), text_page("page two"))),
    ]
    results = parse_documents(files, workers=2)
    assert [r.title for r in results if not isinstance(r, SkippedDocument)] == [
        "Report A",
        "Notes",
        "b",
    ]
    assert results[0] == parse_document(*files[0])
    assert results[3].text == parse_document(*files[3]).text
    assert isinstance(results[2], SkippedDocument) and "corrupt PDF" in results[2].reason
