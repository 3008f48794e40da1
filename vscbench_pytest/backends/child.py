"""Run an API backend in a child process, so its HTTP client work gets its own core.

Every request costs the ``openai`` client most of a millisecond of CPU. In the pytest process
that work shares one interpreter lock with pytest itself and with every request thread, and the
run ends up bound by CPU rather than by the server. In a child process the client runs on
another core, a pool of ``concurrency`` threads answers the requests, and the parent only passes
requests and responses over two pipes, as JSON lines (nothing is unpickled). The backend is
built in the child by a factory named ``"module:function"`` from JSON arguments. The child is a plain ``python -m`` process:
``fork`` is unsafe in a process with threads, and ``multiprocessing``'s spawn re-runs the
parent's main script. POSIX only (the pipes are passed by descriptor).

If the child dies, every request it still owed comes back as an error response: an ``error``
item, never a lost one.
"""
from __future__ import annotations

import base64
import importlib
import itertools
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from vscbench_pytest.backends.base import Backend, Request, Response, Shot
from vscbench_pytest.errors import VscError

READY = "ready"


class _Duplex:
    """One pipe each way, carrying one JSON object per line (nothing is ever unpickled)."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self._in = os.fdopen(read_fd, "r", encoding="utf-8", newline="\n")
        self._out = os.fdopen(write_fd, "w", encoding="utf-8", newline="\n")

    def recv(self) -> Any:
        line = self._in.readline()
        if not line:
            raise EOFError("the pipe is closed")
        return json.loads(line)

    def send(self, message: Any) -> None:
        self._out.write(json.dumps(message, ensure_ascii=True) + "\n")
        self._out.flush()

    def close(self) -> None:
        for stream in (self._out, self._in):
            try:
                stream.close()
            except OSError:
                pass


def _image_to_json(image) -> dict | None:
    """An image as its raw pixels (mode, size, base64 bytes): no file format to parse."""
    if image is None:
        return None
    return {"mode": image.mode, "size": list(image.size),
            "data": base64.b64encode(image.tobytes()).decode("ascii")}


def _image_from_json(spec: dict | None):
    if spec is None:
        return None
    from PIL import Image

    return Image.frombytes(spec["mode"], tuple(spec["size"]), base64.b64decode(spec["data"]))


def request_to_json(number: int, request: Request) -> dict:
    """A request as JSON, with its system prompt and demonstration turns when it has them."""
    message: dict = {"n": number, "uid": request.uid, "prompt": request.prompt,
                     "image": _image_to_json(request.image)}
    if request.system is not None:
        message["system"] = request.system
    if request.shots:
        message["shots"] = [{"prompt": s.prompt, "image": _image_to_json(s.image), "answer": s.answer}
                            for s in request.shots]
    return message


def request_from_json(message: dict) -> tuple[int, Request]:
    shots = tuple(Shot(s["prompt"], _image_from_json(s["image"]), s["answer"])
                  for s in message.get("shots", ()))
    return message["n"], Request(message["uid"], message["prompt"], _image_from_json(message["image"]),
                                 message.get("system"), shots)


def response_to_json(number: int, response: Response) -> dict:
    return {"n": number, "text": response.text, "error": response.error, "attempts": response.attempts,
            "blocked": response.blocked}


def response_from_json(message: dict) -> tuple[int, Response]:
    return message["n"], Response(message["text"], message["error"], attempts=message["attempts"],
                                  blocked=message.get("blocked"))


def load_factory(path: str) -> Callable[..., Backend]:
    """``"package.module:function"`` -> the function (the child imports it by name)."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def _serve(conn: _Duplex) -> None:
    """The child: build the backend, then answer request messages until a null one."""
    try:
        start = conn.recv()
        backend = load_factory(start["factory"])(**start["arguments"])
        concurrency = int(start["concurrency"])
    except VscError as exc:  # its message names the option already
        conn.send({"status": "usage", "detail": str(exc)})
        return
    except BaseException as exc:  # the parent reports it as the model-load failure
        conn.send({"status": "failed",
                   "detail": f"cannot start the backend: {type(exc).__name__}: {exc}"})
        return
    conn.send({"status": READY, "detail": None})
    lock = threading.Lock()

    def answer(number: int, request: Request) -> None:
        try:
            response = backend.generate([request])[0]
        except Exception as exc:  # a backend bug must still answer this request
            response = Response(None, f"backend failed: {type(exc).__name__}: {exc}")
        with lock:
            conn.send(response_to_json(number, response))

    with ThreadPoolExecutor(concurrency, thread_name_prefix="vscbench-api") as pool:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError, ValueError):
                break
            if message is None:
                break
            pool.submit(answer, *request_from_json(message))


def _start_child() -> tuple[_Duplex, subprocess.Popen]:
    parent_read, child_write = os.pipe()
    child_read, parent_write = os.pipe()
    # The child imports what this process can (a factory may live beside a conftest).
    package_root = str(Path(__file__).resolve().parents[2])
    paths = [package_root, *(p for p in sys.path if p and os.path.isdir(p))]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    process = subprocess.Popen(
        [sys.executable, "-m", "vscbench_pytest.backends.child", str(child_read), str(child_write)],
        pass_fds=(child_read, child_write), stdin=subprocess.DEVNULL, env=env)
    os.close(child_read)
    os.close(child_write)
    return _Duplex(parent_read, parent_write), process


class ChildBackend:
    """A concurrent backend answered by a child process; same interface as the backend,
    plus ``submit`` (a future per request, no thread waiting on it here)."""

    concurrent = True
    cacheable = True

    def __init__(self, factory: str, arguments: dict, *, spec: str, kind: str,
                 fingerprint: str, concurrency: int) -> None:
        self.spec = spec
        self.kind = kind
        self.fingerprint = fingerprint
        self._conn, self._process = _start_child()
        self._conn.send({"factory": factory, "arguments": arguments, "concurrency": concurrency})
        self._send_lock = threading.Lock()
        self._pending: dict[int, Future[Response]] = {}
        self._numbers = itertools.count()
        self._gone: str | None = None
        self._ready: bool | None = None

    @property
    def pid(self) -> int:
        """The child process's id."""
        return self._process.pid

    @property
    def exited(self) -> bool:
        """True once the child process has ended."""
        return self._process.poll() is not None

    def ready(self) -> ChildBackend:
        """Wait until the child has built its backend; a VscError says why it could not."""
        if self._ready is None:
            try:
                message = self._conn.recv()
                status, detail = message["status"], message["detail"]
            except (EOFError, OSError, ValueError, KeyError, TypeError):
                status, detail = "failed", f"the backend process exited (code {self._process.wait()})"
            self._ready = status == READY
            if not self._ready:
                self.close()
                raise VscError(detail if status == "usage" else f"--vlm {self.spec}: {detail}")
            threading.Thread(target=self._read, name="vscbench-api-reader", daemon=True).start()
        elif not self._ready:
            raise VscError(f"--vlm {self.spec}: the backend process could not start")
        return self

    def _read(self) -> None:
        while True:
            try:
                number, response = response_from_json(self._conn.recv())
            except (EOFError, OSError, ValueError, KeyError, TypeError):
                break
            future = self._pending.pop(number, None)
            if future is not None:
                future.set_result(response)
        self._fail_pending(f"the backend process exited (code {self._process.wait()})")

    def _fail_pending(self, reason: str) -> None:
        self._gone = reason
        for number in list(self._pending):
            future = self._pending.pop(number, None)
            if future is not None and not future.done():
                future.set_result(Response(None, reason, attempts=0))

    def submit(self, request: Request) -> Future[Response]:
        """Send ``request`` to the child; the future holds its response (or an error one)."""
        self.ready()
        future: Future[Response] = Future()
        if self._gone is not None:
            future.set_result(Response(None, self._gone, attempts=0))
            return future
        number = next(self._numbers)
        self._pending[number] = future
        try:
            with self._send_lock:
                self._conn.send(request_to_json(number, request))
        except (OSError, ValueError) as exc:
            self._pending.pop(number, None)
            future.set_result(Response(None, f"the backend process is gone ({exc})", attempts=0))
        if self._gone is not None and not future.done():  # the reader ended while we sent
            self._fail_pending(self._gone)
        return future

    def generate(self, requests: list[Request]) -> list[Response]:
        """Responses in order; the child's thread pool answers them concurrently."""
        futures = [self.submit(request) for request in requests]
        return [future.result() for future in futures]

    def close(self) -> None:
        """Ask the child to finish what it has and exit; a daemon thread reaps it (and kills
        it if it has not exited within 10 s), so the session does not wait for its shutdown."""
        if self._process.poll() is not None:
            self._conn.close()
            return
        try:
            with self._send_lock:
                self._conn.send(None)
        except (OSError, ValueError):
            pass
        threading.Thread(target=self._reap, name="vscbench-api-reaper", daemon=True).start()

    def _reap(self) -> None:
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._conn.close()


if __name__ == "__main__":
    import signal

    # Ctrl-C reaches the whole process group; the parent decides how to stop and closes the pipe.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _serve(_Duplex(int(sys.argv[1]), int(sys.argv[2])))
        # Every response is sent (each send flushes). Skip the interpreter's teardown: 0.3 s
        # of unloading the client's modules, which a caller reading the parent's inherited
        # stdout would wait for after the parent has exited.
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
        os._exit(0)
    except OSError:  # the parent went away (e.g. it stopped at a usage error): nothing to say
        os._exit(0)
