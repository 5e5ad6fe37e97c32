"""Retries of model calls (stamina) through the real ollama and google-genai clients against
the protocol doubles: which faults are tried again, how often, how long between, and what
the error says once the retries ran out."""

import logging
import time

import httpx
import ollama
import pytest
from stamina.instrumentation import LoggingOnRetryHook, set_on_retry_hooks

from lab_pipelines.models.base import ModelError
from lab_pipelines.models.gemini_writer import GeminiWriter
from lab_pipelines.models.ollama_models import OllamaConnection, OllamaEmbedder

BUSY = "server busy, please try again.  maximum pending requests exceeded"
PROMPT = (
    "Question:\n<question>\nWhat?\n</question>\n\n"
    "Sources:\n[1] T (d)\n<source>\nFacts.\n</source>\n"
)
KEY = "AIza-test-key-that-must-not-leak-7f3a"


def embedder(url: str, **retry) -> OllamaEmbedder:
    return OllamaEmbedder(OllamaConnection(url, timeout_s=5, **retry))


def writer(url: str, **retry) -> GeminiWriter:
    return GeminiWriter(api_key=KEY, base_url=url, timeout_s=5, **retry)


# -- Ollama ---------------------------------------------------------------------------------
def test_ollama_busy_twice_is_tried_a_third_time(fake_ollama, retries):
    fake_ollama.fail_next(2, 503, BUSY, path="/api/embed")
    assert len(embedder(fake_ollama.url).embed(["one"])) == 1
    assert [c.status for c in fake_ollama.calls_to("/api/embed")] == [503, 503, 200]
    assert [r.retry_num for r in retries] == [1, 2]
    assert all("is busy" in str(r.caused_by) for r in retries)


def test_ollama_busy_on_every_attempt_gives_up_naming_the_effort_and_the_fix(fake_ollama):
    fake_ollama.fail_next(9, 503, BUSY, path="/api/embed")
    with pytest.raises(ModelError) as raised:
        embedder(fake_ollama.url, retry_attempts=3).embed(["one"])
    message = str(raised.value)
    assert f"Ollama at {fake_ollama.url} is busy" in message
    assert "after 3 attempts over" in message and "LAB_OLLAMA_PARALLEL" in message
    assert fake_ollama.count("/api/embed") == 3


def test_a_model_error_is_not_tried_again(fake_ollama):
    fake_ollama.fail_next(1, 500, "llama runner process has terminated", path="/api/embed")
    with pytest.raises(ModelError, match="answered 500"):
        embedder(fake_ollama.url).embed(["one"])
    assert fake_ollama.count("/api/embed") == 1


def test_ollama_backoff_starts_at_the_first_delay_with_at_most_as_much_jitter(
    fake_ollama, real_waits, retries
):
    fake_ollama.fail_next(1, 503, BUSY, path="/api/embed")
    embedder(fake_ollama.url, retry_first_delay_s=0.2).embed(["one"])
    first, second = fake_ollama.calls_to("/api/embed")
    (retry,) = retries
    assert 0.2 <= retry.wait_for <= 0.4  # first delay + jitter in [0, first delay]
    assert second.started - first.finished >= 0.2


def test_ollama_retries_stop_at_the_cap_on_total_time(fake_ollama, real_waits):
    fake_ollama.fail_next(100, 503, BUSY, path="/api/embed")
    started = time.monotonic()
    with pytest.raises(ModelError, match=r"is busy \(.*\) after") as raised:
        embedder(
            fake_ollama.url,
            retry_attempts=100,
            retry_first_delay_s=0.05,
            retry_max_delay_s=0.1,
            retry_timeout_s=0.5,
        ).embed(["one"])
    took = time.monotonic() - started
    attempts = fake_ollama.count("/api/embed")
    assert 0.5 <= took < 2.0 and 3 <= attempts < 100
    assert f"after {attempts} attempts" in str(raised.value)


def test_an_unreachable_ollama_is_tried_again_then_named_with_its_setting(fake_ollama, retries):
    url = fake_ollama.url
    fake_ollama.close()
    with pytest.raises(ModelError, match=f"unreachable after 2 attempts.*OLLAMA_HOST={url}"):
        embedder(url, retry_attempts=2).embed(["one"])
    assert len(retries) == 1


def test_a_retry_after_on_a_503_replaces_the_backoff(real_waits, retries):
    # FakeOllama sends no Retry-After (neither does Ollama; a proxy in front may), so this
    # one answers through httpx's transport stub, still read by the real ollama client.
    seen: list[float] = []

    def server(request: httpx.Request) -> httpx.Response:
        seen.append(time.monotonic())
        if len(seen) == 1:
            return httpx.Response(503, json={"error": BUSY}, headers={"Retry-After": "1"})
        return httpx.Response(200, json={"model": "bge-m3", "embeddings": [[0.1, 0.2]]})

    client = ollama.Client(host="http://ollama.test:11434", transport=httpx.MockTransport(server))
    connection = OllamaConnection("http://ollama.test:11434", retry_first_delay_s=0.01)
    response = connection.call("embedding", lambda: client.embed(model="bge-m3", input=["x"]))
    assert response.embeddings == [[0.1, 0.2]]
    (retry,) = retries
    assert retry.wait_for == 1.0  # the server's wait exactly, no jitter
    assert seen[1] - seen[0] >= 1.0


# -- Gemini ---------------------------------------------------------------------------------
def test_a_429_waits_exactly_the_retry_delay_gemini_names(fake_gemini, real_waits, retries):
    fake_gemini.fail_next(1, 429, "Resource has been exhausted", retry_delay="0.4s")
    assert writer(fake_gemini.url).write("rules", PROMPT).markdown
    first, second = fake_gemini.calls_to(":generateContent")
    (retry,) = retries
    assert retry.wait_for == 0.4
    assert second.started - first.finished >= 0.4


def test_one_layer_retries_a_server_fault_the_sdk_does_not_try_again(fake_gemini):
    fake_gemini.fail_next(2, 503, "The model is overloaded")
    writer(fake_gemini.url).write("rules", PROMPT)
    assert [c.status for c in fake_gemini.calls_to(":generateContent")] == [503, 503, 200]
    fake_gemini.reset()
    fake_gemini.fail_next(5, 503, "The model is overloaded")
    with pytest.raises(ModelError, match="overloaded.*after 1 attempt over .*LAB_GEMINI_MODEL"):
        writer(fake_gemini.url, retry_attempts=1).write("rules", PROMPT)
    assert fake_gemini.count(":generateContent") == 1  # no SDK retries underneath


def test_a_429_asking_for_longer_than_the_writer_waits_fails_at_once(fake_gemini, retries):
    fake_gemini.fail_next(1, 429, "Quota exceeded for the day", retry_delay="3600s")
    with pytest.raises(ModelError) as raised:
        writer(fake_gemini.url, retry_max_delay_s=60).write("rules", PROMPT)
    message = str(raised.value)
    assert "quota exhausted" in message and "asks to wait 3600 s" in message
    assert "raise the quota" in message
    assert fake_gemini.count(":generateContent") == 1 and retries == []


def test_a_gemini_timeout_is_tried_again_then_names_the_setting(fake_gemini, retries):
    fake_gemini.delay_next(5, 3.0)
    with pytest.raises(ModelError, match="within 1 s after 2 attempts.*LAB_GEMINI_TIMEOUT_S"):
        GeminiWriter(api_key=KEY, base_url=fake_gemini.url, timeout_s=1, retry_attempts=2).write(
            "rules", PROMPT
        )
    # The double records a call when it answers, 3 s on; stamina saw the first timeout.
    assert [str(r.caused_by) for r in retries] == ["Gemini did not answer within 1 s"]


def test_retry_logs_and_errors_never_carry_the_api_key(fake_gemini, retries, caplog):
    set_on_retry_hooks([retries.append, LoggingOnRetryHook])  # and stamina's stdlib logging
    fake_gemini.fail_next(1, 429, "Resource has been exhausted", retry_delay="1s")
    fake_gemini.fail_next(9, 500, "Internal error encountered.")
    with caplog.at_level(logging.DEBUG), pytest.raises(ModelError) as raised:
        writer(fake_gemini.url, retry_attempts=3).write("rules", PROMPT)
    assert len(retries) == 2 and len(caplog.records) >= 2
    logged = [repr(vars(r)) for r in caplog.records]
    shown = [repr((r.name, r.args, r.kwargs, r.caused_by)) for r in retries]
    for text in [*logged, *shown, str(raised.value)]:
        assert KEY not in text
    assert "Gemini answered 500" in str(raised.value)
