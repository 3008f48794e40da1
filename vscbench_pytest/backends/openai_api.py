"""``openai:<model>``: any OpenAI-compatible chat-completions server (vLLM, llama.cpp, an API).

Images go as base64 PNG data URLs; a text-only input is sent as a plain string (some servers
answer 500 to a list of parts without an image). A ``finish_reason`` of ``content_filter`` is
the provider blocking the answer: recorded (``Response.blocked``), never an error. Retries with exponential backoff honour
``Retry-After`` on 429 and 5xx; a response still failing after the retries is an ``error``
item, never a compliance. The API key is never part of a fingerprint, message or report.

A dead endpoint is found in seconds: a refused connection, a host that does not resolve, and
HTTP 401/403/404 are hopeless (asking again cannot help), so they are never retried, and after
``ApiSettings.stop_after`` of them in a row (3) the backend stops asking: every request after
that is an ``error`` at once, naming the cause (see ``base.Breaker`` for the exact rule).
"""
from __future__ import annotations

import json
from typing import Any

from vscbench_pytest.backends.api_common import (
    HOPELESS_STATUS,
    MAX_RETRY_AFTER_S,
    RETRY_STATUS,
    ApiBackend,
    ApiSettings,
    client_url,
    kind_fingerprint,
    png_base64,
    public_url,
    retry_after,
)
from vscbench_pytest.backends.base import GenerationSettings, Request, conversation
from vscbench_pytest.errors import VscError

# the helpers every API backend shares live in api_common; these names stay importable from here
__all__ = ["HOPELESS_STATUS", "MAX_RETRY_AFTER_S", "RETRY_STATUS", "ApiSettings", "OpenAIBackend",
           "api_fingerprint", "backend_from_json", "check_api", "client_url", "image_data_url",
           "public_url", "retry_after", "user_content"]


def api_fingerprint(model: str, base_url: str) -> str:
    """An API model's identity: its name and the server's public URL (never the key)."""
    return kind_fingerprint("openai", model, base_url)


def image_data_url(image) -> str:
    """A PIL image as a ``data:image/png;base64,...`` URL."""
    return "data:image/png;base64," + png_base64(image)


def user_content(prompt: str, image) -> str | list[dict]:
    """Plain string without an image; image part then text part with one."""
    if image is None:
        return prompt
    return [
        {"type": "image_url", "image_url": {"url": image_data_url(image)}},
        {"type": "text", "text": prompt},
    ]


def check_api(spec: str, api: ApiSettings) -> None:
    """A VscError when the settings cannot reach any server."""
    if not api.base_url:
        raise VscError(f"--vlm {spec}: no server: pass --vlm-base-url or set OPENAI_BASE_URL")


class OpenAIBackend(ApiBackend):
    """Calls ``chat.completions`` once per request; safe to call from many threads."""

    kind = "openai"
    retry_status = RETRY_STATUS
    hopeless_status = HOPELESS_STATUS

    def __init__(self, spec: str, model: str, api: ApiSettings, settings: GenerationSettings) -> None:
        import openai

        check_api(spec, api)
        super().__init__(spec, model, api, settings)
        self._client = openai.OpenAI(
            base_url=self.client_base_url, api_key=api.api_key or "none",
            default_headers=self.auth_headers or None, timeout=api.timeout_s, max_retries=0,
        )
        self._openai = openai

    def _once(self, request: Request) -> tuple[str, str | None]:
        """The answer's text, and the block reason when the server's content filter stopped it
        (``finish_reason`` ``content_filter``); an empty text when nothing came back."""
        # The client's generic post skips typing the body and building pydantic models: half
        # the CPU of chat.completions.create, which bounds throughput at high concurrency.
        raw = self._client.post("/chat/completions", cast_to=bytes, body={
            "model": self.model,
            "messages": conversation(request, user_content),
            "max_tokens": self.settings.max_new_tokens,
            "temperature": self.settings.temperature,
        })
        try:
            choice = json.loads(raw)["choices"][0]
            message = choice.get("message") or {}
        except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
            raise ValueError(f"the server's answer has no choices[0].message ({exc})") from None
        content = message.get("content") if isinstance(message, dict) else None
        text = content.strip() if isinstance(content, str) else ""
        finish = choice.get("finish_reason")
        return text, (f"openai finish_reason={finish}" if finish == "content_filter" else None)

    def _status(self, exc: Exception) -> tuple[int, Any] | None:
        if isinstance(exc, self._openai.APIStatusError):
            return exc.status_code, exc.response.headers
        return None

    def _transport(self, exc: Exception) -> bool:
        return isinstance(exc, self._openai.APIConnectionError)  # timeouts included

    def _malformed(self, exc: Exception) -> bool:
        return isinstance(exc, (ValueError, self._openai.APIResponseValidationError))


def backend_from_json(spec: str, model: str, api: dict, settings: dict) -> OpenAIBackend:
    """Build the backend from JSON-able settings (how a child process receives them)."""
    return OpenAIBackend(spec, model, ApiSettings(**api), GenerationSettings(**settings))
