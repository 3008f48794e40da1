"""The API kinds in the registry and the preflight: aliases, where the server and key come from
(option, each kind's environment variables, the public API), fingerprints, the extra to install,
the child process, and the checks before a run."""
from __future__ import annotations

import socket
import sys

import pytest

from vscbench_pytest.backends.base import GenerationSettings, Request
from vscbench_pytest.backends.openai_api import ApiSettings
from vscbench_pytest.backends.preflight import preflight
from vscbench_pytest.backends.registry import (
    ALIASES,
    API_KINDS,
    BackendSpec,
    accepts_images,
    check_installed,
    fingerprint_for,
    make_backend,
    parse_spec,
    resolve_api,
)
from vscbench_pytest.errors import MissingExtra, SpecError, VscError

SECRET = "sk-registry-DO-NOT-LEAK-8086"
ENV = ("OPENAI_BASE_URL", "OPENAI_API_KEY", "ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY",
       "GOOGLE_GEMINI_BASE_URL", "GEMINI_API_KEY", "GOOGLE_API_KEY")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No server or key from the developer's environment."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("alias, target", [
    ("claude-3-5-sonnet", "anthropic:claude-3-5-sonnet-20241022"),
    ("gemini-1.5-flash", "gemini:gemini-1.5-flash"),
    ("gpt-4o-mini", "openai:gpt-4o-mini"),
])
def test_the_papers_api_models_have_aliases(alias: str, target: str) -> None:
    assert ALIASES[alias] == target
    kind, _, model = target.partition(":")
    assert parse_spec(alias) == BackendSpec(alias, kind, model)


def test_new_kinds_parse_and_are_listed_in_the_choices() -> None:
    assert parse_spec("anthropic:claude-x") == BackendSpec("anthropic:claude-x", "anthropic", "claude-x")
    assert parse_spec("gemini:gemini-2.0") == BackendSpec("gemini:gemini-2.0", "gemini", "gemini-2.0")
    with pytest.raises(SpecError, match="names no model"):
        parse_spec("gemini:")
    with pytest.raises(SpecError) as info:
        parse_spec("claude:x")
    assert "anthropic:<model>" in str(info.value) and "gemini:<model>" in str(info.value)
    assert "claude-3-5-sonnet" in str(info.value)


def test_each_kind_takes_its_server_and_key_from_the_option_then_its_own_variables(env) -> None:
    openai, anthropic, gemini = (parse_spec(s) for s in ("openai:m", "anthropic:m", "gemini:m"))
    assert resolve_api(openai) == ("", "")  # openai: has no public default
    assert resolve_api(anthropic) == ("https://api.anthropic.com", "")
    assert resolve_api(gemini) == ("https://generativelanguage.googleapis.com", "")
    env.setenv("OPENAI_BASE_URL", "http://openai.test/v1")
    env.setenv("OPENAI_API_KEY", "k-openai")
    env.setenv("ANTHROPIC_BASE_URL", "http://anthropic.test")
    env.setenv("ANTHROPIC_API_KEY", "k-anthropic")
    env.setenv("GOOGLE_GEMINI_BASE_URL", "http://gemini.test")
    env.setenv("GOOGLE_API_KEY", "k-google")
    assert resolve_api(openai) == ("http://openai.test/v1", "k-openai")
    assert resolve_api(anthropic) == ("http://anthropic.test", "k-anthropic")  # not OPENAI_*
    assert resolve_api(gemini) == ("http://gemini.test", "k-google")
    env.setenv("GEMINI_API_KEY", "k-gemini")
    assert resolve_api(gemini) == ("http://gemini.test", "k-gemini")  # GEMINI_API_KEY first
    assert resolve_api(anthropic, "http://given:1") == ("http://given:1", "k-anthropic")
    assert resolve_api(parse_spec("tiny-llava"), "http://given:1") == ("", "")


def test_fingerprints_name_the_kind_and_the_public_url_never_the_key(env) -> None:
    env.setenv("ANTHROPIC_API_KEY", SECRET)
    assert fingerprint_for(parse_spec("claude-3-5-sonnet")) == (
        "anthropic:claude-3-5-sonnet-20241022@https://api.anthropic.com")
    assert fingerprint_for(parse_spec("gemini:g"), "http://u:pw@127.0.0.1:5/") == "gemini:g@http://127.0.0.1:5"
    env.setenv("OPENAI_BASE_URL", "http://openai.test/v1")
    assert fingerprint_for(parse_spec("openai:m")) == "openai:m@http://openai.test/v1"  # as before
    assert fingerprint_for(parse_spec("openai:m"), "http://x:1/v1") == "openai:m@http://x:1/v1"


def test_api_models_take_images_unless_declared_text_only() -> None:
    for spec in ("anthropic:m", "gemini:m", "openai:m", "claude-3-5-sonnet"):
        assert accepts_images(parse_spec(spec)) is True
        assert accepts_images(parse_spec(spec), text_only=True) is False


@pytest.mark.parametrize("spec, module, extra, package", [
    ("anthropic:m", "anthropic", "anthropic", "anthropic"),
    ("gemini-1.5-flash", "google.genai", "gemini", "google-genai"),
])
def test_a_missing_sdk_names_the_extra(monkeypatch: pytest.MonkeyPatch, spec: str, module: str,
                                       extra: str, package: str) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # as if not installed
    with pytest.raises(MissingExtra) as info:
        check_installed(parse_spec(spec))
    assert str(info.value) == (f"--vlm {spec} needs {package}, which is not installed: "
                               f"pip install 'vscbench-pytest[{extra}]'")


def test_the_public_api_without_a_key_is_a_clear_error(env) -> None:
    """Checked before the server is asked (a local server may need no key: not checked there)."""
    for spec, variables in (("anthropic:m", "ANTHROPIC_API_KEY"), ("gemini:m", "GEMINI_API_KEY or GOOGLE_API_KEY")):
        assert API_KINDS[spec.partition(":")[0]].key_env == tuple(variables.split(" or "))
        with pytest.raises(VscError, match=f"--vlm {spec}: no API key for https://.*: set {variables}"):
            preflight(parse_spec(spec), "")


@pytest.mark.parametrize("kind, variable", [("anthropic", "ANTHROPIC_BASE_URL"),
                                            ("gemini", "GOOGLE_GEMINI_BASE_URL")])
def test_preflight_finds_nothing_listening_at_the_kinds_own_server(env, kind: str, variable: str) -> None:
    port = free_port()
    env.setenv(variable, f"http://127.0.0.1:{port}")
    with pytest.raises(VscError) as info:
        preflight(parse_spec(f"{kind}:m"), "")  # no --vlm-base-url: the variable names it
    assert str(info.value) == (f"--vlm {kind}:m: cannot reach the server at http://127.0.0.1:{port} "
                               f"(connection refused: nothing listens there); start it, or fix "
                               f"--vlm-base-url / {variable}")
    with pytest.raises(VscError, match=f"cannot reach the server at http://127.0.0.1:{port}/x"):
        preflight(parse_spec(f"{kind}:m"), f"http://127.0.0.1:{port}/x")  # the option wins


def test_preflight_of_openai_is_unchanged(env) -> None:
    with pytest.raises(VscError, match="--vlm openai:x: no server: pass --vlm-base-url or set OPENAI_BASE_URL"):
        preflight(parse_spec("openai:x"), "")
    port = free_port()
    with pytest.raises(VscError, match="fix --vlm-base-url / OPENAI_BASE_URL$"):
        preflight(parse_spec("openai:x"), f"http://127.0.0.1:{port}/v1")


@pytest.mark.parametrize("kind", ["anthropic", "gemini"])
def test_make_backend_runs_the_kind_in_a_child_process_or_in_this_one(kind: str) -> None:
    pytest.importorskip("anthropic" if kind == "anthropic" else "google.genai")
    from vscbench_pytest.testing import AnthropicServer, GeminiServer

    with (AnthropicServer if kind == "anthropic" else GeminiServer)() as server:
        api = ApiSettings(server.base_url, SECRET, timeout_s=5.0, backoff_s=0.01)
        parsed = parse_spec(f"{kind}:m")
        child = make_backend(parsed, GenerationSettings(max_new_tokens=8), api, concurrency=4)
        try:
            assert child.kind == kind and child.fingerprint == f"{kind}:m@{server.base_url}"
            out = child.generate([Request(str(i), "vsc-block" if i == 2 else f"q{i}") for i in range(6)])
        finally:
            child.close()
        local = make_backend(parsed, GenerationSettings(max_new_tokens=8), api, concurrency=0)
        assert type(local).__name__ == f"{kind.capitalize()}Backend" and local.fingerprint == child.fingerprint
    assert [r.error for r in out] == [None] * 6 and server.stats.requests == 6
    assert [r.blocked is not None for r in out] == [False, False, True, False, False, False]
