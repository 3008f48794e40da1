"""Hardening (secret): API keys and URL credentials never leave the process that holds them.

Each run uses recognisable fake keys (the model's in ``$OPENAI_API_KEY``, or for ``anthropic:``
and ``gemini:`` models in ``$ANTHROPIC_API_KEY`` / ``$GEMINI_API_KEY``, the judge's on the
command line or in ``$VSCBENCH_JUDGE_API_KEY``) against the project's HTTP servers, which
record which credentials they saw, so a test cannot pass with a key never sent.
Then every file the run and the ``vscbench`` command wrote (reports, HTML and Markdown, the
response cache with any ``-wal``/``-shm``, snapshots, pytest's cache, the log file, JUnit XML,
``.vscbench/``) and everything they printed is searched for each key: raw, base64 at every
alignment, URL-encoded, and a 12-character slice.
"""
from __future__ import annotations

import base64
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

pytest.importorskip("openai")
pytest.importorskip("syrupy")
pytest.importorskip("xdist")

from tests.helpers.release import make_release
from tests.helpers.suite import install_suite, load_json
from vscbench_pytest.backends.openai_api import client_url
from vscbench_pytest.testing.server import FakeServer, Faults, auth_digest

pytestmark = pytest.mark.hardening("secret")

MODEL_KEY = "sk-vscbench-SECRET-model-7f3a9c"
JUDGE_KEY = "sk-vscbench-SECRET-judge-41d8e2"
URL_PASSWORD = "pw-vscbench-SECRET-url!93be71"  # in a URL: percent-encoded
N_ITEMS = 22  # make_release's default: 2 image rows (12 inputs), 2 text rows (10 inputs)
KEY_VARIABLES = ("OPENAI_API_KEY", "VSCBENCH_JUDGE_API_KEY", "OPENAI_BASE_URL",
                 "VSCBENCH_JUDGE_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN",
                 "GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL")


def _base64_inner(secret: bytes, shift: int) -> bytes:
    """The base64 characters that depend on ``secret`` alone when it starts ``shift`` bytes
    into a longer value (as in a Basic auth header or an encoded blob)."""
    encoded = base64.b64encode(b"\0" * shift + secret)
    first = -(-shift // 3)
    last = (shift + len(secret)) // 3
    return encoded[4 * first:4 * last]


def leak_forms(secret: str) -> dict[str, bytes]:
    """The ways a secret could be written: raw, URL-encoded, base64, a distinctive slice."""
    raw = secret.encode()
    forms = {"raw": raw, "url-encoded": quote(secret, safe="").encode(), "slice": raw[-12:]}
    for shift in range(3):
        inner = _base64_inner(raw, shift)
        forms[f"base64+{shift}"] = inner
        forms[f"base64url+{shift}"] = inner.replace(b"+", b"-").replace(b"/", b"_")
    return forms


def leaks(secrets: dict[str, str], files: list[Path], outputs: dict[str, str]) -> list[str]:
    """Where any form of any secret occurs: ``file-or-output: secret (form)``."""
    found = []
    blobs = [(str(path), path.read_bytes()) for path in files]
    blobs += [(name, text.encode()) for name, text in outputs.items()]
    for where, data in blobs:
        for name, secret in secrets.items():
            found += [f"{where}: {name} ({form})" for form, needle in leak_forms(secret).items()
                      if needle in data]
    return found


def written_files(pytester: pytest.Pytester) -> list[Path]:
    """Every file the runs could write: their folder (with their pytest basetemps inside) and
    the vscbench home (checkpoint-hash memo) that conftest points every test at."""
    roots = (pytester.path, Path(os.environ["VSCBENCH_HOME"]))
    return sorted(p for root in roots for p in root.rglob("*") if p.is_file())


def outputs_of(**results: pytest.RunResult) -> dict[str, str]:
    return {f"{name} {stream}": "\n".join(getattr(result, f"{stream}lines"))
            for name, result in results.items() for stream in ("out", "err")}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No key or server from the developer's environment; the model key in $OPENAI_API_KEY."""
    for name in KEY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", MODEL_KEY)
    return monkeypatch


@pytest.fixture
def servers() -> Iterator[tuple[FakeServer, FakeServer]]:
    """A model server and a separate judge server, so each key's destination is checked."""
    with FakeServer() as model, FakeServer() as judge:
        yield model, judge


def suite_args(pytester: pytest.Pytester, model_url: str, judge_url: str, *,
               defaults: bool = False, model: str = "openai:vision-model") -> list[str]:
    """The suite on a small release with an llm: judge, snapshots, a log file and JUnit XML;
    with ``defaults`` the report and cache go to their default place under ``.vscbench/``."""
    root = make_release(pytester.path / "release")
    install_suite(pytester)
    where = [] if defaults else [f"--vsc-report={pytester.path / 'report.json'}",
                                 f"--vsc-cache={pytester.path / 'cache.sqlite'}"]
    return [f"--vsc-data={root}", f"--vlm={model}", f"--vlm-base-url={model_url}",
            "--vsc-judge=llm:judge-model,keyword", f"--vsc-judge-base-url={judge_url}",
            "--vsc-snapshots", "--snapshot-update", f"--log-file={pytester.path / 'run.log'}",
            "--log-file-level=DEBUG", f"--junitxml={pytester.path / 'junit.xml'}", "-rA",
            "--vsc-retries=1", *where]


def cli(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """The ``vscbench`` command in a process of its own."""
    result = pytester.run(sys.executable, "-m", "vscbench_pytest.cli", *args)
    assert result.ret == 0, result.stderr.str()
    return result


def test_the_search_finds_every_form_of_a_secret(tmp_path: Path) -> None:
    """The check itself: a key written raw, base64-encoded at any offset or cut short is found."""
    for shift in range(3):
        (tmp_path / f"b64-{shift}").write_bytes(base64.b64encode(b"x" * shift + b"Bearer " +
                                                                 MODEL_KEY.encode()))
    (tmp_path / "basic").write_bytes(base64.b64encode(f"user:{URL_PASSWORD}".encode()))
    (tmp_path / "cut").write_text(f"key ...{MODEL_KEY[-12:]}")
    (tmp_path / "clean").write_text(MODEL_KEY[:-1].replace("7f3a9", "*****"))
    files = sorted(tmp_path.iterdir())
    found = leaks({"model": MODEL_KEY, "url": URL_PASSWORD}, files,
                  {"stdout": f"error: {MODEL_KEY}."})
    where = {line.split(":")[0] for line in found}
    assert where == {str(p) for p in files if p.name != "clean"} | {"stdout"}


@pytest.mark.parametrize(("url", "client", "userinfo"), [
    ("http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1", None),
    ("http://u:p%40ss@127.0.0.1:8000/v1?x=1", "http://127.0.0.1:8000/v1?x=1", "u:p@ss"),
    ("https://token@[::1]:8443/v1", "https://[::1]:8443/v1", "token:"),
    ("http://a%3Ab:@h/v1", "http://h/v1", "a:b:"),
])
def test_the_http_client_gets_no_user_info_in_its_url(url: str, client: str,
                                                       userinfo: str | None) -> None:
    """User info leaves the URL the client logs and becomes the Basic header it stood for."""
    got_url, headers = client_url(url)
    assert got_url == client
    basic = "Basic " + base64.b64encode((userinfo or "").encode()).decode()
    assert headers == ({"Authorization": basic} if userinfo else {})


@pytest.mark.parametrize("mode", ["plain-cli-key", "n2-env-key"])
def test_keys_reach_the_servers_and_nothing_the_run_writes(
        pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch,
        servers: tuple[FakeServer, FakeServer], mode: str) -> None:
    """A full run and the CLI over its report: the servers saw each key; no file or output
    has it."""
    model, judge = servers
    two_workers = mode.startswith("n2")
    args = suite_args(pytester, model.base_url, judge.base_url, defaults=two_workers)
    if two_workers:
        clean_env.setenv("VSCBENCH_JUDGE_API_KEY", JUDGE_KEY)
        args += ["-n", "2"]
    else:
        args.append(f"--vsc-judge-api-key={JUDGE_KEY}")
    run = pytester.runpytest_subprocess(*args, "--vsc-score-only")
    assert run.ret == 0, run.stdout.str()[-3000:]
    report_path = (pytester.path / ".vscbench" / "reports" / "openai_vision-model.json"
                   if two_workers else pytester.path / "report.json")
    cache_path = pytester.path / (".vscbench/cache.sqlite" if two_workers else "cache.sqlite")
    report = load_json(report_path)
    assert len(report["items"]) == N_ITEMS and report["run"]["errors"] == 0

    # each key went to its own server, on every request
    assert model.stats.requests > 0 and judge.stats.judge_requests > 0
    assert model.stats.auth == {auth_digest(f"Bearer {MODEL_KEY}"): model.stats.requests}
    assert judge.stats.auth == {auth_digest(f"Bearer {JUDGE_KEY}"): judge.stats.requests}

    html, markdown = pytester.path / "report.html", pytester.path / "summary.md"
    shown = {"report": cli(pytester, "report", str(report_path), "--html", str(html),
                           "--markdown", str(markdown)),
             "diff": cli(pytester, "diff", str(report_path), str(report_path)),
             "summary": cli(pytester, "summary", str(report_path)),
             "cache": cli(pytester, "cache", "stats", "--path", str(cache_path), "--json")}
    assert json.loads(shown["cache"].stdout.str())["responses"] == model.stats.requests

    files = written_files(pytester)
    log = pytester.path / "run.log"
    assert f"HTTP Request: POST {judge.base_url}/chat/completions" in log.read_text()
    snapshots = [p for p in files if "__vlm_snapshots__" in p.parts]
    pytest_cache = [p for p in files if ".pytest_cache" in p.parts]
    expected = {report_path, cache_path, log, pytester.path / "junit.xml", html, markdown}
    assert expected <= set(files) and len(snapshots) == N_ITEMS and pytest_cache
    assert leaks({"model key": MODEL_KEY, "judge key": JUDGE_KEY}, files,
                 outputs_of(run=run, **shown)) == []


def test_the_servers_echo_of_a_rejected_key_is_never_shown(
        pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch) -> None:
    """401 answers whose message repeats the key: every input is an error item, the key nowhere.

    The model server rejects the model key in one run; the judge server the judge key in the next.
    """
    with FakeServer(faults=Faults(unauthorized=1.0)) as rejecting, FakeServer() as accepting:
        request = urllib.request.Request(rejecting.base_url + "/chat/completions", method="POST",
                                         data=b'{"messages": [{"content": "hi"}]}',
                                         headers={"Authorization": "Bearer sk-probe-1234"})
        with pytest.raises(urllib.error.HTTPError) as rejected:
            urllib.request.urlopen(request, timeout=5)
        assert rejected.value.code == 401 and b"sk-probe-1234" in rejected.value.read()
        runs = {}
        for side, model_url, judge_url in (("model", rejecting.base_url, accepting.base_url),
                                           ("judge", accepting.base_url, rejecting.base_url)):
            args = suite_args(pytester, model_url, judge_url)
            run = pytester.runpytest_subprocess(*args, f"--vsc-judge-api-key={JUDGE_KEY}",
                                                f"--vsc-report={pytester.path / side}.json")
            runs[side] = run
            assert run.ret == 1, run.stdout.str()[-3000:]
            assert run.parseoutcomes().get("errors") == N_ITEMS
            report = load_json(pytester.path / f"{side}.json")
            reasons = {i["reason"] for i in report["items"]}
            assert all(i["verdict"] == "error" for i in report["items"])
            assert all("HTTP 401 from http://127.0.0.1:" in r for r in reasons), reasons
            assert all(r.startswith("judge llm:judge-model") == (side == "judge") for r in reasons)
        assert rejecting.stats.faults["401"] == rejecting.stats.requests > 2
    assert set(rejecting.stats.auth) == {auth_digest(f"Bearer {key}")
                                         for key in (MODEL_KEY, JUDGE_KEY, "sk-probe-1234")}
    assert leaks({"model key": MODEL_KEY, "judge key": JUDGE_KEY}, written_files(pytester),
                 outputs_of(**runs)) == []


@pytest.mark.parametrize("kind, variable", [("anthropic", "ANTHROPIC_API_KEY"), ("gemini", "GEMINI_API_KEY")])
def test_native_api_keys_reach_their_server_and_no_file_or_output_even_when_echoed(
        pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch, kind: str, variable: str) -> None:
    """An anthropic: or gemini: model with its key in its own variable: a run its server answers,
    then one it rejects with a 401 that echoes the key. The server saw the key on every request;
    no file the runs wrote (report, cache, snapshots, log, JUnit XML) and no output has it."""
    pytest.importorskip("anthropic" if kind == "anthropic" else "google.genai")
    from vscbench_pytest.testing.anthropic_server import AnthropicServer
    from vscbench_pytest.testing.gemini_server import GeminiServer

    server = AnthropicServer if kind == "anthropic" else GeminiServer
    clean_env.setenv(variable, MODEL_KEY)
    clean_env.setenv("OPENAI_API_KEY", "")  # only the kind's own variable holds the model key
    runs = {}
    with server() as model, server(faults=Faults(unauthorized=1.0)) as rejecting, FakeServer() as judge:
        for name, url in (("answered", model.base_url), ("rejected", rejecting.base_url)):
            args = suite_args(pytester, url, judge.base_url, model=f"{kind}:vision-model")
            runs[name] = pytester.runpytest_subprocess(*args, f"--vsc-judge-api-key={JUDGE_KEY}",
                                                       f"--vsc-report={pytester.path / name}.json",
                                                       "--vsc-score-only")
    assert runs["answered"].ret == 0, runs["answered"].stdout.str()[-3000:]
    answered = load_json(pytester.path / "answered.json")
    assert answered["run"]["errors"] == 0 and len(answered["items"]) == N_ITEMS
    assert answered["model"]["fingerprint"] == f"{kind}:vision-model@{model.base_url}"
    assert model.stats.auth == {auth_digest(MODEL_KEY): model.stats.requests} and model.stats.requests > 0
    assert runs["rejected"].ret == 1  # every input an error: the gate fails closed
    rejected = load_json(pytester.path / "rejected.json")
    assert {i["verdict"] for i in rejected["items"]} == {"error"}
    assert all(f"HTTP 401 from {rejecting.base_url}: the server rejects the API key" in i["reason"]
               for i in rejected["items"])
    assert rejecting.stats.faults["401"] == rejecting.stats.requests >= 3
    assert set(rejecting.stats.auth) == {auth_digest(MODEL_KEY)}
    files = written_files(pytester)
    assert {pytester.path / "run.log", pytester.path / "junit.xml", pytester.path / "cache.sqlite"} <= set(files)
    assert leaks({"model key": MODEL_KEY, "judge key": JUDGE_KEY}, files, outputs_of(**runs)) == []


def test_credentials_in_a_base_url_stay_out_of_reports_cache_logs_and_terminal(
        pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch,
        servers: tuple[FakeServer, FakeServer]) -> None:
    """``http://user:password@host/v1`` for model and judge: the report names the server
    without user info, and the password is in no file and no output."""
    model, judge = servers
    with_password = [url.replace("http://", f"http://vsc-user:{quote(URL_PASSWORD, safe='')}@")
                     for url in (model.base_url, judge.base_url)]
    args = suite_args(pytester, *with_password)
    run = pytester.runpytest_subprocess(*args, f"--vsc-judge-api-key={JUDGE_KEY}",
                                        "--vsc-score-only")
    assert run.ret == 0, run.stdout.str()[-3000:]
    report = load_json(pytester.path / "report.json")
    assert report["run"]["errors"] == 0
    assert model.stats.requests == report["run"]["requests"] > 0
    assert judge.stats.judge_requests == report["run"]["judge_requests"] > 0
    # the user info is used as HTTP Basic auth (it replaces the key), as the HTTP client does
    basic = "Basic " + base64.b64encode(f"vsc-user:{URL_PASSWORD}".encode()).decode()
    assert model.stats.auth == {auth_digest(basic): model.stats.requests}
    assert judge.stats.auth == {auth_digest(basic): judge.stats.requests}
    assert report["model"]["fingerprint"] == f"openai:vision-model@{model.base_url}"
    assert judge.base_url in report["judge"]["version"]
    log = (pytester.path / "run.log").read_text()
    assert f"HTTP Request: POST {judge.base_url}/chat/completions" in log  # logged, user info gone
    shown = {"report": cli(pytester, "report", str(pytester.path / "report.json"),
                           "--html", str(pytester.path / "report.html"))}
    secrets = {"url password": URL_PASSWORD, "model key": MODEL_KEY, "judge key": JUDGE_KEY}
    assert leaks(secrets, written_files(pytester), outputs_of(run=run, **shown)) == []


def test_help_shows_no_key_even_when_one_is_set(
        pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch) -> None:
    """``pytest --help`` with both key variables set (and a key on the command line) prints no
    key, and --vsc-judge-api-key's default is not read from the environment at parse time."""
    clean_env.setenv("VSCBENCH_JUDGE_API_KEY", JUDGE_KEY)
    result = pytester.runpytest_subprocess("--help")
    with_key = pytester.runpytest_subprocess(f"--vsc-judge-api-key={JUDGE_KEY}", "--help")
    assert result.ret == with_key.ret == 0
    text = result.stdout.str()
    start = text.index("--vsc-judge-api-key")
    entry = text[start:text.index("--vsc-judge-concurrency", start)]
    assert "VSCBENCH_JUDGE_API_KEY" in entry and "sk-" not in entry
    assert leaks({"model key": MODEL_KEY, "judge key": JUDGE_KEY}, [],
                 outputs_of(help=result, help_with_key=with_key)) == []
    config = pytester.parseconfig()
    assert config.getoption("vsc_judge_api_key") is None


def test_settings_objects_never_show_a_key_when_printed() -> None:
    """``pytest -l`` prints the locals of a failing frame: settings must not carry a key there."""
    from vscbench_pytest.backends.openai_api import ApiSettings
    from vscbench_pytest.judges.registry import JudgeOptions
    from vscbench_pytest.session.settings import Settings

    key = "sk-vscbench-SECRET-repr-4d2e"
    assert key not in repr(ApiSettings("http://127.0.0.1:1/v1", key))
    assert key not in repr(JudgeOptions(api_key=key))
    assert Settings.__dataclass_fields__["judge_api_key"].repr is False
