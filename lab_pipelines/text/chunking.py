"""Heading-aware chunking with a character budget and sentence-level overlap.

The input is the "light Markdown" every parser produces: ``#`` headings, blank-line paragraphs.
Chunks break at headings when they already hold enough text, otherwise at paragraph and then
sentence boundaries; a sentence is only ever cut when it alone exceeds the budget.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lab_pipelines.text.sentences import split_sentences

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


@dataclass(frozen=True)
class Chunk:
    seq: int
    heading: str  # the heading path at the chunk's start, e.g. "Install > On Debian"
    text: str

    @property
    def search_text(self) -> str:
        """What is embedded and full-text indexed: the heading path gives the body its context."""
        return f"{self.heading}\n{self.text}" if self.heading else self.text


@dataclass
class _Unit:
    text: str
    heading: str
    starts_section: bool
    is_heading: bool = False


def _units(text: str) -> list[_Unit]:
    """Paragraphs and heading lines, each tagged with the heading path it sits under."""
    stack: list[tuple[int, str]] = []
    units: list[_Unit] = []
    paragraph: list[str] = []
    new_section = True

    def path() -> str:
        return " > ".join(title for _, title in stack)

    def flush() -> None:
        nonlocal new_section
        if paragraph and any(line.strip() for line in paragraph):
            units.append(_Unit("\n".join(paragraph).strip(), path(), new_section))
            new_section = False
        paragraph.clear()

    for line in text.split("\n"):
        match = _HEADING.match(line)
        if match:
            flush()
            level, title = len(match.group(1)), match.group(2).strip()
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, title))
            units.append(_Unit(line.strip(), path(), True, is_heading=True))
            new_section = False
        elif line.strip():
            paragraph.append(line.rstrip())
        else:
            flush()
    flush()
    return units


def _hard_split(sentence: str, max_chars: int) -> list[str]:
    """Cut an over-long sentence at spaces (or anywhere, for unspaced text)."""
    parts = []
    rest = sentence
    while len(rest) > max_chars:
        cut = rest.rfind(" ", max_chars // 2, max_chars)
        cut = cut if cut > 0 else max_chars
        parts.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    if rest:
        parts.append(rest)
    return parts


def _pieces(unit: _Unit, max_chars: int) -> list[str]:
    if len(unit.text) <= max_chars:
        return [unit.text]
    pieces: list[str] = []
    for sentence in split_sentences(unit.text):
        pieces.extend(_hard_split(sentence, max_chars) if len(sentence) > max_chars else [sentence])
    return pieces


def _tail_overlap(text: str, overlap_chars: int) -> str:
    """Whole trailing sentences of ``text`` within ``overlap_chars`` (never half a sentence)."""
    if overlap_chars <= 0:
        return ""
    last_paragraph = text.rsplit("\n\n", 1)[-1]
    kept: list[str] = []
    size = 0
    for sentence in reversed(split_sentences(last_paragraph)):
        if size + len(sentence) + 1 > overlap_chars:
            break
        kept.insert(0, sentence)
        size += len(sentence) + 1
    overlap = " ".join(kept)
    # Compared by words, not by re-splitting the whole chunk: Kiwi on every Korean chunk
    # cost a sixth of a backfill's CPU (bench/RESULTS.md, figure 2).
    if overlap.split() == text.split():
        return ""  # the whole previous chunk would repeat: no overlap is better than a copy
    return overlap


def chunk_text(text: str, max_chars: int = 900, overlap_chars: int = 120) -> list[Chunk]:
    """Split a document's text into chunks of at most about ``max_chars`` characters.

    A heading starts a new chunk once the current one holds a third of the budget, so small
    sections share a chunk (with their heading lines kept in the text) instead of becoming
    fragments. Consecutive chunks of one section share up to ``overlap_chars`` of whole
    sentences.
    """
    chunks: list[Chunk] = []
    body: list[list[str]] = []  # paragraphs, each a list of sentences or whole-paragraph pieces
    heading = ""
    size = 0

    def flush() -> str:
        nonlocal size
        content = "\n\n".join(" ".join(paragraph) for paragraph in body).strip()
        if content:
            chunks.append(Chunk(len(chunks), heading, content))
        body.clear()
        size = 0
        return content

    for unit in _units(text):
        if unit.starts_section and size >= max_chars // 3:
            flush()
        if not body:
            heading = unit.heading
        if unit.is_heading:
            if body:
                body.append([unit.text])
                size += len(unit.text) + 2
            continue  # a leading heading lives in Chunk.heading, not in the text
        body.append([])
        for piece in _pieces(unit, max_chars):
            if size + len(piece) + 1 > max_chars and any(body):
                previous = flush()
                overlap = _tail_overlap(previous, overlap_chars)
                heading = unit.heading
                body.append([overlap] if overlap else [])
                size = len(overlap) + 1 if overlap else 0
                if overlap:
                    body.append([])
            body[-1].append(piece)
            size += len(piece) + 1
        size += 1
    flush()
    if not chunks and text.strip():
        # Headings only (a front-matter-only page): its title is all it says; keep it findable.
        titles = [u.text.lstrip("#").strip() for u in _units(text)]
        chunks.append(Chunk(0, "", "\n".join(t for t in titles if t)[:max_chars]))
    return chunks
