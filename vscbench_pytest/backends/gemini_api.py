"""``gemini:<model>``: Gemini over the Gemini API, with the official ``google-genai`` SDK.

Each input is one ``models.generate_content`` call (``POST /{version}/models/{model}:generateContent``,
the version the SDK chooses): the system prompt as ``system_instruction``, the demonstration
turns as user/model turns, then the input as a user turn whose image (``inline_data``, PNG
bytes) comes before its text; ``max_output_tokens`` is ``--vsc-max-new-tokens`` and the
temperature 0. The provider's safety settings are left at their defaults: what they block is
part of what the benchmark measures.

A block is recorded, never an error: a prompt blocked outright (``prompt_feedback.block_reason``,
usually with no candidate) is ``Response.blocked = "gemini block_reason=<REASON>"``; a candidate
stopped by a safety filter (``finish_reason`` in ``SAFETY_FINISH_REASONS``) is
``"gemini finish_reason=<REASON>"``, with whatever text came before the stop.

The SDK's own retries are off (one attempt): ``api_common.ApiBackend`` retries 429, 5xx,
timeouts and dropped connections honouring ``retry-after``, and counts a refused connection, an
unknown host and HTTP 401/403/404 as hopeless (the breaker). The key comes from
``GEMINI_API_KEY`` or ``GOOGLE_API_KEY`` (``registry.resolve_api``) and is never part of a
fingerprint, message or report.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from vscbench_pytest.backends.api_common import ApiBackend, png_bytes
from vscbench_pytest.backends.base import GenerationSettings, Request, conversation
from vscbench_pytest.backends.openai_api import ApiSettings

DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"
# google.genai.types.FinishReason values that mean a safety filter stopped the candidate
# (RECITATION, LANGUAGE, MAX_TOKENS and the like are not blocks)
SAFETY_FINISH_REASONS = frozenset({"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "IMAGE_SAFETY",
                                   "IMAGE_PROHIBITED_CONTENT", "MODEL_ARMOR"})


def user_parts(prompt: str, image: Any) -> list[dict]:
    """One user turn's parts: the image as ``inline_data`` PNG bytes (when there is one), then the text."""
    parts: list[dict] = []
    if image is not None:
        parts.append({"inline_data": {"mime_type": "image/png", "data": png_bytes(image)}})
    parts.append({"text": prompt})
    return parts


def contents(request: Request) -> list[dict]:
    """The ``contents`` of a request: demonstration turns as user/model pairs, then the input
    (the system prompt goes apart, as ``system_instruction``)."""
    turns = []
    for message in conversation(replace(request, system=None), user_parts):
        content = message["content"]
        turns.append({"role": "model" if message["role"] == "assistant" else "user",
                      "parts": content if isinstance(content, list) else [{"text": content}]})
    return turns


def _name(value: Any) -> str:
    """An SDK enum member (or a plain string) as the API writes it, e.g. ``SAFETY``."""
    return str(getattr(value, "value", value))


def read_answer(response: Any) -> tuple[str, str | None]:
    """The text of the first candidate and the block reason (None: not blocked); a ValueError
    for an answer with neither a candidate nor a block."""
    feedback = getattr(response, "prompt_feedback", None)
    block_reason = getattr(feedback, "block_reason", None) if feedback is not None else None
    blocked = f"gemini block_reason={_name(block_reason)}" if block_reason else None
    candidates = getattr(response, "candidates", None) or []
    if not candidates:
        if blocked is None:
            raise ValueError("the server's answer has no candidates and no block reason")
        return "", blocked
    candidate = candidates[0]
    parts = getattr(getattr(candidate, "content", None), "parts", None) or []
    text = "".join(part.text for part in parts
                   if isinstance(getattr(part, "text", None), str) and not getattr(part, "thought", False))
    finish = getattr(candidate, "finish_reason", None)
    if blocked is None and finish is not None and _name(finish) in SAFETY_FINISH_REASONS:
        blocked = f"gemini finish_reason={_name(finish)}"
    return text.strip(), blocked


def _from_http_client(exc: Exception) -> bool:
    """Whether ``exc`` is the HTTP client's transport error (httpx or httpx2, whichever the SDK uses)."""
    return any(cls.__name__ == "TransportError" and cls.__module__.partition(".")[0] in ("httpx", "httpx2")
               for cls in type(exc).__mro__)


class GeminiBackend(ApiBackend):
    """Calls ``models.generate_content`` once per request; safe to call from many threads."""

    kind = "gemini"
    default_url = DEFAULT_BASE_URL

    def __init__(self, spec: str, model: str, api: ApiSettings, settings: GenerationSettings) -> None:
        from google import genai
        from google.genai import errors, types

        super().__init__(spec, model, api, settings)
        options = types.HttpOptions(base_url=self.client_base_url, headers=self.auth_headers or None,
                                    timeout=max(1, round(api.timeout_s * 1000)),  # milliseconds
                                    retry_options=types.HttpRetryOptions(attempts=1))
        # vertexai=False and an explicit key: no Vertex or ADC lookup from the environment
        self._client = genai.Client(api_key=api.api_key or "none", vertexai=False, http_options=options)
        self._config = types.GenerateContentConfig(
            max_output_tokens=settings.max_new_tokens, temperature=settings.temperature)
        self._types = types
        self._errors = errors

    def _once(self, request: Request) -> tuple[str, str | None]:
        config = self._config
        if request.system is not None:
            config = config.model_copy(update={"system_instruction": request.system})
        response = self._client.models.generate_content(
            model=self.model, contents=contents(request), config=config)  # type: ignore[arg-type]
        return read_answer(response)

    def _status(self, exc: Exception) -> tuple[int, Any] | None:
        if isinstance(exc, self._errors.APIError):
            response = getattr(exc, "response", None)
            return int(exc.code or 0), getattr(response, "headers", None)
        return None

    def _transport(self, exc: Exception) -> bool:
        return _from_http_client(exc)


def backend_from_json(spec: str, model: str, api: dict, settings: dict) -> GeminiBackend:
    """Build the backend from JSON-able settings (how a child process receives them)."""
    return GeminiBackend(spec, model, ApiSettings(**api), GenerationSettings(**settings))
