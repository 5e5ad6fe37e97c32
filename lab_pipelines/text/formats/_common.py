"""Helpers shared by the format converters: output blocks, placeholders, final clean-up."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# Private-use characters mark stashed spans; parse_document removes them from the input first.
STASH_OPEN = "\ue000"
STASH_CLOSE = "\ue001"
_STASHED = re.compile(STASH_OPEN + r"(\d+)" + STASH_CLOSE)

_HEADING = re.compile(r"^(#{1,6}) (.+)$")
_INVISIBLE = str.maketrans(
    dict.fromkeys(["\u200b", "\u2060", "\ufeff", "\u00ad", STASH_OPEN, STASH_CLOSE])
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_BLANK_RUNS = re.compile(r"\n{3,}")
_SPACES = re.compile(r"[ \t]+")


class Stash:
    """Hides spans (inline code, literals) from later regexes and puts them back at the end."""

    def __init__(self) -> None:
        self._items: list[str] = []

    def put(self, text: str) -> str:
        self._items.append(text)
        return f"{STASH_OPEN}{len(self._items) - 1}{STASH_CLOSE}"

    def restore(self, text: str) -> str:
        # Stashed text may itself contain placeholders (a literal inside a table cell).
        while True:
            restored = _STASHED.sub(lambda m: self._items[int(m.group(1))], text)
            if restored == text:
                return restored
            text = restored


class Blocks:
    """The output of one document: prose lines (markup still to strip) and verbatim code blocks."""

    def __init__(self) -> None:
        self._parts: list[tuple[bool, list[str]]] = []

    def prose(self, line: str) -> None:
        if self._parts and not self._parts[-1][0]:
            self._parts[-1][1].append(line)
        else:
            self._parts.append((False, [line]))

    def code(self, lines: list[str]) -> None:
        lines = dedent(lines)
        while lines and not lines[0].strip():
            lines = lines[1:]
        while lines and not lines[-1].strip():
            lines = lines[:-1]
        if lines:
            self._parts.append((True, lines))

    def extend(self, other: Blocks) -> None:
        for is_code, lines in other._parts:
            if is_code:
                self._parts.append((True, lines))
            else:
                for line in lines:
                    self.prose(line)

    def render(self, inline: Callable[[str], str]) -> tuple[str, str | None]:
        """(text, first heading) with `inline` applied to prose; code stays verbatim."""
        chunks: list[str] = []
        title: str | None = None
        for is_code, lines in self._parts:
            if is_code:
                # A shell comment such as "# pvecm status" is indented so the chunker (which
                # takes "#" at the start of a line as a heading) does not cut sections at it.
                chunks.append("\n".join(f"    {x}" if x.startswith("#") else x for x in lines))
                continue
            prose = isolate_headings(inline("\n".join(lines)))
            if title is None:
                title = first_heading(prose)
            chunks.append(prose)
        return "\n\n".join(chunks), title


def heading(level: int, text: str) -> str:
    text = _SPACES.sub(" ", text).strip()
    return f"{'#' * max(1, min(level, 6))} {text}" if text else ""


def table_row(cells: list[str]) -> str:
    return " | ".join(_SPACES.sub(" ", cell).strip() for cell in cells)


def isolate_headings(text: str) -> str:
    """Put a blank line before and after every ATX heading line, as the chunker expects."""
    return re.sub(r"(?m)^(#{1,6} .*)$", r"\n\1\n", text)


def first_heading(text: str) -> str | None:
    for line in text.split("\n"):
        m = _HEADING.match(line)
        if m:
            return m.group(2).strip()
    return None


def dedent(lines: list[str]) -> list[str]:
    lines = [line.expandtabs(4) for line in lines]
    indents = [len(line) - len(line.lstrip(" ")) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return [line[cut:] for line in lines]


def clean_title(title: str | None) -> str:
    if not title:
        return ""
    title = unicodedata.normalize("NFC", title.translate(_INVISIBLE))
    return _SPACES.sub(" ", title.replace("\n", " ")).strip()


def finish(text: str) -> str:
    """Final clean-up shared by every format: NFC, no invisible characters, tidy blank lines."""
    text = text.translate(_INVISIBLE).replace("\f", "\n").replace("\v", "\n")
    text = _CONTROLS.sub("", text)
    text = unicodedata.normalize("NFC", text)
    lines = [line.rstrip() for line in text.split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip("\n")
