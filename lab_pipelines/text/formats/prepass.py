"""Text-level passes before Markdown parsing: Hugo shortcodes and MDX's JavaScript.

Hugo expands shortcodes before rendering, even inside code fences, so they go first, over the
whole text. MDX's import/export statements and {/* comments */} are JavaScript, not
Markdown: they are dropped everywhere except in code, whose lines the caller names.
"""

from __future__ import annotations

import re
from collections.abc import Container

from lab_pipelines.text.formats import html_tags as tags

# --- Hugo shortcodes ----------------------------------------------------------------------

_HUGO_COMMENTS = re.compile(
    r"\{\{<\s*comment\s*>\}\}.*?\{\{<\s*/comment\s*>\}\}|\{\{/\*.*?\*/\}\}", re.S
)
_SHORTCODE = re.compile(
    r"\{\{([<%])\s*(/?)\s*([\w./-]+)((?:\"[^\"]*\"|'[^']*'|`[^`]*`|[^\"'`{}<])*?)\s*/?\s*[>%]\}\}",
    re.S,
)
_HANGUL = re.compile("[\uac00-\ud7a3]")
# `## {{% heading "whatsnext" %}}` renders a translated label (kubernetes/website i18n files).
_HEADING_LABELS = {
    "en": {
        "whatsnext": "What's next",
        "prerequisites": "Before you begin",
        "objectives": "Objectives",
        "cleanup": "Cleaning up",
    },
    "ko": {
        "whatsnext": "다음 내용",
        "prerequisites": "시작하기 전에",
        "objectives": "목적",
        "cleanup": "정리하기",
    },
}


def expand_shortcodes(text: str) -> str:
    """Replace Hugo shortcodes by their visible text; paired ones keep their inner text."""
    text = _HUGO_COMMENTS.sub("", text)
    labels = _HEADING_LABELS["ko" if len(_HANGUL.findall(text)) >= 10 else "en"]

    def replace(m: re.Match[str]) -> str:
        closing, name, args = m.group(2) == "/", m.group(3), m.group(4)
        if name in ("mermaid", "highlight"):
            # Diagram and highlight bodies are code: fence them so prose rules leave them alone.
            if closing:
                return "\n```\n"
            return "\n```" + ("" if name == "mermaid" else _positional(args)) + "\n"
        if closing:
            return ""
        if name == "heading":
            key = _positional(args)
            return labels.get(key, key.replace("_", " ").capitalize())
        visible = _argument(args, "text")
        if not visible and name == "glossary_tooltip":
            visible = _argument(args, "term_id")  # rendered as the glossary term's name
        return visible

    return _SHORTCODE.sub(replace, text)


def _argument(args: str, name: str) -> str:
    m = re.search(rf"""(?:^|\s){name}\s*=\s*(?:"([^"]*)"|'([^']*)'|`([^`]*)`|(\S+))""", args)
    return next((g for g in m.groups() if g is not None), "") if m else ""


def _positional(args: str) -> str:
    m = re.match(r"""\s*(?:"([^"]*)"|'([^']*)'|([^\s=]+)(?=\s|$))""", args)
    return next((g for g in m.groups() if g is not None), "") if m else ""


# --- MDX ----------------------------------------------------------------------------------

_MDX_COMMENT = re.compile(r"\{/\*.*?\*/\}", re.S)
# Only lines that look like JavaScript: prose in an MDX file may well start with "import".
_MDX_IMPORT = re.compile(r"""^import\s+(?:['"]|.*\bfrom\s*['"]|[\w$,\s]*\{[^}]*$)""")
_MDX_EXPORT = re.compile(r"^export\s+(?:const|let|var|function|default|class|async|\{)")
_TAG_RUN = re.compile(rf"[ \t]*(?:{tags.TAG.pattern}[ \t]*)+")


def is_jsx_line(line: str) -> bool:
    """A line of only JSX component tags, such as `<Tab title="x">` or `</Tab> <Tab>`."""
    return bool(_TAG_RUN.fullmatch(line)) and all(
        tags.is_component(m.group(2)) for m in tags.TAG.finditer(line)
    )


def dedent_jsx_children(text: str) -> str:
    """Dedent the lines between JSX tag lines, as MDX reads them.

    MDX has no indented code, so `<Tab>`'s children may be indented as deep as the author
    likes; CommonMark would take an indented line after a paragraph as more paragraph, and
    would not see a fence there.
    """
    lines = text.split("\n")
    out: list[str] = []
    segment: list[str] = []
    inside = False
    for line in lines:
        if is_jsx_line(line):
            out += _dedent(segment) if inside else segment
            out.append(line)
            segment, inside = [], True
        else:
            segment.append(line)
    return "\n".join(out + (_dedent(segment) if inside else segment))


def _dedent(lines: list[str]) -> list[str]:
    cut = min((len(x) - len(x.lstrip(" ")) for x in lines if x.strip()), default=0)
    return [x[cut:] for x in lines]


def drop_mdx_javascript(text: str, code_lines: Container[int]) -> str:
    """Blank out MDX comments and import/export statements outside the given code lines."""
    lines = text.split("\n")
    out: list[str] = []
    segment: list[str] = []
    for number, line in enumerate(lines):
        if number in code_lines:
            out += _drop_statements(_MDX_COMMENT.sub("", "\n".join(segment))) if segment else []
            segment = []
            out.append(line)
        else:
            segment.append(line)
    if segment:
        out += _drop_statements(_MDX_COMMENT.sub("", "\n".join(segment)))
    return "\n".join(out)


def _drop_statements(text: str) -> list[str]:
    lines, out, i = text.split("\n"), [], 0
    while i < len(lines):
        statement = lines[i]
        i += 1
        if not (_MDX_IMPORT.match(statement) or _MDX_EXPORT.match(statement)):
            out.append(statement)
            continue
        # A statement may span lines: `import {\n  A,\n} from "x"` or `export const x = {…}`.
        while (
            i < len(lines)
            and lines[i].strip()
            and (
                statement.count("{") > statement.count("}")
                or (statement.startswith("import") and not re.search(r"""['"]""", statement))
            )
        ):
            statement += "\n" + lines[i]
            i += 1
        out.append("")
    return out
