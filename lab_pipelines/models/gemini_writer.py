"""Final text through the official ``google-genai`` client: the only paid call in the lab."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import httpx
from google import genai
from google.genai import errors, types

from lab_pipelines.models.base import Answer, CallCounter, ModelError

# google-genai sends through httpx2 where it is installed, whose errors are not httpx's.
try:
    import httpx2

    _TIMEOUTS: tuple[type[Exception], ...] = (httpx.TimeoutException, httpx2.TimeoutException)
except ImportError:  # pragma: no cover - depends on what google-genai pulled in
    _TIMEOUTS = (httpx.TimeoutException,)

_RETRY_DELAY = re.compile(r"^(\d+(?:\.\d+)?)s$")


def retry_delay_seconds(error: errors.APIError) -> float | None:
    """The server's RetryInfo.retryDelay on a 429, in seconds, if it sent one."""
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
    rate_limit_attempts: int = 4
    max_retry_delay_s: float = 120.0
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
            # The SDK retries server faults; 429 is ours, because the SDK ignores retryDelay.
            retry_options=types.HttpRetryOptions(
                attempts=4,
                initial_delay=1.0,
                max_delay=30.0,
                http_status_codes=[408, 500, 502, 503, 504],
            ),
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
        for attempt in range(1, self.rate_limit_attempts + 1):
            try:
                response = client.models.generate_content(
                    model=self.model, contents=prompt, config=config
                )
                break
            except errors.ClientError as err:
                if err.code == 429 and attempt < self.rate_limit_attempts:
                    delay = retry_delay_seconds(err)
                    time.sleep(
                        min(delay if delay is not None else 2.0**attempt, self.max_retry_delay_s)
                    )
                    continue
                raise ModelError(_explain(err, self.model)) from None
            except errors.APIError as err:
                raise ModelError(_explain(err, self.model)) from None
            except _TIMEOUTS:
                raise ModelError(
                    f"Gemini did not answer within {self.timeout_s:.0f} s after retries; "
                    "raise LAB_GEMINI_TIMEOUT_S or try later"
                ) from None
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
        return f"Gemini rate limit or quota exhausted ({message}); wait, or raise the quota"
    if err.code in (400, 401, 403) and ("API key" in message or status == "PERMISSION_DENIED"):
        return f"Gemini rejected the API key ({status}): set a valid GEMINI_API_KEY"
    if err.code == 404:
        return f"Gemini model {model!r} not found: set LAB_GEMINI_MODEL to an available model"
    return f"Gemini answered {err.code} {status}: {message}"
