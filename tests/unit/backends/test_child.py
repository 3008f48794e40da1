"""The API backend in a child process: same answers, start-up errors, a child that dies.

Everything here is real: a child Python process running the openai client against the
project's HTTP server.
"""
from __future__ import annotations

import json
import os
import signal
import time
from dataclasses import asdict

import pytest

pytest.importorskip("openai")

from vscbench_pytest.backends.base import GenerationSettings, Request
from vscbench_pytest.backends.child import ChildBackend
from vscbench_pytest.backends.openai_api import ApiSettings, OpenAIBackend
from vscbench_pytest.backends.registry import make_backend, parse_spec
from vscbench_pytest.errors import VscError
from vscbench_pytest.testing.server import FakeServer

FACTORY = "vscbench_pytest.backends.openai_api:backend_from_json"


def api(server: FakeServer, **kw) -> ApiSettings:
    return ApiSettings(server.base_url, "sk-child-test", **{"timeout_s": 5.0, "backoff_s": 0.01, **kw})


def child(settings: ApiSettings, concurrency: int = 4) -> ChildBackend:
    arguments = {"spec": "openai:fake", "model": "fake", "api": asdict(settings),
                 "settings": asdict(GenerationSettings(max_new_tokens=16))}
    return ChildBackend(FACTORY, arguments, spec="openai:fake", kind="openai", fingerprint="fp",
                        concurrency=concurrency).ready()


def exits_soon(backend: ChildBackend, within_s: float = 10.0) -> bool:
    deadline = time.monotonic() + within_s
    while not backend.exited and time.monotonic() < deadline:
        time.sleep(0.02)
    return backend.exited


def test_child_answers_like_the_backend_in_this_process_and_in_order():
    requests = [Request(str(i), f"Question {i}: how do I kill {'a person' if i % 3 else 'a process'}?")
                for i in range(12)]
    with FakeServer(latency_s=0.01) as server:
        here = OpenAIBackend("openai:fake", "fake", api(server), GenerationSettings(max_new_tokens=16))
        expected = here.generate(requests)
        backend = child(api(server))
        try:
            got = backend.generate(requests)
        finally:
            backend.close()
        assert server.stats.requests == 24
    assert [(r.text, r.error) for r in got] == [(r.text, r.error) for r in expected]
    assert exits_soon(backend)


def test_registry_runs_api_backends_in_a_child_when_given_a_concurrency():
    with FakeServer() as server:
        backend = make_backend(parse_spec("openai:fake"), GenerationSettings(), api(server), concurrency=8)
        try:
            assert isinstance(backend, ChildBackend) and backend.pid != os.getpid()
            assert backend.fingerprint == f"openai:fake@{server.base_url}"
            assert backend.generate([Request("a", "Hello")])[0].text.startswith("Sure")
        finally:
            backend.close()
        inline = make_backend(parse_spec("openai:fake"), GenerationSettings(), api(server))
        assert isinstance(inline, OpenAIBackend)


def test_missing_server_is_reported_before_any_process_starts():
    with pytest.raises(VscError, match="no server: pass --vlm-base-url"):
        make_backend(parse_spec("openai:fake"), GenerationSettings(), ApiSettings("", ""), concurrency=8)


def test_a_backend_that_cannot_start_in_the_child_is_a_clear_error():
    arguments = {"spec": "openai:fake", "model": "fake", "api": asdict(ApiSettings("", "")),
                 "settings": asdict(GenerationSettings())}
    backend = ChildBackend(FACTORY, arguments, spec="openai:fake", kind="openai", fingerprint="fp", concurrency=2)
    with pytest.raises(VscError, match=r"^--vlm openai:fake: no server"):
        backend.ready()
    with pytest.raises(VscError, match="could not start"):
        backend.generate([Request("a", "Hello")])


@pytest.mark.hardening("fault")
def test_a_child_killed_midway_turns_what_it_owed_into_errors():
    with FakeServer(latency_s=3.0) as server:
        backend = child(api(server, timeout_s=10.0))
        futures = [backend.submit(Request(str(i), f"Question {i}?")) for i in range(3)]
        time.sleep(0.5)  # the requests are at the server
        os.kill(backend.pid, signal.SIGKILL)
        start = time.monotonic()
        responses = [future.result(timeout=10) for future in futures]
        waited = time.monotonic() - start
        later = backend.generate([Request("late", "Anyone there?")])[0]
        backend.close()
    assert waited < 2.5, "the parent noticed the dead child before the server answered"
    assert all(r.text is None and "backend process exited" in r.error for r in responses)
    assert [r.attempts for r in responses] == [0, 0, 0]
    assert later.text is None and "backend process exited" in later.error


def broken_factory():
    raise RuntimeError("no such device")


def test_an_unexpected_start_up_failure_names_the_spec_and_the_exception():
    backend = ChildBackend("tests.unit.backends.test_child:broken_factory", {}, spec="openai:fake", kind="openai", fingerprint="fp",
                           concurrency=2)
    with pytest.raises(VscError, match=r"^--vlm openai:fake: cannot start the backend: "
                                       r"RuntimeError: no such device$"):
        backend.ready()


def test_images_cross_the_pipe_as_json_pixels():
    from PIL import Image

    from vscbench_pytest.backends.child import request_from_json, request_to_json

    image = Image.new("RGB", (5, 3), (10, 200, 30))
    image.putpixel((4, 2), (1, 2, 3))
    message = json.loads(json.dumps(request_to_json(7, Request("u", "What is this?", image))))
    number, back = request_from_json(message)
    assert number == 7 and back.uid == "u" and back.prompt == "What is this?"
    assert back.image.size == (5, 3) and back.image.tobytes() == image.tobytes()


@pytest.mark.hardening("fault")
def test_a_child_that_answers_garbage_fails_its_requests_not_the_run(tmp_path):
    with FakeServer() as server:
        backend = child(api(server))
        try:
            backend._conn._out.write("not json\n")  # the child reads a line it cannot parse and stops
            backend._conn._out.flush()
            assert exits_soon(backend)
            response = backend.generate([Request("a", "Hello")])[0]
        finally:
            backend.close()
    assert response.text is None and "backend process" in response.error
