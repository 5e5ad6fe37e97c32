"""Final text through the official ``google-genai`` client: the only paid call in the lab."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import httpx
from google import genai
from google.genai import errors, types

from lab_pipelines.models.base import Answer, CallCounter, ModelError
from lab_pipelines.models.retry import GaveUp, RetryPolicy, Transient

# google-genai sends through httpx2 where it is installed, whose errors are not httpx's.
try:
    import httpx2

    _TIMEOUTS: tuple[type[Exception], ...] = (httpx.TimeoutException, httpx2.TimeoutException)
    _TRANSPORT: tuple[type[Exception], ...] = (httpx.TransportError, httpx2.TransportError)
except ImportError:  # pragma: no cover - depends on what google-genai pulled in
    _TIMEOUTS = (httpx.TimeoutException,)
    _TRANSPORT = (httpx.TransportError,)

# What the SDK itself would retry: rate limit, request timeout, server faults.
RETRIED_CODES = frozenset({408, 429, 500, 502, 503, 504})

_RETRY_DELAY = re.compile(r"^(\d+(?:\.\d+)?)s$")


def retry_delay_seconds(error: errors.APIError) -> float | None:
    """The server's RetryInfo.retryDelay (sent on 429), in seconds, if it sent one."""
    body = error.details if isinstance(error.details, dict) else {}
    for detail in body.get("error", {}).get("details", []) or []:
        if isinstance(detail, dict) and detail.get("@type", "").endswith("google.rpc.RetryInfo"):
            match = _RETRY_DELAY.match(str(detail.get("retryDelay", "")))
            if match:
                return float(match.group(1))
    return None


@dataclass
class GeminiWriter:
    api_key: str = field(repr=False)  # never shown: repr, logs and metadata leave it out
    model: str = "gemini-2.5-flash"
    timeout_s: float = 120.0
    base_url: str | None = None
    # Rate limits, server faults, timeouts, connection errors: `retry_attempts` in all, the
    # server's retryDelay when it names one, else waits from 1 s (plus jitter) doubling to
    # `retry_max_delay_s`; none begun past `retry_timeout_s`.
    retry_attempts: int = 5
    retry_max_delay_s: float = 60.0
    retry_timeout_s: float = 300.0
    # None: the model's own default (dynamic thinking on 2.5 Flash); 0 turns thinking off on
    # the models that allow it. Thinking tokens are billed as output.
    thinking_budget: int | None = None
    max_output_tokens: int | None = None  # a hard bound on what one call can cost
    backend: str = "gemini"
    counter: CallCounter = field(default_factory=CallCounter)

    def _client(self) -> genai.Client:
        if not self.api_key:
            raise ModelError(
                "GEMINI_API_KEY is not set: export it for LAB_BACKEND=live, "
                "or use LAB_BACKEND=offline"
            )
        options = types.HttpOptions(
            base_url=self.base_url,
            timeout=int(self.timeout_s * 1000),
            # One attempt per SDK call: `write` owns every retry (the SDK's own ignore the
            # server's retryDelay, and two layers would multiply the attempts).
            retry_options=types.HttpRetryOptions(attempts=1),
        )
        return genai.Client(api_key=self.api_key, http_options=options)

    def write(self, system: str, prompt: str) -> Answer:
        client = self._client()
        thinking = (
            None
            if self.thinking_budget is None
            else types.ThinkingConfig(thinking_budget=self.thinking_budget)
        )
        config = types.GenerateContentConfig(
            system_instruction=system,
            temperature=0.2,
            thinking_config=thinking,
            max_output_tokens=self.max_output_tokens,
        )
        where = self.base_url or "the Gemini API"

        def attempt() -> types.GenerateContentResponse:
            # Every message is built from codes and settings only: no request data, no key.
            try:
                return client.models.generate_content(
                    model=self.model, contents=prompt, config=config
                )
            except errors.APIError as err:
                if err.code in RETRIED_CODES:
                    raise Transient(
                        _explain(err, self.model), _fix(err), retry_delay_seconds(err)
                    ) from None
                raise ModelError(_explain(err, self.model)) from None
            except _TIMEOUTS:
                raise Transient(
                    f"Gemini did not answer within {self.timeout_s:.0f} s",
                    "raise LAB_GEMINI_TIMEOUT_S or try later",
                ) from None
            except _TRANSPORT as err:
                raise Transient(
                    f"Gemini at {where} is unreachable ({type(err).__name__})",
                    "check the network and LAB_GEMINI_BASE_URL, or try later",
                ) from None

        policy = RetryPolicy(self.retry_attempts, 1.0, self.retry_max_delay_s, self.retry_timeout_s)
        try:
            response = policy.run(attempt)
        except GaveUp as gave_up:
            raise ModelError(str(gave_up)) from None
        usage = response.usage_metadata
        prompt_tokens = (usage.prompt_token_count or 0) if usage else 0
        output_tokens = (usage.candidates_token_count or 0) if usage else 0
        thinking = (usage.thoughts_token_count or 0) if usage else 0
        self.counter.add(prompt_tokens, output_tokens + thinking)
        text = response.text or ""
        if not text.strip():
            raise ModelError(f"Gemini {self.model} returned no text; try again or change the model")
        return Answer(text, self.model, prompt_tokens, output_tokens, thinking)


def _explain(err: errors.APIError, model: str) -> str:
    """A message with cause and fix; built from code/status only, so no request data leaks."""
    status = err.status or ""
    message = (err.message or "")[:300]
    if err.code == 429:
        return f"Gemini rate limit or quota exhausted ({message})"
    if err.code in (400, 401, 403) and ("API key" in message or status == "PERMISSION_DENIED"):
        return f"Gemini rejected the API key ({status}): set a valid GEMINI_API_KEY"
    if err.code == 404:
        return f"Gemini model {model!r} not found: set LAB_GEMINI_MODEL to an available model"
    return f"Gemini answered {err.code} {status}: {message}"


def _fix(err: errors.APIError) -> str:
    if err.code == 429:
        return "wait, or raise the quota"
    return "try later, or set LAB_GEMINI_MODEL to another model"
