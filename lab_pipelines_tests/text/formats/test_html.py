"""HTML pages through parse_document."""

from lab_pipelines.text.parsing import parse_document

PAGE = """<!DOCTYPE html>
<html lang="ko">
<head>
  <title>모델 배포 &mdash; 실습서</title>
  <style>body { color: red; }</style>
  <script>var menu = "open";</script>
</head>
<body>
  <header class="navbar"><a href="/">홈</a> <a href="/blog">블로그</a></header>
  <nav aria-label="chapters"><ul><li>1장 목차 항목</li></ul></nav>
  <div class="bd-sidebar-primary">사이드바 링크</div>
  <main>
    <div role="navigation">이전 / 다음</div>
    <article>
      <h1>모델 배포<a class="headerlink" href="#top">¶</a></h1>
      <p>서버는 <strong>FastAPI</strong>로 만든다.
         요청은 &lt;JSON&gt; 형식이다.</p>
      <h2>준비</h2>
      <ul><li>Python 3.11</li><li><p>GPU (optional)</p></li></ul>
      <pre><code>pip install fastapi
    uvicorn app:main</code></pre>
      <table>
        <tr><th>경로</th><th>설명</th></tr>
        <tr><td>/predict</td><td><p>예측</p></td></tr>
      </table>
      <p>첫 줄<br>둘째 줄</p>
      <button>복사</button>
      <form><input placeholder="검색어"><label>검색</label></form>
      <noscript>자바스크립트를 켜세요</noscript>
      <svg><text>그림 글자</text></svg>
    </article>
    <aside>관련 글</aside>
  </main>
  <footer>저작권 표시</footer>
  <script src="theme.js"></script>
</body>
</html>
"""


def test_article_text_is_kept_and_site_chrome_dropped():
    doc = parse_document("deploy.html", PAGE.encode())
    assert doc.title == "모델 배포 — 실습서"
    assert doc.format == "html"
    assert doc.text == (
        "# 모델 배포\n\n"
        "서버는 FastAPI로 만든다. 요청은 <JSON> 형식이다.\n\n"
        "## 준비\n\n"
        "- Python 3.11\n- GPU (optional)\n\n"
        "pip install fastapi\n    uvicorn app:main\n\n"
        "경로 | 설명\n/predict | 예측\n\n"
        "첫 줄\n둘째 줄"
    )
    for chrome in (
        "홈",
        "1장",
        "사이드바",
        "이전",
        "복사",
        "검색",
        "자바스크립트",
        "그림",
        "관련",
        "저작권",
        "¶",
        "menu",
        "color",
    ):
        assert chrome not in doc.text


def test_without_main_or_article_the_body_is_used_and_h1_is_the_title():
    doc = parse_document(
        "plain.htm",
        b"<body><h1>Release notes</h1><p>Fixed&nbsp;the <em>backup</em> job.</p>"
        b"<h3>Known issues</h3><p>None.</body>",
    )
    assert doc.title == "Release notes"
    assert doc.text == "# Release notes\n\nFixed the backup job.\n\n### Known issues\n\nNone."


def test_a_hugo_content_page_is_read_as_markdown_with_html():
    doc = parse_document(
        "_index.html",
        '---\ntitle: "커뮤니티"\n---\n{{< blocks/section id="intro" >}}\n'
        '<div class="intro">\n  <h2>함께 만드는 프로젝트</h2>\n'
        "  <p>누구나 [참여](/join)할 수 있다.</p>\n"
        '  <button onclick="go()">가입</button>\n</div>\n{{< /blocks/section >}}\n'.encode(),
    )
    assert doc.title == "커뮤니티"
    assert doc.text == "# 커뮤니티\n\n## 함께 만드는 프로젝트\n\n누구나 참여할 수 있다."


def test_implied_end_tags_follow_the_html5_tree_builder():
    doc = parse_document(
        "implied.html",
        "<body><p>첫 문단<p>둘째 문단<ul><li>하나<li>둘</ul>"
        "<table><tr><th>키<th>값<tr><td>a<td>1</table>"
        "<dl><dt>term<dd>definition</dl></body>".encode(),
    )
    assert doc.text == "첫 문단\n\n둘째 문단\n\n- 하나\n- 둘\n\n키 | 값\na | 1\n\nterm\ndefinition"


def test_scripts_styles_templates_and_hidden_elements_show_nothing():
    doc = parse_document(
        "quiet.html",
        b"<style>p{}</style><p>Shown.</p><template><p>later</p></template>"
        b"<div hidden>secret</div><p aria-hidden=true>icon</p><script>if (a < b) x()</script>"
        b"<noscript>enable JS</noscript>",
    )
    assert doc.text == "Shown."


def test_deeply_nested_markup_does_not_exhaust_the_stack():
    doc = parse_document("deep.html", ("<div>" * 5000 + "바닥" + "</div>" * 5000).encode())
    assert doc.text == "바닥"
