"""Markdown, MDX and Hugo pages through parse_document."""

from lab_pipelines.text.parsing import parse_document


def parse(name: str, source: str):
    return parse_document(name, source.encode())


def test_yaml_front_matter_gives_the_title_and_is_removed():
    doc = parse(
        "storage.md",
        '---\ntitle: "저장소 개요"\nweight: 40\ndescription: >\n  디스크를 나누는 방법\n---\n\n'
        "본문은 여기서 시작한다.\n",
    )
    assert doc.title == "저장소 개요"
    # Hugo shows title and description above the body, so the text starts with them too.
    assert doc.text == "# 저장소 개요\n\n디스크를 나누는 방법\n\n본문은 여기서 시작한다."
    assert "weight" not in doc.text


def test_toml_front_matter():
    doc = parse("page.md", '+++\ntitle = "Backup plan"\ndraft = false\n+++\nCopy the disks.\n')
    assert (doc.title, doc.text) == ("Backup plan", "# Backup plan\n\nCopy the disks.")


def test_body_heading_is_kept_when_it_already_opens_the_page():
    doc = parse("intro.mdx", "---\ntitle: Intro\n---\n\n# Getting started\n\nRead this first.\n")
    assert doc.title == "Intro"
    assert doc.text == "# Getting started\n\nRead this first."


def test_without_front_matter_the_first_heading_is_the_title_and_setext_becomes_atx():
    doc = parse("guide.md", "설치 가이드\n==========\n\n준비물\n------\n\n랜선 두 개.\n")
    assert doc.title == "설치 가이드"
    assert doc.text == "# 설치 가이드\n\n## 준비물\n\n랜선 두 개."


def test_links_images_and_emphasis_keep_only_visible_text():
    doc = parse(
        "links.md",
        'See [the **API** guide](https://example.com/api "API") and ![전원 구성도](power.png).\n'
        "Run `kubectl get <pod-name>` with _care_ and *주의*를 기울인다. ~~old~~\n"
        "Reference style: [manual][m].\n\n[m]: https://example.com/manual\n",
    )
    assert doc.text == (
        "See the API guide and 전원 구성도.\n"
        "Run kubectl get <pod-name> with care and 주의를 기울인다. old\n"
        "Reference style: manual."
    )


def test_code_fences_keep_their_lines_verbatim_without_the_fence():
    doc = parse(
        "code.md",
        "Install it:\n\n```bash\nhelm install demo ./chart  # **not** emphasis\n"
        "  echo [x](y)\n```\n\n~~~\nplain\n~~~\n",
    )
    assert doc.text == (
        "Install it:\n\nhelm install demo ./chart  # **not** emphasis\n  echo [x](y)\n\nplain"
    )


def test_lists_tables_and_quotes():
    doc = parse(
        "table.md",
        "* 첫째\n+ 둘째\n  - 중첩\n1. 번호\n\n"
        "| 노드 | 역할 |\n|:-----|-----:|\n| `n1` | 제어 \\| 저장 |\n| n2 | 작업 |\n\n"
        "> 인용문은 표시만 뺀다.\n",
    )
    # A new bullet character starts a new list (CommonMark), hence the blank lines.
    assert doc.text == (
        "- 첫째\n\n- 둘째\n  - 중첩\n\n1. 번호\n\n"
        "노드 | 역할\nn1 | 제어 | 저장\nn2 | 작업\n\n"
        "인용문은 표시만 뺀다."
    )


def test_html_comments_and_raw_html_are_removed():
    doc = parse(
        "mixed.md",
        "<!-- overview -->\nVisible.\n<!--\nhidden\nlines\n-->\n"
        '<div class="note"><p>Inside <b>html</b>.</p></div>\n<script>alert(1)</script>\n',
    )
    assert doc.text == "Visible.\n\nInside html."


def test_hugo_glossary_tooltip_keeps_its_visible_text():
    doc = parse(
        "pods.md",
        '각 {{< glossary_tooltip text="파드" term_id="pod" >}}는 노드에서 실행된다.\n'
        'The {{< glossary_tooltip term_id="kubelet" >}} starts it.\n',
    )
    assert doc.text == "각 파드는 노드에서 실행된다.\nThe kubelet starts it."


def test_hugo_paired_shortcodes_keep_their_inner_text():
    doc = parse(
        "note.md",
        "{{< note >}}\n디스크가 가득 차면 **경고**가 뜬다.\n{{< /note >}}\n\n"
        '{{% tab name="Linux" %}}\nUse apt.\n{{% /tab %}}\n'
        "{{< comment >}}\nTranslator memo, not shown.\n{{< /comment >}}\n",
    )
    assert doc.text == "디스크가 가득 차면 경고가 뜬다.\n\nUse apt."


def test_hugo_shortcodes_without_visible_text_disappear():
    doc = parse(
        "deploy.md",
        'Example manifest:\n\n{{% code_sample file="app/deploy.yaml" %}}\n'
        '{{< codenew file="app/deploy.yaml" >}}\n'
        "Works since v{{< skew currentVersion >}}.\n"
        '{{< feature-state for_k8s_version="v1.30" state="stable" >}}\n',
    )
    assert doc.text == "Example manifest:\n\nWorks since v."


def test_hugo_heading_shortcode_renders_the_translated_label():
    korean = parse("ko.md", '## {{% heading "whatsnext" %}}\n\n' + "다음 문서를 읽어 본다. " * 3)
    english = parse("en.md", '## {{% heading "prerequisites" %}}\n\nA cluster.\n')
    assert korean.text.startswith("## 다음 내용\n\n")
    assert english.text == "## Before you begin\n\nA cluster."


def test_hugo_mermaid_body_is_kept_as_code():
    doc = parse("flow.md", "{{< mermaid >}}\ngraph LR\n  A[client<br>app] --> B\n{{< /mermaid >}}")
    assert doc.text == "graph LR\n  A[client<br>app] --> B"


def test_mdx_imports_components_and_admonitions():
    doc = parse(
        "install.mdx",
        "---\ntitle: 설치\n---\n"
        "import Tabs from '@theme/Tabs';\nimport {\n  TabItem,\n} from '@theme/TabItem';\n\n"
        "{/* 편집자 메모 */}\n"
        '<Tabs>\n<TabItem value="apt" label="Debian">\n\n데비안에서는 apt를 쓴다.<br/>\n\n'
        "</TabItem>\n</Tabs>\n\n"
        "<details>\n<summary>자세히</summary>\n\n숨겨진 설명.\n</details>\n\n"
        ":::note\n\n재부팅이 필요하다.\n\n:::\n\n<DocCardList />\n",
    )
    assert doc.text == (
        "# 설치\n\n데비안에서는 apt를 쓴다.\n\n자세히\n\n숨겨진 설명.\n\n재부팅이 필요하다."
    )
    assert doc.format == "mdx"


def test_prose_starting_with_the_word_import_is_kept_in_mdx():
    doc = parse("notes.mdx", "import your data first, then check it.\n")
    assert doc.text == "import your data first, then check it."


def test_myst_directive_fences_keep_prose_and_drop_options():
    doc = parse(
        "lab.md",
        "```{note}\nGPU가 없어도 된다.\n```\n\n```{figure} img/result.png\n---\nname: fig-1\n---\n"
        "탐지 결과\n```\n\n```{code-cell} python\n:tags: [hide]\nprint(1)\n```\n",
    )
    assert doc.text == "GPU가 없어도 된다.\n\n탐지 결과\n\nprint(1)"


def test_indented_code_blocks_stay_verbatim_outside_lists():
    source = "Config:\n\n    retries: **3**\n      backoff: [1](2)\n\n- item\n\n    item text\n"
    doc = parse("config.md", source)
    assert doc.text == "Config:\n\nretries: **3**\n  backoff: [1](2)\n\n- item\n\nitem text"


def test_mkdocs_admonitions_keep_title_and_content():
    source = '!!! warning "Mind the quota"\n    Each *label* costs memory.\n\nAfter.\n'
    doc = parse("faq.md", source)
    assert doc.text == "Mind the quota\n\nEach label costs memory.\n\nAfter."


def test_yaml_front_matter_is_read_by_a_real_yaml_parser():
    doc = parse(
        "release.md",
        "---\n# an editor's comment\ntitle: 'It''s 2.0: 출시'\ntags: [a, b]\n"
        "params:\n  description: nested, not shown\ndescription: |\n  첫 줄\n  둘째 줄\n---\n"
        "Body.\n",
    )
    assert doc.title == "It's 2.0: 출시"
    assert doc.text == "# It's 2.0: 출시\n\n첫 줄\n둘째 줄\n\nBody."


def test_front_matter_that_is_not_valid_yaml_is_dropped_and_the_heading_is_the_title():
    doc = parse("broken.md", "---\ntitle: [unclosed\n---\n# 진짜 제목\n\n본문.\n")
    assert (doc.title, doc.text) == ("진짜 제목", "# 진짜 제목\n\n본문.")


def test_toml_front_matter_with_a_multiline_description():
    doc = parse(
        "page.md",
        '+++\ntitle = "노드 교체"\ndescription = """\n디스크부터 뺀다."""\n[params]\nx = 1\n+++\n'
        "Then the node.\n",
    )
    assert doc.text == "# 노드 교체\n\n디스크부터 뺀다.\n\nThen the node."


def test_footnote_references_vanish_and_their_text_follows_the_body():
    doc = parse(
        "notes.md",
        "GPU가 필요하다[^gpu]. See the manual[^1].\n\n[^gpu]: 최소 *8 GB* 메모리.\n"
        "[^1]: Chapter 3.\n\nLast paragraph.\n",
    )
    assert doc.text == (
        "GPU가 필요하다. See the manual.\n\nLast paragraph.\n\n최소 8 GB 메모리.\n\nChapter 3."
    )


def test_admonitions_show_only_titles_their_author_wrote():
    doc = parse(
        "tips.md",
        '!!! note\n    No title here.\n\n???+ tip "접어 둔 팁"\n    펼쳐진 내용.\n\n'
        ":::warning[Data loss]\nBack up **first**.\n:::\n\n:::info\n정보.\n:::\n",
    )
    assert doc.text == (
        "No title here.\n\n접어 둔 팁\n\n펼쳐진 내용.\n\nData loss\n\nBack up first.\n\n정보."
    )


def test_nested_and_ordered_lists_keep_their_numbers_and_depth():
    doc = parse(
        "steps.md",
        "3. 노드를 비운다\n4. Drain it:\n   - `kubectl drain`\n     - [x] checked\n\n"
        "   A second paragraph of item 4.\n",
    )
    assert doc.text == (
        "3. 노드를 비운다\n\n4. Drain it:\n  - kubectl drain\n    - checked\n\n"
        "A second paragraph of item 4."
    )


def test_inline_html_keeps_text_and_placeholders_but_not_scripts():
    doc = parse(
        "inline.md",
        "Press <kbd>Ctrl</kbd>+<kbd>C</kbd> in <release-name>, not <b>here</b>.<br>"
        "Next line <script>track()</script>ends.\n",
    )
    assert doc.text == "Press Ctrl+C in <release-name>, not here.\nNext line ends."


def test_an_html_table_inside_markdown_becomes_rows_and_its_markdown_is_rendered():
    doc = parse(
        "matrix.md",
        "<table>\n<tr><th>기능</th><th>상태</th></tr>\n"
        "<tr>\n  <td>[백업](/backup)</td>\n  <td>\n    <ul><li>**완료**</li></ul>\n  </td>\n</tr>\n"
        "</table>\n",
    )
    assert doc.text == "기능 | 상태\n백업 | 완료"


def test_github_alerts_and_code_in_quotes():
    doc = parse(
        "alert.md",
        "> [!WARNING]\n> 전원을 끄지 마라.\n>\n> ```shell\n> # not a heading\n> reboot\n> ```\n",
    )
    assert doc.text == "전원을 끄지 마라.\n\n    # not a heading\nreboot"


def test_korean_particles_after_marked_up_words():
    doc = parse("ko.md", "노드는 [_컨트롤 플레인_](#cp)이 관리하고 `kubelet`을 실행한다.\n")
    assert doc.text == "노드는 컨트롤 플레인이 관리하고 kubelet을 실행한다."


def test_mdx_tabs_may_indent_their_markdown_and_fences():
    doc = parse(
        "api.mdx",
        '<Tabs>\n  <Tab title="cURL">\n    Call the API:\n    ```shell\n    # list models\n'
        "    curl localhost:11434/api/tags\n    ```\n  </Tab>\n</Tabs>\n\n"
        '<a\n  href="/download"\n  className="button"\n>\n  Download\n</a>\n',
    )
    assert doc.text == (
        "Call the API:\n\n    # list models\ncurl localhost:11434/api/tags\n\nDownload"
    )


def test_mdx_javascript_inside_code_fences_is_kept():
    doc = parse(
        "sdk.mdx",
        "import Tabs from '@theme/Tabs';\n\n```js\nimport ollama from 'ollama'\n"
        "export const x = {}\n```\n",
    )
    assert doc.text == "import ollama from 'ollama'\nexport const x = {}"
