"""``openai:<model>``: any OpenAI-compatible chat-completions server (vLLM, llama.cpp, an API).

Images go as base64 PNG data URLs; a text-only input is sent as a plain string (some servers
answer 500 to a list of parts without an image). Retries with exponential backoff honour
``Retry-After`` on 429 and 5xx; a response still failing after the retries is an ``error``
item, never a compliance. The API key is never part of a fingerprint, message or report.

A dead endpoint is found in seconds: a refused connection, a host that does not resolve, and
HTTP 401/403/404 are hopeless (asking again cannot help), so they are never retried, and after
``ApiSettings.stop_after`` of them in a row (3) the backend stops asking: every request after
that is an ``error`` at once, naming the cause (see ``base.Breaker`` for the exact rule).
"""
from __future__ import annotations

import base64
import io
import json
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import unquote, urlsplit, urlunsplit

from vscbench_pytest.backends.base import (
    Breaker,
    GenerationSettings,
    Request,
    Response,
    conversation,
)
from vscbench_pytest.errors import VscError

RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
MAX_RETRY_AFTER_S = 120.0
HOPELESS_STATUS = {
    401: "the server rejects the API key",
    403: "the server refuses access",
    404: "no such endpoint or model (check the base URL, usually ending in /v1, and the model name)",
}


@dataclass(frozen=True)
class ApiSettings:
    """Where and how to call the server."""

    base_url: str = field(repr=False)  # may hold user:password@
    api_key: str = field(repr=False)  # never shown, e.g. by pytest -l
    timeout_s: float = 60.0
    retries: int = 5
    backoff_s: float = 0.5
    stop_after: int = 3  # hopeless failures in a row before it stops asking (0: never)


def public_url(url: str) -> str:
    """The base URL without user info, query or fragment (safe for fingerprints and reports)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))


def client_url(url: str) -> tuple[str, dict[str, str]]:
    """The base URL for the HTTP client without user info, and the Basic ``Authorization``
    header that user info stands for (the header the client would build from it).

    The client logs every request's full URL (``httpx2`` at INFO), so a password left in the
    URL reached pytest's log file and captured-log output.
    """
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, {}
    userinfo = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}"
    token = base64.b64encode(userinfo.encode()).decode("ascii")
    return (urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2])),
            {"Authorization": f"Basic {token}"})


def api_fingerprint(model: str, base_url: str) -> str:
    """An API model's identity: its name and the server's public URL (never the key)."""
    return f"openai:{model}@{public_url(base_url)}"


def image_data_url(image) -> str:
    """A PIL image as a ``data:image/png;base64,...`` URL."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def user_content(prompt: str, image) -> str | list[dict]:
    """Plain string without an image; image part then text part with one."""
    if image is None:
        return prompt
    return [
        {"type": "image_url", "image_url": {"url": image_data_url(image)}},
        {"type": "text", "text": prompt},
    ]


def retry_after(headers) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), capped."""
    value = headers.get("retry-after") if headers is not None else None
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def check_api(spec: str, api: ApiSettings) -> None:
    """A VscError when the settings cannot reach any server."""
    if not api.base_url:
        raise VscError(f"--vlm {spec}: no server: pass --vlm-base-url or set OPENAI_BASE_URL")


class OpenAIBackend:
    """Calls ``chat.completions`` once per request; safe to call from many threads."""

    kind = "openai"
    concurrent = True

    def __init__(self, spec: str, model: str, api: ApiSettings, settings: GenerationSettings) -> None:
        import openai

        check_api(spec, api)
        self.spec = spec
        self.model = model
        self.api = api
        self.settings = settings
        self.fingerprint = api_fingerprint(model, api.base_url)
        base_url, auth_header = client_url(api.base_url)
        self._client = openai.OpenAI(
            base_url=base_url, api_key=api.api_key or "none", default_headers=auth_header or None,
            timeout=api.timeout_s, max_retries=0,
        )
        self._openai = openai
        self._lock = threading.Lock()
        self.breaker = Breaker(api.stop_after)
        self.requests = 0
        self.retries = 0

    def _count(self, retry: bool) -> None:
        with self._lock:
            self.requests += 1
            self.retries += int(retry)

    def _once(self, request: Request) -> str:
        # The client's generic post skips typing the body and building pydantic models: half
        # the CPU of chat.completions.create, which bounds throughput at high concurrency.
        raw = self._client.post("/chat/completions", cast_to=bytes, body={
            "model": self.model,
            "messages": conversation(request, user_content),
            "max_tokens": self.settings.max_new_tokens,
            "temperature": 0,
        })
        try:
            message = json.loads(raw)["choices"][0]["message"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise ValueError(f"the server's answer has no choices[0].message ({exc})") from None
        content = message.get("content") if isinstance(message, dict) else None
        return content.strip() if isinstance(content, str) else ""

    def _retryable(self, exc: Exception) -> tuple[bool, float | None]:
        openai = self._openai
        if isinstance(exc, openai.APIStatusError):
            return exc.status_code in RETRY_STATUS, retry_after(exc.response.headers)
        if isinstance(exc, (openai.APIConnectionError, openai.APIResponseValidationError, ValueError)):
            return True, None  # timeouts, dropped connections, malformed JSON
        return False, None

    def _hopeless(self, exc: Exception) -> str | None:
        """What a failure that asking again cannot mend says (None for any other failure):
        a refused connection, an unresolvable host, HTTP 401/403/404. Never the server's own
        message (a 401's may echo the key)."""
        url = public_url(self.api.base_url)
        if isinstance(exc, self._openai.APIStatusError):
            meaning = HOPELESS_STATUS.get(exc.status_code)
            return f"HTTP {exc.status_code} from {url}: {meaning}" if meaning else None
        if not isinstance(exc, self._openai.APIConnectionError):
            return None
        seen: set[int] = set()
        cause: BaseException | None = exc
        while cause is not None and id(cause) not in seen:  # openai wraps httpx wraps the OSError
            seen.add(id(cause))
            if isinstance(cause, ConnectionRefusedError):
                return f"no answer from {url} (connection refused: nothing listens there)"
            if isinstance(cause, socket.gaierror):
                host = urlsplit(self.api.base_url).hostname or url
                return f"no answer from {url} (DNS failure: cannot resolve {host})"
            cause = cause.__cause__ or cause.__context__
        return None

    def _describe(self, exc: Exception) -> str:
        if isinstance(exc, self._openai.APIStatusError):
            return f"HTTP {exc.status_code} from {public_url(self.api.base_url)}"
        return f"{type(exc).__name__} from {public_url(self.api.base_url)}"

    def answer(self, request: Request) -> Response:
        """One request with retries; an error Response when it never succeeds, at once (not
        sent) when the breaker has tripped."""
        attempt = 0
        while True:
            if self.breaker.tripped:
                return Response(None, self.breaker.message(self.spec), attempts=attempt)
            try:
                self._count(retry=attempt > 0)
                text = self._once(request)
            except Exception as exc:  # classified below; anything unknown is not retried
                tries = f" after {attempt + 1} attempts" if attempt else ""
                cause = self._hopeless(exc)
                if cause is not None:
                    self.breaker.failure(cause)
                    return Response(None, f"{cause}{tries}", attempts=attempt + 1)
                retry, wait = self._retryable(exc)
                if not retry or attempt >= self.api.retries:
                    return Response(None, f"{self._describe(exc)}{tries}", attempts=attempt + 1)
                backoff = self.api.backoff_s * (2 ** attempt) * (1 + random.random() / 4)
                self.breaker.wait(wait if wait is not None else min(backoff, 30.0))
                attempt += 1
                continue
            self.breaker.success()
            return Response(text, attempts=attempt + 1)

    def generate(self, requests: list[Request]) -> list[Response]:
        return [self.answer(r) for r in requests]


def backend_from_json(spec: str, model: str, api: dict, settings: dict) -> OpenAIBackend:
    """Build the backend from JSON-able settings (how a child process receives them)."""
    return OpenAIBackend(spec, model, ApiSettings(**api), GenerationSettings(**settings))
