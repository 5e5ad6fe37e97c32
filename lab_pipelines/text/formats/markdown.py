"""Markdown, MDX (Docusaurus, Mintlify) and Hugo content pages → light Markdown.

Order matters: Hugo shortcodes are expanded first (Hugo does so before rendering, even inside
code fences), then the text is split into code fences and prose, and only prose loses its
markup. Inline code spans are stashed before any regex so `<placeholder>` text survives.
"""

from __future__ import annotations

import html
import re

from lab_pipelines.text.formats._common import Blocks, Stash, dedent, heading, table_row

# --- front matter -------------------------------------------------------------------------

_YAML_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_TOML_FRONT = re.compile(r"\A\+\+\+[ \t]*\n(.*?)\n?\+\+\+[ \t]*(?:\n|\Z)", re.S)
_FRONT_KEYS = ("title", "description")


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """({'title': …, 'description': …} as found, body without the front matter)."""
    m = _YAML_FRONT.match(text)
    if m:
        found = {key: _yaml_value(m.group(1), key) for key in _FRONT_KEYS}
    else:
        m = _TOML_FRONT.match(text)
        if not m:
            return {}, text
        found = {key: _toml_value(m.group(1), key) for key in _FRONT_KEYS}
    return {k: v for k, v in found.items() if v}, text[m.end() :]


def _yaml_value(block: str, key: str) -> str | None:
    # Only top-level scalars are needed, so a few lines of YAML beat a YAML dependency.
    lines = block.split("\n")
    for i, line in enumerate(lines):
        m = re.match(rf"{key}[ \t]*:[ \t]*(.*)$", line)
        if not m:
            continue
        value = m.group(1).strip()
        more = []
        for following in lines[i + 1 :]:
            if following.strip() and not following[:1].isspace():
                break
            more.append(following.strip())
        if re.fullmatch(r"[|>][+-]?\d*", value):
            return " ".join(part for part in more if part)
        joined = " ".join([value, *more]).strip()
        if value.startswith('"'):
            q = re.match(r'"((?:[^"\\]|\\.)*)"', joined)
            return re.sub(r"\\(.)", r"\1", q.group(1)) if q else joined.strip('"')
        if value.startswith("'"):
            q = re.match(r"'((?:[^']|'')*)'", joined)
            return q.group(1).replace("''", "'") if q else joined.strip("'")
        return re.sub(r"\s+#.*$", "", joined)
    return None


def _toml_value(block: str, key: str) -> str | None:
    m = re.search(rf"""(?m)^{key}\s*=\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)')""", block)
    if not m:
        return None
    return re.sub(r"\\(.)", r"\1", m.group(1)) if m.group(1) is not None else m.group(2)


def _with_front_matter(text: str, fields: dict[str, str]) -> str:
    # Hugo renders title and description from front matter, so the body rarely repeats them;
    # a leading "# title" also gives the chunker the document heading.
    title, description = fields.get("title"), fields.get("description")
    if not title:
        return text
    extra = _plain(description) if description else ""
    first = text.lstrip("\n").split("\n", 1)
    if first[0].startswith("# "):
        rest = first[1] if len(first) > 1 else ""
        return "\n\n".join(part for part in (first[0], extra, rest) if part)
    return "\n\n".join(part for part in (heading(1, _plain(title)), extra, text) if part)


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


# --- code fences and HTML comments --------------------------------------------------------

_FENCE = re.compile(r"^([ \t]*)(`{3,}|~{3,})[ \t]*(.*?)[ \t]*$")
_MYST_DIRECTIVE = re.compile(r"^\{([\w:-]+)\}\s*(.*)$")
_MYST_CODE = {"code", "code-block", "code-cell", "sourcecode", "math"}
_MYST_DROP = {"toctree", "include", "literalinclude", "raw", "image", "contents", "tableofcontents"}
_MYST_OPTION = re.compile(r"^\s*:[\w-]+:(\s|$)")
_MKDOCS_ADMONITION = re.compile(r"^(?:!!!|\?\?\?\+?)\s*[\w-]+(?:\s+\"(.*)\")?\s*$")


def _scan(lines: list[str], items: list[tuple[str, list[str]]], indented_code: bool) -> None:
    """Split lines into ("prose", lines) and ("code", lines) items; drop HTML comments."""
    prose: list[str] = []
    in_comment = in_list = False
    i = 0

    def flush() -> None:
        nonlocal prose
        if prose:
            items.append(("prose", prose))
            prose = []

    while i < len(lines):
        line = lines[i]
        previous_blank = i == 0 or not lines[i - 1].strip()
        i += 1
        if in_comment:
            end = line.find("-->")
            if end < 0:
                continue
            line, in_comment = line[end + 3 :], False
        line, in_comment = _drop_comments(line)
        indent = _indent(line)
        if in_comment or not line.strip():
            prose.append(line)
            continue
        if (m := _FENCE.match(line)) and not (m.group(2)[0] == "`" and "`" in m.group(3)):
            fence, body = m.group(2), []
            closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
            while i < len(lines) and not closing.match(lines[i]):
                body.append(lines[i])
                i += 1
            i += 1  # the closing fence (or the end: an unclosed fence runs to the end)
            flush()
            _fenced(m.group(3), dedent(body), items)
            continue
        if indent < 4 and (m := _MKDOCS_ADMONITION.match(line.strip())):
            # MkDocs admonitions hold their content indented by four spaces.
            end = _indented_block_end(lines, i)
            flush()
            items.append(("prose", ["", m.group(1) or "", ""]))
            _scan([body[4:] for body in _expand(lines[i:end])], items, indented_code)
            i = end
            continue
        if indented_code and indent >= 4 and previous_blank and not in_list:
            # A CommonMark indented code block (outside lists, where indentation nests).
            end = _indented_block_end(lines, i)
            flush()
            items.append(("code", lines[i - 1 : end]))
            i = end
            continue
        if indent < 4 and (_BULLET.match(line) or _ORDERED.match(line)):
            in_list = True
        elif indent == 0 and previous_blank:
            in_list = False
        prose.append(line)
    flush()


def _indent(line: str) -> int:
    expanded = line.expandtabs(4)
    return len(expanded) - len(expanded.lstrip()) if expanded.strip() else 0


def _expand(lines: list[str]) -> list[str]:
    return [line.expandtabs(4) for line in lines]


def _indented_block_end(lines: list[str], start: int) -> int:
    """Index after the lines from `start` that are blank or indented by four or more."""
    end = j = start
    while j < len(lines) and (not lines[j].strip() or _indent(lines[j]) >= 4):
        j += 1
        if lines[j - 1].strip():
            end = j
    return end


def _drop_comments(line: str) -> tuple[str, bool]:
    line = re.sub(r"<!--.*?-->", "", line)
    start = line.find("<!--")
    return (line, False) if start < 0 else (line[:start], True)


def _fenced(info: str, body: list[str], items: list[tuple[str, list[str]]]) -> None:
    m = _MYST_DIRECTIVE.match(info)
    if not m:
        items.append(("code", body))
        return
    # MyST (Jupyter Book) directive fences: {note} holds prose, {code-cell} holds code.
    name, argument = m.group(1).lower(), m.group(2)
    if body and body[0].strip() == "---":
        end = next((k for k in range(1, len(body)) if body[k].strip() == "---"), 0)
        body = body[end + 1 :]
    while body and _MYST_OPTION.match(body[0]):
        body = body[1:]
    if name in _MYST_CODE:
        items.append(("code", body))
    elif name not in _MYST_DROP:
        if name == "admonition" and argument:
            items.append(("prose", ["", argument, ""]))
        _scan(body, items, indented_code=False)


# --- HTML and JSX inside Markdown ---------------------------------------------------------

_DROPPED_ELEMENTS = re.compile(
    r"<(script|style|noscript|template|svg|iframe|button|form|select|nav|object)\b.*?</\1\s*>",
    re.S | re.I,
)
_HTML_HEADING = re.compile(r"<h([1-6])\b[^>]*>(.*?)</h\1\s*>", re.S | re.I)
_HTML_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr\s*>", re.S | re.I)
_HTML_CELL = re.compile(r"<t[hd]\b[^>]*>(.*?)(?=<t[hd]\b|\Z)", re.S | re.I)
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^\s<>]+)>")
_TAG = re.compile(
    r"<(/?)([A-Za-z][\w.-]*)(?=[\s/>])"
    r"((?:\"[^\"]*\"|'[^']*'|\{(?:[^{}]|\{[^{}]*\})*\}|[^<>\"'{}])*)>"
)
_HTML_TAGS = frozenset(
    {
        "a",
        "abbr",
        "article",
        "aside",
        "audio",
        "b",
        "bdi",
        "bdo",
        "big",
        "blockquote",
        "body",
        "br",
        "caption",
        "center",
        "cite",
        "code",
        "col",
        "colgroup",
        "dd",
        "del",
        "details",
        "dfn",
        "dialog",
        "div",
        "dl",
        "dt",
        "em",
        "embed",
        "fieldset",
        "figcaption",
        "figure",
        "font",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "head",
        "header",
        "hr",
        "html",
        "i",
        "img",
        "input",
        "ins",
        "kbd",
        "legend",
        "li",
        "link",
        "main",
        "mark",
        "meta",
        "nav",
        "ol",
        "p",
        "param",
        "picture",
        "pre",
        "q",
        "s",
        "samp",
        "section",
        "small",
        "source",
        "span",
        "strike",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "track",
        "tt",
        "u",
        "ul",
        "var",
        "video",
        "wbr",
    }
)
_BLOCK_TAGS = frozenset(
    {
        "article",
        "aside",
        "blockquote",
        "body",
        "br",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "header",
        "hr",
        "html",
        "li",
        "main",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "tr",
        "ul",
    }
)
_MDX_COMMENT = re.compile(r"\{/\*.*?\*/\}", re.S)
# Only lines that look like JavaScript: prose in an MDX file may well start with "import".
_MDX_IMPORT = re.compile(r"""^import\s+(?:['"]|.*\bfrom\s*['"]|[\w$,\s]*\{[^}]*$)""")
_MDX_EXPORT = re.compile(r"^export\s+(?:const|let|var|function|default|class|async|\{)")


def _strip_html(text: str) -> str:
    text = _DROPPED_ELEMENTS.sub("\n", text)
    text = _HTML_HEADING.sub(
        lambda m: "\n\n" + heading(int(m.group(1)), _inner_text(m.group(2))) + "\n\n", text
    )
    text = _HTML_ROW.sub(
        lambda m: "\n" + table_row([_inner_text(c) for c in _HTML_CELL.findall(m.group(1))]) + "\n",
        text,
    )
    text = _AUTOLINK.sub(r"\1", text)
    return _TAG.sub(_replace_tag, text)


def _replace_tag(m: re.Match[str]) -> str:
    name = m.group(2)
    lower = name.lower()
    if lower in _HTML_TAGS:
        if lower == "li" and not m.group(1):
            return "\n- "
        return "\n" if lower in _BLOCK_TAGS else ""
    if name[0].isupper() and any(c.islower() for c in name):
        return "\n"  # an MDX/JSX component such as <Tabs> or <TabItem value="x">
    return m.group(0)  # not markup: a placeholder like <release_name>


def _inner_text(fragment: str) -> str:
    return " ".join(re.sub(r"<[^>]*>", " ", fragment).split())


def _drop_mdx_statements(text: str) -> str:
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
    return "\n".join(out)


# --- prose lines --------------------------------------------------------------------------

# Spans are bounded in length so that stray delimiters in a long paragraph stay linear.
_CODE_SPAN = re.compile(r"(?<![`\\])(`+)(?!`)((?:(?!\n[ \t]*\n).){1,2000}?)(?<!`)\1(?!`)", re.S)
_QUOTE = re.compile(r"^[ \t]*(?:>[ \t]?)+")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_HEADING_ID = re.compile(r"\s*\{#[^}]*\}\s*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_THEMATIC = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_TABLE_SEPARATOR = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_BULLET = re.compile(r"^([ \t]*)[*+-][ \t]+(?:\[[ xX]\][ \t]+)?(.*)$")
_ORDERED = re.compile(r"^([ \t]*)(\d{1,9}[.)])[ \t]+(.*)$")
_REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[(?!\^)[^\]]+\]:\s*\S+.*$")
_FOOTNOTE_DEFINITION = re.compile(r"^ {0,3}\[\^[^\]]+\]:\s*")
_ADMONITION = re.compile(r"^:{3,}\s*\{?([\w-]*)\}?\s*(?:\[(.*)\]|\"(.*)\"|(.*))$")
_ALERT = re.compile(r"^\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]$", re.I)
_MYST_TARGET = re.compile(r"^\([\w.-]+\)=$")


def _prose_lines(lines: list[str], stash: Stash, mdx: bool) -> list[str]:
    text = _CODE_SPAN.sub(lambda m: stash.put(_code_span(m.group(2))), "\n".join(lines))
    if mdx:
        text = _drop_mdx_statements(_MDX_COMMENT.sub("", text))
    return _block_lines(_strip_html(text).split("\n"))


def _code_span(content: str) -> str:
    content = content.replace("\n", " ")
    if content.startswith(" ") and content.endswith(" ") and content.strip():
        content = content[1:-1]
    return content


def _block_lines(lines: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = _QUOTE.sub("", lines[i])
        text = line.strip()
        following = _QUOTE.sub("", lines[i + 1]) if i + 1 < len(lines) else ""
        i += 1
        if not text or _ALERT.match(text) or _MYST_TARGET.match(text):
            out.append("")
        elif m := _ADMONITION.match(text):
            title = next((g for g in m.groups()[1:] if g), "")
            out.extend(["", title.strip(), ""])
        elif m := _ATX.match(line):
            out.extend(["", heading(len(m.group(1)), _HEADING_ID.sub("", m.group(2) or "")), ""])
        elif "|" in text and _TABLE_SEPARATOR.match(following) and "|" in following:
            out.append(_markdown_row(text))
            i += 1
            while i < len(lines) and "|" in lines[i] and lines[i].strip():
                out.append(_markdown_row(_QUOTE.sub("", lines[i]).strip()))
                i += 1
        elif (
            _SETEXT.match(following)
            and not (_BULLET.match(line) or _SETEXT.match(line) or _THEMATIC.match(line))
            and (not out or not out[-1])
        ):
            out.extend(["", heading(1 if following.strip()[0] == "=" else 2, text), ""])
            i += 1
        elif _THEMATIC.match(line) or _SETEXT.match(line) or _REFERENCE_DEFINITION.match(line):
            out.append("")
        elif m := _BULLET.match(line):
            out.append(f"{m.group(1)}- {m.group(2).strip()}")
        elif m := _ORDERED.match(line):
            out.append(f"{m.group(1)}{m.group(2)} {m.group(3).strip()}")
        else:
            out.append(_FOOTNOTE_DEFINITION.sub("", text))
    return out


def _markdown_row(row: str) -> str:
    row = re.sub(r"^\|", "", row)
    row = re.sub(r"(?<!\\)\|$", "", row)
    return table_row(re.split(r"(?<!\\)\|", row))


# --- inline markup ------------------------------------------------------------------------

_IMAGE = re.compile(
    r"!\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]"
    r"\(\s*<?(?:[^()\s<>]|\([^()\s]*\))*>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
)
_IMAGE_REFERENCE = re.compile(r"!\[([^\[\]\n]*)\]\[[^\[\]\n]*\]")
_LINK = re.compile(
    r"\[((?:[^\[\]]|\[[^\[\]]*\])*?)\]"
    r"\(\s*<?(?:[^()\s<>]|\([^()\s]*\))*>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
)
_LINK_REFERENCE = re.compile(r"\[([^\[\]\n]+)\]\[[^\[\]\n]*\]")
_FOOTNOTE_REFERENCE = re.compile(r"\[\^[^\]\s]+\]")
# Strong emphasis may wrap onto the next line of its paragraph.
_STRONG_STAR = re.compile(r"\*\*(?=\S)((?:(?!\n[ \t]*\n).){1,1000}?)(?<=\S)\*\*", re.S)
_STRONG_UNDERSCORE = re.compile(r"(?<![\w\\])__(?=\S)([^\n]{1,1000}?)(?<=\S)__(?!\w)")
_EM_STAR = re.compile(r"(?<![\\*])\*(?=[^\s*])([^\n*]+?)(?<=[^\s\\*])\*(?!\*)")
_EM_UNDERSCORE = re.compile(r"(?<![\w\\])_(?=[^\s_])([^\n_]+?)(?<=[^\s\\_])_(?!\w)")
_STRIKE = re.compile(r"~~(?=\S)([^\n]{1,1000}?)(?<=\S)~~")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_HARD_BREAK = re.compile(r"\\$", re.M)


def _inline(text: str) -> str:
    text = _IMAGE.sub(r"\1", text)
    text = _IMAGE_REFERENCE.sub(r"\1", text)
    for _ in range(2):  # [![alt](img)](url) → [alt](url) → alt
        text = _LINK.sub(r"\1", text)
    text = _LINK_REFERENCE.sub(r"\1", text)
    text = _FOOTNOTE_REFERENCE.sub("", text)
    for pattern in (_STRONG_STAR, _STRONG_UNDERSCORE, _EM_STAR, _EM_UNDERSCORE, _STRIKE):
        text = pattern.sub(r"\1", text)
    text = _HARD_BREAK.sub("", text)
    return html.unescape(_ESCAPE.sub(r"\1", text))


def _plain(value: str) -> str:
    """A front-matter value without inline markup (it never went through the prose path)."""
    return _inline(_CODE_SPAN.sub(lambda m: _code_span(m.group(2)), value))


# --- entry point --------------------------------------------------------------------------


def parse_markdown(text: str, *, dialect: str = "markdown") -> tuple[str, str | None]:
    """(light Markdown, title or None); dialect is "markdown", "mdx" or "hugo-html".

    Only plain Markdown has indented code blocks: MDX dropped them, and the indentation of
    a Hugo HTML page is just HTML layout.
    """
    mdx = dialect == "mdx"
    fields, body = split_front_matter(text)
    items: list[tuple[str, list[str]]] = []
    _scan(expand_shortcodes(body).split("\n"), items, indented_code=dialect == "markdown")
    stash, blocks = Stash(), Blocks()
    for kind, lines in items:
        if kind == "code":
            blocks.code(lines)
        else:
            for line in _prose_lines(lines, stash, mdx):
                blocks.prose(line)
    out, first_heading = blocks.render(lambda prose: stash.restore(_inline(prose)))
    title = _plain(fields["title"]) if "title" in fields else first_heading
    return _with_front_matter(out, fields), title
