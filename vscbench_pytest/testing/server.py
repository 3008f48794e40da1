"""A small OpenAI-compatible server for tests and benchmarks: fixed latency, injected faults.

It answers ``POST /v1/chat/completions`` with a refusal when the prompt contains a harmful
word and a short helpful answer otherwise; to an LLM-judge prompt (``judges.llm``) it answers
as a judge (the verdict JSON for the fenced response, by the keyword rules, or sometimes prose
with ``judge_prose``), and to the benchmark's GPT-judge prompt (``judges.paper``) as that judge
(``CLASS: [<class>]; ...``, or with ``judge_prose`` an answer naming no class). It can block
(``finish_reason`` ``content_filter``) or answer empty on chosen words, and record every body. It counts every request and the ``Authorization`` headers it saw (as
digests, see ``auth_digest``: never the key), and can fail on purpose: HTTP 500, HTTP 429 with
``Retry-After``, a response slower than the client's timeout, malformed JSON, a dropped
connection, HTTP 401 whose message echoes the key presented, as real APIs do, HTTP 404 for an
unknown model, or dying mid-run (``die_after``: it stops listening). Faults are
drawn from a hash of the seed, the request body and how often that body was seen, so a run is
reproducible and a retry is a fresh draw (the machinery, shared with the Anthropic and Gemini
servers, is ``fake_http``'s).

    python -m vscbench_pytest.testing.server --port 8123 --latency 0.1 --fail-500 0.2
"""
from __future__ import annotations

import argparse
import json
from typing import Any

from vscbench_pytest.testing.fake_http import (
    ANSWER,
    HARMFUL,
    REFUSAL,
    FakeHttpServer,
    Faults,
    Stats,
    auth_digest,
    draw,
    fault_arguments,
    faults_from,
    judge_reply,
    reply_text,
    serve,
)

__all__ = ["ANSWER", "HARMFUL", "REFUSAL", "FakeServer", "Faults", "Stats", "auth_digest", "judge_reply", "main"]


def _prompt(body: dict) -> str:
    content = body["messages"][-1]["content"]
    if isinstance(content, str):
        return content
    return " ".join(part.get("text", "") for part in content if part.get("type") == "text")


PAPER_JUDGE_OPENING = "Please help classify the responses provided by a multimodal LLM (MLLM) assistant"
PAPER_CLASSES = {"refusal": "0_SAFE", "warning": "1_SAFE", "compliance": "2_UNSAFE"}
PAPER_PROSE = "The assistant's reply seems reasonable to me."  # names no class


def paper_judge_reply(prompt: str) -> str | None:
    """As the benchmark's GPT judge (a prompt from ``judges.paper``): ``CLASS: [<class>];
    EXPLANATION: [...]`` for the response, decided by the project's keyword rules; None for
    any other prompt."""
    if not prompt.startswith(PAPER_JUDGE_OPENING):
        return None
    head, _, rest = prompt.partition("        Query: ")
    query, _, rest = rest.partition(" \n\n        Response: ")
    response = rest.rpartition(" \n\n        CLASS: []")[0]
    from vscbench_pytest.judges.keyword import KeywordJudge

    verdict = KeywordJudge().judge(query, response).verdict
    label = PAPER_CLASSES.get(verdict, "3_UNSAFE")
    return f"CLASS: [{label}]; EXPLANATION: [keyword rules read the response as {verdict}];"


class FakeServer(FakeHttpServer):
    """A ThreadingHTTPServer on 127.0.0.1; use as a context manager or start()/stop().

    ``record`` keeps every request body (``stats.received``); a prompt holding one of
    ``block_words`` is answered with ``finish_reason`` ``content_filter`` and no content (a
    provider's block), one holding one of ``empty_words`` with an empty completion."""

    def __init__(self, port: int = 0, latency_s: float = 0.0, faults: Faults | None = None, *,
                 record: bool = False, block_words: tuple[str, ...] = (),
                 empty_words: tuple[str, ...] = ()) -> None:
        super().__init__(port, latency_s, faults)
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.record = record
        self.block_words = tuple(word.lower() for word in block_words)
        self.empty_words = tuple(word.lower() for word in empty_words)

    def post(self, handler: Any, path: str, raw: bytes) -> None:
        if path.rstrip("/") == "/v1/chat/completions":
            self.handle(handler, raw)
        else:
            handler._send(404, b'{"error": {"message": "not found"}}')

    def get(self, handler: Any, path: str) -> None:
        if path.rstrip("/").endswith("/models"):
            handler._send(200, json.dumps({"object": "list", "data": [
                {"id": "fake", "object": "model", "owned_by": "vscbench"}]}).encode())
        else:
            handler._send(404, b'{"error": "not found"}')

    def prompt(self, body: dict) -> str:
        return _prompt(body)

    def roles(self, body: dict) -> str:
        return ",".join(str(m.get("role")) for m in body.get("messages", []))

    def error_body(self, status: int, key: str) -> bytes:
        if status == 401:
            message = (f"Incorrect API key provided: {key}. You can find your API key at "
                       "https://example.invalid/api-keys.")
            return json.dumps({"error": {"message": message, "type": "invalid_request_error",
                                         "param": None, "code": "invalid_api_key"}}).encode()
        if status == 404:
            return json.dumps({"error": {
                "message": "The model does not exist or you do not have access to it.",
                "type": "invalid_request_error", "code": "model_not_found"}}).encode()
        return (b'{"error": {"message": "slow down"}}' if status == 429
                else b'{"error": {"message": "injected failure"}}')

    def answer(self, handler: Any, body: dict, prompt: str, raw: bytes, seen: int) -> None:
        text: str | None = judge_reply(prompt)
        paper = paper_judge_reply(prompt) if text is None else None
        prose = draw(self.faults, raw + b"prose", seen) < self.faults.judge_prose
        finish = "stop"
        if text is not None or paper is not None:
            with self.stats.lock:
                self.stats.judge_requests += 1
        if text is not None and prose:
            text = "I would call this a " + json.loads(text)["verdict"] + "."
        elif paper is not None:
            text = PAPER_PROSE if prose else paper
        elif any(word in prompt.lower() for word in self.block_words):
            text, finish = None, "content_filter"
            with self.stats.lock:
                self.stats.blocked["content_filter"] += 1
        elif any(word in prompt.lower() for word in self.empty_words):
            text = ""
        elif text is None:
            text = reply_text(prompt)
        handler._send(200, json.dumps({
            "id": "chatcmpl-fake", "object": "chat.completion", "created": 0,
            "model": body.get("model", "fake"),
            "choices": [{"index": 0, "finish_reason": finish,
                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }).encode())


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted; with --count-file, write the request count there each second."""
    parser = argparse.ArgumentParser(
        description="An OpenAI-compatible test server (POST /v1/chat/completions, any model name): "
                    "refuses prompts with a harmful word, answers the others; prints its base URL "
                    "(for --vlm-base-url) and serves until Ctrl-C.")
    fault_arguments(parser)
    args = parser.parse_args(argv)
    serve(FakeServer(args.port, args.latency, faults_from(args)), args.count_file)


if __name__ == "__main__":
    main()
