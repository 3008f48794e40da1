"""The suite through anthropic: and gemini: against the project's local server for each provider
(the official SDKs over real HTTP): the mini benchmark runs, a provider's block is recorded in
the report and scored, images reach the server in the provider's format, and a killed run
resumes from the cache."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers.suite import SUITE, install_suite, load_json
from vscbench_pytest.data.sources import load_data
from vscbench_pytest.report.build import comparable
from vscbench_pytest.testing.anthropic_server import AnthropicServer
from vscbench_pytest.testing.fake_http import FakeHttpServer, auth_digest
from vscbench_pytest.testing.gemini_server import GeminiServer

N_ITEMS = 228  # the bundled mini benchmark
KEY = "sk-native-plugin-DO-NOT-LEAK-31337"
BLOCKED = "kill"  # the servers block every prompt with this word (16 inputs of the mini benchmark)


@dataclass(frozen=True)
class Kind:
    name: str
    server: type[FakeHttpServer]
    key_env: str
    url_env: str
    block_reason: str
    sdk: str


KINDS = {
    "anthropic": Kind("anthropic", AnthropicServer, "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL",
                      "anthropic stop_reason=refusal", "anthropic"),
    "gemini": Kind("gemini", GeminiServer, "GEMINI_API_KEY", "GOOGLE_GEMINI_BASE_URL",
                   "gemini block_reason=SAFETY", "google.genai"),
}


@pytest.fixture(params=sorted(KINDS))
def kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Kind:
    """A provider, its key in its own variable and no server from the environment."""
    found = KINDS[request.param]
    pytest.importorskip(found.sdk)
    for variable in ("ANTHROPIC_BASE_URL", "GOOGLE_GEMINI_BASE_URL", "GEMINI_API_KEY", "GOOGLE_API_KEY",
                     "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv(found.key_env, KEY)
    return found


def has_image(kind: Kind, body: dict) -> bool:
    """Whether a recorded request's last user turn carried an image, in the provider's format."""
    if kind.name == "anthropic":
        content = body["messages"][-1]["content"]
        return isinstance(content, list) and content[0]["type"] == "image"
    return any("inlineData" in part or "inline_data" in part for part in body["contents"][-1]["parts"])


def test_the_mini_benchmark_runs_and_a_block_is_a_flagged_refusal_in_the_report(pytester, kind) -> None:
    items = load_data(None).items
    install_suite(pytester)
    path = pytester.path / "report.json"
    with kind.server(latency_s=0.002, block_words=(BLOCKED,)) as server:  # type: ignore[call-arg]
        result = pytester.runpytest_subprocess(
            f"--vlm={kind.name}:model-x", f"--vlm-base-url={server.base_url}", "--vsc-score-only",
            f"--vsc-report={path}", f"--vsc-cache={pytester.path / 'cache.sqlite'}")
    assert result.ret == 0, result.stdout.str()[-3000:]
    report = load_json(path)
    assert report["model"] == {"spec": f"{kind.name}:model-x", "backend": kind.name,
                               "fingerprint": f"{kind.name}:model-x@{server.base_url}"}
    assert report["run"]["complete"] and report["run"]["errors"] == 0
    assert report["run"]["requests"] == server.stats.requests == len(report["items"]) == N_ITEMS
    assert server.stats.auth == {auth_digest(KEY): N_ITEMS}  # its own key, on every request

    blocked = {i["uid"]: i for i in report["items"] if i["blocked"]}
    assert set(blocked) == {i.uid for i in items if BLOCKED in i.prompt.lower()} and len(blocked) == 16
    assert sum(server.stats.blocked.values()) == 16
    for item in blocked.values():  # the default protocol scores a block as a refusal
        assert (item["block_reason"], item["verdict"], item["flagged"]) == (kind.block_reason, "refusal", True)
        assert item["response"] == "" and item["passed"] == (item["label"] == "unsafe")
    assert not [i for i in report["items"] if not i["blocked"] and i["block_reason"]]

    with_image = sum(has_image(kind, r.body) for r in server.stats.received)
    assert with_image == sum(i.image is not None for i in items) == 204
    assert KEY not in result.stdout.str() + path.read_text()


def test_a_killed_run_resumes_from_the_cache(tmp_path: Path, kind: Kind) -> None:
    """The server named by the kind's own variable (no --vlm-base-url); two text variants only."""
    chosen = [i for i in load_data(None).items if i.track == "text" and i.variant in ("text", "search")]
    n, n_blocked = len(chosen), sum(BLOCKED in i.prompt.lower() for i in chosen)
    cache = tmp_path / "cache.sqlite"
    with kind.server(latency_s=0.05, block_words=(BLOCKED,)) as srv:  # type: ignore[call-arg]
        env = {**os.environ, kind.url_env: srv.base_url}
        cmd = [sys.executable, "-m", "pytest", str(SUITE), "-p", "no:cacheprovider", "-q",
               f"--vlm={kind.name}:model-x", "--vsc-track=text", "--vsc-variant=text,search", "--vsc-score-only",
               "--vsc-concurrency=4",
               f"--vsc-cache={cache}", "--rootdir", str(tmp_path)]
        proc = subprocess.Popen(cmd + [f"--vsc-report={tmp_path / 'killed.json'}"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + 120
            while srv.stats.requests < n // 2 and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        settled = -1
        while settled != srv.stats.requests:  # requests sent just before the kill still arrive
            settled = srv.stats.requests
            time.sleep(0.3)
        with sqlite3.connect(cache) as db:
            stored = db.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
        assert 0 < stored < n
        before = srv.stats.requests
        subprocess.run(cmd + [f"--vsc-report={tmp_path / 'resumed.json'}"], env=env, check=True,
                       capture_output=True, timeout=300)
        assert srv.stats.requests - before == n - stored
        subprocess.run(cmd + ["--vsc-no-cache", f"--vsc-report={tmp_path / 'straight.json'}"], env=env,
                       check=True, capture_output=True, timeout=300)
    resumed, straight = load_json(tmp_path / "resumed.json"), load_json(tmp_path / "straight.json")
    assert comparable(resumed) == comparable(straight)  # the blocks read back from the cache too
    assert resumed["run"]["cached"] == stored
    assert sum(i["blocked"] for i in resumed["items"]) == n_blocked > 0
    assert resumed["model"]["fingerprint"] == f"{kind.name}:model-x@{srv.base_url}"
