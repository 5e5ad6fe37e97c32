"""reStructuredText (Sphinx) → light Markdown, without docutils.

A line-based reader is enough for documentation: section titles, explicit markup blocks
(`.. name::` plus their indented body), literal blocks after `::`, lists and tables.
Directive bodies are dedented and read recursively, so nested directives work.
"""

from __future__ import annotations

import csv
import re

from lab_pipelines.text.formats._common import Blocks, Stash, dedent, heading, table_row

_ADORNMENT = re.compile(r"^([!-/:-@\[-`{-~])\1{2,}\s*$")
_EXPLICIT = re.compile(r"^\.\.(?:\s+(.*))?$")
_DIRECTIVE = re.compile(r"^([\w:.+-]+)::(?:\s+(.*))?$")
_OPTION = re.compile(r"^:[\w .-]+:(\s|$)")
_SIMPLE_TABLE_BORDER = re.compile(r"^=+( +=+)+\s*$")
_GRID_BORDER = re.compile(r"^\+([-=]+\+)+\s*$")
_BULLET = re.compile(r"^([*+\-•])\s+(.*)$")
_FIELD = re.compile(r"^:([^:`]+):\s+(.*)$")

_CODE = {
    "code",
    "code-block",
    "sourcecode",
    "math",
    "parsed-literal",
    "doctest",
    "testcode",
    "testoutput",
    "ipython",
    "jupyter-execute",
    "prompt",
    "productionlist",
}
_DROP = {
    "image",
    "toctree",
    "include",
    "literalinclude",
    "raw",
    "contents",
    "highlight",
    "meta",
    "index",
    "sectnum",
    "header",
    "footer",
    "class",
    "rst-class",
    "role",
    "default-role",
    "title",
    "currentmodule",
    "module",
    "includenodoc",
    "galleryitem",
    "customcarditem",
    "customgalleryitem",
    "automodule",
    "autoclass",
    "autofunction",
    "automethod",
    "autosummary",
    "cssclass",
    "figure-md",
    "target-notes",
}
# Directives whose argument is not visible text (a column count, a path, a condition).
_SILENT_ARGUMENT = {
    "grid",
    "grid-item",
    "tab-set",
    "container",
    "only",
    "figure",
    "ifconfig",
    "versionadded",
    "versionchanged",
    "deprecated",
}


def parse_rst(text: str) -> tuple[str, str | None]:
    """(light Markdown, first section title or None)."""
    reader = _Reader()
    reader.read(text.split("\n"))
    stash = Stash()
    return reader.blocks.render(lambda prose: stash.restore(_inline(prose, stash)))


class _Reader:
    def __init__(self) -> None:
        self.blocks = Blocks()
        self._styles: list[tuple[str, bool]] = []  # title adornments in order of appearance

    def read(self, lines: list[str]) -> None:
        i = 0
        while i < len(lines):
            i = self._read_one(lines, i)

    def _read_one(self, lines: list[str], i: int) -> int:
        line = lines[i].rstrip()
        stripped = line.strip()
        following = lines[i + 1].rstrip() if i + 1 < len(lines) else ""
        previous = lines[i - 1].strip() if i > 0 else ""
        if not stripped:
            self.blocks.prose("")
            return i + 1
        explicit = _EXPLICIT.match(line) if line == stripped else None  # ".." at column 0
        if explicit:
            end = _block_end(lines, i + 1, 0)
            self._explicit(explicit.group(1) or "", lines[i + 1 : end])
            return end
        if line != stripped:  # an indented block outside a directive: a block quote
            end = _block_end(lines, i + 1, len(line) - len(line.lstrip()) - 1)
            self.read(dedent(lines[i:end]))
            return end
        over_and_under = i + 2 < len(lines) and lines[i + 2].rstrip() == line
        if _ADORNMENT.match(line) and over_and_under and following.strip():
            self._title(following.strip(), line[0], True)
            return i + 3
        underlined = bool(following) and _ADORNMENT.match(following) and not _ADORNMENT.match(line)
        if underlined and not previous:
            self._title(stripped, following[0], False)
            return i + 2
        if _ADORNMENT.match(line) and not previous:  # a transition
            self.blocks.prose("")
            return i + 1
        if _SIMPLE_TABLE_BORDER.match(line):
            return self._simple_table(lines, i)
        if _GRID_BORDER.match(line):
            return self._grid_table(lines, i)
        if stripped.endswith("::"):
            return self._literal(lines, i)
        if m := _BULLET.match(line):
            self.blocks.prose(f"- {m.group(2)}")
        elif m := _FIELD.match(line):
            self.blocks.prose(f"{m.group(1)}: {m.group(2)}")
        else:
            self.blocks.prose(line)
        return i + 1

    def _title(self, text: str, char: str, overline: bool) -> None:
        if (char, overline) not in self._styles:
            self._styles.append((char, overline))
        self.blocks.prose("")
        self.blocks.prose(heading(self._styles.index((char, overline)) + 1, text))
        self.blocks.prose("")

    def _literal(self, lines: list[str], i: int) -> int:
        stripped = lines[i].strip()
        if stripped != "::":  # "Example::" shows "Example:"; "Example ::" shows "Example"
            shown = stripped[:-2].rstrip() + (":" if stripped[-3] != " " else "")
            bullet = _BULLET.match(shown)
            self.blocks.prose(f"- {bullet.group(2)}" if bullet else shown)
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        indent = len(lines[i]) - len(lines[i].lstrip())
        if j < len(lines) and len(lines[j]) - len(lines[j].lstrip()) > indent:
            end = _block_end(lines, j, indent)
            self.blocks.code(lines[j:end])
            return end
        return i + 1

    def _explicit(self, content: str, body: list[str]) -> None:
        m = _DIRECTIVE.match(content)
        if not m:
            # Targets (.. _x:), substitutions (.. |x| image::), comments: nothing visible.
            footnote = re.match(r"^\[[^\]]+\]\s+(.*)$", content)
            if footnote:
                self.blocks.prose(footnote.group(1))
                self.read(dedent(body))
            return
        name, argument = m.group(1).lower(), (m.group(2) or "").strip()
        body = dedent(body)
        options = 0
        while options < len(body) and _OPTION.match(body[options].strip()):
            options += 1
        content_lines = body[options:]
        if name in _DROP:
            return
        if name in _CODE:
            self.blocks.code(content_lines)
            return
        self.blocks.prose("")
        if argument and name not in _SILENT_ARGUMENT:
            self.blocks.prose(argument)
            self.blocks.prose("")
        if name == "list-table":
            self._list_table(content_lines)
        elif name == "csv-table":
            rows = csv.reader(line.strip() for line in content_lines if line.strip())
            for row in rows:
                self.blocks.prose(table_row(row))
        else:
            self.read(content_lines)
        self.blocks.prose("")

    def _list_table(self, lines: list[str]) -> None:
        rows: list[list[str]] = []
        for line in lines:
            if m := re.match(r"^\*\s+-\s+(.*)$", line.strip()) if not line[:1].isspace() else None:
                rows.append([m.group(1)])
            elif (m := re.match(r"^-\s+(.*)$", line.strip())) and rows:
                rows[-1].append(m.group(1))
            elif line.strip() and rows:
                rows[-1][-1] += " " + line.strip()
        for row in rows:
            self.blocks.prose(table_row(row))

    def _simple_table(self, lines: list[str], i: int) -> int:
        border = lines[i].rstrip()
        starts = [m.start() for m in re.finditer(r"=+", border)]
        j = i + 1
        while j < len(lines):
            line = lines[j].rstrip()
            j += 1
            if _SIMPLE_TABLE_BORDER.match(line):
                if j >= len(lines) or not lines[j].strip():
                    break
                continue
            if not line.strip() or re.fullmatch(r"[-\s]+", line):
                continue
            bounds = [*starts[1:], None]
            self.blocks.prose(table_row([line[a:b] for a, b in zip(starts, bounds, strict=True)]))
        return j

    def _grid_table(self, lines: list[str], i: int) -> int:
        j = i
        while j < len(lines) and lines[j].strip()[:1] in ("+", "|"):
            row = lines[j].strip()
            if row.startswith("|"):
                self.blocks.prose(table_row(row.strip("|").split("|")))
            j += 1
        return j


def _block_end(lines: list[str], start: int, indent: int) -> int:
    """Index after the block of lines indented deeper than `indent` (blank lines included)."""
    end = start
    j = start
    while j < len(lines):
        line = lines[j]
        if line.strip():
            if len(line) - len(line.lstrip()) <= indent:
                break
            end = j + 1
        j += 1
    return end


# Spans are bounded in length so that stray delimiters in a long paragraph stay linear.
_LITERAL = re.compile(r"``((?:(?!\n\s*\n).){1,2000}?)``", re.S)
_ROLE = re.compile(r":(?:[\w.+-]+:)+`((?:[^`\\]|\\.)*)`")
# Korean text often glues particles to markup (`링크 <url>`__를), so only ASCII letters block it.
_REFERENCE = re.compile(r"(?<![A-Za-z0-9`])`((?:[^`\\]|\\.)+?)`(?:__?)?(?![A-Za-z0-9`])")
_LINK_TARGET = re.compile(r"^(.*?)\s*<([^<>]+)>$", re.S)
_STRONG = re.compile(r"\*\*(?=\S)((?:(?!\n[ \t]*\n).){1,1000}?)(?<=\S)\*\*", re.S)
_EMPHASIS = re.compile(r"(?<![A-Za-z0-9*\\])\*(?=[^\s*])([^\n*]+?)(?<=[^\s\\*])\*(?![A-Za-z0-9*])")
_FOOTNOTE_REFERENCE = re.compile(r"\s?\[(?:#[\w-]*|\*|\d+)\]_")
_NAMED_REFERENCE = re.compile(r"(?<![\w_\\])([A-Za-z][A-Za-z0-9-]*)__?(?![\w])")
_ICON_ROLES = ("octicon", "fa", "fas", "far", "fab", "material", "bdg")


def _inline(text: str, stash: Stash) -> str:
    text = _LITERAL.sub(lambda m: stash.put(" ".join(m.group(1).split("\n"))), text)
    text = _ROLE.sub(lambda m: _stash_role(m.group(0), m.group(1), stash), text)
    text = _REFERENCE.sub(lambda m: _reference_text(m.group(1)), text)
    text = _STRONG.sub(r"\1", text)
    text = _EMPHASIS.sub(r"\1", text)
    text = _FOOTNOTE_REFERENCE.sub("", text)
    text = _NAMED_REFERENCE.sub(r"\1", text)
    text = text.replace("\\ ", "")  # an escaped space joins words: "DDP\ 를" → "DDP를"
    text = re.sub(r"\\(.)", r"\1", text)
    return re.sub(r"(?m)^[ \t]+", "", text)  # left behind where a leading icon role was removed


def _stash_role(whole: str, content: str, stash: Stash) -> str:
    role = whole[1 : whole.index(":", 1)]
    if role.split("-")[0] in _ICON_ROLES:
        return ""
    text = _reference_text(content)
    return stash.put(text[1:] if text[:1] in ("~", "!") else text)


def _reference_text(content: str) -> str:
    m = _LINK_TARGET.match(content)
    if m:
        return m.group(1) or m.group(2)  # `text <url>`_ shows text; `<url>`_ shows the url
    return content
