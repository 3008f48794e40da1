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


def test_missing_base_url_is_a_clear_error():
    with pytest.raises(VscError, match="--vlm-base-url or set OPENAI_BASE_URL"):
        OpenAIBackend("openai:m", "m", ApiSettings("", ""), GenerationSettings())
