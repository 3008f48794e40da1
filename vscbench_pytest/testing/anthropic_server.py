"""A small Anthropic Messages API server for tests: ``POST /v1/messages``, any model name.

It answers like ``server.FakeServer`` (a refusal to a prompt with a harmful word, a short
answer otherwise) in Anthropic's format, and blocks a prompt holding one of ``block_words``
(default ``vsc-block``) the way Anthropic's classifiers do: ``stop_reason`` ``"refusal"`` and
no text. It records every request body (``stats.received``: tests check that images arrived as
base64 ``image`` blocks before the text) and counts the key presented (``x-api-key``, or the
``Authorization`` header the SDK sends) as a digest only. Faults as ``fake_http.Faults`` says,
in Anthropic's error format: 429 with ``retry-after``, 529 ``overloaded_error``, 500, 401
whose message echoes the key, 404, slow, malformed, dropped, and dying after N requests.

    python -m vscbench_pytest.testing.anthropic_server --port 8124 --fail-429 0.1 --overloaded 0.1
"""
from __future__ import annotations

import argparse
import json
from typing import Any

from vscbench_pytest.testing.fake_http import (
    BLOCK_WORD,
    FakeHttpServer,
    Faults,
    bearer,
    fault_arguments,
    faults_from,
    reply_text,
    serve,
)

ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 404: "not_found_error",
               429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"}


def message_text(content: Any) -> str:
    """The text of a message's content: a plain string, or its ``text`` blocks joined."""
    if isinstance(content, str):
        return content
    return " ".join(block.get("text", "") for block in content or [] if block.get("type") == "text")


class AnthropicServer(FakeHttpServer):
    """Anthropic's Messages API on 127.0.0.1 (``base_url`` is the root: the SDK adds ``/v1``)."""

    record = True

    def __init__(self, port: int = 0, latency_s: float = 0.0, faults: Faults | None = None,
                 block_words: tuple[str, ...] = (BLOCK_WORD,)) -> None:
        super().__init__(port, latency_s, faults)
        self.block_words = tuple(word.lower() for word in block_words)

    def post(self, handler: Any, path: str, raw: bytes) -> None:
        if path.partition("?")[0].rstrip("/") == "/v1/messages":
            self.handle(handler, raw)
        else:
            handler._send(404, self.error_body(404, ""))

    def prompt(self, body: dict) -> str:
        messages = body.get("messages") or [{}]
        return message_text(messages[-1].get("content"))

    def roles(self, body: dict) -> str:
        roles = [str(m.get("role")) for m in body.get("messages", [])]
        return ",".join((["system"] if body.get("system") else []) + roles)

    def credential(self, handler: Any) -> str | None:
        return handler.headers.get("x-api-key") or bearer(handler.headers.get("Authorization")) or None

    def presented_key(self, handler: Any) -> str:
        return self.credential(handler) or ""

    def error_body(self, status: int, key: str) -> bytes:
        message = {401: f"invalid x-api-key: {key}", 404: "model: not found", 429: "rate limited: slow down",
                   529: "Overloaded"}.get(status, "injected failure")
        return json.dumps({"type": "error", "error": {"type": ERROR_TYPES.get(status, "api_error"),
                                                      "message": message}}).encode()

    malformed_body = b'{"type": "message", "content": [ this is not json'

    def answer(self, handler: Any, body: dict, prompt: str, raw: bytes, seen: int) -> None:
        blocked = any(word in prompt.lower() for word in self.block_words)
        if blocked:
            with self.stats.lock:
                self.stats.blocked["refusal"] += 1
        content = [] if blocked else [{"type": "text", "text": reply_text(prompt)}]
        handler._send(200, json.dumps({
            "id": "msg_fake", "type": "message", "role": "assistant", "model": body.get("model", "fake"),
            "content": content, "stop_reason": "refusal" if blocked else "end_turn", "stop_sequence": None,
            "usage": {"input_tokens": 1, "output_tokens": 1},
        }).encode())


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted; with --count-file, write the request count there each second."""
    parser = argparse.ArgumentParser(
        description="An Anthropic Messages API test server (POST /v1/messages, any model name): "
                    "refuses prompts with a harmful word, blocks those with a block word "
                    "(stop_reason refusal), answers the others; prints its base URL (for "
                    "--vlm-base-url or ANTHROPIC_BASE_URL) and serves until Ctrl-C.")
    fault_arguments(parser, overloaded=True)
    parser.add_argument("--block-word", action="append", default=None,
                        help=f"block prompts holding this word (repeatable; default {BLOCK_WORD})")
    args = parser.parse_args(argv)
    server = AnthropicServer(args.port, args.latency, faults_from(args),
                             tuple(args.block_word or (BLOCK_WORD,)))
    serve(server, args.count_file)


if __name__ == "__main__":
    main()
