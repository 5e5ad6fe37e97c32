"""reStructuredText through parse_document."""

from lab_pipelines.text.parsing import parse_document


def parse(source: str):
    return parse_document("tutorial.rst", source.encode())


def test_section_levels_follow_the_order_adornments_first_appear():
    doc = parse(
        "=========\n모델 서빙\n=========\n\n개요\n----\n\n본문.\n\n세부\n~~~~\n\n더 자세히.\n\n"
        "다음 단계\n--------\n\n끝.\n"
    )
    assert doc.title == "모델 서빙"
    assert doc.text == (
        "# 모델 서빙\n\n## 개요\n\n본문.\n\n### 세부\n\n더 자세히.\n\n## 다음 단계\n\n끝."
    )


def test_admonitions_keep_their_dedented_content():
    doc = parse(
        "Intro.\n\n.. note::\n   GPU 메모리가 부족하면\n   배치를 줄인다.\n\n"
        ".. warning:: Do not unplug the node.\n\n.. tip::\n\n   Use ``nvidia-smi``.\n"
    )
    assert doc.text == (
        "Intro.\n\nGPU 메모리가 부족하면\n배치를 줄인다.\n\nDo not unplug the node.\n\n"
        "Use nvidia-smi."
    )


def test_code_blocks_and_literal_blocks_keep_their_lines():
    doc = parse(
        "Setup\n=====\n\n.. code-block:: python\n   :linenos:\n\n   import torch\n"
        "   if torch.cuda.is_available():\n       print('gpu')\n\n"
        "Run this::\n\n   python train.py --epochs 3\n\nDone.\n"
    )
    assert doc.text == (
        "# Setup\n\nimport torch\nif torch.cuda.is_available():\n    print('gpu')\n\n"
        "Run this:\n\npython train.py --epochs 3\n\nDone."
    )


def test_images_toctrees_includes_targets_comments_and_substitutions_are_dropped():
    doc = parse(
        ".. _setup-label:\n\n.. |logo| image:: logo.png\n\n"
        ".. image:: diagram.png\n   :width: 80%\n\n"
        ".. toctree::\n   :maxdepth: 2\n\n   intro\n   usage\n\n.. include:: snippet.rst\n\n"
        ".. This comment explains nothing\n   to readers.\n\n"
        ".. figure:: result.png\n   :alt: chart\n\n   정확도 그래프\n\n보이는 문장.\n"
    )
    assert doc.text == "정확도 그래프\n\n보이는 문장."


def test_roles_links_and_literals_keep_their_text():
    doc = parse(
        "See :ref:`the setup guide <setup-label>` and :doc:`tutorials/serving`.\n"
        "Call :func:`~torch.save` after `학습 <https://example.com/train>`__을 마치고,\n"
        "then read `Docs`_ and **bold** or *italic* ``raw *text*``.\n\n"
        ".. _Docs: https://example.com/docs\n"
    )
    assert doc.text == (
        "See the setup guide and tutorials/serving.\n"
        "Call torch.save after 학습을 마치고,\n"
        "then read Docs and bold or italic raw *text*."
    )


def test_lists_and_tables_become_lines():
    doc = parse(
        "-  첫 항목\n*  둘째 항목\n\n"
        ".. list-table:: 비교\n   :header-rows: 1\n\n"
        "   * - 방식\n     - 속도\n   * - DP\n     - 느림\n\n"
        "=====  =====\nA      B\n=====  =====\n1      2\n=====  =====\n\n"
        "+-----+-----+\n| x   | y   |\n+=====+=====+\n| 3   | 4   |\n+-----+-----+\n"
    )
    # "-" and "*" items are two lists in reStructuredText.
    assert doc.text == (
        "- 첫 항목\n\n- 둘째 항목\n\n비교\n\n방식 | 속도\nDP | 느림\n\nA | B\n1 | 2\n\nx | y\n3 | 4"
    )
