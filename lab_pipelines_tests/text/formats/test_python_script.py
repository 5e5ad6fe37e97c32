"""Sphinx-Gallery tutorials (.py) through parse_document."""

import pytest

from lab_pipelines.text.parsing import SkippedDocument, parse_document

TUTORIAL = '''# -*- coding: utf-8 -*-
"""
모델 체크포인트 저장하기
========================

학습 중간에 **체크포인트**를 남겨 두면 노드가 재부팅되어도 이어서 학습할 수 있습니다.
"""

import torch

######################################################################
# 상태 저장
# ---------
#
# ``state_dict`` 만 저장하면 파일이 작고, 불러올 때 ``map_location`` 으로
# 장치를 고를 수 있습니다.

torch.save(model.state_dict(), "ckpt.pt")

# %%
# Loading on a CPU-only laptop
# ----------------------------
# Pass ``map_location="cpu"``.

state = torch.load("ckpt.pt", map_location="cpu")
'''


def test_a_gallery_tutorial_keeps_its_text_headings_and_code():
    doc = parse_document("recipes/checkpoints.py", TUTORIAL.encode())
    assert doc.format == "python"
    assert doc.title == "모델 체크포인트 저장하기"
    assert doc.text == (
        "# 모델 체크포인트 저장하기\n\n"
        "학습 중간에 체크포인트를 남겨 두면 노드가 재부팅되어도 이어서 학습할 수 있습니다.\n\n"
        "import torch\n\n"
        "## 상태 저장\n\n"
        "state_dict 만 저장하면 파일이 작고, 불러올 때 map_location 으로\n"
        "장치를 고를 수 있습니다.\n\n"
        'torch.save(model.state_dict(), "ckpt.pt")\n\n'
        "## Loading on a CPU-only laptop\n\n"
        'Pass map_location="cpu".\n\n'
        'state = torch.load("ckpt.pt", map_location="cpu")'
    )


def test_comments_inside_code_stay_code():
    source = '"""Tuning\n======\n\nIntro."""\n\nx = 1  # one\n# not a text block\ny = 2\n'
    doc = parse_document("tuning.py", source.encode())
    assert doc.text.endswith("x = 1  # one\n    # not a text block\ny = 2")
    assert "## " not in doc.text


def test_a_plain_script_without_a_docstring_is_skipped_with_the_fix():
    with pytest.raises(SkippedDocument) as skipped:
        parse_document("scripts/train.py", b"import torch\nprint(torch.__version__)\n")
    assert "without a module docstring" in skipped.value.reason
    assert "convert it to .md" in skipped.value.reason


def test_a_file_that_is_not_python_is_skipped_naming_the_line():
    with pytest.raises(SkippedDocument, match=r"not valid Python \(line 2"):
        parse_document("notes.py", b'"""Notes"""\ndef broken(:\n')


def test_code_on_the_docstrings_closing_line_is_kept():
    doc = parse_document("inline.py", '"""빠른 시작\n=====\n\n소개."""; import torch\n'.encode())
    assert doc.title == "빠른 시작"
    assert doc.text.endswith("소개.\n\nimport torch")


def test_a_form_feed_in_the_docstring_does_not_shift_the_code_after_it():
    # Python ends lines only at \n and \r; a form feed (as in page-break-separated sources)
    # is whitespace inside the docstring, so the code below starts where ast says it does.
    source = '"""Pages\n=====\n\nOne.\x0cTwo.\n"""\nx = 1\n'
    doc = parse_document("pages.py", source.encode())
    assert '"""' not in doc.text
    assert doc.text.endswith("One. Two.\n\nx = 1")
