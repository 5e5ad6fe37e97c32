"""File name + bytes → normalised "light Markdown" text, whatever the source format.

The output is what the chunker expects: ATX headings (`#`, `##`, …), paragraphs separated by
one blank line, `- item` lists, `cell | cell` table rows, code as plain lines, no markup.
Each format has its converter in lab_pipelines.text.formats; this module only dispatches.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import PurePosixPath

from lab_pipelines.text.decoding import SkippedDocument, decode_text
from lab_pipelines.text.formats._common import STASH_CLOSE, STASH_OPEN, clean_title, finish
from lab_pipelines.text.formats.asciidoc import parse_asciidoc
from lab_pipelines.text.formats.front_matter import has_front_matter
from lab_pipelines.text.formats.html import parse_html
from lab_pipelines.text.formats.markdown import parse_markdown
from lab_pipelines.text.formats.notebook import parse_notebook
from lab_pipelines.text.formats.pdf import parse_pdf
from lab_pipelines.text.formats.python_script import parse_python_script
from lab_pipelines.text.formats.rst import parse_rst

__all__ = [
    "SUPPORTED_SUFFIXES",
    "ParsedDocument",
    "SkippedDocument",
    "parse_document",
    "parse_documents",
]


@dataclass(frozen=True)
class ParsedDocument:
    """One parsed file: its title, its light-Markdown text, and where the text came from."""

    title: str  # front-matter title, first heading, <title>, PDF metadata title, or file stem
    text: str  # light Markdown, NFC, no trailing spaces, never empty
    format: str  # markdown, mdx, rst, asciidoc, text, html, pdf, notebook or python
    encoding: str  # from decode_text; "pdf" for PDFs


SUPPORTED_SUFFIXES: dict[str, str] = {
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
    ".py": "python",  # Sphinx-Gallery tutorials (PyTorch's): formats/python_script.py
}

_CONVERTERS: dict[str, Callable[[str], tuple[str, str | None]]] = {
    "markdown": parse_markdown,
    "mdx": lambda text: parse_markdown(text, dialect="mdx"),
    "rst": parse_rst,
    "asciidoc": parse_asciidoc,
    "text": lambda text: (text, None),
    # A Hugo content page (.html with front matter) is Markdown with some HTML in it.
    "html": lambda text: (
        parse_markdown(text, dialect="hugo-html") if has_front_matter(text) else parse_html(text)
    ),
    "notebook": parse_notebook,
    "python": parse_python_script,
}


def _path(name: str) -> PurePosixPath:
    return PurePosixPath(name.replace("\\", "/"))


def parse_document(name: str, data: bytes) -> ParsedDocument:
    """Parse one file; `name` is a file name or relative path (only suffix and stem matter).

    Raises SkippedDocument, whose .reason names the cause and the fix, for unsupported
    suffixes, empty, binary or undecodable files, PDFs without a text layer, corrupt PDFs or
    notebooks, and documents with no text left once markup is removed.
    """
    path = _path(name)
    suffix = path.suffix.lower()
    fmt = SUPPORTED_SUFFIXES.get(suffix)
    if fmt is None:
        shown = f'"{suffix}"' if suffix else "(no suffix)"
        raise SkippedDocument(
            f"unsupported file type {shown}: supported are "
            + ", ".join(sorted(SUPPORTED_SUFFIXES))
            + "; convert the file to one of these or leave it out"
        )
    if fmt == "pdf":
        raw, title = parse_pdf(data)
        encoding = "pdf"
    else:
        decoded, encoding = decode_text(data)
        # The converters use these private-use characters as placeholders.
        decoded = decoded.replace(STASH_OPEN, "").replace(STASH_CLOSE, "")
        raw, title = _CONVERTERS[fmt](decoded)
    text = finish(raw)
    if not text.strip():
        raise SkippedDocument(
            f"no text left after removing the {fmt} markup (only front matter, comments or "
            "markup): add some prose or leave the file out"
        )
    return ParsedDocument(
        title=clean_title(title) or path.stem, text=text, format=fmt, encoding=encoding
    )


# pypdf's pure-Python text extraction takes 0.1-2 s per PDF of the corpus, as long as a hundred
# Markdown pages: worth another process once there are several.
_HEAVY_FORMATS = {"pdf"}


def _parse_or_skip(name: str, data: bytes) -> ParsedDocument | SkippedDocument:
    try:
        return parse_document(name, data)
    except SkippedDocument as skip:
        return skip


def parse_documents(
    files: Sequence[tuple[str, bytes]], workers: int | None = None
) -> list[ParsedDocument | SkippedDocument]:
    """parse_document over (name, bytes) pairs: results in the same order, the SkippedDocument
    in place of a file that is not ingested.

    When two or more PDFs are among them they are parsed in up to ``workers`` processes (by
    default one per CPU this process may use) while the other formats are parsed here.
    """
    heavy = [
        i
        for i, (name, _) in enumerate(files)
        if SUPPORTED_SUFFIXES.get(_path(name).suffix.lower()) in _HEAVY_FORMATS
    ]
    workers = min(len(heavy), workers or len(os.sched_getaffinity(0)))
    if workers < 2:
        return [_parse_or_skip(name, data) for name, data in files]
    # spawn, not fork: this process has LanceDB's and Dagster's threads, which fork would copy
    # mid-flight (a lock held by one of them would never be released in the child).
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures: dict[int, Future] = {i: pool.submit(_parse_or_skip, *files[i]) for i in heavy}
        results = [
            None if i in futures else _parse_or_skip(name, data)
            for i, (name, data) in enumerate(files)
        ]
        for i, future in futures.items():
            results[i] = future.result()
    return results
