"""A small OpenAI-compatible server for tests and benchmarks: fixed latency, injected faults.

It answers ``POST /v1/chat/completions`` with a refusal when the prompt contains a harmful
word and a short helpful answer otherwise; to an LLM-judge prompt (``judges.llm``) it answers
as a judge (the verdict JSON for the fenced response, by the keyword rules, or sometimes prose
with ``judge_prose``). It counts every request and the ``Authorization`` headers it saw (as
digests, see ``auth_digest``: never the key), and can fail on purpose: HTTP 500, HTTP 429 with
``Retry-After``, a response slower than the client's timeout, malformed JSON, a dropped
connection, HTTP 401 whose message echoes the key presented, as real APIs do, HTTP 404 for an
unknown model, or dying mid-run (``die_after``: it stops listening). Faults are
drawn from a hash of the seed, the request body and how often that body was seen, so a run is
reproducible and a retry is a fresh draw.

    python -m vscbench_pytest.testing.server --port 8123 --latency 0.1 --fail-500 0.2
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HARMFUL = ("kill a person", "neighbour", "neighbor", "steal", "poison", "weapon", "bomb", "hurt")
REFUSAL = "I'm sorry, but I can't help with that."
ANSWER = "Sure. Here is a short overview of the main points."


class _QuietServer(ThreadingHTTPServer):
    request_queue_size = 256  # the default backlog of 5 resets connections under load
    def handle_error(self, request, client_address) -> None:
        """A client that gave up (timeout, injected drop) is expected here, not news."""


@dataclass
class Faults:
    """Shares of requests that fail, each way (drawn in this order)."""

    error_500: float = 0.0
    error_429: float = 0.0
    slow: float = 0.0
    malformed: float = 0.0
    drop: float = 0.0
    retry_after_s: float = 0.01
    slow_s: float = 2.0
    seed: int = 0
    judge_prose: float = 0.0  # share of judge answers given as prose instead of JSON
    unauthorized: float = 0.0  # share answered 401 "Incorrect API key provided: <the key>"
    not_found: float = 0.0  # share answered 404 "The model ... does not exist"
    die_after: int | None = None  # after this many chat requests it stops listening (refused)


@dataclass
class Stats:
    """What the server saw: requests, per prompt, and the faults it injected."""

    requests: int = 0
    judge_requests: int = 0
    by_prompt: Counter = field(default_factory=Counter)
    faults: Counter = field(default_factory=Counter)
    auth: Counter = field(default_factory=Counter)  # auth_digest(Authorization header) -> requests
    roles: Counter = field(default_factory=Counter)  # "system,user,assistant,user" -> requests
    lock: threading.Lock = field(default_factory=threading.Lock)


def _prompt(body: dict) -> str:
    content = body["messages"][-1]["content"]
    if isinstance(content, str):
        return content
    return " ".join(part.get("text", "") for part in content if part.get("type") == "text")


_JUDGE_FENCE = re.compile(r"The assistant's response is between the two (.+) lines:\n")


def judge_reply(prompt: str) -> str | None:
    """As a judge (a prompt from ``judges_llm``): the verdict JSON for the fenced response,
    decided by the project's keyword rules; None for any other prompt."""
    found = _JUDGE_FENCE.search(prompt)
    if found is None:
        return None
    fence = found.group(1)
    rest = prompt[found.end():]
    if not rest.startswith(fence + "\n") or f"\n{fence}\n" not in rest[len(fence):]:
        return None
    response = rest[len(fence) + 1:].split(f"\n{fence}\n", 1)[0]
    query = prompt.split("The user's query: ", 1)[-1].split("\nAn image was attached", 1)[0]
    from vscbench_pytest.judges.keyword import KeywordJudge

    verdict = KeywordJudge().judge(query, response).verdict
    return json.dumps({"verdict": verdict if verdict != "error" else "irrelevant"})


def auth_digest(header: str | None) -> str:
    """How ``Stats.auth`` names an ``Authorization`` header value ("" when there was none)."""
    return hashlib.sha256(header.encode()).hexdigest()[:16] if header else ""


def _bearer(header: str | None) -> str:
    return (header or "").removeprefix("Bearer ").strip()


def _draw(faults: Faults, body: bytes, seen: int) -> float:
    digest = hashlib.sha256(f"{faults.seed}:{seen}:".encode() + body).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class FakeServer:
    """A ThreadingHTTPServer on 127.0.0.1; use as a context manager or start()/stop()."""

    def __init__(self, port: int = 0, latency_s: float = 0.0, faults: Faults | None = None) -> None:
        self.latency_s = latency_s
        self.faults = faults or Faults()
        self.stats = Stats()
        self._seen: Counter = Counter()
        self._dead = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else headers and body wait 40 ms on delayed ACKs

            def log_message(self, *args) -> None:  # quiet
                pass

            def parse_request(self) -> bool:
                self.arrived = time.monotonic()  # the request line is in: latency counts from here
                return super().parse_request()

            def _send(self, status: int, payload: bytes, headers: dict | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._send(200, json.dumps({"object": "list", "data": [
                        {"id": "fake", "object": "model", "owned_by": "vscbench"}]}).encode())
                else:
                    self._send(404, b'{"error": "not found"}')

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path.rstrip("/") == "/v1/chat/completions":
                    server.handle(self, raw)
                else:
                    self._send(404, b'{"error": {"message": "not found"}}')

        self.httpd = _QuietServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._thread: threading.Thread | None = None

    def die(self) -> None:
        """Stop listening now, as a crashed server does: new connections are refused and the
        requests on open connections are dropped."""
        if not self._dead.is_set():
            self._dead.set()
            threading.Thread(target=self.stop, name="fake-server-death", daemon=True).start()

    def handle(self, handler, raw: bytes) -> None:
        body = json.loads(raw or b"{}")
        prompt = _prompt(body)
        limit = self.faults.die_after
        with self.stats.lock:
            dying = self._dead.is_set() or (limit is not None and self.stats.requests >= limit)
            if not dying:
                self.stats.requests += 1
            else:
                self.stats.faults["dead"] += 1
        if dying:
            self.die()
            handler.close_connection = True
            handler.connection.close()
            return
        with self.stats.lock:
            self.stats.by_prompt[prompt] += 1
            self.stats.roles[",".join(str(m.get("role")) for m in body.get("messages", []))] += 1
            self.stats.auth[auth_digest(handler.headers.get("Authorization"))] += 1
            seen = self._seen[raw]
            self._seen[raw] += 1
        f = self.faults
        draw = _draw(f, raw, seen)
        if self.latency_s:
            time.sleep(max(0.0, handler.arrived + self.latency_s - time.monotonic()))
        for name, share in (("500", f.error_500), ("429", f.error_429), ("slow", f.slow),
                            ("malformed", f.malformed), ("drop", f.drop),
                            ("401", f.unauthorized), ("404", f.not_found)):
            if draw < share:
                with self.stats.lock:
                    self.stats.faults[name] += 1
                return self._fault(handler, name)
            draw -= share
        text = judge_reply(prompt)
        if text is not None:
            with self.stats.lock:
                self.stats.judge_requests += 1
            if _draw(f, raw + b"prose", seen) < f.judge_prose:
                text = "I would call this a " + json.loads(text)["verdict"] + "."
        else:
            text = REFUSAL if any(word in prompt.lower() for word in HARMFUL) else ANSWER
        handler._send(200, json.dumps({
            "id": "chatcmpl-fake", "object": "chat.completion", "created": 0,
            "model": body.get("model", "fake"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }).encode())

    def _fault(self, handler, name: str) -> None:
        if name == "500":
            handler._send(500, b'{"error": {"message": "injected failure"}}')
        elif name == "429":
            handler._send(429, b'{"error": {"message": "slow down"}}',
                          {"Retry-After": f"{self.faults.retry_after_s:g}"})
        elif name == "slow":
            time.sleep(self.faults.slow_s)
            handler._send(200, b"{}")
        elif name == "401":
            key = _bearer(handler.headers.get("Authorization"))
            message = (f"Incorrect API key provided: {key}. You can find your API key at "
                       "https://example.invalid/api-keys.")
            handler._send(401, json.dumps({"error": {
                "message": message, "type": "invalid_request_error", "param": None,
                "code": "invalid_api_key"}}).encode())
        elif name == "404":
            handler._send(404, json.dumps({"error": {
                "message": "The model does not exist or you do not have access to it.",
                "type": "invalid_request_error", "code": "model_not_found"}}).encode())
        elif name == "malformed":
            handler._send(200, b'{"choices": [ this is not json')
        else:
            handler.close_connection = True
            handler.connection.close()

    def start(self) -> FakeServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted; with --count-file, write the request count there each second."""
    parser = argparse.ArgumentParser(
        description="An OpenAI-compatible test server (POST /v1/chat/completions, any model name): "
                    "refuses prompts with a harmful word, answers the others; prints its base URL "
                    "(for --vlm-base-url) and serves until Ctrl-C.")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--fail-500", type=float, default=0.0, help="share of requests answered HTTP 500")
    parser.add_argument("--fail-429", type=float, default=0.0,
                        help="share answered HTTP 429 with Retry-After")
    parser.add_argument("--slow", type=float, default=0.0,
                        help="share answered after 2 s (past a short client timeout)")
    parser.add_argument("--malformed", type=float, default=0.0, help="share answered with malformed JSON")
    parser.add_argument("--drop", type=float, default=0.0, help="share whose connection is dropped")
    parser.add_argument("--unauthorized", type=float, default=0.0,
                        help="share of requests answered 401, the message echoing the key")
    parser.add_argument("--not-found", type=float, default=0.0,
                        help="share of requests answered 404 (an unknown model)")
    parser.add_argument("--die-after", type=int, default=None,
                        help="stop listening after this many chat requests (a server that dies)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the fault draws (reproducible runs)")
    parser.add_argument("--count-file", help="write the request count here after every second")
    args = parser.parse_args(argv)
    faults = Faults(args.fail_500, args.fail_429, args.slow, args.malformed, args.drop,
                    seed=args.seed, unauthorized=args.unauthorized, not_found=args.not_found,
                    die_after=args.die_after)
    server = FakeServer(args.port, args.latency, faults).start()
    print(server.base_url, flush=True)
    try:
        while True:
            time.sleep(1)
            if args.count_file:
                with open(args.count_file, "w") as handle:
                    handle.write(str(server.stats.requests))
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
