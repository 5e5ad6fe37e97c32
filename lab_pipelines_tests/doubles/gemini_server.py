"""FakeGemini: an in-process stand-in for the Gemini Developer API (REST, v1beta).

Serves `POST /{version}/models/{model}:generateContent` and `:countTokens` in the JSON
shape that google-genai 3.6.1 sends and parses, with Google's error envelope, so
`google.genai.Client` runs unchanged against it (base_url=fake.url).

What the client sends (observed with google-genai 3.6.1):
    POST {base_url}/v1beta/models/gemini-2.5-flash:generateContent
    headers: x-goog-api-key, Content-Type: application/json, user-agent and
        x-goog-api-client "google-genai-sdk/3.6.1 gl-python/3.11.x", X-Server-Timeout
    body: {"contents": [{"parts": [{"text": ...}], "role": "user"}],
           "systemInstruction": {"parts": [{"text": ...}], "role": "user"},
           "generationConfig": {"temperature": ..., "maxOutputTokens": ...}}
A "models/" prefix on the model name is stripped by the client before the URL is built.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lab_pipelines_tests.doubles._http import Exchange, FakeHttpServer
from lab_pipelines_tests.doubles.ollama_server import (
    count_tokens,
    first_sentences,
    head_tokens,
    strip_fences,
)

__all__ = [
    "NO_ANSWER",
    "FakeGemini",
    "GeminiModel",
    "GeminiRequest",
    "gemini_models",
    "cite_sources",
    "find_sources",
    "google_error",
]

_ROUTE = re.compile(r"^/(v1|v1beta|v1alpha)/models/([^/:]+):([A-Za-z]+)$")
_SOURCE_LINE = re.compile(r"^\s*\[(\d+)\]\s?(.*)$")

# google.rpc.Code names for the HTTP statuses Google maps them to.
_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

NO_ANSWER = "I could not find this in the sources."


@dataclass(frozen=True)
class GeminiRequest:
    """A generateContent request as a responder sees it."""

    model: str
    api_version: str
    contents: list[dict[str, Any]]
    system_instruction: str = ""
    generation_config: dict[str, Any] = field(default_factory=dict)

    @property
    def contents_text(self) -> str:
        """The text parts of all contents, joined by newlines."""
        return "\n".join(_texts(self.contents))


def _texts(contents: Any) -> list[str]:
    """Text parts of a list of Content dicts (other part kinds are ignored)."""
    out: list[str] = []
    for content in contents if isinstance(contents, list) else [contents]:
        if isinstance(content, dict):
            for part in content.get("parts") or []:
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    out.append(part["text"])
    return out


def find_sources(text: str) -> list[tuple[str, str]]:
    """Labelled sources in a prompt, in order: [("1", text of [1]), ("2", ...), ...].

    A source starts at a line beginning with a bracketed number ("[1] ...") and runs
    until the next such line or a blank line.
    """
    sources: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    for line in strip_fences(text).splitlines():
        if m := _SOURCE_LINE.match(line):
            current = [m.group(2)]
            sources.append((m.group(1), current))
        elif not line.strip():
            current = None
        elif current is not None:
            current.append(line)
    return [(label, "\n".join(lines).strip()) for label, lines in sources]


@dataclass(frozen=True)
class GeminiModel:
    """How one model of the double answers. Prices are not the API's business: they live in
    lab_pipelines/prices.toml, as they do for the real service.

    thoughts_tokens: thinking tokens per reply when the request sets no thinking budget (a
        budget caps them; 0 turns thinking off).
    cites: how many of the prompt's sources the reply cites (a weaker model cites fewer).
    """

    thoughts_tokens: int = 0
    cites: int = 2


def gemini_models() -> dict[str, GeminiModel]:
    """The Gemini models the lab compares: 2.5 Flash thinks by default; Flash-Lite does not
    and cites only the first source."""
    return {
        "gemini-2.5-flash": GeminiModel(thoughts_tokens=700, cites=2),
        "gemini-2.5-flash-lite": GeminiModel(thoughts_tokens=0, cites=1),
    }


def cite_sources(request: GeminiRequest, count: int = 2) -> str:
    """Default reply: the first sentence of the first source, citing the first `count` labels.

    "Based on the sources, <first sentence of [1]> [1][2]" — only labels present in the
    prompt are cited; without labelled sources the reply is NO_ANSWER.
    """
    sources = find_sources(request.contents_text)
    if not sources:
        return NO_ANSWER
    labels = list(dict.fromkeys(label for label, _ in sources))[: max(1, count)]
    cites = "".join(f"[{label}]" for label in labels)
    return f"Based on the sources, {first_sentences(sources[0][1], 1)} {cites}"


def google_error(
    status: int, message: str, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Google's JSON error envelope."""
    error: dict[str, Any] = {
        "code": status,
        "message": message,
        "status": _STATUS_NAMES.get(status, "UNKNOWN"),
    }
    if details:
        error["details"] = details
    return {"error": error}


class FakeGemini(FakeHttpServer):
    """Gemini API double; see the module docstring. Keyword arguments:

    valid_keys: accepted API keys; None accepts any non-empty key. Others get Google's
        400 API_KEY_INVALID; a request without a key gets 403 PERMISSION_DENIED.
    thoughts_tokens: thinking tokens reported per reply. As on Gemini 2.5 they count
        against generationConfig.maxOutputTokens (a small limit leaves no text).
    responder: builds the reply text from a GeminiRequest (default: cite_sources).
    base_latency: seconds slept per generateContent call (interruptible by close()).
    models: name -> GeminiModel; other model names get Google's 404. None (the default)
        serves any model name with `thoughts_tokens` and the default responder.

    thoughts_tokens, responder and base_latency are plain attributes and may be changed
    while the server runs. Calls record the SHA-256 hex digest of the API key
    (`Call.api_key_sha256`), never the key itself.
    """

    def __init__(
        self,
        *,
        valid_keys: set[str] | None = None,
        thoughts_tokens: int = 0,
        responder: Callable[[GeminiRequest], str] | None = None,
        base_latency: float = 0.0,
        models: dict[str, GeminiModel] | None = None,
    ) -> None:
        super().__init__()
        self.models = models
        # Keep digests only, so no key sits in memory dumps or reprs of the fake.
        self._valid_digests = None if valid_keys is None else {_sha256(key) for key in valid_keys}
        self.thoughts_tokens = thoughts_tokens
        self.responder: Callable[[GeminiRequest], str] = responder or cite_sources
        self.base_latency = base_latency
        self._serial = 0
        self._serial_lock = threading.Lock()

    def fail_next(
        self,
        count: int,
        status: int,
        message: str,
        retry_delay: str | None = None,
        path: str | None = None,
    ) -> None:
        """Answer the next `count` matching requests with Google's error envelope.

        `retry_delay` (e.g. "2s") adds a google.rpc.RetryInfo detail, as Gemini does on
        429. `path` may be a suffix such as ":generateContent".
        """
        details = None
        if retry_delay is not None:
            details = [
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": retry_delay}
            ]
        self._add_failure(count, status, google_error(status, message, details), path)

    # -- base-class hooks ------------------------------------------------------------
    def _prepare(self, ex: Exchange) -> None:
        key = ex.headers.get("x-goog-api-key") or (ex.query.get("key") or [""])[0]
        ex.api_key_sha256 = _sha256(key) if key else None

    def _error_body(self, status: int, message: str) -> Any:
        return google_error(status, message)

    def _dispatch(self, ex: Exchange) -> None:
        route = _ROUTE.match(ex.path)
        if ex.method != "POST" or route is None:
            ex.send_json(404, google_error(404, f"FakeGemini has no {ex.method} {ex.path}"))
            return
        if not self._authorised(ex):
            return
        if not isinstance(ex.body, dict):
            message = f"Invalid JSON payload received. {ex.json_error or 'Expected an object.'}"
            ex.send_json(400, google_error(400, message))
            return
        version, model, method = route.groups()
        if method == "generateContent":
            self._generate(ex, ex.body, model, version)
        elif method == "countTokens":
            self._count_tokens(ex, ex.body)
        else:
            ex.send_json(404, google_error(404, f"FakeGemini does not implement {method}"))

    def _authorised(self, ex: Exchange) -> bool:
        if ex.api_key_sha256 is None:
            message = (
                "Method doesn't allow unregistered callers (callers without established "
                "identity). Please use API Key or other form of API consumer identity to "
                "call this API."
            )
            ex.send_json(403, google_error(403, message))
            return False
        if self._valid_digests is not None and ex.api_key_sha256 not in self._valid_digests:
            info = {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com"},
            }
            message = "API key not valid. Please pass a valid API key."
            ex.send_json(400, google_error(400, message, [info]))
            return False
        return True

    # -- endpoints -------------------------------------------------------------------
    def _generate(self, ex: Exchange, body: dict[str, Any], model: str, version: str) -> None:
        contents = body.get("contents")
        if not isinstance(contents, list) or not contents:
            message = "* GenerateContentRequest.contents: contents is not specified\n"
            ex.send_json(400, google_error(400, message))
            return
        config = body.get("generationConfig")
        request = GeminiRequest(
            model=model,
            api_version=version,
            contents=contents,
            system_instruction="\n".join(_texts(body.get("systemInstruction") or [])),
            generation_config=config if isinstance(config, dict) else {},
        )
        spec = None
        if self.models is not None:
            spec = self.models.get(model)
            if spec is None:
                message = f"models/{model} is not found for API version {version}"
                ex.send_json(404, google_error(404, message))
                return
        self._sleep(self.base_latency)
        if spec is not None and self.responder is cite_sources:
            reply = cite_sources(request, spec.cites)
        else:
            reply = self.responder(request)
        thoughts = self._thoughts(request, spec)
        finish = "STOP"
        limit = request.generation_config.get("maxOutputTokens")
        if isinstance(limit, int) and count_tokens(reply) + thoughts > limit:
            # Thinking is spent first; what is left of the limit goes to the answer.
            reply = head_tokens(reply, max(0, limit - thoughts))
            finish = "MAX_TOKENS"
        prompt_tokens = sum(
            count_tokens(t) for t in [request.system_instruction, *_texts(contents)]
        )
        answer_tokens = count_tokens(reply)
        # proto3 JSON leaves out empty and zero fields; the real API does too.
        content: dict[str, Any] = {"role": "model"}
        if reply:
            content["parts"] = [{"text": reply}]
        usage: dict[str, Any] = {
            "promptTokenCount": prompt_tokens,
            "totalTokenCount": prompt_tokens + answer_tokens + thoughts,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt_tokens}],
        }
        if answer_tokens:
            usage["candidatesTokenCount"] = answer_tokens
        if thoughts:
            usage["thoughtsTokenCount"] = thoughts
        ex.send_json(
            200,
            {
                "candidates": [{"content": content, "finishReason": finish, "index": 0}],
                "usageMetadata": usage,
                "modelVersion": model,
                "responseId": self._response_id(),
            },
        )

    def _thoughts(self, request: GeminiRequest, spec: GeminiModel | None) -> int:
        """Thinking tokens of this reply: the model's own, capped by thinkingBudget (0: off,
        -1: dynamic, the model's own)."""
        own = self.thoughts_tokens if spec is None else spec.thoughts_tokens
        thinking = request.generation_config.get("thinkingConfig") or {}
        thinking = thinking if isinstance(thinking, dict) else {}
        # google-genai 3.6 sends the field as thinking_budget; proto JSON accepts both names.
        budget = thinking.get("thinkingBudget", thinking.get("thinking_budget"))
        if not isinstance(budget, int) or budget < 0:
            return own
        return min(own, budget)

    def _count_tokens(self, ex: Exchange, body: dict[str, Any]) -> None:
        inner = body.get("generateContentRequest")
        source = inner if isinstance(inner, dict) else body
        texts = _texts(source.get("contents") or []) + _texts(source.get("systemInstruction") or [])
        total = sum(count_tokens(t) for t in texts)
        ex.send_json(
            200,
            {
                "totalTokens": total,
                "promptTokensDetails": [{"modality": "TEXT", "tokenCount": total}],
            },
        )

    def _response_id(self) -> str:
        # Deterministic per server, shaped like the real 22-character ids.
        with self._serial_lock:
            self._serial += 1
            serial = self._serial
        digest = hashlib.sha256(f"fake-gemini-{serial}".encode()).digest()
        return base64.urlsafe_b64encode(digest).decode()[:22]


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
