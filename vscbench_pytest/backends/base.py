"""What every backend takes and gives back."""
from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from vscbench_pytest.errors import VscError

if TYPE_CHECKING:
    from PIL import Image


@dataclass(frozen=True)
class GenerationSettings:
    """Generation options shared by backends (local models decode greedily)."""

    max_new_tokens: int = 128
    device: str = "auto"
    dtype: str = "auto"
    cpu_threads: int | None = None  # torch threads on CPU; None keeps torch's default
    worker_index: int | None = None  # xdist worker number: spreads workers over the GPUs
    trust_remote_code: bool = False  # run a checkpoint's own Python code (--vlm-trust-remote-code)
    temperature: float = 0.0  # API backends send it; local models decode greedily


@dataclass(frozen=True)
class Shot:
    """A worked demonstration turn (``--vsc-calibration=fewshot``): a prompt, its image, an answer."""

    prompt: str
    image: Image.Image | None
    answer: str


@dataclass(frozen=True)
class Request:
    """One prompt, with its decoded image or None for a text-only input; a calibration may
    add a system prompt and demonstration turns that come before it."""

    uid: str
    prompt: str
    image: Image.Image | None = None
    system: str | None = None
    shots: tuple[Shot, ...] = ()

    def images(self) -> list[Image.Image]:
        """Every image of the conversation in order: the demonstrations', then the input's."""
        found = [shot.image for shot in self.shots if shot.image is not None]
        return found + ([self.image] if self.image is not None else [])


@dataclass(frozen=True)
class Response:
    """The model's text, or an error message when no usable response came back.

    ``blocked`` is the provider's reason when it blocked the answer (an OpenAI-style
    ``finish_reason`` of ``content_filter``, an Anthropic ``stop_reason`` of ``refusal``, a
    Gemini block reason or safety finish reason), None otherwise; ``text`` is then whatever
    text came back with the block (often none: "")."""

    text: str | None
    error: str | None = None
    attempts: int = 1  # requests made for it (0 when it came from the cache)
    blocked: str | None = None


class Backend(Protocol):
    """A model that answers a batch of requests, in order.

    ``concurrent`` backends (APIs) are called from many threads, one request each; the others
    get batches of up to ``--vsc-batch-size`` requests from one thread. A backend whose
    ``cacheable`` is False (replay) is never cached: its answers do not follow from content.
    A text-only backend sets ``accepts_images = False``; one that does not say takes images
    (read it with ``takes_images``).
    """

    spec: str
    kind: str
    fingerprint: str
    concurrent: bool

    def generate(self, requests: list[Request]) -> list[Response]: ...


class ConcurrentBackend(Backend, Protocol):
    """A backend answering one request at a time from many threads (an API's child process)."""

    def submit(self, request: Request) -> Future[Response]: ...


def takes_images(backend: object) -> bool:
    """Whether a built backend takes image inputs: its ``accepts_images``, True when unset."""
    return bool(getattr(backend, "accepts_images", True))


class LoadsOnce:
    """Load a model on first use, once: subclasses set ``self._lock`` (a threading.Lock),
    ``self._load_error = None`` and ``self.model = None`` in ``__init__``, and ``self.model`` in
    ``_load``. A VscError from ``_load`` is remembered and raised again on every later use."""

    _lock: threading.Lock
    _load_error: VscError | None
    model: Any  # the loaded model (a torch module), None until loaded

    def load(self) -> None:
        """Load once (a failure is remembered and raised again)."""
        with self._lock:
            if self.model is not None:
                return
            if self._load_error is not None:
                raise self._load_error
            try:
                self._load()
            except VscError as exc:
                self._load_error = exc
                raise

    @property
    def load_error(self) -> VscError | None:
        """Why loading failed, once it has (None before and after a good load)."""
        return self._load_error

    def _load(self) -> None:
        raise NotImplementedError


class Breaker:
    """Stops asking a dead endpoint: after ``limit`` consecutive hopeless failures (nothing
    listens, the host does not resolve, the server answers 401/403/404) it trips, for good.

    The rule, for any concurrency: failures and successes count in the order their answers
    come back; a success resets the count; the ``limit``-th hopeless failure in a row trips
    the breaker, and from then on every request not yet sent (and every retry not yet made)
    is answered at once with ``message`` instead of being sent. Requests already in flight
    end on their own (each reports its own failure). So against an endpoint that is dead from
    the start, or dies mid-run, exactly the inputs asked after it died are errors whatever the
    concurrency; only which of them say "stopped asking" (those not yet sent) depends on how
    many were in flight. Failures that may pass (timeouts, 429, 5xx) neither count nor reset.
    ``limit`` 0 never trips.
    """

    def __init__(self, limit: int = 3) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._count = 0
        self._tripped = threading.Event()
        self.cause = ""  # the failure that tripped it

    @property
    def tripped(self) -> bool:
        """True once the limit was reached (it never resets)."""
        return self._tripped.is_set()

    def success(self) -> None:
        """An answer came back: the count starts over."""
        with self._lock:
            self._count = 0

    def failure(self, cause: str) -> None:
        """A hopeless failure, ``cause`` naming it (no secret in it)."""
        with self._lock:
            self._count += 1
            if self.limit > 0 and self._count >= self.limit and not self.tripped:
                self.cause = cause
                self._tripped.set()

    def wait(self, seconds: float) -> bool:
        """Sleep ``seconds`` (a retry's backoff), waking early when it trips; True if tripped."""
        return self._tripped.wait(seconds)

    def message(self, who: str) -> str:
        """What a request it stopped says: who, the cause, and the rule."""
        return f"{who}: {self.cause}; stopped asking after {self.limit} consecutive failures"


def conversation(request: Request, content: Callable[[str, Image.Image | None], object]) -> list[dict]:
    """The chat messages of a request: system prompt, demonstration turns, then the input.
    ``content(prompt, image)`` builds one user turn's content in the backend's own format."""
    messages: list[dict] = []
    if request.system is not None:
        messages.append({"role": "system", "content": request.system})
    for shot in request.shots:
        messages.append({"role": "user", "content": content(shot.prompt, shot.image)})
        messages.append({"role": "assistant", "content": shot.answer})
    messages.append({"role": "user", "content": content(request.prompt, request.image)})
    return messages
