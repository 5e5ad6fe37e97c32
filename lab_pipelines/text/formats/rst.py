"""reStructuredText (Sphinx) → light Markdown, with docutils.

docutils parses, silently and safely (no file inclusion, no raw output, no report). Sphinx's
directives and roles are not docutils', so every name docutils does not know is registered
before parsing: code directives keep their lines, index-like ones drop out, and the others
(grid, tab-set, …) keep their visible text; unknown roles show their text.
"""

from __future__ import annotations

import re

from docutils import nodes
from docutils.core import publish_doctree
from docutils.parsers.rst import Directive, directives, roles
from docutils.parsers.rst.languages import en

from lab_pipelines.text.formats._common import Blocks, heading, table_row

_SETTINGS = {
    "report_level": 5,  # none: a malformed document still gives its text
    "halt_level": 5,  # never stop on an error
    "warning_stream": False,
    "file_insertion_enabled": False,  # `.. include::` and csv-table :file: read nothing
    "raw_enabled": False,
    "doctitle_xform": False,  # the first title stays a section, as the chunker expects
    "docinfo_xform": False,
    "sectsubtitle_xform": False,
    "syntax_highlight": "none",
    "smart_quotes": False,
    "input_encoding": "unicode",
    "language_code": "en",
    "_disable_config": True,
    # Korean glues particles to markup (`링크 <url>`__를): markup may end inside a word.
    "character_level_inline_markup": True,
}

_CODE = {
    "code",  # Sphinx's code directives take options (:linenos:, :caption:) docutils' lacks
    "code-block",
    "sourcecode",
    "doctest",
    "testcode",
    "testoutput",
    "ipython",
    "jupyter-execute",
    "prompt",
    "productionlist",
}
_DROP = {
    "raw",
    "include",
    "toctree",
    "literalinclude",
    "highlight",
    "index",
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
}
# Directives whose argument's first line is not visible text (a column count, a condition).
_SILENT_ARGUMENT = {"grid", "grid-item", "tab-set", "only", "ifconfig"}
# `.. versionadded:: 2.1 Explanation` shows the explanation, not the version.
_VERSION = {"versionadded", "versionchanged", "deprecated", "versionremoved"}
_ICON_ROLES = ("octicon", "fa", "fas", "far", "fab", "material", "bdg")
_DIRECTIVE_NAME = re.compile(r"^[ \t]*\.\.[ \t]+([\w:.+-]+)::", re.M)
_ROLE_NAME = re.compile(r"(?<![\w`]):((?:[\w.+-]+:)*[\w.+-]+):`")
_LINK_TARGET = re.compile(r"^(.*?)\s*<([^<>]+)>$", re.S)
_BROKEN_REFERENCE = re.compile(r"^`([^`]*)`__?$", re.S)
# Nodes whose content no reader sees: link targets, comments, images, error reports, …
_INVISIBLE = (
    nodes.comment,
    nodes.substitution_definition,
    nodes.image,
    nodes.raw,
    nodes.pending,
    nodes.decoration,
    nodes.label,
    nodes.footnote_reference,
    nodes.citation_reference,
    nodes.generated,
)


def parse_rst(text: str) -> tuple[str, str | None]:
    """(light Markdown, first section title or None)."""
    _register_unknown_names(text)
    try:
        document = publish_doctree(text, settings_overrides=_SETTINGS)
    except Exception:  # docutils may still fail on odd markup: keep the text as written
        return text, None
    writer = _Writer()
    writer.children(document, depth=0, indent="")
    return writer.blocks.render(lambda prose: prose)


# --- Sphinx names ---------------------------------------------------------------------------


class _AnyOptions(dict):
    """Accepts every `:option:` of a directive we do not know."""

    def __missing__(self, key: str) -> object:
        return directives.unchanged

    def __bool__(self) -> bool:
        return True


class _Sphinx(Directive):
    """A directive docutils lacks: code keeps its lines, the others their visible text."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = _AnyOptions()

    def run(self) -> list[nodes.Node]:
        name = self.name.lower()
        if name in _DROP:
            return []
        if name in _CODE:
            # Without a blank line after `.. code-block:: python`, docutils reads the code
            # as more argument; the language is its first word.
            argument = self.arguments[0] if self.arguments else ""
            lines = [*argument.split("\n")[1:], *self.content]
            return [nodes.literal_block("", "\n".join(lines))]
        box = nodes.container()
        argument = self.arguments[0] if self.arguments else ""
        if name in _VERSION:
            argument = argument.partition(" ")[2] if " " in argument.split("\n")[0] else ""
            argument = "\n".join([argument, *self.arguments[0].split("\n")[1:]]).strip()
        elif name in _SILENT_ARGUMENT:
            argument = "\n".join(argument.split("\n")[1:])  # more text, without a blank line
        if argument:
            shown, _ = self.state.inline_text(argument, self.lineno)
            box += nodes.paragraph("", "", *shown)
        self.state.nested_parse(self.content, self.content_offset, box)
        return [box]


def _role(
    name: str, rawtext: str, text: str, lineno: int, inliner: object, options=None, content=None
) -> tuple[list[nodes.Node], list[nodes.Node]]:
    """A Sphinx role (:ref:, :doc:, :func:, …): `title <target>` shows the title."""
    if name.split("-")[0] in _ICON_ROLES:
        return [], []
    shown = text.replace("\x00", "")
    m = _LINK_TARGET.match(shown)
    if m:
        shown = m.group(1) or m.group(2)
    return [nodes.literal(rawtext, shown.lstrip("~!"))], []


def _register_unknown_names(text: str) -> None:
    # docutils keeps one process-wide registry; this module is its only user here.
    known_directives = set(directives._directive_registry) | set(en.directives)
    for name in set(_DIRECTIVE_NAME.findall(text)) - known_directives:
        directives.register_directive(name, _Sphinx)
    known_roles = set(roles._role_registry) | set(en.roles)
    for name in set(_ROLE_NAME.findall(text)) - known_roles:
        roles.register_local_role(name, _role)


for _name in _CODE | _DROP:
    directives.register_directive(_name, _Sphinx)


# --- doctree → light Markdown ----------------------------------------------------------------


class _Writer:
    def __init__(self) -> None:
        self.blocks = Blocks()

    def children(self, node: nodes.Element, depth: int, indent: str) -> None:
        for child in node.children:
            self.block(child, depth, indent)

    def block(self, node: nodes.Node, depth: int, indent: str) -> None:
        if isinstance(node, _INVISIBLE) or _is_toc(node):
            return
        if isinstance(node, nodes.system_message):
            # A directive docutils could not run: keep its lines as written, not lose them.
            for block in node.findall(nodes.literal_block):
                if node.get("level", 0) >= 3 and block.astext().startswith(".."):
                    self.blocks.code(block.astext().split("\n"))
            return
        if isinstance(node, nodes.section):
            self.children(node, depth + 1, indent)
        elif isinstance(node, nodes.title):
            if isinstance(node.parent, nodes.section):
                self.paragraph(heading(depth, inline(node)))
            else:  # a table's, topic's, sidebar's or admonition's title
                self.paragraph(inline(node))
        elif isinstance(node, (nodes.literal_block, nodes.doctest_block, nodes.math_block)):
            self.blocks.code(node.astext().split("\n"))
        elif isinstance(node, (nodes.bullet_list, nodes.enumerated_list)):
            self.items(node, depth, indent)
        elif isinstance(node, nodes.table):
            self.table(node)
        elif isinstance(node, nodes.field):
            name, body = node.children
            self.paragraph(f"{inline(name)}: {inline(body)}")
        elif isinstance(node, nodes.definition_list_item):
            for part in node.children:
                if isinstance(part, nodes.definition):
                    self.children(part, depth, indent)
                else:  # the term and its classifiers
                    self.blocks.prose(inline(part))
        elif isinstance(node, nodes.line_block):
            for line in node.findall(nodes.line):
                self.blocks.prose(inline(line))
            self.blocks.prose("")
        elif isinstance(node, nodes.transition):
            self.blocks.prose("")
        elif isinstance(node, (nodes.TextElement, nodes.Text)):
            self.paragraph(inline(node))  # paragraph, rubric, attribution, caption, …
        elif isinstance(node, nodes.Element):
            self.children(node, depth, indent)  # block quote, admonitions, containers, …

    def paragraph(self, text: str) -> None:
        for line in text.split("\n"):
            self.blocks.prose(line.strip())  # a removed icon role may leave a space
        self.blocks.prose("")

    def items(self, node: nodes.Element, depth: int, indent: str) -> None:
        start = node.get("start", 1)
        for number, item in enumerate(node.children, start):
            if isinstance(node, nodes.bullet_list):
                marker = "- "
            else:
                enumerator = _enumerator(number, node.get("enumtype", "arabic"))
                marker = f"{node.get('prefix', '')}{enumerator}{node.get('suffix', '.')} "
            for position, child in enumerate(item.children):
                if position == 0 and isinstance(child, nodes.paragraph):
                    first, *rest = inline(child).split("\n")
                    self.blocks.prose(indent + marker + first)
                    for line in rest:
                        self.blocks.prose(line)
                elif isinstance(child, (nodes.bullet_list, nodes.enumerated_list)):
                    self.items(child, depth, indent + "  ")
                else:
                    self.blocks.prose("")
                    self.block(child, depth, indent)
        self.blocks.prose("")

    def table(self, node: nodes.Element) -> None:
        for child in node.children:
            if isinstance(child, nodes.title):
                self.paragraph(inline(child))
        for row in node.findall(nodes.row):
            self.blocks.prose(table_row([inline(entry) for entry in row.children]))
        self.blocks.prose("")


def inline(node: nodes.Node) -> str:
    """The visible text of inline markup: no footnote labels, images or error reports."""
    if isinstance(node, nodes.Text):
        return node.astext()
    if isinstance(node, (*_INVISIBLE, nodes.system_message)) or not isinstance(node, nodes.Element):
        return ""
    if isinstance(node, nodes.problematic):
        # Markup docutils could not resolve, shown as written; a broken reference
        # (`text <<url>>`_) without its backquotes.
        m = _BROKEN_REFERENCE.match(node.astext())
        return m.group(1) if m else node.astext()
    if not isinstance(node, nodes.TextElement):  # the blocks of a table cell or a field
        return " ".join(part for part in map(inline, node.children) if part)
    out = ""
    for child in node.children:
        if isinstance(child, (nodes.footnote_reference, nodes.citation_reference)):
            out = out.rstrip(" ")  # "Fact [1]_." reads "Fact."
        else:
            out += inline(child)
    return out


def _is_toc(node: nodes.Node) -> bool:
    return isinstance(node, nodes.topic) and "contents" in node.get("classes", [])


def _enumerator(number: int, kind: str) -> str:
    if kind in ("loweralpha", "upperalpha"):
        letter = chr(ord("a") + (number - 1) % 26)
        return letter if kind == "loweralpha" else letter.upper()
    if kind in ("lowerroman", "upperroman"):
        roman = _roman(number)
        return roman.lower() if kind == "lowerroman" else roman
    return str(number)


def _roman(number: int) -> str:
    out = ""
    for value, digits in zip(
        (1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1),
        ("M", "CM", "D", "CD", "C", "XC", "L", "XL", "X", "IX", "V", "IV", "I"),
        strict=True,
    ):
        while number >= value:
            out, number = out + digits, number - value
    return out
