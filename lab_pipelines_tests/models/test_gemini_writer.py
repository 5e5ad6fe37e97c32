"""The Gemini writer through google-genai, against the protocol double."""

import pytest

from lab_pipelines.models.base import ModelError
from lab_pipelines.models.gemini_writer import GeminiWriter

PROMPT = (
    "Question:\n<question>\nWhat?\n</question>\n\n"
    "Sources:\n[1] T (d)\n<source>\nFacts.\n</source>\n"
)


def writer(url: str, key: str = "test-key-not-secret") -> GeminiWriter:
    return GeminiWriter(api_key=key, base_url=url, timeout_s=5, retry_max_delay_s=3)


def test_the_answer_and_usage_come_back_and_the_system_prompt_is_sent(fake_gemini):
    answer = writer(fake_gemini.url).write("SYSTEM RULES", PROMPT)
    (call,) = fake_gemini.calls_to(":generateContent")
    assert call.body["systemInstruction"]["parts"][0]["text"] == "SYSTEM RULES"
    assert "[1]" in answer.markdown and answer.prompt_tokens > 0


def test_a_429_waits_the_servers_retry_delay_then_succeeds(fake_gemini, real_waits):
    fake_gemini.fail_next(1, 429, "quota", retry_delay="1s")
    answer = writer(fake_gemini.url).write("rules", PROMPT)
    first, second = fake_gemini.calls_to(":generateContent")
    assert first.status == 429 and second.status == 200
    assert second.started - first.finished >= 0.9  # honoured retryDelay
    assert answer.markdown


def test_an_invalid_key_fails_at_once_with_the_fix_and_without_the_key(fake_gemini):
    fake_gemini.valid_keys = None
    from lab_pipelines_tests.doubles.gemini_server import FakeGemini

    with FakeGemini(valid_keys={"the-good-key"}) as strict:
        with pytest.raises(ModelError, match="GEMINI_API_KEY") as raised:
            writer(strict.url, key="a-bad-key-123").write("rules", PROMPT)
        assert "a-bad-key-123" not in str(raised.value)
        assert strict.count(":generateContent") == 1  # no retry loop


def test_a_missing_key_names_the_setting():
    with pytest.raises(ModelError, match="GEMINI_API_KEY"):
        GeminiWriter(api_key="").write("rules", PROMPT)
