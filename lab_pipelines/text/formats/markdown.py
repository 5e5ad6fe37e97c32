"""Markdown, MDX (Docusaurus, Mintlify) and Hugo content pages → light Markdown.

markdown-it-py parses (CommonMark plus tables, strikethrough, and the mdit-py-plugins for
footnotes, MkDocs admonitions and Docusaurus `:::` containers); this module renders its
syntax tree. Before that, front matter is split off, Hugo shortcodes are expanded and MDX's
JavaScript is dropped (prepass.py). HTML blocks go to html.py as fragments.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.footnote import footnote_plugin

from lab_pipelines.text.formats import html_tags as tags
from lab_pipelines.text.formats._common import Blocks, heading, table_row
from lab_pipelines.text.formats.front_matter import split_front_matter
from lab_pipelines.text.formats.html import html_fragment
from lab_pipelines.text.formats.prepass import (
    dedent_jsx_children,
    drop_mdx_javascript,
    expand_shortcodes,
    is_jsx_line,
)

_HEADING_ID = re.compile(r"\s*\{#[^}]*\}\s*$")  # Hugo/Pandoc `## Title {#anchor}`
_ALERT = re.compile(r"\A\[!(?:NOTE|TIP|IMPORTANT|WARNING|CAUTION)\][ \t]*\n?", re.I)
_MYST_TARGET = re.compile(r"\A\([\w.-]+\)=\Z")
_TASK_BOX = re.compile(r"\A\[[ xX]\][ \t]+")
_CONTAINER_TITLE = re.compile(r"^\{?[\w-]*\}?\s*(?:\[(.*)\]|\"(.*)\"|(.*))$")
_QUOTED = re.compile(r"\"(.*)\"")
# MyST (Jupyter Book) directive fences: ```{note} holds prose, ```{code-cell} holds code.
_MYST_DIRECTIVE = re.compile(r"^\{([\w:-]+)\}\s*(.*)$")
_MYST_CODE = {"code", "code-block", "code-cell", "sourcecode", "math"}
_MYST_DROP = {"toctree", "include", "literalinclude", "raw", "image", "contents", "tableofcontents"}
_MYST_OPTION = re.compile(r"^\s*:[\w-]+:(\s|$)")


@lru_cache(maxsize=2)
def _parser(indented_code: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.use(footnote_plugin).use(admon_plugin)
    md.block.ruler.before(
        "html_block", "jsx_line", _jsx_line, {"alt": ["paragraph", "reference", "blockquote"]}
    )
    # Docusaurus admonitions (:::note[Title] … :::) may have any name.
    md.use(container_plugin, name="directive", validate=lambda params, markup: True)
    if not indented_code:
        md.disable("code")
    return md


def _jsx_line(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A line of only JSX component tags (<Tabs>, <Tab title="x">, </Tab>) shows nothing,
    nor does an inline tag written over several lines (`<a\n  href="…"\n>`).

    CommonMark would start an HTML block at the first and swallow the lines up to the next
    blank one, and would break the second at its `>` line (a block quote); MDX, and the
    authors of these pages, take the lines after the tag as Markdown.
    """
    last = start
    if not is_jsx_line(state.src[state.bMarks[start] : state.eMarks[start]]):
        begin = state.bMarks[start] + state.tShift[start]
        window = state.src[begin : state.eMarks[min(start + 10, end - 1)]]
        m = tags.TAG.match(window)
        if not m or "\n" not in m.group(0) or not _is_inline_tag(m.group(2)):
            return False
        while last < end and state.eMarks[last] < begin + m.end():
            last += 1
        if state.src[begin + m.end() : state.eMarks[last]].strip():
            return False
    if not silent:
        state.line = last + 1
        state.push("jsx_line", "", 0).map = [start, state.line]
    return True


def _is_inline_tag(name: str) -> bool:
    lower = name.lower()
    if tags.is_component(name):
        return True
    return lower in tags.KNOWN and not (
        lower in tags.HIDDEN or lower in tags.PARAGRAPH or lower in tags.LINE
    )


def parse_markdown(text: str, *, dialect: str = "markdown") -> tuple[str, str | None]:
    """(light Markdown, title or None); dialect is "markdown", "mdx" or "hugo-html".

    Only plain Markdown has indented code blocks: MDX dropped them, and the indentation of
    a Hugo HTML page is just HTML layout.
    """
    fields, body = split_front_matter(text)
    body = expand_shortcodes(body)
    md = _parser(indented_code=dialect == "markdown")
    if dialect == "mdx":
        body = dedent_jsx_children(body)
        code = {
            line
            for token in md.parse(body)
            if token.type in ("fence", "code_block") and token.map
            for line in range(*token.map)
        }
        body = drop_mdx_javascript(body, code)
    renderer = _Renderer()
    renderer.blocks_of(SyntaxTreeNode(md.parse(body)))
    out, first_heading = renderer.blocks.render(lambda prose: prose)
    title = plain(fields["title"]) if "title" in fields else first_heading
    return _with_front_matter(out, fields), title


def plain(value: str) -> str:
    """Inline Markdown (a front-matter value, a line of an HTML block) → its visible text."""
    return _Renderer().inline(SyntaxTreeNode(_parser(False).parseInline(value)).children[0])


def _with_front_matter(text: str, fields: dict[str, str]) -> str:
    # Hugo renders title and description from front matter, so the body rarely repeats them;
    # a leading "# title" also gives the chunker the document heading.
    title, description = fields.get("title"), fields.get("description")
    if not title:
        return text
    extra = plain(description) if description else ""
    first = text.lstrip("\n").split("\n", 1)
    if first[0].startswith("# "):
        rest = first[1] if len(first) > 1 else ""
        return "\n\n".join(part for part in (first[0], extra, rest) if part)
    return "\n\n".join(part for part in (heading(1, plain(title)), extra, text) if part)


class _Renderer:
    """Writes a markdown-it syntax tree as light Markdown into Blocks."""

    def __init__(self) -> None:
        self.blocks = Blocks()
        self._hidden = 0  # depth inside inline <script>, <svg> … whose text is not shown

    # --- blocks ---

    def blocks_of(self, node: SyntaxTreeNode, indent: str = "") -> None:
        for child in node.children:
            self._block(child, indent)

    def _block(self, node: SyntaxTreeNode, indent: str) -> None:
        kind = node.type
        if kind == "heading":
            text = _HEADING_ID.sub("", self.inline(node.children[0]))
            self._paragraph(heading(int(node.tag[1]), text))
        elif kind == "paragraph":
            text = _ALERT.sub("", self.inline(node.children[0]))
            if not _MYST_TARGET.match(text.strip()):
                self._paragraph(text)
        elif kind in ("bullet_list", "ordered_list"):
            self._list(node, indent)
        elif kind in ("fence", "code_block"):
            self._code(node.info.strip() if kind == "fence" else "", node.content)
        elif kind == "html_block":
            self._html(node.content)
        elif kind == "table":
            self._table(node)
        elif kind == "admonition":
            title = _QUOTED.search(node.info)  # without one, MkDocs shows only the type
            self._paragraph(title.group(1) if title else "")
            self.blocks_of(node)
        elif kind in ("admonition_title", "hr", "jsx_line"):
            self._paragraph("")
        elif kind.startswith("container_"):
            m = _CONTAINER_TITLE.match(node.info.strip())
            self._paragraph(next((g for g in m.groups() if g), "") if m else "")
            self.blocks_of(node)
        else:  # blockquote, footnote_block, footnote, and any container a plugin adds
            self.blocks_of(node, indent)

    def _paragraph(self, text: str) -> None:
        for line in text.split("\n"):
            self.blocks.prose(line)
        self.blocks.prose("")

    def _list(self, node: SyntaxTreeNode, indent: str) -> None:
        items = node.children
        tight = all(p.hidden for item in items for p in item.children if p.type == "paragraph")
        for item in items:
            marker = "- " if node.type == "bullet_list" else f"{item.info}{item.markup} "
            for position, child in enumerate(item.children):
                if position == 0 and child.type == "paragraph":
                    first, *rest = self.inline(child.children[0]).split("\n")
                    self.blocks.prose(indent + marker + _TASK_BOX.sub("", first))
                    for line in rest:
                        self.blocks.prose(line)
                elif child.type in ("bullet_list", "ordered_list"):
                    self._list(child, indent + "  ")
                else:
                    self.blocks.prose("")
                    self._block(child, indent)
            if not tight:
                self.blocks.prose("")
        self.blocks.prose("")

    def _table(self, node: SyntaxTreeNode) -> None:
        for section in node.children:  # thead, tbody
            for row in section.children:
                self.blocks.prose(
                    table_row([self.inline(cell.children[0]) for cell in row.children])
                )
        self.blocks.prose("")

    def _code(self, info: str, content: str) -> None:
        body = content.split("\n")
        m = _MYST_DIRECTIVE.match(info)
        if not m:
            self.blocks.code(body)
            return
        name, argument = m.group(1).lower(), m.group(2)
        if body and body[0].strip() == "---":
            end = next((k for k in range(1, len(body)) if body[k].strip() == "---"), 0)
            body = body[end + 1 :]
        while body and _MYST_OPTION.match(body[0]):
            body = body[1:]
        if name in _MYST_CODE:
            self.blocks.code(body)
        elif name not in _MYST_DROP:
            if name == "admonition" and argument:
                self._paragraph(argument)
            self.blocks_of(SyntaxTreeNode(_parser(False).parse("\n".join(body))))

    def _html(self, content: str) -> None:
        code: list[str] = []
        for text, verbatim in html_fragment(content):
            if verbatim:
                code.append(text)
                continue
            if code:
                self.blocks.code(code)
                code = []
            # Markdown inside an HTML block stays unparsed by CommonMark; authors still
            # write links and emphasis there and expect them rendered.
            self.blocks.prose(plain(text) if text else "")
        if code:
            self.blocks.code(code)
        self.blocks.prose("")

    # --- inline ---

    def inline(self, node: SyntaxTreeNode) -> str:
        out: list[str] = []
        self._inline(node.children, out)
        return "".join(out)

    def _inline(self, nodes: list[SyntaxTreeNode], out: list[str]) -> None:
        for node in nodes:
            kind = node.type
            if kind == "html_inline":
                self._inline_html(node.content, out)
            elif self._hidden or kind == "footnote_ref":
                continue
            elif kind in ("text", "code_inline"):
                out.append(node.content)
            elif kind in ("softbreak", "hardbreak"):
                out.append("\n")
            else:  # em, strong, s, link, image (its children are the alt text)
                self._inline(node.children, out)

    def _inline_html(self, raw: str, out: list[str]) -> None:
        m = tags.TAG.fullmatch(raw)
        if not m:
            if not raw.startswith("<!") and not raw.startswith("<?") and not self._hidden:
                out.append(raw)  # comments and declarations show nothing
            return
        closing, name = m.group(1) == "/", m.group(2)
        lower = name.lower()
        if lower in tags.HIDDEN or lower == "nav":
            if closing:
                self._hidden = max(0, self._hidden - 1)
            elif not raw.endswith("/>"):
                self._hidden += 1
        elif self._hidden:
            return
        elif lower == "li" and not closing:
            out.append("\n- ")
        elif lower in tags.KNOWN:
            if lower in tags.PARAGRAPH or lower in tags.LINE or lower == "br":
                out.append("\n")
        elif tags.is_component(name):
            out.append("\n")
        else:
            out.append(raw)  # not markup: a placeholder like <pod-name>
