"""Jupyter notebooks through parse_document."""

import json

import pytest

from lab_pipelines.text.parsing import SkippedDocument, parse_document


def notebook(*cells: dict) -> bytes:
    content = {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(content, ensure_ascii=False).encode()


def test_markdown_cells_are_parsed_and_code_kept_without_outputs():
    data = notebook(
        {
            "cell_type": "markdown",
            "metadata": {},
            "source": ["# 추론 서버\n", "\n", "[FastAPI](https://x)로 **만든다**.\n"],
        },
        {
            "cell_type": "code",
            "metadata": {},
            "execution_count": 1,
            "source": "import torch\nprint(torch.__version__)",
            "outputs": [{"output_type": "stream", "name": "stdout", "text": ["2.5.0 출력값\n"]}],
        },
        {"cell_type": "raw", "metadata": {}, "source": "raw cell for nbconvert"},
    )
    doc = parse_document("labs/serve.ipynb", data)
    assert doc.title == "추론 서버"
    assert doc.format == "notebook"
    assert doc.text == "# 추론 서버\n\nFastAPI로 만든다.\n\nimport torch\nprint(torch.__version__)"


def test_a_notebook_without_headings_takes_the_file_stem_as_title():
    data = notebook({"cell_type": "code", "metadata": {}, "source": "x = 1", "outputs": []})
    assert parse_document("scratch.ipynb", data).title == "scratch"


def test_invalid_json_is_a_corrupt_notebook():
    with pytest.raises(SkippedDocument) as skipped:
        parse_document("broken.ipynb", b'{"cells": [ {"cell_type": "markdown",')
    assert skipped.value.reason.startswith("corrupt notebook: not valid JSON")


def test_json_that_is_not_an_nbformat_4_notebook_is_skipped():
    with pytest.raises(SkippedDocument, match="not an nbformat 4 notebook"):
        parse_document("old.ipynb", b'{"nbformat": 3, "worksheets": []}')
