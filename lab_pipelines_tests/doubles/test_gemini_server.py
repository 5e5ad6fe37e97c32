"""FakeGemini driven by the real google-genai client: examples of use and protocol checks."""

from __future__ import annotations

import hashlib

import httpx
import httpx2
import pytest
from google import genai
from google.genai import errors, types

from lab_pipelines_tests.doubles.gemini_server import NO_ANSWER, FakeGemini, GeminiRequest
from lab_pipelines_tests.doubles.ollama_server import count_tokens

MODEL = "gemini-2.5-flash"
SYSTEM = "Answer only from the numbered sources and cite them."
PROMPT = (
    "Sources:\n"
    "[1] 서울시는 올해 공공 와이파이를 확대했다. 설치 지점은 2천 곳이다.\n"
    "[2] The budget was approved in March.\n"
    "\n"
    "Question: What did Seoul do?"
)


def client(
    fake: FakeGemini,
    api_key: str = "test-key",
    timeout_ms: int = 5000,
    retry: types.HttpRetryOptions | None = None,
) -> genai.Client:
    options = types.HttpOptions(
        base_url=fake.url, api_version="v1beta", timeout=timeout_ms, retry_options=retry
    )
    return genai.Client(api_key=api_key, http_options=options)


def ask(api: genai.Client, contents: str = PROMPT) -> types.GenerateContentResponse:
    config = types.GenerateContentConfig(system_instruction=SYSTEM)
    return api.models.generate_content(model=MODEL, contents=contents, config=config)


def test_reply_cites_the_sources_and_reports_usage(fake_gemini: FakeGemini) -> None:
    fake_gemini.thoughts_tokens = 12

    response = ask(client(fake_gemini))

    assert response.text == "Based on the sources, 서울시는 올해 공공 와이파이를 확대했다. [1][2]"
    usage = response.usage_metadata
    assert usage is not None
    assert usage.prompt_token_count == count_tokens(SYSTEM) + count_tokens(PROMPT)
    assert usage.candidates_token_count == count_tokens(response.text)
    assert usage.thoughts_token_count == 12
    assert usage.total_token_count == (
        usage.prompt_token_count + usage.candidates_token_count + usage.thoughts_token_count
    )
    assert response.candidates and response.candidates[0].finish_reason == "STOP"
    assert response.model_version == MODEL
    # What went over the wire, as google-genai 3.6.1 shapes it:
    (call,) = fake_gemini.calls
    assert call.path == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert call.body == {
        "contents": [{"parts": [{"text": PROMPT}], "role": "user"}],
        "systemInstruction": {"parts": [{"text": SYSTEM}], "role": "user"},
        "generationConfig": {},
    }


def test_without_labelled_sources_the_reply_says_so(fake_gemini: FakeGemini) -> None:
    response = ask(client(fake_gemini), "What is the capital of France?")

    assert response.text == NO_ANSWER


def test_a_responder_overrides_the_reply(fake_gemini: FakeGemini) -> None:
    seen: list[GeminiRequest] = []

    def responder(request: GeminiRequest) -> str:
        seen.append(request)
        return f"## Summary\n\n{request.contents_text.upper()}"

    fake_gemini.responder = responder

    response = ask(client(fake_gemini), "short note")

    assert response.text == "## Summary\n\nSHORT NOTE"
    assert seen[0].system_instruction == SYSTEM
    assert seen[0].model == MODEL


def test_thinking_can_use_up_max_output_tokens() -> None:
    # Gemini 2.5 counts thinking against maxOutputTokens; callers must cope with no text.
    with FakeGemini(thoughts_tokens=50) as fake:
        api = client(fake)
        config = types.GenerateContentConfig(system_instruction=SYSTEM, max_output_tokens=40)
        response = api.models.generate_content(model=MODEL, contents=PROMPT, config=config)

    assert response.text is None
    assert response.candidates and response.candidates[0].finish_reason == "MAX_TOKENS"
    assert fake.calls[0].body is not None
    assert fake.calls[0].body["generationConfig"] == {"maxOutputTokens": 40}


def test_count_tokens(fake_gemini: FakeGemini) -> None:
    # Keep the Client in a variable: its __del__ closes the HTTP client under `.models`.
    api = client(fake_gemini)
    result = api.models.count_tokens(model=MODEL, contents=PROMPT)

    assert result.total_tokens == count_tokens(PROMPT)
    assert fake_gemini.count(":countTokens") == 1


def test_429_carries_retry_info(fake_gemini: FakeGemini) -> None:
    fake_gemini.fail_next(1, 429, "Resource has been exhausted (e.g. check quota).", "2s")

    with pytest.raises(errors.ClientError) as caught:
        ask(client(fake_gemini))

    error = caught.value
    assert (error.code, error.status) == (429, "RESOURCE_EXHAUSTED")
    assert error.details["error"]["details"] == [
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "2s"}
    ]
    assert fake_gemini.count(":generateContent") == 1  # no retry without retry_options


def test_a_single_503_is_retried_by_the_client(fake_gemini: FakeGemini) -> None:
    fake_gemini.fail_next(1, 503, "The model is overloaded. Please try again later.")
    retry = types.HttpRetryOptions(
        attempts=3, initial_delay=0.01, max_delay=0.05, http_status_codes=[503]
    )

    response = ask(client(fake_gemini, retry=retry))

    assert response.text and response.text.startswith("Based on the sources")
    assert [c.status for c in fake_gemini.calls_to(":generateContent")] == [503, 200]


def test_invalid_key_is_refused_and_only_its_digest_is_kept() -> None:
    with FakeGemini(valid_keys={"good-key"}) as fake:
        with pytest.raises(errors.ClientError) as caught:
            ask(client(fake, api_key="bad-key"))
        assert ask(client(fake, api_key="good-key")).text

    error = caught.value
    assert (error.code, error.status) == (400, "INVALID_ARGUMENT")
    assert error.message == "API key not valid. Please pass a valid API key."
    assert error.details["error"]["details"][0]["reason"] == "API_KEY_INVALID"
    bad, good = fake.calls
    assert bad.api_key_sha256 == hashlib.sha256(b"bad-key").hexdigest()
    assert good.api_key_sha256 == hashlib.sha256(b"good-key").hexdigest()
    assert "bad-key" not in repr(fake.calls) and "good-key" not in repr(vars(fake))


def test_delay_next_trips_the_client_timeout(fake_gemini: FakeGemini) -> None:
    fake_gemini.delay_next(1, 2.0)

    # google-genai 3.6.1 sends through httpx2 when it is installed (it is here), httpx
    # otherwise; the timeout surfaces unwrapped from whichever it uses.
    with pytest.raises((httpx2.TimeoutException, httpx.TimeoutException)):
        ask(client(fake_gemini, timeout_ms=300))

    assert ask(client(fake_gemini)).text  # only one request was delayed
