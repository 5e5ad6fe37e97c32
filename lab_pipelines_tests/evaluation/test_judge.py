"""The Gemini judge through the official client against the double: it grades, and it stops
before a call could pass the dollar cap."""

from lab_pipelines.costs import price_book
from lab_pipelines.evaluation.judge import REPLY_TOKENS, Judge, judge_score
from lab_pipelines.models.gemini_writer import GeminiWriter
from lab_pipelines_tests.doubles.gemini_server import FakeGemini

DOCUMENT = "Argo CD watches the deployment folder and syncs the cluster to it. " * 20


def judge(url: str, cap_usd: float) -> Judge:
    writer = GeminiWriter(
        api_key="test-key-not-secret",
        model="gemini-2.5-flash",
        base_url=url,
        thinking_budget=0,
        max_output_tokens=REPLY_TOKENS,
    )
    return Judge(writer, price_book().price("gemini-2.5-flash"), cap_usd)


def test_the_judge_grades_and_the_cap_is_never_passed():
    with FakeGemini(responder=lambda request: "4", thoughts_tokens=500) as gemini:
        grader = judge(gemini.url, cap_usd=0.0004)  # room for about two calls of ~600 tokens
        grades = [grader.grade_summary(DOCUMENT, "Argo CD syncs the cluster.") for _ in range(5)]
        calls = gemini.calls_to(":generateContent")
    assert grades[:2] == [4, 4] and grades[-1] is None
    assert len(calls) == grader.grades and grader.skipped == 5 - grader.grades
    assert 0 < grader.spent_usd <= 0.0004
    # Thinking off and a reply cap, so the worst case of a call is known before it is made.
    config = calls[0].body["generationConfig"]
    assert config["maxOutputTokens"] == REPLY_TOKENS
    assert config["thinkingConfig"] == {"thinking_budget": 0}
    assert judge_score(grades) == 0.75
