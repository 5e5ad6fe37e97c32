"""What each HTML element means for the light-Markdown output: one table for html.py (pages)
and markdown.py (HTML and JSX inside Markdown)."""

from __future__ import annotations

import re


def _names(names: str) -> frozenset[str]:
    return frozenset(names.split())


# Never visible text: scripts, styles, widgets and embedded objects.
HIDDEN = _names(
    "script style noscript template svg iframe object embed canvas button form select dialog"
)
# Site chrome: dropped from whole pages (html.py) where the content is elsewhere.
CHROME = _names("nav header footer aside head")
CHROME_CLASSES = ("sidebar", "toc", "navbar", "breadcrumb", "headerlink")

HEADINGS = frozenset(f"h{n}" for n in range(1, 7))
# Blocks separated by a blank line.
PARAGRAPH = HEADINGS | _names(
    "p pre blockquote table ul ol dl section article main figure details address hr center"
)
# Blocks that start a new line.
LINE = _names(
    "div li tr dt dd summary figcaption caption legend body html fieldset header footer "
    "aside nav dialog tbody thead tfoot"
)
VOID = _names("area base br col embed hr img input link meta param source track wbr")
# Every other element name a Markdown author writes as HTML; a name outside all of these,
# such as <release_name> or <pod-name>, is a placeholder in prose and stays as text.
_INLINE = _names(
    "a abbr b bdi bdo big cite code data del dfn em font i ins kbd label mark picture q rp rt "
    "ruby s samp small span strike strong sub sup time tt u var video audio colgroup td th "
    "title"
)
KNOWN = HIDDEN | CHROME | PARAGRAPH | LINE | VOID | _INLINE

# A start or end tag, including JSX ones whose attribute values are {expressions}.
TAG = re.compile(
    r"<(/?)([A-Za-z][\w.-]*)(?=[\s/>])"
    r"((?:\"[^\"]*\"|'[^']*'|\{(?:[^{}]|\{[^{}]*\})*\}|[^<>\"'{}])*)>"
)


def is_component(name: str) -> bool:
    """An MDX/JSX component such as <Tabs> or <TabItem>: markup, with no text of its own."""
    return name[0].isupper() and any(c.islower() for c in name)


def is_markup(name: str) -> bool:
    return name.lower() in KNOWN or is_component(name)


def escape_placeholders(fragment: str) -> str:
    """Write <placeholder> tags as text, so an HTML parser shows them instead of eating them."""

    def replace(m: re.Match[str]) -> str:
        return m.group(0) if is_markup(m.group(2)) else "&lt;" + m.group(0)[1:]

    return TAG.sub(replace, fragment)
