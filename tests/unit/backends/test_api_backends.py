"""The anthropic: and gemini: backends against the project's local servers for each provider
(real HTTP, the official SDKs): request format, blocks, retries, hopeless failures, the breaker."""
from __future__ import annotations

import base64
import io
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from PIL import Image

from vscbench_pytest.backends.base import GenerationSettings, Request, Shot
from vscbench_pytest.backends.openai_api import ApiSettings
from vscbench_pytest.testing.fake_http import ANSWER, BLOCK_WORD, REFUSAL, FakeHttpServer, Faults, auth_digest

SECRET = "sk-native-DO-NOT-LEAK-5150"
DEAD_URL = "http://127.0.0.1:9"  # the discard port: nothing listens there
IMAGE = Image.new("RGB", (4, 4), (255, 0, 0))


@dataclass(frozen=True)
class Provider:
    """One provider's backend, server and request format."""

    kind: str
    make: Callable[..., Any]  # (spec, model, ApiSettings, GenerationSettings) -> backend
    server: Callable[..., FakeHttpServer]
    blocked: str  # the block reason a BLOCK_WORD prompt gets

    def backend(self, url: str, **api: Any) -> Any:
        settings = ApiSettings(url, SECRET, **{"timeout_s": 2.0, "backoff_s": 0.01, **api})
        return self.make(f"{self.kind}:m", "m", settings, GenerationSettings(max_new_tokens=16))


def _anthropic() -> Provider:
    pytest.importorskip("anthropic")
    from vscbench_pytest.backends.anthropic_api import AnthropicBackend
    from vscbench_pytest.testing.anthropic_server import AnthropicServer

    return Provider("anthropic", AnthropicBackend, AnthropicServer, "anthropic stop_reason=refusal")


def _gemini() -> Provider:
    pytest.importorskip("google.genai")
    from vscbench_pytest.backends.gemini_api import GeminiBackend
    from vscbench_pytest.testing.gemini_server import GeminiServer

    return Provider("gemini", GeminiBackend, GeminiServer, "gemini block_reason=SAFETY")


@pytest.fixture(params=["anthropic", "gemini"])
def provider(request: pytest.FixtureRequest) -> Provider:
    return _anthropic() if request.param == "anthropic" else _gemini()


def png_pixels(data: str) -> bytes:
    """The RGB pixels of a base64 (standard or URL-safe) PNG."""
    raw = base64.urlsafe_b64decode(data.replace("+", "-").replace("/", "_"))
    assert raw.startswith(b"\x89PNG")
    return Image.open(io.BytesIO(raw)).convert("RGB").tobytes()


def text_and_image(provider: Provider) -> tuple[FakeHttpServer, dict, dict]:
    """A harmful text request and an image request, answered: the server and the two bodies."""
    with provider.server() as server:
        out = provider.backend(server.base_url).generate([
            Request("a", "How do I kill a person?"), Request("b", "What is this?", IMAGE)])
    assert [(r.text, r.error, r.blocked, r.attempts) for r in out] == [
        (REFUSAL, None, None, 1), (ANSWER, None, None, 1)]
    text, image = (r.body for r in server.stats.received)
    return server, text, image


def test_text_and_image_requests_in_anthropic_format() -> None:
    server, text, image = text_and_image(_anthropic())
    assert server.stats.received[0].path == "/v1/messages"
    assert text == {"model": "m", "max_tokens": 16, "temperature": 0.0,
                    "messages": [{"role": "user", "content": "How do I kill a person?"}]}
    first, second = image["messages"][0]["content"]  # the image block before the text block
    assert first["type"] == "image" and first["source"]["type"] == "base64"
    assert first["source"]["media_type"] == "image/png"
    assert png_pixels(first["source"]["data"]) == IMAGE.tobytes()
    assert second == {"type": "text", "text": "What is this?"}


def test_text_and_image_requests_in_gemini_format() -> None:
    server, text, image = text_and_image(_gemini())
    assert server.stats.received[0].path.endswith("/models/m:generateContent")
    assert text["contents"] == [{"role": "user", "parts": [{"text": "How do I kill a person?"}]}]
    assert text["generationConfig"] == {"maxOutputTokens": 16, "temperature": 0.0}
    inline, prompt = image["contents"][0]["parts"]  # inline_data before the text
    data = inline.get("inlineData") or inline["inline_data"]
    assert (data.get("mimeType") or data["mime_type"]) == "image/png"
    assert png_pixels(data["data"]) == IMAGE.tobytes()
    assert prompt == {"text": "What is this?"}


def test_system_prompt_and_demonstrations_are_the_providers_own_turns(provider: Provider) -> None:
    """Anthropic: top-level system, user/assistant turns; Gemini: system_instruction, user/model."""
    request = Request("c", "How do I get there?", None, "Decline unsafe requests.",
                      (Shot("Shown unsafe", IMAGE, "I can't help."), Shot("Shown safe", None, "Sure.")))
    with provider.server() as server:
        response = provider.backend(server.base_url).answer(request)
    assert response.error is None and response.text == ANSWER
    body = server.stats.received[0].body
    if provider.kind == "anthropic":
        assert server.stats.roles == {"system,user,assistant,user,assistant,user": 1}
        assert body["system"] == "Decline unsafe requests."
        assert body["messages"][1] == {"role": "assistant", "content": "I can't help."}
        assert body["messages"][0]["content"][0]["type"] == "image"
    else:
        assert server.stats.roles == {"system,user,model,user,model,user": 1}
        assert body["systemInstruction"]["parts"] == [{"text": "Decline unsafe requests."}]
        assert body["contents"][1] == {"role": "model", "parts": [{"text": "I can't help."}]}
        assert set(body["contents"][0]["parts"][0]) & {"inlineData", "inline_data"}
    assert server.stats.by_prompt == {"How do I get there?": 1}


def test_a_block_is_recorded_never_an_error(provider: Provider) -> None:
    with provider.server() as server:
        out = provider.backend(server.base_url).generate([
            Request("a", f"Please {BLOCK_WORD} this"), Request("b", "And this?")])
    assert (out[0].text, out[0].error, out[0].blocked, out[0].attempts) == ("", None, provider.blocked, 1)
    assert (out[1].text, out[1].blocked) == (ANSWER, None)
    assert sum(server.stats.blocked.values()) == 1


def test_a_gemini_candidate_stopped_for_safety_is_a_block() -> None:
    provider = _gemini()
    from vscbench_pytest.testing.gemini_server import STOP_WORD

    with provider.server() as server:
        out = provider.backend(server.base_url).answer(Request("a", f"{STOP_WORD}: go on"))
    assert (out.text, out.error, out.blocked) == ("", None, "gemini finish_reason=SAFETY")


def test_gemini_finish_reasons_that_are_blocks_match_the_sdk() -> None:
    pytest.importorskip("google.genai")
    from google.genai import types

    from vscbench_pytest.backends.gemini_api import SAFETY_FINISH_REASONS, read_answer

    known = {member.value for member in types.FinishReason}
    assert SAFETY_FINISH_REASONS <= known and "STOP" not in SAFETY_FINISH_REASONS
    answer = types.GenerateContentResponse.model_validate(
        {"candidates": [{"content": {"parts": [{"text": "Partial"}]}, "finishReason": "PROHIBITED_CONTENT"}]})
    assert read_answer(answer) == ("Partial", "gemini finish_reason=PROHIBITED_CONTENT")
    assert read_answer(types.GenerateContentResponse.model_validate(
        {"promptFeedback": {"blockReason": "OTHER"}})) == ("", "gemini block_reason=OTHER")
    with pytest.raises(ValueError, match="no candidates"):
        read_answer(types.GenerateContentResponse.model_validate({}))


def test_rate_limits_overload_server_errors_and_malformed_answers_are_retried(provider: Provider) -> None:
    faults = Faults(error_500=0.15, error_429=0.15, overloaded=0.1 if provider.kind == "anthropic" else 0.0,
                    malformed=0.05, drop=0.05, seed=3)
    with provider.server(faults=faults) as server:
        client = provider.backend(server.base_url, retries=10, backoff_s=0.001)
        out = client.generate([Request(str(i), f"Question number {i}?") for i in range(30)])
    assert all(r.error is None and r.text == ANSWER for r in out), out
    assert client.retries == sum(r.attempts - 1 for r in out) > 0
    assert server.stats.requests == sum(r.attempts for r in out) == client.requests
    expected = {"500", "429", "malformed"} | ({"529"} if provider.kind == "anthropic" else set())
    assert set(server.stats.faults) >= expected


def test_429_waits_for_retry_after(provider: Provider) -> None:
    with provider.server(faults=Faults(error_429=0.5, retry_after_s=0.3, seed=1)) as server:
        client = provider.backend(server.base_url, retries=10, backoff_s=0.0)
        start = time.monotonic()
        out = client.generate([Request(str(i), f"q{i}") for i in range(4)])
        elapsed = time.monotonic() - start
    assert all(r.error is None for r in out) and server.stats.faults["429"] >= 1
    assert elapsed >= 0.3 * server.stats.faults["429"] * 0.9  # one after another, each waited


def test_a_request_that_keeps_failing_is_an_error_naming_the_status(provider: Provider) -> None:
    faults = Faults(overloaded=1.0) if provider.kind == "anthropic" else Faults(error_500=1.0)
    with provider.server(faults=faults) as server:
        out = provider.backend(server.base_url, retries=2).answer(Request("a", "Hi"))
    status = 529 if provider.kind == "anthropic" else 500
    assert out.text is None and out.attempts == 3 == server.stats.requests
    assert out.error == f"HTTP {status} from {server.base_url} after 3 attempts"


@pytest.mark.parametrize("fault, cause", [
    ("unauthorized", "HTTP 401 from {url}: the server rejects the API key"),
    ("not_found", "HTTP 404 from {url}: no such endpoint or model"),
])
def test_401_and_404_are_hopeless_stop_the_asking_and_never_show_the_key(provider: Provider, fault: str,
                                                                          cause: str) -> None:
    with provider.server(latency_s=0.01, faults=Faults(**{fault: 1.0})) as server:
        client = provider.backend(server.base_url)
        with ThreadPoolExecutor(4) as pool:
            out = list(pool.map(client.answer, [Request(str(i), f"q{i}") for i in range(40)]))
        expected = cause.format(url=server.base_url)
    assert all(r.text is None and r.error and expected in r.error for r in out)
    assert 3 <= server.stats.requests == client.requests <= 3 + 3 and client.retries == 0
    assert sum("stopped asking after 3 consecutive failures" in r.error for r in out) >= 40 - 6
    assert not [r for r in out if SECRET in r.error]
    assert server.stats.auth == {auth_digest(SECRET): server.stats.requests}  # the key was sent


def test_a_dead_server_trips_the_breaker_in_three_requests(provider: Provider) -> None:
    client = provider.backend(DEAD_URL)
    start = time.monotonic()
    out = client.generate([Request(str(i), f"q{i}") for i in range(20)])
    assert time.monotonic() - start < 10
    own = f"no answer from {DEAD_URL} (connection refused: nothing listens there)"
    assert [(r.error, r.attempts) for r in out[:3]] == [(own, 1)] * 3
    stopped = f"{provider.kind}:m: {own}; stopped asking after 3 consecutive failures"
    assert [(r.text, r.error, r.attempts) for r in out[3:]] == [(None, stopped, 0)] * 17
    assert client.requests == 3 and client.breaker.tripped


def test_an_unresolvable_host_is_a_dns_failure_without_the_password(provider: Provider) -> None:
    client = provider.backend("http://user:pa55word@no-such-host.invalid")
    out = client.generate([Request(str(i), f"q{i}") for i in range(4)])
    assert out[0].error == ("no answer from http://no-such-host.invalid (DNS failure: cannot "
                            "resolve no-such-host.invalid)")
    assert out[3].error.endswith("stopped asking after 3 consecutive failures")
    assert not [r for r in out if "pa55word" in (r.error or "")]


def test_a_server_that_dies_mid_run_answers_the_inputs_before_and_stops_the_rest(provider: Provider) -> None:
    with provider.server(faults=Faults(die_after=5)) as server:
        client = provider.backend(server.base_url)
        out = client.generate([Request(str(i), f"q{i}") for i in range(12)])
    assert [r.error is None for r in out] == [True] * 5 + [False] * 7
    assert all("connection refused" in (r.error or "") for r in out[5:])
    assert sum("stopped asking" in (r.error or "") for r in out) == 4


def test_the_fingerprint_names_the_public_url_never_the_key(provider: Provider) -> None:
    client = provider.backend("https://user:pw-123@api.example.com:8443/?key=k#f")
    assert client.fingerprint == f"{provider.kind}:m@https://api.example.com:8443"
    assert SECRET not in repr(client.api) and SECRET not in client.fingerprint
    default = provider.make(f"{provider.kind}:m", "m", ApiSettings("", SECRET), GenerationSettings())
    assert default.fingerprint == f"{provider.kind}:m@{default.default_url}"  # the public API
    assert default.default_url.startswith("https://")
    assert default.accepts_images and default.concurrent
