"""Jupyter notebooks (.ipynb, nbformat 4): Markdown cells as Markdown, code cells verbatim."""

from __future__ import annotations

import json

from lab_pipelines.text.decoding import SkippedDocument
from lab_pipelines.text.formats.markdown import parse_markdown


def parse_notebook(text: str) -> tuple[str, str | None]:
    """(light Markdown, first Markdown heading or None); outputs are dropped."""
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SkippedDocument(
            f"corrupt notebook: not valid JSON ({exc.msg} at line {exc.lineno}): "
            "re-save it from Jupyter"
        ) from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        version = notebook.get("nbformat") if isinstance(notebook, dict) else None
        raise SkippedDocument(
            f"not an nbformat 4 notebook (nbformat={version!r}, no 'cells' list): "
            "convert it with `jupyter nbconvert --to notebook --nbformat 4`"
        )
    parts: list[str] = []
    title: str | None = None
    for cell in notebook["cells"]:
        if not isinstance(cell, dict):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if not source.strip():
            continue
        if cell.get("cell_type") == "markdown":
            body, heading = parse_markdown(source)
            title = title or heading
            parts.append(body)
        elif cell.get("cell_type") == "code":
            parts.append(source.strip("\n"))
    return "\n\n".join(parts), title
