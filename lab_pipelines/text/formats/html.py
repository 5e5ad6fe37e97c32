"""HTML → light Markdown, on the HTML5 tree that selectolax (lexbor) builds.

The tree builder applies HTML's own rules (implied end tags, misnested markup), so this
module only decides what each element shows. On whole pages, site chrome (menus, sidebars,
search, footers) is dropped, and when the page has <article> or <main>, only that is kept.
The Markdown converter sends its HTML blocks here as fragments.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from lab_pipelines.text.formats import html_tags as tags
from lab_pipelines.text.formats._common import STASH_OPEN

_ARTICLE, _MAIN = 1, 2
_SPACES = re.compile(r"\s+")
_LINE_SPACES = re.compile(r"[ \t\r\f\v]+")
_PRE_MARK = STASH_OPEN  # marks <pre> lines while rendering; stripped from input beforehand

Line = tuple[str, bool]  # (text, verbatim: from <pre>)


def parse_html(text: str) -> tuple[str, str | None]:
    """(light Markdown, <title> or first h1 or None)."""
    tree = LexborHTMLParser(text)
    walker = _Walker(page=True)
    walker.walk(tree.root)
    title_node = tree.css_first("title")
    title = " ".join(title_node.text().split()) if title_node is not None else ""
    for scope in (_ARTICLE, _MAIN):
        scoped = [(kind, value) for kind, value, where in walker.events if where & scope]
        rendered = _join(_render(scoped))
        if rendered.strip():
            return rendered, title or walker.first_h1
    return _join(_render([(k, v) for k, v, _ in walker.events])), title or walker.first_h1


def html_fragment(fragment: str) -> list[Line]:
    """The lines an HTML fragment inside Markdown shows; its line breaks are kept, since
    Markdown-minded authors put headings and list items on lines of their own."""
    walker = _Walker(page=False)
    walker.walk(LexborHTMLParser(tags.escape_placeholders(fragment)).body)
    return _render([(kind, value) for kind, value, _ in walker.events])


def _join(lines: list[Line]) -> str:
    return "\n".join(text for text, _ in lines)


class _Walker:
    """Turns the tree into events: ("break", "1"|"2"|"br"), ("prefix", "- "), text, pre."""

    def __init__(self, page: bool) -> None:
        self.page = page
        self.events: list[tuple[str, str, int]] = []  # (kind, value, scope bits)
        self.first_h1: str | None = None
        self._scope = 0
        self._pre = 0
        self._heading: list[str] | None = None
        self._cells: list[int] = []  # cells seen in each open table row
        self._in_cell = 0

    def walk(self, root: LexborNode | None) -> None:
        # Iterative, so that deeply nested markup cannot exhaust Python's stack.
        stack: list[object] = [root] if root is not None else []
        while stack:
            item = stack.pop()
            if isinstance(item, tuple):
                self._end(*item)
                continue
            node: LexborNode = item  # type: ignore[assignment]
            if node.is_text_node:
                self._text(node.text_content or "")
                continue
            outer = self._scope
            if not node.is_element_node or node.tag is None or not self._start(node):
                continue
            parent = node.parent.tag if node.parent is not None else None
            stack.append((node.tag, outer, parent))
            stack.extend(reversed(list(node.iter(include_text=True))))

    # --- structure ---

    def _start(self, node: LexborNode) -> bool:
        """Emit what an element's start shows; False when its content is not shown at all."""
        tag = node.tag or ""
        if tag == "title" or self._dropped(tag, node.attributes):
            return False
        if tag in tags.VOID:
            if tag in ("br", "hr"):
                self._emit("break", "2" if tag == "hr" else "br")
            return False
        if tag == "article":
            self._scope |= _ARTICLE
        elif tag == "main":
            self._scope |= _MAIN
        if tag == "pre":
            self._pre += 1
        if tag in tags.HEADINGS and self._heading is None:
            self._emit("break", "2")
            self._emit("prefix", "#" * int(tag[1]) + " ")
            self._heading = []
        elif tag == "li":
            self._emit("break", "1")
            self._emit("prefix", "- ")
        elif tag == "tr":
            self._emit("break", "1")
            self._cells.append(0)
        elif tag in ("td", "th") and self._cells:
            if self._cells[-1]:
                self._emit("text", " | ")
            self._cells[-1] += 1
            self._in_cell += 1
        elif tag in tags.PARAGRAPH:
            self._emit("break", "2")
        elif tag in tags.LINE or (not self.page and tag not in tags.KNOWN):
            self._emit("break", "1")  # in Markdown, an unknown element is a JSX component
        return True

    def _end(self, tag: str, outer: int, parent: str | None) -> None:
        if tag == "pre":
            self._pre -= 1
        if tag in tags.HEADINGS and self._heading is not None:
            text = " ".join("".join(self._heading).split())
            if tag == "h1" and self.first_h1 is None and text:
                self.first_h1 = text
            self._heading = None
            if not text:
                self._emit("prefix", "")  # an empty heading must not prefix the next text
            self._emit("break", "2")
        elif tag in ("td", "th") and self._in_cell:
            self._in_cell -= 1
        elif tag == "tr" and self._cells:
            self._cells.pop()
        elif tag in tags.PARAGRAPH:
            self._emit("break", "1" if tag == "p" and parent == "li" else "2")  # tight items
        elif tag in tags.LINE or (not self.page and tag not in tags.KNOWN):
            self._emit("break", "1")
        self._scope = outer

    def _dropped(self, tag: str, attrs: dict[str, str | None]) -> bool:
        if tag in tags.HIDDEN:
            return True
        if not self.page:
            return tag == "nav"
        if tag in tags.CHROME and not (tag in ("header", "footer") and self._scope & _ARTICLE):
            return True  # an <article>'s own header holds its title, so it stays
        if "hidden" in attrs or attrs.get("aria-hidden") == "true":
            return True
        if attrs.get("role") in ("navigation", "search"):
            return True
        classes = (attrs.get("class") or "").lower().split()
        return any(word in cls for cls in classes for word in tags.CHROME_CLASSES)

    # --- text ---

    def _text(self, data: str) -> None:
        if self._pre:
            self._emit("pre", data)
            return
        if not self.page and "\n" in data and not data.strip():
            self._emit("break", "1")  # a fragment's line break between elements
            return
        text = (_SPACES if self.page else _LINE_SPACES).sub(" ", data)
        if self._heading is not None:
            self._heading.append(text)
        self._emit("text", text)

    def _emit(self, kind: str, value: str) -> None:
        if self._heading is not None or self._in_cell or self._cells:
            # Headings and table rows stay on one line.
            if kind == "break":
                kind, value = "text", " "
            elif kind == "prefix" and self._in_cell:
                return
            elif kind == "text":
                value = value.replace("\n", " ")
        self.events.append((kind, value, self._scope))


def _render(events: list[tuple[str, str]]) -> list[Line]:
    out: list[str] = []
    verbatim: set[int] = set()  # indexes in `out` of <pre> text
    newlines = 0  # pending line breaks (2 = paragraph)
    prefix = ""
    for kind, value in events:
        if kind == "break":
            if prefix:
                continue  # "<li><p>text" is one list item, not an item and a paragraph
            newlines = min(2, newlines + 1) if value == "br" else max(newlines, int(value))
            continue
        if kind == "prefix":
            prefix = value
            continue
        if kind == "text" and not value.strip() and (newlines or not out):
            continue  # whitespace between blocks
        if newlines and out:
            out.append("\n" * newlines)
        newlines = 0
        if kind == "pre":
            if prefix:
                out.append(prefix)
            verbatim.add(len(out))
            out.append(value)
        else:
            out.append(prefix + (value.lstrip() if prefix else value))
        prefix = ""
    lines: list[Line] = []
    pending = ""
    for index, piece in enumerate(out):
        parts = piece.split("\n")
        for position, part in enumerate(parts):
            if position:
                lines.append(_line(pending))
                pending = ""
            if index in verbatim:
                pending = _PRE_MARK + pending + part  # the line holds <pre> text
            else:
                pending += part
    lines.append(_line(pending))
    return lines


def _line(raw: str) -> Line:
    if _PRE_MARK in raw:
        return raw.replace(_PRE_MARK, "").rstrip(), True
    return _LINE_SPACES.sub(" ", raw).strip(), False
