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


def test_sphinx_directives_docutils_lacks_keep_their_text():
    doc = parse(
        ".. grid:: 2\n\n   .. grid-item-card:: 카드 제목\n      :link: intro\n"
        "      :img-top: a.png\n\n      카드 본문.\n\n.. versionadded:: 2.1\n   새 기능.\n\n"
        ".. autofunction:: torch.save\n\n.. code-block:: python\n   print('no blank line')\n"
    )
    assert doc.text == "카드 제목\n\n카드 본문.\n\n새 기능.\n\nprint('no blank line')"


def test_sphinx_roles_show_their_text_and_icons_vanish():
    doc = parse(
        ":octicon:`book` Press :kbd:`Ctrl+C`, then :menuselection:`파일 --> 저장`.\n"
        "See :py:meth:`Module.forward` and :math:`a^2`.\n"
    )
    assert doc.text == "Press Ctrl+C, then 파일 --> 저장.\nSee Module.forward and a^2."


def test_footnotes_definitions_fields_and_numbered_lists():
    doc = parse(
        "Fact [#f1]_ and cite [CIT]_.\n\n.. [#f1] 각주 내용.\n.. [CIT] Citation text.\n\n"
        ":저자: 홍길동\n:version: 1.0\n\n용어\n   정의 문장.\n\n#. 첫째\n#. 둘째\n\n"
        "a) alpha\nb) beta\n"
    )
    assert doc.text == (
        "Fact and cite.\n\n각주 내용.\n\nCitation text.\n\n저자: 홍길동\n\nversion: 1.0\n\n"
        "용어\n정의 문장.\n\n1. 첫째\n2. 둘째\n\na) alpha\nb) beta"
    )


def test_no_file_is_read_and_raw_output_is_dropped(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET,ROW\n")
    doc = parse(
        f".. include:: {secret}\n\n.. csv-table::\n   :file: {secret}\n\n"
        ".. raw:: html\n\n   <b>raw html</b>\n\nVisible.\n"
    )
    assert doc.text == "Visible."


def test_broken_markup_is_kept_as_written_never_raised():
    doc = parse(
        "Unclosed *emphasis and |undefined| text.\n\n"
        ".. code-block:: python\n   :caption: demo.py\n   print('option, then no blank line')\n"
    )
    # docutils cannot run that directive, so its lines are kept as they were written.
    assert doc.text == (
        "Unclosed *emphasis and |undefined| text.\n\n.. code-block:: python\n"
        "   :caption: demo.py\n   print('option, then no blank line')"
    )
