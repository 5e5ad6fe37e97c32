"""AsciiDoc (asciidoc.py and Asciidoctor dialects) → light Markdown.

Conditionals are evaluated against the attributes the document itself defines, as a plain
HTML build would: `ifdef::manvolnum[]` man-page sections drop out, `ifndef::` ones stay.
"""

from __future__ import annotations

import re

from lab_pipelines.text.formats._common import Blocks, Stash, heading, table_row

_CONDITIONAL = re.compile(r"^(ifdef|ifndef)::([^\[]*)\[(.*)\]\s*$")
_ENDIF = re.compile(r"^endif::[^\[]*\[\]\s*$")
_IFEVAL = re.compile(r"^ifeval::\[.*\]\s*$")
_ATTRIBUTE_ENTRY = re.compile(r"^:(!?)([\w-]+)(!?):(?:\s+(.*))?$")
_BLOCK_MACRO = re.compile(r"^(?:include|image|video|audio|toc)::.*\[.*\]\s*$")
_BLOCK_ATTRIBUTES = re.compile(r"^\[\[?[^\]]*\]\]?\s*$")
_BLOCK_TITLE = re.compile(r"^\.([^\s.].*)$")
_ONE_LINE_TITLE = re.compile(r"^(={1,6})\s+(.+?)(?:\s+\1)?\s*$")
_UNDERLINE = re.compile(r"^([=\-~^+])\1{2,}\s*$")
_UNDERLINE_LEVELS = {"=": 1, "-": 2, "~": 3, "^": 4, "+": 5}
_VERBATIM_DELIMITERS = re.compile(r"^(-{4,}|\.{4,}|`{3}.*)$")
_DROPPED_DELIMITERS = re.compile(r"^(/{4,}|\+{4,})$")  # comment and passthrough blocks
_PLAIN_DELIMITERS = re.compile(r"^(={4,}|\*{4,}|_{4,}|--)$")  # example, sidebar, quote, open
_TABLE_DELIMITER = re.compile(r"^[|!,:]={3,}\s*$")
_LIST_ITEM = re.compile(r"^\s*(\*{1,5}|-|\.{1,5})\s+(.*)$")
_LABELED_ITEM = re.compile(r"^(\S.*?)(:{2,4}|;;)(?:\s+(.*))?$")
_CELL_SPEC = re.compile(r"(?:\d*(?:\.\d+)?[+*])?[<^>]?(?:\.[<^>])?[adehlmsv]?")
_TRAILING_CELL_SPEC = re.compile(r"\s+\d*(?:\.\d+)?[+*][<^>]?(?:\.[<^>])?[adehlmsv]?$")


def parse_asciidoc(text: str) -> tuple[str, str | None]:
    """(light Markdown, document title or None)."""
    converter = _Converter()
    converter.convert(text.split("\n"))
    stash = Stash()
    out, first = converter.blocks.render(
        lambda prose: stash.restore(_inline(prose, stash, converter))
    )
    return out, converter.doc_title or first


class _Converter:
    def __init__(self) -> None:
        self.blocks = Blocks()
        self.attributes: dict[str, str] = {"nbsp": " ", "empty": "", "sp": " ", "amp": "&"}
        self.anchor_titles: dict[str, str] = {}
        self.doc_title: str | None = None

    def convert(self, lines: list[str]) -> None:
        active: list[bool] = []
        pending_anchor: str | None = None
        block_attributes = ""
        i = 0
        while i < len(lines):
            line = lines[i].rstrip()
            i += 1
            if m := _CONDITIONAL.match(line):
                holds = self._condition(m.group(1), m.group(2))
                if m.group(3):  # one-line form: ifdef::attr[text]
                    if holds and all(active):
                        self.blocks.prose(m.group(3))
                else:
                    active.append(holds)
                continue
            if _ENDIF.match(line):
                if active:
                    active.pop()
                continue
            if _IFEVAL.match(line):
                active.append(True)  # cannot evaluate; keep the content
                continue
            if not all(active):
                continue
            if line.startswith("//"):
                if _DROPPED_DELIMITERS.match(line):
                    i = _skip_block(lines, i, line)
                continue
            if m := _ATTRIBUTE_ENTRY.match(line):
                if m.group(1) or m.group(3):
                    self.attributes.pop(m.group(2), None)
                else:
                    self.attributes[m.group(2)] = m.group(4) or ""
                while line.endswith(" \\") and i < len(lines):  # continued value
                    line = lines[i].rstrip()
                    i += 1
                continue
            if _BLOCK_MACRO.match(line):
                continue
            if _BLOCK_ATTRIBUTES.match(line):
                anchor = re.match(r"^\[\[([^,\]]+)", line) or re.match(r"^\[#([\w-]+)", line)
                if anchor:
                    pending_anchor = anchor.group(1)
                else:
                    block_attributes = line
                continue
            if _DROPPED_DELIMITERS.match(line):
                i = _skip_block(lines, i, line)
                continue
            if _VERBATIM_DELIMITERS.match(line):
                # As in asciidoc.py, any run of the same character closes the block:
                # Proxmox opens with "----" and sometimes closes with "-----".
                run = "```" if line.startswith("```") else re.escape(line[0]) + "{4,}"
                closing = re.compile(f"^{run}$")
                end = i
                while end < len(lines) and not closing.match(lines[end].rstrip()):
                    end += 1
                self.blocks.code(lines[i:end])
                i = end + 1
                continue
            if _TABLE_DELIMITER.match(line):
                i = self._table(lines, i, line, block_attributes)
                block_attributes = ""
                continue
            if _PLAIN_DELIMITERS.match(line) or line == "+":
                self.blocks.prose("")
                continue
            title = self._title(line, lines[i].rstrip() if i < len(lines) else "")
            if title:
                level, text, consumed = title
                i += consumed
                if pending_anchor:
                    self.anchor_titles[pending_anchor] = text
                if level == 1 and self.doc_title is None:
                    self.doc_title = text
                self.blocks.prose("")
                self.blocks.prose(heading(level, text))
                self.blocks.prose("")
            elif not line.strip():
                self.blocks.prose("")
                block_attributes = ""
            elif line[0] in " \t" and (i < 2 or not lines[i - 2].strip()):
                # An indented paragraph is a literal block; indented lines after a list
                # item merely continue it.
                end = i
                while end < len(lines) and lines[end].strip():
                    end += 1
                self.blocks.code(lines[i - 1 : end])
                i = end
            else:
                self.blocks.prose(self._line(line))
            pending_anchor = None if title or line.strip() else pending_anchor

    def _condition(self, kind: str, names: str) -> bool:
        parts = re.split(r"[,+]", names)
        if "+" in names:
            defined = all(p in self.attributes for p in parts)
        else:
            defined = any(p in self.attributes for p in parts)
        return defined if kind == "ifdef" else not defined

    def _title(self, line: str, following: str) -> tuple[int, str, int] | None:
        if m := _ONE_LINE_TITLE.match(line):
            return len(m.group(1)), m.group(2), 0
        # Two-line titles: the underline is as long as the title, give or take two characters.
        m = _UNDERLINE.match(following)
        if (
            m
            and line.strip()
            and line[0] not in "[.:/|*-+ \t<"
            and abs(len(following.rstrip()) - len(line)) <= 2
        ):
            return _UNDERLINE_LEVELS[m.group(1)], line.strip(), 1
        return None

    def _line(self, line: str) -> str:
        if m := _LIST_ITEM.match(line):
            return f"- {m.group(2)}"
        if m := _BLOCK_TITLE.match(line):
            return m.group(1)
        if (m := _LABELED_ITEM.match(line)) and not re.search(r"\w::\w", line):
            return f"{m.group(1)}: {m.group(3)}" if m.group(3) else m.group(1)
        return re.sub(r"\s\+$", "", line).strip()  # " +" forces a line break

    def _table(self, lines: list[str], i: int, delimiter: str, attributes: str) -> int:
        separator = delimiter[0] if delimiter[0] in "|!" else None
        end = i
        while end < len(lines) and lines[end].rstrip() != delimiter.rstrip():
            end += 1
        cells: list[str] = []
        first_row_width = 0
        for raw in lines[i:end]:
            row = raw.strip()
            if not row:
                continue
            if separator and separator in row:
                parts = re.split(rf"(?<!\\){re.escape(separator)}", row)
                # Text before the first "|" continues the previous cell, unless it is a cell
                # specifier such as "2+" or "a" (those also end cells: "text 2+|next").
                if not _CELL_SPEC.fullmatch(parts[0].strip()) and cells:
                    cells[-1] += " " + parts[0].strip()
                new = [_TRAILING_CELL_SPEC.sub("", p).strip() for p in parts[1:]]
                cells.extend(new)
                first_row_width = first_row_width or len(new)
            elif separator is None:
                cells.extend(row.split(delimiter[0]))
            elif cells:
                cells[-1] += " " + row
        width = _column_count(attributes) or first_row_width or 1
        for start in range(0, len(cells), width):
            self.blocks.prose(table_row(cells[start : start + width]))
        return end + 1


def _skip_block(lines: list[str], i: int, delimiter: str) -> int:
    while i < len(lines) and lines[i].rstrip() != delimiter:
        i += 1
    return i + 1


def _column_count(attributes: str) -> int:
    m = re.search(r"""cols\s*=\s*["']?([^"'\]]*)""", attributes)
    if not m:
        return 0
    spec = m.group(1).strip()
    if spec.isdigit():
        return int(spec)
    count = 0
    for item in spec.split(","):
        repeat = re.match(r"\s*(\d+)\*", item)
        count += int(repeat.group(1)) if repeat else 1
    return count


_MONOSPACE = re.compile(r"(?<![A-Za-z0-9`])`\+?((?:(?!\n\s*\n)[^`])+?)\+?`(?![A-Za-z0-9`])", re.S)
_MACRO = re.compile(
    r"(?<![A-Za-z0-9])(link|xref|mailto|image|kbd|btn|menu|footnote|footnoteref|pass|anchor|icon|https?|ftp)"
    r":([^\s\[\]]*)\[([^\[\]]*)\]"
)
_CROSS_REFERENCE = re.compile(r"<<([^,<>]+)(?:,\s*([^<>]*))?>>")
_INLINE_ANCHOR = re.compile(r"\[\[\[?[^\[\]]*\]\]\]?")
# Spans are bounded in length so that stray delimiters in a long paragraph stay linear.
_STRONG = re.compile(r"\*\*(?=\S)(.{1,1000}?)(?<=\S)\*\*")
_STRONG_CONSTRAINED = re.compile(r"(?<![\w*\\])\*(?=[^\s*])([^\n*]+?)(?<=[^\s*])\*(?![\w*])")
_EMPHASIS = re.compile(r"(?<![\w_\\])_(?=[^\s_])([^\n_]+?)(?<=[^\s_])_(?![\w_])")
_EMPHASIS_DOUBLE = re.compile(r"__(?=\S)(.{1,1000}?)(?<=\S)__")
_ATTRIBUTE_REFERENCE = re.compile(r"\{([\w-]+)\}")


def _inline(text: str, stash: Stash, converter: _Converter) -> str:
    text = _MONOSPACE.sub(lambda m: stash.put(m.group(1)), text)
    text = _MACRO.sub(_macro_text, text)
    text = _CROSS_REFERENCE.sub(
        lambda m: m.group(2) or converter.anchor_titles.get(m.group(1), m.group(1)), text
    )
    text = _INLINE_ANCHOR.sub("", text)
    for pattern in (_STRONG, _STRONG_CONSTRAINED, _EMPHASIS_DOUBLE, _EMPHASIS):
        text = pattern.sub(r"\1", text)
    # Attributes the document defines are substituted; unknown ones ({pve}) stay as written.
    return _ATTRIBUTE_REFERENCE.sub(
        lambda m: converter.attributes.get(m.group(1), m.group(0)), text
    )


def _macro_text(m: re.Match[str]) -> str:
    name, target, content = m.group(1), m.group(2), m.group(3).strip()
    content = re.sub(r"\^$", "", content.split(",", 1)[0] if "=" in content else content)
    content = content.strip().strip('"')
    if name in ("anchor", "icon", "footnoteref"):
        return ""
    if name == "menu":
        return " > ".join(part for part in (target, content) if part)
    if name in ("http", "https", "ftp", "mailto"):
        return content or (f"{name}:{target}" if name != "mailto" else target)
    if name in ("xref", "link"):
        return content or target
    if name == "footnote":
        return f" ({content})" if content else ""
    return content
