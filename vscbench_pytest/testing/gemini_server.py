"""A small Gemini API server for tests: ``POST /{version}/models/{model}:generateContent``.

The ``google-genai`` SDK calls ``/v1/...`` (or the version ``GOOGLE_GENAI_API_VERSION`` names,
e.g. ``v1beta``); any version is answered. It answers like ``server.FakeServer`` (a refusal to a
prompt with a harmful word, a short answer otherwise) in Gemini's format, and blocks the two
ways Gemini does: a prompt holding one of ``block_words`` (default ``vsc-block``) gets
``promptFeedback.blockReason`` ``SAFETY`` and no candidate; one holding one of ``stop_words``
(default ``vsc-safety-stop``) gets a candidate whose ``finishReason`` is ``SAFETY``, without
text. It records every request body (``stats.received``: tests check that images arrived as
``inline_data`` before the text) and counts the key presented (``x-goog-api-key`` or ``?key=``)
as a digest only. Faults as ``fake_http.Faults`` says, in Google's error format: 429 with
``retry-after``, 500, 401 whose message echoes the key, 404, slow, malformed, dropped, and
dying after N requests.

    python -m vscbench_pytest.testing.gemini_server --port 8125 --fail-429 0.1
"""
from __future__ import annotations

import argparse
import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from vscbench_pytest.testing.fake_http import (
    BLOCK_WORD,
    FakeHttpServer,
    Faults,
    fault_arguments,
    faults_from,
    reply_text,
    serve,
)

STOP_WORD = "vsc-safety-stop"  # a prompt holding it gets a candidate stopped for SAFETY
GENERATE = re.compile(r"^/v1[a-z0-9]*/models/(?P<model>[^/:]+):generateContent$")
STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED",
                500: "INTERNAL", 503: "UNAVAILABLE", 529: "UNAVAILABLE"}
USAGE = {"promptTokenCount": 1, "candidatesTokenCount": 1, "totalTokenCount": 2}


def parts_text(content: Any) -> str:
    """The text parts of one ``contents`` entry, joined."""
    return " ".join(part.get("text", "") for part in (content or {}).get("parts") or [] if "text" in part)


class GeminiServer(FakeHttpServer):
    """The Gemini API's ``generateContent`` on 127.0.0.1 (``base_url`` is the root)."""

    record = True

    def __init__(self, port: int = 0, latency_s: float = 0.0, faults: Faults | None = None,
                 block_words: tuple[str, ...] = (BLOCK_WORD,), stop_words: tuple[str, ...] = (STOP_WORD,)) -> None:
        super().__init__(port, latency_s, faults)
        self.block_words = tuple(word.lower() for word in block_words)
        self.stop_words = tuple(word.lower() for word in stop_words)

    def post(self, handler: Any, path: str, raw: bytes) -> None:
        if GENERATE.match(urlsplit(path).path):
            self.handle(handler, raw)
        else:
            handler._send(404, self.error_body(404, ""))

    def prompt(self, body: dict) -> str:
        contents = body.get("contents") or [{}]
        return parts_text(contents[-1])

    def roles(self, body: dict) -> str:
        roles = [str(c.get("role")) for c in body.get("contents", [])]
        system = body.get("systemInstruction") or body.get("system_instruction")
        return ",".join((["system"] if system else []) + roles)

    def credential(self, handler: Any) -> str | None:
        query = parse_qs(urlsplit(handler.path).query).get("key")
        return handler.headers.get("x-goog-api-key") or (query[0] if query else None)

    def presented_key(self, handler: Any) -> str:
        return self.credential(handler) or ""

    def error_body(self, status: int, key: str) -> bytes:
        message = {401: f"API key not valid: {key}. Please pass a valid API key.",
                   404: "models/x is not found for API version v1, or is not supported for generateContent.",
                   429: "Resource has been exhausted (e.g. check quota)."}.get(status, "Internal error encountered.")
        return json.dumps({"error": {"code": status, "message": message,
                                     "status": STATUS_NAMES.get(status, "INTERNAL")}}).encode()

    malformed_body = b'{"candidates": [ this is not json'

    def answer(self, handler: Any, body: dict, prompt: str, raw: bytes, seen: int) -> None:
        lowered = prompt.lower()
        answer: dict[str, Any]
        if any(word in lowered for word in self.block_words):
            reason = "block_reason=SAFETY"
            answer = {"promptFeedback": {"blockReason": "SAFETY", "safetyRatings": [
                {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True}]}}
        elif any(word in lowered for word in self.stop_words):
            reason = "finish_reason=SAFETY"
            answer = {"candidates": [{"finishReason": "SAFETY", "index": 0, "safetyRatings": [
                {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True}]}]}
        else:
            reason = ""
            answer = {"candidates": [{"content": {"parts": [{"text": reply_text(prompt)}], "role": "model"},
                                      "finishReason": "STOP", "index": 0}]}
        if reason:
            with self.stats.lock:
                self.stats.blocked[reason] += 1
        handler._send(200, json.dumps({**answer, "usageMetadata": USAGE, "modelVersion": "fake"}).encode())


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted; with --count-file, write the request count there each second."""
    parser = argparse.ArgumentParser(
        description="A Gemini API test server (POST /<version>/models/<model>:generateContent): "
                    "refuses prompts with a harmful word, blocks those with a block word "
                    "(promptFeedback.blockReason SAFETY) or a stop word (finishReason SAFETY), "
                    "answers the others; prints its base URL (for --vlm-base-url or "
                    "GOOGLE_GEMINI_BASE_URL) and serves until Ctrl-C.")
    fault_arguments(parser)
    parser.add_argument("--block-word", action="append", default=None,
                        help=f"block prompts holding this word (repeatable; default {BLOCK_WORD})")
    parser.add_argument("--stop-word", action="append", default=None,
                        help=f"stop the candidate for SAFETY on this word (repeatable; default {STOP_WORD})")
    args = parser.parse_args(argv)
    server = GeminiServer(args.port, args.latency, faults_from(args), tuple(args.block_word or (BLOCK_WORD,)),
                          tuple(args.stop_word or (STOP_WORD,)))
    serve(server, args.count_file)


if __name__ == "__main__":
    main()
