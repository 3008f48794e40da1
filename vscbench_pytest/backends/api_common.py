"""What the API backends (``openai:``, ``anthropic:``, ``gemini:``) share: where and how to call
a server (``ApiSettings``, the public and client URLs), the retry loop, the classification of
failures (retried, hopeless, final), ``Retry-After``, the breaker, PNG encoding and the
fingerprint: only the SDK call and how an SDK names its errors differ per provider.

A subclass sets ``kind`` and implements ``_once`` (one request: the text and the block
reason), ``_status`` (an HTTP error's status and headers, None for any other failure) and
``_transport`` (a failure before any HTTP answer: refused, timed out, dropped). A provider's
block is recorded (``Response.blocked``), never an error. No message ever holds the API key or
the server's own error text (a 401's may echo the key).
"""
from __future__ import annotations

import base64
import io
import random
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from vscbench_pytest.backends.base import Breaker, GenerationSettings, Request, Response

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


OVERLOADED = 529  # Anthropic's "overloaded": retried like a 503


def kind_fingerprint(kind: str, model: str, base_url: str) -> str:
    """An API model's identity: ``<kind>:<model>@<public URL>`` (never the key)."""
    return f"{kind}:{model}@{public_url(base_url)}"


def png_bytes(image: Any) -> bytes:
    """A PIL image encoded as PNG."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def png_base64(image: Any) -> str:
    """A PIL image as base64 PNG data (no ``data:`` prefix)."""
    return base64.b64encode(png_bytes(image)).decode("ascii")


def connection_cause(exc: BaseException, base_url: str) -> str | None:
    """Why nothing answered, when asking again cannot help: a refused connection or a host
    that does not resolve, found anywhere in the chain of causes (SDKs wrap the transport's
    error, which wraps the OSError); None for any other failure."""
    url = public_url(base_url)
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, ConnectionRefusedError):
            return f"no answer from {url} (connection refused: nothing listens there)"
        if isinstance(cause, socket.gaierror):
            host = urlsplit(base_url).hostname or url
            return f"no answer from {url} (DNS failure: cannot resolve {host})"
        cause = cause.__cause__ or cause.__context__
    return None


class ApiBackend:
    """One request at a time per thread, with retries and the breaker; safe to call from many
    threads. Subclasses make the call (see the module docstring)."""

    kind = "api"
    default_url = ""  # the provider's public API, used when no base URL is given
    concurrent = True
    accepts_images = True
    retry_status = RETRY_STATUS | {OVERLOADED}
    hopeless_status: Mapping[int, str] = {**HOPELESS_STATUS, 404: (
        "no such endpoint or model (check the base URL, the server's root without a version "
        "path, and the model name)")}

    def __init__(self, spec: str, model: str, api: ApiSettings, settings: GenerationSettings) -> None:
        self.spec = spec
        self.model = model
        self.api = api if api.base_url else replace(api, base_url=self.default_url)
        self.settings = settings
        self.fingerprint = kind_fingerprint(self.kind, model, self.api.base_url)
        # for the SDK: the URL without user info (clients log it), which becomes a Basic header
        self.client_base_url, self.auth_headers = client_url(self.api.base_url)
        self.breaker = Breaker(api.stop_after)
        self._lock = threading.Lock()
        self.requests = 0
        self.retries = 0

    # --- what a provider implements ---------------------------------------------------------

    def _once(self, request: Request) -> tuple[str, str | None]:
        """One call: the answer's text ("" when none) and the block reason (None: not blocked).
        A malformed answer raises ValueError (retried)."""
        raise NotImplementedError

    def _status(self, exc: Exception) -> tuple[int, Any] | None:
        """An HTTP error's status code and response headers; None for any other failure."""
        raise NotImplementedError

    def _transport(self, exc: Exception) -> bool:
        """Whether ``exc`` is a failure before any HTTP answer (refused, timed out, dropped)."""
        raise NotImplementedError

    def _malformed(self, exc: Exception) -> bool:
        """Whether ``exc`` says the answer could not be read (retried, as a dropped one is)."""
        return isinstance(exc, ValueError)

    # --- shared -----------------------------------------------------------------------------

    def _count(self, retry: bool) -> None:
        with self._lock:
            self.requests += 1
            self.retries += int(retry)

    def _hopeless(self, exc: Exception) -> str | None:
        """What a failure that asking again cannot mend says: a refused connection, an
        unresolvable host, HTTP 401/403/404; None for any other failure."""
        status = self._status(exc)
        if status is not None:
            meaning = self.hopeless_status.get(status[0])
            return f"HTTP {status[0]} from {public_url(self.api.base_url)}: {meaning}" if meaning else None
        return connection_cause(exc, self.api.base_url) if self._transport(exc) else None

    def _retryable(self, exc: Exception) -> tuple[bool, float | None]:
        """Whether to ask again, and how long the server asked us to wait (Retry-After)."""
        status = self._status(exc)
        if status is not None:
            return status[0] in self.retry_status, retry_after(status[1])
        return self._transport(exc) or self._malformed(exc), None

    def _describe(self, exc: Exception) -> str:
        status = self._status(exc)
        if status is not None:
            return f"HTTP {status[0]} from {public_url(self.api.base_url)}"
        return f"{type(exc).__name__} from {public_url(self.api.base_url)}"

    def answer(self, request: Request) -> Response:
        """One request with retries; an error Response when it never succeeds, at once (not
        sent) when the breaker has tripped; a block is a Response with ``blocked`` set."""
        attempt = 0
        while True:
            if self.breaker.tripped:
                return Response(None, self.breaker.message(self.spec), attempts=attempt)
            try:
                self._count(retry=attempt > 0)
                text, blocked = self._once(request)
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
            return Response(text, attempts=attempt + 1, blocked=blocked)

    def generate(self, requests: list[Request]) -> list[Response]:
        """Each request answered in turn (the child process's threads call this one at a time)."""
        return [self.answer(r) for r in requests]
