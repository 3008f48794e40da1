"""Produce every item's response ahead of its test, cache it, then judge it on request.

Once a process knows its items (in test order), a background thread walks them: API backends
get up to ``concurrency`` requests in flight, local models get batches of ``batch_size``. Each
response is looked up in the cache first and stored there as soon as it is produced. A test
waits only for its own item. Processes sharing a cache (xdist workers) claim items, so no input
is generated twice; a test whose item another process claimed waits for that row.
"""
from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, replace
from functools import partial
from typing import cast

from vscbench_pytest.backends.base import Backend, ConcurrentBackend, Request, Response
from vscbench_pytest.calibration.methods import Prompting
from vscbench_pytest.data.images import image_digest
from vscbench_pytest.errors import ItemError, VscError
from vscbench_pytest.judges.base import Judge, RemoteJudge
from vscbench_pytest.records.items import Item
from vscbench_pytest.records.protocol import EvalProtocol
from vscbench_pytest.records.results import ItemResult
from vscbench_pytest.runtime.cache import ResponseCache, Stored, response_key
from vscbench_pytest.runtime.judging import judged, prefetch
from vscbench_pytest.runtime.requests import build_request

CLAIM_POLL_MIN_S = 0.002  # waiting on another process's row: back off from 2 ms to 50 ms
CLAIM_POLL_MAX_S = 0.05
STOP_POLL_S = 0.05  # a producer waiting for a free request slot looks at close() this often
CLOSE_WAIT_S = 10.0  # at the end, how long to wait for requests under way to be answered


@dataclass(frozen=True)
class Answer:
    """A response and how it was obtained (for the run's request counts)."""

    response: Response
    cached: bool = False


def _from_cache(stored: Stored) -> Answer:
    """A row produced by this run (maybe in another process) counts its requests here."""
    attempts = stored.attempts if stored.fresh else 0
    return Answer(Response(stored.text, stored.error, attempts, stored.blocked), cached=not stored.fresh)


class Engine:
    """Answers (prefetched, cached) and judges the items of one process."""

    def __init__(
        self,
        backend: Backend | None,
        judge: Judge,
        order: list[Item],
        cache: ResponseCache | None,
        *,
        settings_key: dict,
        batch_size: int = 8,
        concurrency: int = 16,
        backend_error: str | None = None,
        others: Sequence[Judge] = (),
        prompting: Prompting | None = None,
        references: dict[str, tuple[str, ...]] | None = None,
        protocol: EvalProtocol | None = None,
    ) -> None:
        self.backend = backend
        self.judge = judge
        self.judges = [judge, *others]  # the first scores; all are recorded with several
        self._remote = [cast(RemoteJudge, j) for j in self.judges if hasattr(j, "prefetch")]
        self.order = order
        self.cache = cache if getattr(backend, "cacheable", True) else None
        self.settings_key = settings_key
        self.prompting = prompting  # a calibration's system prompt and demonstrations
        self.references = references or {}  # utility questions: uid -> accepted answers
        self.protocol = protocol or EvalProtocol()  # what judges see, what a failure is worth
        self.batch_size = max(1, batch_size)
        self.concurrency = max(1, concurrency)
        self.backend_error = backend_error
        self._futures: dict[str, Future[Answer]] = {item.uid: Future() for item in order}
        self._keys: dict[str, str] = {}
        self._elsewhere: set[str] = set()  # keys another process claimed first
        self._lock = threading.Lock()
        self._leaders: dict[str, str] = {}  # key -> uid of the item producing it here
        self._answered: dict[str, Answer] = {}  # key -> its answer, for items sharing content
        self._waiting: dict[str, list[Item]] = {}  # key -> items waiting on the same content
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._slots = threading.Semaphore(self.concurrency)  # requests in flight (submit backends)
        self.cache_problem: str | None = None  # why the cache stopped storing, if it did

    def load_failure(self) -> str | None:
        """Why the model cannot load, or None. A model not loaded yet is loaded now (an error
        answer may come from another xdist worker through the run's shared answers)."""
        load = getattr(self.backend, "load", None)
        if load is None:
            return None
        try:
            load()
        except VscError as exc:
            return str(exc)
        return None

    @property
    def _model(self) -> Backend:
        """The backend: asked for only on the paths that run once one has loaded."""
        assert self.backend is not None
        return self.backend

    @property
    def _cache(self) -> ResponseCache:
        """The cache: asked for only on the paths that run with one."""
        assert self.cache is not None
        return self.cache

    # -- producing ---------------------------------------------------------------------------

    def key(self, item: Item) -> str:
        """The cache key of ``item`` (ItemError when its image path is not allowed)."""
        if item.uid not in self._keys:
            assert self.backend is not None
            image = image_digest(item.image) if item.image is not None else ""
            settings = self.settings_key
            if self.prompting is not None:
                settings = {**settings, **self.prompting.key(item.track)}
            self._keys[item.uid] = response_key(
                self.backend.kind, self.backend.fingerprint, item.prompt, image, settings)
        return self._keys[item.uid]

    def _settle(self, item: Item, answer: Answer) -> None:
        future = self._futures.setdefault(item.uid, Future())
        if not future.done():
            future.set_result(answer)
            if item.uid not in self.references:  # judge servers start before the test asks
                prefetch(item, answer.response, self._remote, self.protocol)

    def _settle_key(self, key: str, item: Item, answer: Answer) -> None:
        """Settle ``item`` and every item of identical content waiting on it (no extra request)."""
        with self._lock:
            self._answered[key] = answer
            followers = self._waiting.pop(key, [])
        self._settle(item, answer)
        shared = Answer(replace(answer.response, attempts=0), cached=answer.cached)
        for follower in followers:
            self._settle(follower, shared)

    def _follow(self, key: str, item: Item) -> bool:
        """True when another item of this process has the same content: ``item`` waits on it."""
        with self._lock:
            if key in self._answered:
                shared = self._answered[key]
            elif self._leaders.setdefault(key, item.uid) != item.uid:
                self._waiting.setdefault(key, []).append(item)
                return True
            else:
                return False
        self._settle(item, Answer(replace(shared.response, attempts=0), cached=shared.cached))
        return True

    def _prepare(self, item: Item) -> tuple[str, Request] | None:
        """Cache hit, error or claimed elsewhere: settled or left to wait (None); else the work."""
        if self.backend is None:
            self._settle(item, Answer(Response(None, self.backend_error or "no model", attempts=0)))
            return None
        try:
            key = self.key(item)
        except ItemError as exc:
            self._settle(item, Answer(Response(None, f"{exc} ({item.source})", attempts=0)))
            return None
        if self.cache is not None and self._follow(key, item):
            return None  # same content as an item already asked: one request serves both
        if self.cache is not None:
            stored = self.cache.get(key)
            if stored is not None:
                self._settle_key(key, item, _from_cache(stored))
                return None
            if not self._claim(key, item):
                self._elsewhere.add(key)  # another process produces it; answer() waits for it
                return None
        try:
            request = build_request(item, self.prompting)
        except ItemError as exc:
            self._settle_key(key, item, Answer(Response(None, f"{exc} ({item.source})", attempts=0)))
            return None
        return key, request

    def _cache_failed(self, item: Item, exc: BaseException) -> None:
        with self._lock:
            self.cache_problem = self.cache_problem or (
                f"the response cache {self._cache.path} stopped storing responses "
                f"({type(exc).__name__}: {exc}); from {item.uid} on, responses were scored "
                f"but not cached")

    def _claim(self, key: str, item: Item) -> bool:
        """Claim ``key`` for this process; with a cache that cannot be written, just produce it."""
        if self.cache_problem is not None:
            return True
        try:
            return self._cache.claim(key)
        except (OSError, sqlite3.Error) as exc:
            self._cache_failed(item, exc)
            return True

    def _store(self, item: Item, key: str, response: Response) -> None:
        """Cache the response, then hand it on; a cache that cannot store it (a full or
        read-only disk) never costs the response: the item is still answered and scored."""
        if self.cache is not None and self.cache_problem is None:
            try:
                self.cache.put(key, backend=self._model.kind, model=self._model.fingerprint,
                               uid=item.uid, text=response.text, error=response.error,
                               attempts=response.attempts, spec=self._model.spec,
                               blocked=response.blocked)
            except (OSError, sqlite3.Error) as exc:
                self._cache_failed(item, exc)
        if self.cache is not None and self.cache_problem is not None:
            self.cache.release(key)  # best effort: another process waiting on it takes it over
        self._settle_key(key, item, Answer(response))

    def _fail(self, items: list[Item], exc: BaseException) -> None:
        """Never leave a test waiting: an item whose production broke becomes an error, and so
        do the items of identical content waiting on it."""
        answer = Answer(Response(None, f"prefetch failed: {exc!r}", attempts=0))
        for item in items:
            future = self._futures.get(item.uid)
            if future is not None and future.done():
                continue
            key = self._keys.get(item.uid)
            if key is None:
                self._settle(item, answer)
            else:
                self._settle_key(key, item, answer)

    def _produce_one(self, item: Item) -> None:
        if self._stop.is_set():
            return
        try:
            work = self._prepare(item)
            if work is not None:
                key, request = work
                self._store(item, key, self._model.generate([request])[0])
        except Exception as exc:  # e.g. the cache's disk is full
            self._fail([item], exc)

    def _submitted(self, item: Item, key: str, slots: threading.Semaphore, future: Future) -> None:
        try:
            self._store(item, key, future.result())
        except Exception as exc:
            self._fail([item], exc)
        finally:
            slots.release()

    def _produce_submitted(self) -> None:
        """Backends that answer on their own (a child process): no request thread here."""
        slots = self._slots
        for item in self.order:
            if self._stop.is_set():
                break
            work = self._prepare_or_fail(item)
            if work is None:
                continue
            key, request = work
            while not slots.acquire(timeout=STOP_POLL_S):
                if self._stop.is_set():
                    self._hand_back(key)
                    return
            try:
                future = cast(ConcurrentBackend, self._model).submit(request)
            except Exception as exc:  # this input's trouble: the others go on
                slots.release()
                if self.cache is not None:
                    self.cache.release(key)
                self._fail([item], exc)
                continue
            future.add_done_callback(partial(self._submitted, item, key, slots))

    def _hand_back(self, key: str) -> None:
        """``key`` was claimed but will not be sent: another process may take it, and the items
        here that share its content are produced on demand if a test asks for them."""
        with self._lock:
            self._leaders.pop(key, None)
            self._waiting.pop(key, None)
        if self.cache is not None:
            self.cache.release(key)

    def _drain_submitted(self, wait_s: float) -> None:
        """Wait until every submitted request has been answered and stored, at most ``wait_s``
        (a hung server must not hold up a session that ends, or one stopped with Ctrl-C)."""
        deadline = time.monotonic() + wait_s
        taken = 0
        while taken < self.concurrency and self._slots.acquire(
                timeout=max(0.0, deadline - time.monotonic())):
            taken += 1
        for _ in range(taken):
            self._slots.release()

    def _prepare_or_fail(self, item: Item) -> tuple[str, Request] | None:
        try:
            return self._prepare(item)
        except Exception as exc:  # one input's trouble never spreads to the others
            self._fail([item], exc)
            return None

    def _produce_batch(self, items: list[Item]) -> None:
        work = [(item, w) for item in items if (w := self._prepare_or_fail(item)) is not None]
        if not work:
            return
        responses = self._model.generate([request for _, (_, request) in work])
        for (item, (key, _)), response in zip(work, responses):
            self._store(item, key, response)

    def _produce(self) -> None:
        try:
            if self.backend is not None and hasattr(self.backend, "submit"):
                self._produce_submitted()
            elif self.backend is not None and getattr(self.backend, "concurrent", False):
                slots = threading.Semaphore(self.concurrency * 2)
                with ThreadPoolExecutor(self.concurrency, thread_name_prefix="vscbench") as pool:
                    for item in self.order:
                        if self._stop.is_set():
                            break
                        slots.acquire()
                        pool.submit(self._produce_one, item).add_done_callback(lambda _: slots.release())
            else:
                for start in range(0, len(self.order), self.batch_size):
                    if self._stop.is_set():
                        break
                    self._produce_batch(self.order[start:start + self.batch_size])
        except BaseException as exc:  # never leave a test waiting forever
            self._fail(self.order, exc)

    def start(self) -> Engine:
        """Start producing in the background."""
        self._thread = threading.Thread(target=self._produce, name="vscbench-prefetch", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop producing (tests that still run answer their own item on demand).

        Requests already sent are answered and stored first (another xdist worker may be
        waiting for their rows; at most ``CLOSE_WAIT_S``), then the judge servers' pending
        work is dropped and their running requests end, and only then do the backend and the
        cache close.
        """
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._drain_submitted(CLOSE_WAIT_S)
        for judge in self._remote:
            judge.close()
        close_backend = getattr(self.backend, "close", None)
        if close_backend is not None:
            close_backend()
        if self.cache is not None:
            self.cache.close()

    # -- consuming ---------------------------------------------------------------------------

    def answer(self, item: Item) -> Answer:
        """The answer for ``item``: prefetched, cached, waited for, or produced now."""
        future = self._futures.get(item.uid)
        if future is None or self._thread is None or self._stop.is_set():
            future = self._futures.setdefault(item.uid, Future())
            if not future.done():
                self._produce_batch([item])
        wait = CLAIM_POLL_MIN_S
        while not future.done():
            if self._keys.get(item.uid) in self._elsewhere:
                self._poll_claimed(item)  # another process's row is often there already
            try:
                return future.result(timeout=wait)
            except FutureTimeout:
                wait = min(wait * 2, CLAIM_POLL_MAX_S)
        return future.result()

    def _poll_claimed(self, item: Item) -> None:
        """Settle an item claimed by another process once its row is there, or take it over
        when that process is gone."""
        key = self._keys[item.uid]
        stored = self._cache.get(key)
        if stored is not None:
            self._elsewhere.discard(key)
            self._settle_key(key, item, _from_cache(stored))
        elif self._claim(key, item):  # the other process died: produce it here
            self._elsewhere.discard(key)
            with self._lock:
                self._leaders[key] = item.uid
            self._produce_batch([item])

    def result(self, item: Item) -> tuple[ItemResult, Answer]:
        """Response, then verdict: the judged result of ``item`` and how it was answered."""
        answer = self.answer(item)
        return judged(item, answer.response, self.judges, self.references.get(item.uid),
                      self.protocol), answer

