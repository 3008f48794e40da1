"""``anthropic:<model>``: Claude over Anthropic's Messages API, with the official ``anthropic`` SDK.

Each input is one ``POST /v1/messages``: the system prompt as the top-level ``system``, the
demonstration turns as alternating user/assistant messages, then the input as a user turn whose
image (a base64 PNG ``image`` block) comes before its text, as the benchmark sent it;
``max_tokens`` is ``--vsc-max-new-tokens`` and the temperature 0. A ``stop_reason`` of
``refusal`` is Anthropic's classifier blocking the answer: recorded as
``Response.blocked = "anthropic stop_reason=refusal"``, never an error.

The SDK's own retries are off (``max_retries=0``): ``api_common.ApiBackend`` retries 429, 529
(overloaded), 5xx, timeouts and dropped connections honouring ``retry-after``, and counts a
refused connection, an unknown host and HTTP 401/403/404 as hopeless (the breaker). The key
comes from ``ANTHROPIC_API_KEY`` (``registry.resolve_api``) and is never part of a fingerprint,
message or report.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from vscbench_pytest.backends.api_common import ApiBackend, png_base64
from vscbench_pytest.backends.base import GenerationSettings, Request, conversation
from vscbench_pytest.backends.openai_api import ApiSettings

DEFAULT_BASE_URL = "https://api.anthropic.com"
BLOCK_STOP_REASONS = ("refusal",)


def user_content(prompt: str, image: Any) -> str | list[dict]:
    """A plain string without an image; with one, the base64 image block, then the text."""
    if image is None:
        return prompt
    return [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": png_base64(image)}},
        {"type": "text", "text": prompt},
    ]


def messages_body(request: Request) -> tuple[str | None, list[dict]]:
    """The top-level ``system`` and the ``messages`` (shots as user/assistant turns, then the input)."""
    return request.system, conversation(replace(request, system=None), user_content)


class AnthropicBackend(ApiBackend):
    """Calls ``messages.create`` once per request; safe to call from many threads."""

    kind = "anthropic"
    default_url = DEFAULT_BASE_URL

    def __init__(self, spec: str, model: str, api: ApiSettings, settings: GenerationSettings) -> None:
        import anthropic

        super().__init__(spec, model, api, settings)
        # An explicit api_key: the SDK then reads no credential from the environment or disk.
        self._client = anthropic.Anthropic(
            api_key=api.api_key or "none", base_url=self.client_base_url, default_headers=self.auth_headers or None,
            timeout=api.timeout_s, max_retries=0,
        )
        self._anthropic = anthropic

    def _once(self, request: Request) -> tuple[str, str | None]:
        system, messages = messages_body(request)
        extra: dict[str, Any] = {"system": system} if system is not None else {}
        message = self._client.messages.create(
            model=self.model, max_tokens=self.settings.max_new_tokens, messages=messages,  # type: ignore[arg-type]
            # temperature is not a typed parameter of recent SDKs; the API still takes it
            extra_body={"temperature": self.settings.temperature}, **extra,
        )
        content = getattr(message, "content", None)
        if not isinstance(content, list):
            raise ValueError("the server's answer has no content list")
        text = "".join(getattr(block, "text", "") or "" for block in content
                       if getattr(block, "type", None) == "text").strip()
        stop = getattr(message, "stop_reason", None)
        return text, (f"anthropic stop_reason={stop}" if stop in BLOCK_STOP_REASONS else None)

    def _status(self, exc: Exception) -> tuple[int, Any] | None:
        if isinstance(exc, self._anthropic.APIStatusError):
            return exc.status_code, exc.response.headers
        return None

    def _transport(self, exc: Exception) -> bool:
        return isinstance(exc, self._anthropic.APIConnectionError)  # timeouts included

    def _malformed(self, exc: Exception) -> bool:
        return isinstance(exc, (ValueError, self._anthropic.APIResponseValidationError))


def backend_from_json(spec: str, model: str, api: dict, settings: dict) -> AnthropicBackend:
    """Build the backend from JSON-able settings (how a child process receives them)."""
    return AnthropicBackend(spec, model, ApiSettings(**api), GenerationSettings(**settings))
