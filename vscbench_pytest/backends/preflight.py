"""Checks, before anything runs, that the model can be reached at all: a server configured and
listening for ``openai:``, ``anthropic:`` and ``gemini:`` (with a key when it is the provider's
public API), a hub checkpoint in the local cache or the hub reachable for ``hf:``.
Each failure is one VscError naming the model, the cause and the fix; nothing is loaded."""
from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlsplit

from vscbench_pytest.backends.openai_api import ApiSettings, check_api, public_url
from vscbench_pytest.backends.registry import API_KINDS, BackendSpec, check_key, resolve_api, url_source
from vscbench_pytest.errors import VscError

CONNECT_TIMEOUT_S = 3.0
HUB_FIX = ("download it where there is network (`hf download {repo}`) and copy the cache, "
           "or pass a local folder: --vlm=hf:/path/to/checkpoint")


def preflight(parsed: BackendSpec, base_url: str, timeout_s: float = CONNECT_TIMEOUT_S) -> None:
    """Stop (a VscError) when ``parsed`` cannot load: for an API model, no server, nothing
    listening, or no key for the provider's public API (``base_url`` is ``--vlm-base-url``,
    "" when not given: the kind's environment variable or public URL then); a hub id that is
    neither cached nor fetchable for ``hf:``."""
    if parsed.kind in API_KINDS:
        base_url, api_key = resolve_api(parsed, base_url)
        check_api(parsed.spec, ApiSettings(base_url, ""))
        check_key(parsed, base_url, api_key)
        _check_listening(parsed, base_url, timeout_s)
    elif parsed.kind == "hf" and not Path(parsed.target).expanduser().exists():
        _check_hub(parsed, timeout_s)


def _connect_problem(host: str, port: int, timeout_s: float) -> str | None:
    """Why a TCP connection to ``host:port`` fails, or None when it opens."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return None
    except ConnectionRefusedError:
        return "connection refused: nothing listens there"
    except socket.gaierror as exc:
        return f"cannot resolve {host} ({exc.strerror or exc})"
    except TimeoutError:
        return f"no answer within {timeout_s:g} s"
    except OSError as exc:
        return exc.strerror or str(exc)


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return parts.hostname or "", port or (443 if parts.scheme == "https" else 80)


def _check_listening(parsed: BackendSpec, base_url: str, timeout_s: float) -> None:
    host, port = _host_port(base_url)
    where = url_source(parsed)
    if not host:
        raise VscError(f"--vlm {parsed.spec}: the server URL {public_url(base_url)!r} names no "
                       f"host; pass --vlm-base-url=http://HOST:PORT{'/v1' if parsed.kind == 'openai' else ''} "
                       f"or set {where.rpartition(' / ')[2]}")
    problem = _connect_problem(host, port, timeout_s)
    if problem:
        raise VscError(f"--vlm {parsed.spec}: cannot reach the server at {public_url(base_url)} "
                       f"({problem}); start it, or fix {where}")


def _check_hub(parsed: BackendSpec, timeout_s: float) -> None:
    """A hub id must be in the local cache, or the hub must be reachable to fetch it."""
    from huggingface_hub import constants, try_to_load_from_cache

    repo = parsed.target
    try:
        cached = try_to_load_from_cache(repo, "config.json")
    except Exception:  # a malformed id: loading names it better
        return
    if isinstance(cached, str):
        return
    where = f"not in the local Hugging Face cache ({constants.HF_HUB_CACHE})"
    if constants.HF_HUB_OFFLINE or os.environ.get("TRANSFORMERS_OFFLINE") in ("1", "true", "TRUE"):
        raise VscError(f"--vlm {parsed.spec}: {repo} is {where} and offline mode is on "
                       f"(HF_HUB_OFFLINE); {HUB_FIX.format(repo=repo)}")
    host, port = _host_port(constants.ENDPOINT)
    problem = _connect_problem(host, port, timeout_s)
    if problem:
        raise VscError(f"--vlm {parsed.spec}: {repo} is {where} and the hub at "
                       f"{constants.ENDPOINT} is unreachable ({problem}); "
                       f"{HUB_FIX.format(repo=repo)}")


def preflight_judge(name: str, base_url: str, timeout_s: float = CONNECT_TIMEOUT_S) -> None:
    """Stop (a VscError) when an ``llm:`` judge's server is not configured or not listening."""
    if not base_url:
        raise VscError(f"--vsc-judge {name}: no judge server: pass --vsc-judge-base-url or set "
                       f"VSCBENCH_JUDGE_BASE_URL (or OPENAI_BASE_URL)")
    host, port = _host_port(base_url)
    problem = _connect_problem(host, port, timeout_s) if host else "the URL names no host"
    if problem:
        raise VscError(f"--vsc-judge {name}: cannot reach the judge server at "
                       f"{public_url(base_url)} ({problem}); start it, or fix "
                       f"--vsc-judge-base-url / VSCBENCH_JUDGE_BASE_URL")
