"""Python tutorials in Sphinx-Gallery's layout (.py): the reStructuredText they hold, code kept.

PyTorch's tutorials (and most Sphinx projects' galleries) are written as .py files: a module
docstring in reStructuredText (the title and introduction), then code, with text blocks as
comment lines after a separator line (`# %%`, or 20 or more `#`). Each text block is rst, each
code block a literal block, and the whole goes through parse_rst. A .py file with no module
docstring is a plain script, not a document: skipped, with the reason.
"""

from __future__ import annotations

import ast
import re
import textwrap
import warnings

from lab_pipelines.text.decoding import SkippedDocument
from lab_pipelines.text.formats.rst import parse_rst

# Sphinx-Gallery's text-block separators: "# %%" (with an optional title) or a line of 20+ "#".
_SEPARATOR = re.compile(r"^(#{20,}|# ?%%.*)\s*$")
_COMMENT = re.compile(r"^\s*#")


def parse_python_script(text: str) -> tuple[str, str | None]:
    """(light Markdown, the docstring's first section title or None)."""
    # Lines as Python numbers them: "\n", "\r\n" or "\r" end one; str.splitlines() would
    # also split on form feeds and U+2028 inside a docstring and shift every line after it.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        with warnings.catch_warnings():
            # A docstring's "\ " (rst's escaped space) is an invalid escape to Python 3.12+.
            warnings.simplefilter("ignore", (SyntaxWarning, DeprecationWarning))
            tree = ast.parse(text)
    except SyntaxError as exc:
        raise SkippedDocument(
            f"not valid Python (line {exc.lineno}: {exc.msg}): a .py file is read as a "
            "Sphinx-Gallery tutorial; fix the file or convert it to .rst or .md"
        ) from None
    docstring = ast.get_docstring(tree, clean=True)
    if not docstring:
        raise SkippedDocument(
            "a Python file without a module docstring: a .py file is read as a Sphinx-Gallery "
            "tutorial (its docstring in reStructuredText, text blocks after '# %%' lines); "
            "add a docstring, convert it to .md, or leave it out"
        )
    parts = [docstring]
    rest = _after(text.split("\n"), tree.body[0])
    for is_text, lines in _blocks(rest):
        if is_text:
            parts.append(textwrap.dedent("\n".join(lines)))
        elif any(line.strip() for line in lines):
            parts.append("::\n\n" + textwrap.indent(textwrap.dedent("\n".join(lines)), "    "))
    return parse_rst("\n\n".join(p.strip("\n") for p in parts if p.strip()))


def _after(lines: list[str], node: ast.stmt) -> list[str]:
    """The lines after ``node``, starting with whatever follows it on its last line (a
    docstring closed by ``; import torch``); ast's column offsets count UTF-8 bytes."""
    end = node.end_lineno or 0
    tail = lines[end - 1].encode()[node.end_col_offset or 0 :].decode().lstrip(" \t;")
    return ([tail] if tail.strip() else []) + lines[end:]


def _blocks(lines: list[str]) -> list[tuple[bool, list[str]]]:
    """(is_text, lines) runs: a separator opens a text block of the comment lines below it
    (their "# " removed), which ends at the first line that is not a comment."""
    blocks: list[tuple[bool, list[str]]] = []
    in_text = False
    for line in lines:
        if _SEPARATOR.match(line):
            in_text = True
            blocks.append((True, []))
            continue
        if in_text and _COMMENT.match(line):
            blocks[-1][1].append(re.sub(r"^\s*# ?", "", line))
            continue
        in_text = False
        if not blocks or blocks[-1][0]:
            blocks.append((False, []))
        blocks[-1][1].append(line)
    return blocks
