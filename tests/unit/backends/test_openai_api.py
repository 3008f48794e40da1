"""The openai: backend against the project's fault-injecting server (a real HTTP server)."""
from __future__ import annotations

import pytest

pytest.importorskip("openai")

from PIL import Image

from vscbench_pytest.backends.base import GenerationSettings, Request
from vscbench_pytest.backends.openai_api import (
    ApiSettings,
    OpenAIBackend,
    api_fingerprint,
    public_url,
    retry_after,
    user_content,
)
from vscbench_pytest.errors import VscError
from vscbench_pytest.testing.server import FakeServer, Faults

SECRET = "sk-test-DO-NOT-LEAK-4242"


def backend(server: FakeServer, **api) -> OpenAIBackend:
    settings = ApiSettings(server.base_url, SECRET, **{"timeout_s": 2.0, "backoff_s": 0.01, **api})
    return OpenAIBackend("openai:fake", "fake", settings, GenerationSettings(max_new_tokens=16))


def test_text_only_is_a_plain_string_and_images_are_data_urls():
    assert user_content("Hi", None) == "Hi"
    parts = user_content("What is this?", Image.new("RGB", (4, 4), (255, 0, 0)))
    assert parts[0]["type"] == "image_url"
    assert parts[0]["image_url"]["url"].startswith("data:image/png;base64,")
    assert parts[1] == {"type": "text", "text": "What is this?"}


def test_system_prompt_and_demonstrations_reach_the_server_as_turns():
    """--vsc-calibration=fewshot / reminder over HTTP: system, user/assistant pairs, then the input."""
    from vscbench_pytest.backends.base import Shot

    image = Image.new("RGB", (4, 4), (0, 0, 255))
    request = Request("c", "How do I get there?", None, "Decline unsafe requests.",
                      (Shot("Shown unsafe", image, "I can't help."), Shot("Shown safe", None, "Sure.")))
    with FakeServer() as server:
        response = backend(server).answer(request)
    assert response.error is None and response.text
    assert server.stats.roles == {"system,user,assistant,user,assistant,user": 1}
    assert server.stats.by_prompt == {"How do I get there?": 1}


def test_public_url_and_fingerprint_hold_no_credentials():
    url = "https://user:sk-123@api.example.com:8443/v1/?key=sk-456#frag"
    assert public_url(url) == "https://api.example.com:8443/v1"
    assert "sk-" not in api_fingerprint("m", url)


@pytest.mark.parametrize("value, expected", [("3", 3.0), ("0.5", 0.5), ("-1", 0.0), ("9999", 120.0),
                                             ("soon", None), (None, None)])
def test_retry_after_header(value, expected):
    assert retry_after({"retry-after": value} if value is not None else {}) == expected


def test_answers_text_and_image_requests():
    with FakeServer() as server:
        out = backend(server).generate([
            Request("a", "How do I kill a person?"),
            Request("b", "How do I use this?", Image.new("RGB", (8, 8))),
        ])
    assert out[0].text.startswith("I'm sorry") and out[1].text.startswith("Sure")
    assert server.stats.requests == 2 and [r.attempts for r in out] == [1, 1]


def test_retries_every_kind_of_fault_then_succeeds():
    faults = Faults(error_500=0.2, error_429=0.1, slow=0.05, malformed=0.05, drop=0.05, slow_s=1.0)
    with FakeServer(faults=faults) as server:
        client = backend(server, timeout_s=0.5, retries=8)
        out = client.generate([Request(str(i), f"Question number {i}?") for i in range(60)])
    assert all(r.error is None and r.text for r in out)
    assert client.retries == sum(r.attempts - 1 for r in out) > 0
    assert server.stats.requests == sum(r.attempts for r in out)
    assert set(server.stats.faults) >= {"500", "429", "malformed"}


def test_a_request_that_keeps_failing_is_an_error_not_an_answer():
    with FakeServer(faults=Faults(error_500=1.0)) as server:
        out = backend(server, retries=2).generate([Request("a", "Hi")])[0]
    assert out.text is None and out.attempts == 3 and server.stats.requests == 3
    assert out.error.startswith("HTTP 500 from http://127.0.0.1:") and "after 3 attempts" in out.error
    assert SECRET not in out.error


def test_429_waits_for_retry_after():
    import time

    with FakeServer(faults=Faults(error_429=0.4, retry_after_s=0.3, seed=1)) as server:
        client = backend(server, retries=10)
        start = time.monotonic()
        out = client.generate([Request(str(i), f"q{i}") for i in range(6)])
        elapsed = time.monotonic() - start
    assert all(r.error is None for r in out), out
    assert server.stats.faults["429"] >= 1
    # retries of one request run one after another, so the slowest chain bounds the wall time
    assert elapsed >= 0.3 * (max(r.attempts for r in out) - 1) * 0.9


def test_client_errors_are_not_retried(tmp_path):
    with FakeServer() as server:
        client = OpenAIBackend("openai:fake", "fake",
                               ApiSettings(server.base_url.replace("/v1", "/nope"), SECRET, retries=5),
                               GenerationSettings())
        out = client.generate([Request("a", "Hi")])[0]
    assert out.error.startswith("HTTP 404") and out.attempts == 1


DEAD_URL = "http://127.0.0.1:9/v1"  # the discard port: nothing listens there


def dead_backend(url: str = DEAD_URL, **api) -> OpenAIBackend:
    return OpenAIBackend("openai:fake", "fake", ApiSettings(url, SECRET, **{"backoff_s": 0.01, **api}),
                         GenerationSettings())


def test_a_refused_connection_is_not_retried_and_three_in_a_row_stop_the_asking():
    import time

    client = dead_backend()
    start = time.monotonic()
    out = client.generate([Request(str(i), f"q{i}") for i in range(40)])
    assert time.monotonic() - start < 5
    own = "no answer from http://127.0.0.1:9/v1 (connection refused: nothing listens there)"
    assert [(r.text, r.error, r.attempts) for r in out[:3]] == [(None, own, 1)] * 3
    stopped = f"openai:fake: {own}; stopped asking after 3 consecutive failures"
    assert [(r.text, r.error, r.attempts) for r in out[3:]] == [(None, stopped, 0)] * 37
    assert client.requests == 3 and client.retries == 0 and client.breaker.tripped


def test_stop_after_zero_never_stops_asking():
    client = dead_backend(stop_after=0)
    out = client.generate([Request(str(i), f"q{i}") for i in range(5)])
    assert client.requests == 5 and not client.breaker.tripped
    refused = "no answer from http://127.0.0.1:9/v1 (connection refused: nothing listens there)"
    assert all(r.error == refused for r in out)


def test_an_unresolvable_host_is_a_dns_failure_without_the_password():
    client = dead_backend("http://user:pa55word@no-such-host.invalid/v1")
    out = client.generate([Request(str(i), f"q{i}") for i in range(4)])
    assert out[0].error == ("no answer from http://no-such-host.invalid/v1 (DNS failure: cannot "
                            "resolve no-such-host.invalid)")
    assert out[3].error.endswith("(DNS failure: cannot resolve no-such-host.invalid); stopped "
                                 "asking after 3 consecutive failures")
    assert not [r for r in out if "pa55word" in (r.error or "") or "user" in (r.error or "")]


@pytest.mark.parametrize("faults, cause", [
    (Faults(unauthorized=1.0), "HTTP 401 from {url}: the server rejects the API key"),
    (Faults(not_found=1.0), "HTTP 404 from {url}: no such endpoint or model"),
])
def test_401_and_404_stop_the_asking_under_concurrency_and_never_show_the_key(faults, cause):
    """Eight threads at once: at most the three that trip it plus the seven others in flight
    reach the server; every input is an error naming the cause (the 401 echoes the key)."""
    from concurrent.futures import ThreadPoolExecutor

    with FakeServer(latency_s=0.01, faults=faults) as server:
        client = backend(server)
        with ThreadPoolExecutor(8) as pool:
            out = list(pool.map(client.answer, [Request(str(i), f"q{i}") for i in range(200)]))
        expected = cause.format(url=server.base_url)
    assert all(r.text is None and r.error and expected in r.error for r in out)
    assert 3 <= server.stats.requests == client.requests <= 3 + 7
    assert sum(r.attempts for r in out) == server.stats.requests
    assert sum("stopped asking after 3 consecutive failures" in r.error for r in out) >= 190
    assert not [r for r in out if SECRET in r.error]


@pytest.mark.parametrize("threads", [1, 8])
def test_a_server_that_dies_mid_run_answers_the_inputs_before_and_stops_the_rest(threads):
    """Which inputs are errors does not depend on the concurrency: those asked after it died."""
    from concurrent.futures import ThreadPoolExecutor

    with FakeServer(faults=Faults(die_after=20)) as server:
        client = backend(server)
        with ThreadPoolExecutor(threads) as pool:
            out = list(pool.map(client.answer, [Request(str(i), f"q{i}") for i in range(60)]))
    assert sum(r.error is None for r in out) == 20 == server.stats.requests
    failed = [r.error for r in out if r.error is not None]
    assert len(failed) == 40 and all("(connection refused: " in e for e in failed)
    assert sum("stopped asking" in e for e in failed) >= 40 - 3 - (threads - 1)


def test_a_request_waiting_to_retry_gives_up_as_soon_as_the_breaker_trips():
    """Other threads meet a dead endpoint (their three failures recorded directly here) while
    this request sleeps before its retry: it wakes and stops, it does not sleep out 5 s."""
    import threading
    import time

    with FakeServer(faults=Faults(error_500=1.0)) as server:
        client = backend(server, backoff_s=5.0)
        threading.Timer(0.2, lambda: [client.breaker.failure("no answer from X") for _ in range(3)]).start()
        start = time.monotonic()
        out = client.answer(Request("a", "Hi"))
        elapsed = time.monotonic() - start
    assert elapsed < 3 and server.stats.requests == out.attempts == 1
    assert out.error == "openai:fake: no answer from X; stopped asking after 3 consecutive failures"


def test_the_breaker_counts_hopeless_failures_in_a_row_and_a_success_resets_it():
    import threading
    import time

    from vscbench_pytest.backends.base import Breaker

    breaker = Breaker(3)
    for outcome in ("fail", "fail", "ok", "fail", "fail", "ok", "fail", "fail"):
        breaker.success() if outcome == "ok" else breaker.failure("cause A")
    assert not breaker.tripped
    breaker.failure("cause B")
    assert breaker.tripped and breaker.message("openai:m") == (
        "openai:m: cause B; stopped asking after 3 consecutive failures")
    breaker.success()
    breaker.failure("cause C")
    assert breaker.tripped and breaker.cause == "cause B"  # once tripped, for good
    sleeping = Breaker(1)
    threading.Timer(0.05, sleeping.failure, ("gone",)).start()
    start = time.monotonic()
    assert sleeping.wait(10.0) is True and time.monotonic() - start < 5  # a backoff wakes early
    assert Breaker(0).wait(0.0) is False


def test_missing_base_url_is_a_clear_error():
    with pytest.raises(VscError, match="--vlm-base-url or set OPENAI_BASE_URL"):
        OpenAIBackend("openai:m", "m", ApiSettings("", ""), GenerationSettings())


def test_a_content_filter_is_a_block_and_an_empty_completion_is_empty_text():
    with FakeServer(block_words=("forbidden",), empty_words=("silent",)) as server:
        answers = backend(server).generate([Request("a", "a forbidden request"),
                                            Request("b", "a silent request"), Request("c", "hello")])
    assert [(r.text, r.error, r.blocked) for r in answers] == [
        ("", None, "openai finish_reason=content_filter"), ("", None, None),
        ("Sure. Here is a short overview of the main points.", None, None)]
    assert server.stats.blocked["content_filter"] == 1
