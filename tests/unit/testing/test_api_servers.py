"""The local Anthropic and Gemini servers themselves, over plain HTTP: their routes, the 401
that echoes the key (as real APIs do), blocks, recording, and the ``python -m`` entry points."""
from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from vscbench_pytest.testing.anthropic_server import AnthropicServer
from vscbench_pytest.testing.fake_http import Faults, auth_digest
from vscbench_pytest.testing.gemini_server import GeminiServer

ANTHROPIC_BODY = {"model": "m", "max_tokens": 8, "messages": [{"role": "user", "content": "hi vsc-block"}]}
GEMINI_BODY = {"contents": [{"role": "user", "parts": [{"text": "hi vsc-block"}]}]}


def post(url: str, body: dict, headers: dict[str, str]) -> tuple[int, dict]:
    request = urllib.request.Request(url, method="POST", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_anthropic_server_blocks_records_and_counts_the_key_as_a_digest() -> None:
    with AnthropicServer() as server:
        status, answer = post(server.base_url + "/v1/messages", ANTHROPIC_BODY, {"x-api-key": "sk-a"})
        missing, _ = post(server.base_url + "/v1/complete", ANTHROPIC_BODY, {})
    assert status == 200 and answer["stop_reason"] == "refusal" and answer["content"] == []
    assert missing == 404
    assert server.stats.received[0].body == ANTHROPIC_BODY and server.stats.auth == {auth_digest("sk-a"): 1}


def test_gemini_server_answers_any_api_version_and_takes_the_key_from_header_or_query() -> None:
    with GeminiServer() as server:
        v1 = post(server.base_url + "/v1/models/g:generateContent", GEMINI_BODY, {"x-goog-api-key": "g-1"})
        beta = post(server.base_url + "/v1beta/models/g:generateContent?key=g-2",
                    {"contents": [{"parts": [{"text": "vsc-safety-stop"}]}]}, {})
        missing, _ = post(server.base_url + "/v1/models/g:embedContent", GEMINI_BODY, {})
    assert v1 == (200, {"promptFeedback": v1[1]["promptFeedback"], "usageMetadata": v1[1]["usageMetadata"],
                        "modelVersion": "fake"})
    assert v1[1]["promptFeedback"]["blockReason"] == "SAFETY" and "candidates" not in v1[1]
    assert beta[0] == 200 and beta[1]["candidates"][0]["finishReason"] == "SAFETY"
    assert missing == 404
    assert server.stats.auth == {auth_digest("g-1"): 1, auth_digest("g-2"): 1}
    assert server.stats.blocked == {"block_reason=SAFETY": 1, "finish_reason=SAFETY": 1}


@pytest.mark.parametrize("make, path, body, headers, status, error_type", [
    (AnthropicServer, "/v1/messages", ANTHROPIC_BODY, {"x-api-key": "sk-echo-1"}, 401, "authentication_error"),
    (AnthropicServer, "/v1/messages", ANTHROPIC_BODY, {"x-api-key": "sk-echo-1"}, 529, "overloaded_error"),
    (GeminiServer, "/v1/models/g:generateContent", GEMINI_BODY, {"x-goog-api-key": "sk-echo-1"}, 401,
     "UNAUTHENTICATED"),
    (GeminiServer, "/v1/models/g:generateContent", GEMINI_BODY, {}, 429, "RESOURCE_EXHAUSTED"),
])
def test_injected_errors_in_the_providers_format(make, path, body, headers, status, error_type) -> None:
    faults = {401: Faults(unauthorized=1.0), 529: Faults(overloaded=1.0), 429: Faults(error_429=1.0)}[status]
    with make(faults=faults) as server:
        got, answer = post(server.base_url + path, body, headers)
    assert got == status
    error = answer["error"]
    assert error_type in (error.get("type"), error.get("status"))
    assert ("sk-echo-1" in error["message"]) == (status == 401)  # a 401 echoes the key presented


@pytest.mark.parametrize("module, path, body", [
    ("anthropic_server", "/v1/messages", ANTHROPIC_BODY),
    ("gemini_server", "/v1beta/models/g:generateContent", GEMINI_BODY),
])
def test_python_m_serves_until_it_dies_after_n_requests(module: str, path: str, body: dict) -> None:
    process = subprocess.Popen([sys.executable, "-m", f"vscbench_pytest.testing.{module}", "--port", "0",
                                "--die-after", "1", "--block-word", "nothing-blocks"],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        status, answer = post(base_url + path, body, {})
        assert status == 200 and "refusal" not in json.dumps(answer) and "blockReason" not in answer
        with pytest.raises((urllib.error.URLError, ConnectionError)):  # dead after one request
            post(base_url + path, body, {})
    finally:
        process.kill()
        process.wait()
