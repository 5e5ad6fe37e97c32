"""HTML pages → light Markdown with the standard library's html.parser.

Site chrome (menus, sidebars, search, footers) is dropped; when the page has <article> or
<main>, only that is kept. Hugo content files with front matter are Markdown with some HTML
in them, so they go to the Markdown converter instead.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from lab_pipelines.text.formats._common import STASH_OPEN
from lab_pipelines.text.formats.markdown import parse_markdown

_DROPPED = {
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "button",
    "head",
    "iframe",
    "object",
    "select",
    "dialog",
    "canvas",
}
_CHROME_CLASSES = ("sidebar", "toc", "navbar", "breadcrumb", "headerlink")
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "param",
    "source",
    "track",
    "wbr",
}
_PARAGRAPH = {
    "p",
    "pre",
    "blockquote",
    "table",
    "ul",
    "ol",
    "dl",
    "section",
    "article",
    "main",
    "figure",
    "details",
    "address",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
}
_LINE = {"div", "li", "tr", "dt", "dd", "summary", "figcaption", "caption", "legend", "body"}
_PRE_MARK = STASH_OPEN  # marks verbatim lines while rendering; stripped from input beforehand
_ARTICLE, _MAIN = 1, 2


def parse_html(text: str) -> tuple[str, str | None]:
    """(light Markdown, <title> or first h1 or None)."""
    if re.match(r"\A(?:---|\+\+\+)[ \t]*\n", text):
        return parse_markdown(text, dialect="hugo-html")  # front matter + Markdown/HTML
    parser = _PageParser()
    parser.feed(text)
    parser.close()
    events = parser.events
    for scope in (_ARTICLE, _MAIN):
        scoped = [(kind, value) for kind, value, where in events if where & scope]
        rendered = _render(scoped)
        if rendered.strip():
            return rendered, parser.title or parser.first_h1
    return _render([(kind, value) for kind, value, _ in events]), parser.title or parser.first_h1


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[tuple[str, str, int]] = []  # (kind, value, scope bits)
        self.title: str | None = None
        self.first_h1: str | None = None
        self._stack: list[tuple[str, bool, int]] = []  # (tag, dropped, scope bits it adds)
        self._dropped = 0
        self._scope = {_ARTICLE: 0, _MAIN: 0}
        self._pre = 0
        self._heading: list[str] | None = None
        self._heading_level = 0
        self._in_title = False
        self._title_parts: list[str] = []
        self._cells: list[int] = []  # cells seen in each open table row
        self._in_cell = 0

    # --- structure ---

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
            return
        if tag in _VOID:
            if not self._dropped and tag in ("br", "hr"):
                self._emit("break", "2" if tag == "hr" else "br")
            return
        self._close_implied(tag)
        dropped = self._is_chrome(tag, dict(attrs))
        scope = _ARTICLE if tag == "article" else _MAIN if tag == "main" else 0
        self._stack.append((tag, dropped, scope))
        self._dropped += dropped
        if scope:
            self._scope[scope] += 1
        if self._dropped:
            return
        if tag == "pre":
            self._pre += 1
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6") and self._heading is None:
            self._heading, self._heading_level = [], int(tag[1])
            self._emit("break", "2")
            self._emit("prefix", "#" * self._heading_level + " ")
        elif tag == "li":
            self._emit("break", "1")
            self._emit("prefix", "- ")
        elif tag == "tr":
            self._cells.append(0)
            self._emit("break", "1")
        elif tag in ("td", "th") and self._cells:
            if self._cells[-1]:
                self._emit("text", " | ")
            self._cells[-1] += 1
            self._in_cell += 1
        elif tag in _PARAGRAPH:
            self._emit("break", "2")
        elif tag in _LINE:
            self._emit("break", "1")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
            if self.title is None:
                self.title = " ".join("".join(self._title_parts).split()) or None
            return
        if not any(open_tag == tag for open_tag, _, _ in self._stack):
            return  # a stray end tag
        while self._stack:
            open_tag, dropped, scope = self._stack.pop()
            self._end(open_tag, dropped, scope)
            if open_tag == tag:
                break

    def _end(self, tag: str, dropped: bool, scope: int) -> None:
        if not self._dropped:
            if tag == "pre":
                self._pre -= 1
            if tag[:1] == "h" and tag[1:].isdigit() and self._heading is not None:
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
            elif tag in _PARAGRAPH:
                in_item = tag == "p" and self._stack and self._stack[-1][0] == "li"
                self._emit("break", "1" if in_item else "2")  # keep list items together
            elif tag in _LINE:
                self._emit("break", "1")
        self._dropped -= dropped
        if scope:
            self._scope[scope] -= 1

    def _close_implied(self, tag: str) -> None:
        # HTML lets <p>, <li>, <td>, <tr> … end implicitly when a sibling starts.
        closes = {
            "p": ("p",),
            "li": ("li",),
            "dt": ("dt", "dd"),
            "dd": ("dt", "dd"),
            "tr": ("tr", "td", "th"),
            "td": ("td", "th"),
            "th": ("td", "th"),
            "option": ("option",),
        }.get(tag)
        if closes is None and (tag in _PARAGRAPH or tag in _LINE):
            closes = ("p",)
        while closes and self._stack and self._stack[-1][0] in closes:
            self.handle_endtag(self._stack[-1][0])

    def _is_chrome(self, tag: str, attrs: dict[str, str | None]) -> bool:
        if tag in _DROPPED and not (tag in ("header", "footer") and self._scope[_ARTICLE]):
            return True  # an <article>'s own header holds its title, so it stays
        if "hidden" in attrs or attrs.get("aria-hidden") == "true":
            return True
        if attrs.get("role") in ("navigation", "search"):
            return True
        classes = (attrs.get("class") or "").lower().split()
        return any(word in cls for cls in classes for word in _CHROME_CLASSES)

    # --- text ---

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title_parts.append(data)
            return
        if self._dropped:
            return
        if self._pre:
            self._emit("pre", data)
            return
        text = re.sub(r"\s+", " ", data)
        if self._heading is not None:
            self._heading.append(text)
        self._emit("text", text)

    def _emit(self, kind: str, value: str) -> None:
        if kind == "break" and (self._heading is not None or self._in_cell):
            kind, value = "text", " "  # headings and table rows stay on one line
        where = (_ARTICLE if self._scope[_ARTICLE] else 0) | (_MAIN if self._scope[_MAIN] else 0)
        self.events.append((kind, value, where))


def _render(events: list[tuple[str, str]]) -> str:
    out: list[str] = []
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
            lines = value.split("\n")
            out.append(prefix + "\n".join(_PRE_MARK + line for line in lines))
        else:
            out.append(prefix + (value.lstrip() if prefix else value))
        prefix = ""
    lines = []
    for line in "".join(out).split("\n"):
        if _PRE_MARK in line:
            lines.append(line.replace(_PRE_MARK, "").rstrip())
        else:
            lines.append(re.sub(r"[ \t]+", " ", line).strip())
    return "\n".join(lines)
