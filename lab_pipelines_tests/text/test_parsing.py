"""parse_document: any supported file → ParsedDocument, or SkippedDocument with a reason.

Per-format details are in formats/; this file covers dispatch, encodings, the shared output
rules, and a run over the shared corpus beside the checkout.
"""

import codecs
import dataclasses
import unicodedata
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lab_pipelines.text import decoding
from lab_pipelines.text.parsing import (
    SUPPORTED_SUFFIXES,
    ParsedDocument,
    SkippedDocument,
    parse_document,
    parse_documents,
)


def test_supported_suffixes():
    assert SUPPORTED_SUFFIXES == {
        ".md": "markdown",
        ".markdown": "markdown",
        ".mdx": "mdx",
        ".rst": "rst",
        ".adoc": "asciidoc",
        ".asciidoc": "asciidoc",
        ".txt": "text",
        ".html": "html",
        ".htm": "html",
        ".pdf": "pdf",
        ".ipynb": "notebook",
        ".py": "python",
    }


def test_skipped_document_is_the_one_from_decoding():
    assert SkippedDocument is decoding.SkippedDocument


def test_a_markdown_file_is_parsed():
    doc = parse_document("docs/backup.md", "# 백업 안내\n\n매일 밤 **두 번** 백업한다.\n".encode())
    assert doc == ParsedDocument(
        title="백업 안내",
        text="# 백업 안내\n\n매일 밤 두 번 백업한다.",
        format="markdown",
        encoding="utf-8",
    )


def test_parsed_documents_are_frozen():
    doc = parse_document("a.txt", b"hello there")
    with pytest.raises(dataclasses.FrozenInstanceError):
        doc.text = "changed"  # type: ignore[misc]


def test_suffix_is_case_insensitive_and_directories_do_not_matter():
    doc = parse_document("Notes/2024/README.MD", b"Plain words without a heading.")
    assert (doc.format, doc.title) == ("markdown", "README")


def test_plain_text_keeps_its_lines_and_takes_the_stem_as_title():
    doc = parse_document("meeting-notes.txt", "첫 줄   \n둘째 줄\n\n\n\n# 셋째\n".encode())
    assert doc.title == "meeting-notes"
    assert doc.text == "첫 줄\n둘째 줄\n\n# 셋째"
    assert doc.format == "text"


def test_unsupported_suffix_names_the_supported_ones():
    with pytest.raises(SkippedDocument) as skipped:
        parse_document("scripts/train.sh", b"echo hi\n")
    assert skipped.value.reason.startswith('unsupported file type ".sh": supported are ')
    assert ".md" in skipped.value.reason and ".ipynb" in skipped.value.reason


def test_a_file_without_suffix_is_unsupported():
    with pytest.raises(SkippedDocument, match=r"unsupported file type \(no suffix\)"):
        parse_document("Makefile", b"all:\n\techo hi\n")


@pytest.mark.parametrize("name", ["empty.md", "empty.pdf", "empty.ipynb"])
def test_empty_files_are_skipped(name):
    with pytest.raises(SkippedDocument) as skipped:
        parse_document(name, b"  \n")
    assert skipped.value.reason.startswith("empty file")


def test_binary_content_with_a_markdown_suffix_is_skipped():
    with pytest.raises(SkippedDocument) as skipped:
        parse_document("diagram.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01")
    assert skipped.value.reason.startswith("binary content")


def test_undecodable_text_is_skipped_with_the_fix():
    with pytest.raises(SkippedDocument, match="re-save it as UTF-8"):
        parse_document("legacy.txt", b"na\xefve caf\xe9")


def test_markup_without_any_text_is_skipped():
    with pytest.raises(SkippedDocument) as skipped:
        parse_document("only-comments.md", b"<!-- draft -->\n\n---\n\n![](figure.png)\n")
    assert skipped.value.reason.startswith("no text left after removing the markdown markup")


@pytest.mark.parametrize(
    ("name", "data", "encoding"),
    [
        ("notes.txt", "홈랩 메모: 디스크 교체".encode("utf-16"), "utf-16-le"),
        ("notes.md", codecs.BOM_UTF8 + "홈랩 메모: 디스크 교체".encode(), "utf-8-sig"),
        ("notes.txt", "홈랩 메모: 디스크 교체".encode("cp949"), "cp949"),
        ("notes.md", "홈랩 메모: 디스크 교체".encode("euc-kr"), "cp949"),
    ],
    ids=["utf-16-bom", "utf-8-bom", "cp949", "euc-kr"],
)
def test_korean_text_in_any_supported_encoding(name, data, encoding):
    doc = parse_document(name, data)
    assert (doc.text, doc.encoding) == ("홈랩 메모: 디스크 교체", encoding)


def test_decomposed_input_comes_out_composed_even_inside_markup():
    nfd = unicodedata.normalize("NFD", "# 설치\n\n[한국어 문서](https://example.com) 참고")
    doc = parse_document("guide.md", nfd.encode())
    assert doc.text == "# 설치\n\n한국어 문서 참고"
    assert doc.title == "설치"
    assert unicodedata.is_normalized("NFC", doc.text)


def test_zero_width_spaces_and_stray_byte_order_marks_are_removed():
    doc = parse_document("a.md", "제로\u200b폭 공백\ufeff과 BOM".encode())
    assert doc.text == "제로폭 공백과 BOM"


def test_output_has_single_blank_lines_and_no_trailing_spaces():
    doc = parse_document("a.md", b"# One   \n\n\n\n\nfirst paragraph  \n\n\n\nsecond\t\n")
    assert doc.text == "# One\n\nfirst paragraph\n\nsecond"


MARKUP_PIECES = st.sampled_from(
    [
        "\n",
        "\n\n",
        " ",
        "   ",
        "text",
        "한국어",
        "#",
        "##",
        "=====",
        "-----",
        "*",
        "**",
        "_",
        "`",
        "```",
        "|",
        "|===",
        "<div>",
        "<pre>",
        "</pre>",
        "<h2>",
        "<!--",
        "-->",
        "{{<",
        ">}}",
        "{{%",
        "%}}",
        ".. ",
        "::",
        "[",
        "](",
        ")",
        ":::",
        "---\n",
        "title: x",
        "ifdef::x[]",
        "<<a>>",
        "\\",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(MARKUP_PIECES, max_size=40).map("".join),
    st.sampled_from([".md", ".mdx", ".rst", ".adoc", ".txt", ".html"]),
)
def test_any_markup_soup_is_parsed_or_skipped_never_crashes(source, suffix):
    try:
        doc = parse_document("soup" + suffix, source.encode())
    except SkippedDocument as skipped:
        assert skipped.reason
    else:
        assert doc.text.strip() and doc.title
        assert "\n\n\n" not in doc.text


# --- the shared corpus ----------------------------------------------------------------------

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
BOOKKEEPING = {"manifest.tsv", "pairs.tsv"}
NEAR_EMPTY_DIAGRAM = "pdf/pytorch-tutorials-ko/_static/img/distributed/all_reduce.pdf"


@pytest.fixture(scope="module")
def corpus() -> dict[str, ParsedDocument | SkippedDocument]:
    if not CORPUS.is_dir():
        pytest.skip(f"no corpus at {CORPUS}")
    files = [
        (path.relative_to(CORPUS).as_posix(), path.read_bytes())
        for path in sorted(p for p in CORPUS.rglob("*") if p.is_file())
    ]
    return dict(zip([name for name, _ in files], parse_documents(files), strict=True))


def _parsed(corpus, prefixes=("",)):
    return {
        relpath: doc
        for relpath, doc in corpus.items()
        if isinstance(doc, ParsedDocument) and relpath.startswith(prefixes)
    }


def test_corpus_files_are_parsed_or_skipped_for_an_expected_reason(corpus):
    skipped = {rel: doc.reason for rel, doc in corpus.items() if isinstance(doc, SkippedDocument)}
    assert all(skipped.values())
    unexpected = {
        rel: reason
        for rel, reason in skipped.items()
        if rel not in BOOKKEEPING and rel != NEAR_EMPTY_DIAGRAM
    }
    assert unexpected == {}
    assert skipped.keys() >= BOOKKEEPING


def test_parsed_corpus_text_follows_the_output_rules(corpus):
    broken = []
    for relpath, doc in _parsed(corpus).items():
        problems = [
            not doc.text.strip() and "empty text",
            not doc.title and "no title",
            doc.format != SUPPORTED_SUFFIXES[PurePosixPath(relpath).suffix.lower()] and "format",
            "\n\n\n" in doc.text and "3+ newlines",
            any(line != line.rstrip() for line in doc.text.split("\n")) and "trailing spaces",
            not unicodedata.is_normalized("NFC", doc.text) and "not NFC",
            ("\u200b" in doc.text or "\ufeff" in doc.text) and "zero-width characters",
        ]
        broken += [f"{relpath}: {problem}" for problem in problems if problem]
    assert broken == []


def test_no_hugo_shortcodes_survive_in_the_kubernetes_docs(corpus):
    kubernetes = _parsed(corpus, ("k8s-ko/", "k8s-en/"))
    assert len(kubernetes) > 200
    leftovers = [rel for rel, doc in kubernetes.items() if "{{<" in doc.text or "{{%" in doc.text]
    assert leftovers == []


def test_html_pages_lose_their_scripts_and_menus(corpus):
    pages = {rel: doc for rel, doc in _parsed(corpus).items() if doc.format == "html"}
    assert len(pages) > 15
    assert [rel for rel, doc in pages.items() if "<script" in doc.text.lower()] == []
    # Jupyter Book pages keep the article, not the theme's menus and buttons.
    chrome = ("Skip to main content", "Back to top", "Print to PDF", "Download source file")
    jupyter_book = _parsed(corpus, ("pytorch-handson-ko-html/",))
    assert [rel for rel, doc in jupyter_book.items() if any(s in doc.text for s in chrome)] == []
    assert all(doc.text.startswith("# ") for doc in jupyter_book.values())
