"""What the project's fake API servers share (``server.FakeServer``, OpenAI-compatible;
``anthropic_server.AnthropicServer``; ``gemini_server.GeminiServer``): a ThreadingHTTPServer on
127.0.0.1 in a daemon thread, the harmful-word refusal rule, fault injection drawn from a hash,
dying after N requests, the stats of what it saw and the command line that serves one.

A provider's server says how to read a request (``prompt``, ``roles``, ``credential``), how to
answer it (``answer``) and how its errors look (``error_body``); the rest is here. Faults are
drawn from a hash of the seed, the request body and how often that body was seen, so a run is
reproducible and a retry is a fresh draw. Keys are only ever counted as digests (``auth_digest``).
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
from typing import Any

HARMFUL = ("kill a person", "neighbour", "neighbor", "steal", "poison", "weapon", "bomb", "hurt")
REFUSAL = "I'm sorry, but I can't help with that."
ANSWER = "Sure. Here is a short overview of the main points."
BLOCK_WORD = "vsc-block"  # a prompt holding it is blocked by the provider's servers that block
# fault name -> HTTP status, in the order the shares are drawn (new faults go last, so that a
# seed draws the same faults it always did)
FAULTS = ("500", "429", "slow", "malformed", "drop", "401", "404", "529")
FAULT_STATUS = {"500": 500, "429": 429, "401": 401, "404": 404, "529": 529}
JUDGE_FENCE = re.compile(r"The assistant's response is between the two (.+) lines:\n")


class QuietServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer with a deep backlog that does not print a client's hang-up."""

    request_queue_size = 256  # the default backlog of 5 resets connections under load

    def handle_error(self, request, client_address) -> None:
        """A client that gave up (timeout, injected drop) is expected here, not news."""


@dataclass
class Faults:
    """Shares of requests that fail, each way (drawn in the order of ``FAULTS``)."""

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
    overloaded: float = 0.0  # share answered 529 "Overloaded" (Anthropic's)

    def shares(self) -> tuple[tuple[str, float], ...]:
        """(fault name, share) in the order they are drawn."""
        return tuple(zip(FAULTS, (self.error_500, self.error_429, self.slow, self.malformed,
                                  self.drop, self.unauthorized, self.not_found, self.overloaded)))


@dataclass(frozen=True)
class Received:
    """One request as a server received it: its path and JSON body (never its headers, which
    hold the key)."""

    path: str
    body: dict


@dataclass
class Stats:
    """What the server saw: requests, per prompt, and the faults it injected."""

    requests: int = 0
    judge_requests: int = 0
    by_prompt: Counter = field(default_factory=Counter)
    faults: Counter = field(default_factory=Counter)
    auth: Counter = field(default_factory=Counter)  # auth_digest(credential) -> requests
    roles: Counter = field(default_factory=Counter)  # "system,user,assistant,user" -> requests
    blocked: Counter = field(default_factory=Counter)  # block reason -> answers blocked
    received: list[Received] = field(default_factory=list)  # kept by servers that record bodies
    lock: threading.Lock = field(default_factory=threading.Lock)


def judge_reply(prompt: str) -> str | None:
    """As a judge (a prompt from ``judges.llm``): the verdict JSON for the fenced response,
    decided by the project's keyword rules; None for any other prompt."""
    found = JUDGE_FENCE.search(prompt)
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


def reply_text(prompt: str) -> str:
    """The model's answer: a refusal to a prompt with a harmful word, a short answer otherwise."""
    return REFUSAL if any(word in prompt.lower() for word in HARMFUL) else ANSWER


def auth_digest(header: str | None) -> str:
    """How ``Stats.auth`` names a credential (a header value; "" when there was none)."""
    return hashlib.sha256(header.encode()).hexdigest()[:16] if header else ""


def bearer(header: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header ("" without one)."""
    return (header or "").removeprefix("Bearer ").strip()


def draw(faults: Faults, body: bytes, seen: int) -> float:
    """A number in [0, 1) from the seed, the body and how often it was seen before."""
    digest = hashlib.sha256(f"{faults.seed}:{seen}:".encode() + body).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _handler_class(server: FakeHttpServer) -> type[BaseHTTPRequestHandler]:
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
            server.get(self, self.path)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            server.post(self, self.path, raw)

    return Handler


class FakeHttpServer:
    """A fake API server on 127.0.0.1; use as a context manager or start()/stop().

    ``post`` routes a request; one the server answers as a model goes through ``handle``:
    counted (or refused once ``die_after`` is reached), recorded when ``record`` is set,
    delayed by ``latency_s``, failed by a drawn fault or answered by ``answer``."""

    record = False  # keep every request body in ``stats.received``

    def __init__(self, port: int = 0, latency_s: float = 0.0, faults: Faults | None = None) -> None:
        self.latency_s = latency_s
        self.faults = faults or Faults()
        self.stats = Stats()
        self._seen: Counter = Counter()
        self._dead = threading.Event()
        self.httpd = QuietServer(("127.0.0.1", port), _handler_class(self))
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread: threading.Thread | None = None

    # --- what a provider's server says ------------------------------------------------------

    def post(self, handler: Any, path: str, raw: bytes) -> None:
        """Route a POST: ``self.handle(handler, raw)`` for the model's endpoint."""
        handler._send(404, b'{"error": {"message": "not found"}}')

    def get(self, handler: Any, path: str) -> None:
        """Answer a GET (none by default)."""
        handler._send(404, b'{"error": "not found"}')

    def prompt(self, body: dict) -> str:
        """The text of the request's last user turn."""
        raise NotImplementedError

    def roles(self, body: dict) -> str:
        """The turns of the request, e.g. ``system,user,assistant,user``."""
        raise NotImplementedError

    def credential(self, handler: Any) -> str | None:
        """The credential the request presented (a header value), counted as a digest."""
        return handler.headers.get("Authorization")

    def presented_key(self, handler: Any) -> str:
        """The key the request presented, as a 401 from a real API echoes it."""
        return bearer(handler.headers.get("Authorization"))

    def error_body(self, status: int, key: str) -> bytes:
        """The JSON body of an injected HTTP error (a 401's message echoes ``key``)."""
        raise NotImplementedError

    malformed_body = b'{"choices": [ this is not json'

    def answer(self, handler: Any, body: dict, prompt: str, raw: bytes, seen: int) -> None:
        """Answer a request that drew no fault."""
        raise NotImplementedError

    # --- shared -----------------------------------------------------------------------------

    def die(self) -> None:
        """Stop listening now, as a crashed server does: new connections are refused and the
        requests on open connections are dropped."""
        if not self._dead.is_set():
            self._dead.set()
            threading.Thread(target=self.stop, name="fake-server-death", daemon=True).start()

    def handle(self, handler: Any, raw: bytes) -> None:
        """Count, record, delay, fail or answer one model request."""
        body = json.loads(raw or b"{}")
        prompt = self.prompt(body)
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
            self.stats.roles[self.roles(body)] += 1
            self.stats.auth[auth_digest(self.credential(handler))] += 1
            if self.record:
                self.stats.received.append(Received(handler.path, body))
            seen = self._seen[raw]
            self._seen[raw] += 1
        number = draw(self.faults, raw, seen)
        if self.latency_s:
            time.sleep(max(0.0, handler.arrived + self.latency_s - time.monotonic()))
        for name, share in self.faults.shares():
            if number < share:
                with self.stats.lock:
                    self.stats.faults[name] += 1
                return self.fault(handler, name)
            number -= share
        self.answer(handler, body, prompt, raw, seen)

    def fault(self, handler: Any, name: str) -> None:
        """Fail the request the way ``name`` says (an HTTP error, slow, malformed, dropped)."""
        if name in FAULT_STATUS:
            status = FAULT_STATUS[name]
            retry = {"Retry-After": f"{self.faults.retry_after_s:g}"} if status == 429 else None
            handler._send(status, self.error_body(status, self.presented_key(handler)), retry)
        elif name == "slow":
            time.sleep(self.faults.slow_s)
            handler._send(200, b"{}")
        elif name == "malformed":
            handler._send(200, self.malformed_body)
        else:
            handler.close_connection = True
            handler.connection.close()

    def start(self) -> Any:
        """Serve in a daemon thread; returns the server."""
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def fault_arguments(parser: argparse.ArgumentParser, *, overloaded: bool = False) -> None:
    """The command-line options of every fake server: port, latency, faults, seed, count file."""
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--fail-500", type=float, default=0.0, help="share of requests answered HTTP 500")
    parser.add_argument("--fail-429", type=float, default=0.0,
                        help="share answered HTTP 429 with Retry-After")
    if overloaded:
        parser.add_argument("--overloaded", type=float, default=0.0,
                            help="share answered HTTP 529 (overloaded)")
    parser.add_argument("--slow", type=float, default=0.0,
                        help="share answered after 2 s (past a short client timeout)")
    parser.add_argument("--malformed", type=float, default=0.0, help="share answered with malformed JSON")
    parser.add_argument("--drop", type=float, default=0.0, help="share whose connection is dropped")
    parser.add_argument("--unauthorized", type=float, default=0.0,
                        help="share of requests answered 401, the message echoing the key")
    parser.add_argument("--not-found", type=float, default=0.0,
                        help="share of requests answered 404 (an unknown model)")
    parser.add_argument("--die-after", type=int, default=None,
                        help="stop listening after this many model requests (a server that dies)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the fault draws (reproducible runs)")
    parser.add_argument("--count-file", help="write the request count here after every second")


def faults_from(args: argparse.Namespace) -> Faults:
    """The Faults the options of ``fault_arguments`` ask for."""
    return Faults(args.fail_500, args.fail_429, args.slow, args.malformed, args.drop,
                  seed=args.seed, unauthorized=args.unauthorized, not_found=args.not_found,
                  die_after=args.die_after, overloaded=getattr(args, "overloaded", 0.0))


def serve(server: FakeHttpServer, count_file: str | None) -> None:
    """Print the base URL, then serve until Ctrl-C; with ``count_file``, write the request
    count there every second."""
    server.start()
    print(server.base_url, flush=True)
    try:
        while True:
            time.sleep(1)
            if count_file:
                with open(count_file, "w") as handle:
                    handle.write(str(server.stats.requests))
    except KeyboardInterrupt:
        server.stop()
