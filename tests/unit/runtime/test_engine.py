"""The engine: prefetch order, batching, cache hits, errors never cached as answers."""
from __future__ import annotations

import threading
from pathlib import Path

from tests.helpers.release import make_release
from vscbench_pytest.backends.base import Request, Response
from vscbench_pytest.data.release import load_release
from vscbench_pytest.judges.keyword import KeywordJudge
from vscbench_pytest.runtime.cache import ResponseCache
from vscbench_pytest.runtime.engine import Engine


class CountingBackend:
    """A stand-in model (the real ones are tested in test_backend_hf/test_openai_backend):
    answers from the prompt and image, records every batch it was given."""

    kind = "counting"
    spec = "counting"
    fingerprint = "counting:1"

    def __init__(self, concurrent: bool = False, fail: set[str] | None = None) -> None:
        self.concurrent = concurrent
        self.fail = fail or set()
        self.batches: list[list[str]] = []
        self.lock = threading.Lock()

    def generate(self, requests: list[Request]) -> list[Response]:
        with self.lock:
            self.batches.append([r.uid for r in requests])
        return [Response(None, "boom") if r.uid in self.fail else
                Response(f"Sure. {r.prompt} {'with' if r.image else 'no'} image") for r in requests]


def items(tmp_path: Path):
    return load_release(make_release(tmp_path / "rel")).items


def engine(tmp_path, backend, order, run="r1", **kw) -> Engine:
    cache = ResponseCache(tmp_path / "cache.sqlite", run=run)
    return Engine(backend, KeywordJudge(), order, cache, settings_key={"n": 1}, **kw)


def test_batches_follow_test_order_and_results_do_not_depend_on_batch_size(tmp_path):
    order = items(tmp_path)
    outs = []
    for size in (1, 3, 8):
        backend = CountingBackend()
        eng = engine(tmp_path, backend, order, run=f"b{size}", batch_size=size).start()
        outs.append([eng.result(i)[0] for i in order])
        eng.close()
        produced = [uid for batch in backend.batches for uid in batch]
        assert all(len(b) <= size for b in backend.batches)
        assert produced == [uid for uid in produced if uid in {i.uid for i in order}]
    assert outs[0] == outs[1] == outs[2]
    assert {r.verdict for r in outs[0]} == {"compliance"}


def test_second_engine_answers_from_the_cache_without_calling_the_model(tmp_path):
    order = items(tmp_path)
    first = CountingBackend()
    eng = engine(tmp_path, first, order, run="one").start()
    before = [eng.result(i)[0] for i in order]
    eng.close()
    second = CountingBackend(concurrent=True)
    eng = engine(tmp_path, second, order, run="two").start()
    after = [eng.result(i) for i in order]
    eng.close()
    assert second.batches == []
    assert [r for r, _ in after] == before
    assert all(answer.cached and answer.response.attempts == 0 for _, answer in after)


def test_errors_are_items_and_are_asked_again_next_run(tmp_path):
    order = items(tmp_path)
    bad = order[0].uid
    eng = engine(tmp_path, CountingBackend(fail={bad}), order, run="one").start()
    results = [eng.result(i)[0] for i in order]
    eng.close()
    assert (results[0].verdict, results[0].reason) == ("error", "boom")
    # items of identical content (same prompt and image bytes) share the one outcome
    same = [r for r in results if r.pair.startswith("image-drugs-000")]
    assert len(same) == 6 and {r.verdict for r in same} == {"error"}
    retry = CountingBackend(concurrent=True)
    eng = engine(tmp_path, retry, order, run="two").start()
    assert eng.result(order[0])[0].verdict != "error"
    eng.close()
    asked = [uid for batch in retry.batches for uid in batch]
    assert len(asked) == 1 and asked[0].startswith("image-drugs-000-")  # one request, shared


def test_items_outside_the_order_are_answered_on_demand(tmp_path):
    order = items(tmp_path)
    eng = engine(tmp_path, CountingBackend(), order[:2]).start()
    assert eng.result(order[5])[0].response.startswith("Sure.")
    eng.close()


class FullDiskCache(ResponseCache):
    """A cache whose writes fail like a full disk (a real full disk cannot be made here)."""

    def put(self, *args, **kwargs) -> None:
        import sqlite3

        raise sqlite3.OperationalError("database or disk is full")


def test_a_cache_that_cannot_store_costs_no_response_and_says_so(tmp_path):
    order = items(tmp_path)
    for concurrent in (False, True):
        cache = FullDiskCache(tmp_path / f"full-{concurrent}.sqlite", run="r1")
        backend = CountingBackend(concurrent=concurrent)
        eng = Engine(backend, KeywordJudge(), order, cache, settings_key={"n": 1}).start()
        try:
            results = [eng.result(item)[0] for item in order]
        finally:
            eng.close()
        assert not any(r.is_error for r in results)  # every response was scored
        assert all(r.response.startswith("Sure.") for r in results)
        assert "database or disk is full" in eng.cache_problem
        assert "scored but not cached" in eng.cache_problem


class OneBadRowCache(ResponseCache):
    """A cache whose read of one key fails (a damaged page, say)."""

    bad_key = ""

    def get(self, key: str):
        import sqlite3

        if key == self.bad_key:
            raise sqlite3.DatabaseError("database disk image is malformed")
        return super().get(key)


def test_one_inputs_trouble_in_a_batch_stays_with_that_input(tmp_path):
    order = items(tmp_path)
    cache = OneBadRowCache(tmp_path / "bad.sqlite", run="r1")
    eng = Engine(CountingBackend(), KeywordJudge(), order, cache, settings_key={"n": 1}, batch_size=2)
    keys = [eng.key(item) for item in order]
    bad = next(i for i, key in enumerate(keys) if keys.count(key) == 1)  # content of its own
    cache.bad_key = keys[bad]
    eng.start()
    try:
        results = [eng.result(item)[0] for item in order]
    finally:
        eng.close()
    assert [r.is_error for r in results] == [i == bad for i in range(len(order))]
    assert "malformed" in results[bad].reason


class LateBackend:
    """A backend that answers on its own like the API child (``submit``), each answer 0.2 s
    after the request, or once ``gate`` is set; records what it was sent and when it closed."""

    kind = "late"
    spec = "late"
    fingerprint = "late:1"

    def __init__(self, events: list[str], gate: threading.Event | None = None) -> None:
        self.events = events
        self.gate = gate  # answers wait for it (a hung server) when given
        self.sent: list[str] = []
        self.answerers: list[threading.Thread] = []

    def submit(self, request: Request):
        from concurrent.futures import Future

        future: Future = Future()
        self.sent.append(request.uid)

        def answer() -> None:
            if self.gate is not None:
                self.gate.wait()
            else:
                threading.Event().wait(0.2)
            future.set_result(Response(f"Sure: {request.uid}"))

        answerer = threading.Thread(target=answer, daemon=True)
        self.answerers.append(answerer)
        answerer.start()
        return future

    def generate(self, requests: list[Request]) -> list[Response]:
        return [self.submit(r).result() for r in requests]

    def close(self) -> None:
        self.events.append("backend closed")


class RemoteJudge(KeywordJudge):
    """A judge with the judge servers' prefetch and close; records the order of events."""

    def __init__(self, events: list[str]) -> None:
        self.events = events

    def prefetch(self, query: str, response: str, image: bool = False) -> None:
        self.events.append("prefetch")

    def close(self) -> None:
        self.events.append("judge closed")


def stored_texts(path: Path, eng: Engine, order, uids: list[str]) -> list[str | None]:
    """What the cache at ``path`` holds for the inputs ``uids`` (read by another run)."""
    reader = ResponseCache(path, run="reader")
    try:
        return [(stored.text if (stored := reader.get(eng.key(item))) else None)
                for item in order if item.uid in uids]
    finally:
        reader.close()


def claims_left(path: Path) -> int:
    """Claims still held in the cache at ``path``."""
    import sqlite3

    with sqlite3.connect(path) as db:
        return db.execute("SELECT COUNT(*) FROM claims").fetchone()[0]


def test_close_stores_the_requests_in_flight_then_closes_the_judges_then_the_backend(tmp_path):
    """At session end the requests already sent (often another worker's items) are stored
    before the cache closes; no judge or cache work can run after it closed."""
    order = items(tmp_path)
    events: list[str] = []
    backend = LateBackend(events)
    cache = ResponseCache(tmp_path / "cache.sqlite", run="r1")
    eng = Engine(backend, RemoteJudge(events), order, cache, settings_key={"n": 1},
                 concurrency=4).start()
    while len(backend.sent) < 4:  # four in flight, none answered yet
        threading.Event().wait(0.005)
    eng.close()
    assert 4 <= len(backend.sent) < len(order)
    assert events[-2:] == ["judge closed", "backend closed"]
    assert events.count("prefetch") >= len(backend.sent)  # every answer reached the judge first
    assert stored_texts(tmp_path / "cache.sqlite", eng, order, backend.sent) == [
        f"Sure: {uid}" for uid in backend.sent]


def test_close_waits_a_bounded_time_and_answers_that_come_later_are_still_stored(tmp_path, monkeypatch):
    """A hung server must not hold up the end of a session (or a Ctrl-C) for the API timeout:
    close waits at most CLOSE_WAIT_S. An answer that comes after the cache closed opens a new
    connection and is stored; it reaches no closed judge. The input claimed but not yet sent
    is handed back, and every input can still be answered on demand."""
    import vscbench_pytest.runtime.engine as engine_module

    monkeypatch.setattr(engine_module, "CLOSE_WAIT_S", 0.05)
    events: list[str] = []
    server_hangs = threading.Event()
    backend = LateBackend(events, gate=server_hangs)
    everything = items(tmp_path)
    probe = Engine(backend, KeywordJudge(), everything, None, settings_key={"n": 1})
    keys = [probe.key(item) for item in everything]
    # the third input (claimed, waiting for a request slot) has a twin of the same content
    third = next(i for i, key in enumerate(keys) if keys.count(key) > 1)
    twin = next(i for i, key in enumerate(keys) if key == keys[third] and i != third)
    first_two = [keys.index(key) for key in dict.fromkeys(keys) if key != keys[third]][:2]
    head = [*first_two, third, twin]
    order = [everything[i] for i in head] + [x for i, x in enumerate(everything) if i not in head]
    cache = ResponseCache(tmp_path / "cache.sqlite", run="r1")
    eng = Engine(backend, RemoteJudge(events), order, cache, settings_key={"n": 1},
                 concurrency=2).start()
    while len(backend.sent) < 2:
        threading.Event().wait(0.005)
    eng.close()
    assert events == ["judge closed", "backend closed"]  # closed before any answer came
    sent = list(backend.sent)
    assert claims_left(tmp_path / "cache.sqlite") == 2  # the two sent, not the third
    server_hangs.set()
    for answerer in backend.answerers:
        answerer.join()
    assert stored_texts(tmp_path / "cache.sqlite", eng, order, sent) == [f"Sure: {uid}" for uid in sent]
    answers: list = []
    asking = threading.Thread(  # the twin before the third: it must not wait on a stale claim
        target=lambda: answers.extend(eng.answer(i) for i in reversed(order)), daemon=True)
    asking.start()
    asking.join(timeout=60)
    assert not asking.is_alive(), "an input waits forever on one that was handed back"
    assert len(answers) == len(order) and all(a.response.text for a in answers)


class RefusingBackend(LateBackend):
    """``submit`` raises for one input (say, a request the child cannot encode)."""

    def __init__(self, events: list[str], bad: str) -> None:
        super().__init__(events)
        self.bad = bad

    def submit(self, request: Request):
        if request.uid == self.bad:
            raise TypeError("cannot encode this request")
        return super().submit(request)


def test_a_request_that_cannot_be_sent_is_that_inputs_error_and_its_claim_is_given_up(tmp_path):
    order = items(tmp_path)
    events: list[str] = []
    backend = RefusingBackend(events, bad=order[0].uid)
    cache = ResponseCache(tmp_path / "cache.sqlite", run="r1")
    eng = Engine(backend, KeywordJudge(), order, cache, settings_key={"n": 1}, concurrency=4).start()
    results = [eng.result(item)[0] for item in order]
    eng.close()
    bad_key = eng.key(order[0])
    errors = [r.uid for r, item in zip(results, order) if r.is_error]
    assert errors == [item.uid for item in order if eng.key(item) == bad_key]  # and its twins
    assert "cannot encode this request" in results[0].reason
    assert len(errors) < len(order)  # the others were sent and answered
    assert claims_left(tmp_path / "cache.sqlite") == 0
