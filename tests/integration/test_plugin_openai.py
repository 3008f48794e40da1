"""The suite through openai: against the project's HTTP server: cache, resume, xdist, faults."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.helpers.suite import SUITE, install_suite, load_json
from vscbench_pytest.report.build import comparable
from vscbench_pytest.testing.server import FakeServer, Faults

pytest.importorskip("openai")
N_ITEMS = 228  # the bundled mini benchmark
SECRET = "sk-test-DO-NOT-LEAK-7777"


@pytest.fixture
def server():
    with FakeServer(latency_s=0.005) as srv:
        yield srv


def run(pytester, server, *args, report="report.json", cache="cache.sqlite"):
    install_suite(pytester)
    path = pytester.path / report
    result = pytester.runpytest_subprocess(
        "--vlm=openai:fake", f"--vlm-base-url={server.base_url}", "--vsc-score-only",
        f"--vsc-report={path}", f"--vsc-cache={pytester.path / cache}", *args)
    return result, path


def test_second_run_makes_no_requests_and_gives_the_same_report(pytester, server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    first, path1 = run(pytester, server, report="one.json")
    assert first.ret == 0, first.stdout.str()[-2000:]
    assert server.stats.requests == N_ITEMS
    second, path2 = run(pytester, server, report="two.json")
    assert second.ret == 0 and server.stats.requests == N_ITEMS
    one, two = load_json(path1), load_json(path2)
    assert comparable(one) == comparable(two)
    assert (one["run"]["requests"], two["run"]["requests"], two["run"]["cached"]) == (N_ITEMS, 0, N_ITEMS)
    third, _ = run(pytester, server, "--vsc-judge=vscbench-sm", report="three.json")
    assert third.ret == 0 and server.stats.requests == N_ITEMS
    written = [p for p in pytester.path.rglob("*") if p.is_file()]
    assert not [p for p in written if SECRET.encode() in p.read_bytes()]
    assert SECRET not in first.stdout.str() + second.stdout.str()


def test_refresh_asks_again_and_no_cache_keeps_nothing(pytester, server):
    run(pytester, server)
    run(pytester, server, "--vsc-refresh")
    assert server.stats.requests == 2 * N_ITEMS
    result, _ = run(pytester, server, "--vsc-no-cache", cache="unused.sqlite")
    assert result.ret == 0 and server.stats.requests == 3 * N_ITEMS
    assert not (pytester.path / "unused.sqlite").exists()


def test_two_workers_generate_each_input_once(pytester, server):
    result, path = run(pytester, server, "-n", "2", "--vsc-no-cache")
    assert result.ret == 0, result.stdout.str()[-2000:]
    assert server.stats.requests == N_ITEMS
    assert max(server.stats.by_prompt.values()) <= sum(  # identical prompts+images may share one
        1 for _ in range(N_ITEMS))
    report = load_json(path)
    assert report["run"]["complete"] and report["run"]["requests"] == N_ITEMS
    plain, plain_path = run(pytester, server, "--vsc-no-cache", report="plain.json")
    assert comparable(load_json(plain_path)) == comparable(report)


@pytest.mark.hardening("fault")
def test_faults_end_scored_or_error_and_retries_are_reported(pytester):
    faults = Faults(error_500=0.2, error_429=0.1, slow=0.03, malformed=0.03, drop=0.03, slow_s=1.0)
    with FakeServer(faults=faults) as srv:
        result, path = run(pytester, srv, "--vsc-timeout=0.5", "--vsc-retries=6", "--vsc-allow-errors")
    report = load_json(path)
    assert result.ret == 0, result.stdout.str()[-2000:]
    assert len(report["items"]) == N_ITEMS and not report["run"]["missing"]
    assert all(i["verdict"] == "error" or i["passed"] is not None for i in report["items"])
    assert report["run"]["retries"] > 0
    assert report["run"]["requests"] == srv.stats.requests
    result.stdout.fnmatch_lines(["*requests: *, retries: *"])


@pytest.mark.hardening("fault")
@pytest.mark.parametrize("faults, cause", [
    (Faults(unauthorized=1.0), "HTTP 401 from {url}: the server rejects the API key"),
    (Faults(not_found=1.0), "HTTP 404 from {url}: no such endpoint or model"),
])
def test_a_server_refusing_every_request_ends_the_run_in_seconds_naming_the_cause(
        pytester, monkeypatch, faults, cause):
    """Up but hopeless (a wrong key, a wrong path or model): three failures in a row stop the
    asking, and every input is an error naming the cause, at once."""
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    install_suite(pytester)
    path = pytester.path / "r.json"
    with FakeServer(faults=faults) as srv:
        start = time.monotonic()
        result = pytester.runpytest_subprocess(
            "--vlm=openai:fake", f"--vlm-base-url={srv.base_url}", f"--vsc-report={path}",
            f"--vsc-cache={pytester.path / 'c.sqlite'}")
        elapsed = time.monotonic() - start
    # 4 s on an idle machine; asking each input six times took minutes
    assert result.ret == 1 and elapsed < 30, result.stdout.str()[-2000:]
    report = load_json(path)
    expected = cause.format(url=srv.base_url)
    assert report["run"]["errors"] == len(report["items"]) == N_ITEMS
    assert all(expected in i["reason"] for i in report["items"])
    assert srv.stats.requests == report["run"]["requests"] <= 3 + 16  # 16 in flight by default
    result.stdout.fnmatch_lines([f"*: error: openai:fake: {expected}*; stopped asking after 3 "
                                 f"consecutive failures"])
    assert SECRET not in result.stdout.str() + path.read_text()


@pytest.mark.hardening("fault")
def test_a_server_that_dies_mid_run_leaves_the_answers_before_and_stops_the_rest(pytester):
    install_suite(pytester)
    path = pytester.path / "r.json"
    with FakeServer(faults=Faults(die_after=60)) as srv:
        start = time.monotonic()
        result = pytester.runpytest_subprocess(
            "--vlm=openai:fake", f"--vlm-base-url={srv.base_url}", "--vsc-score-only",
            f"--vsc-report={path}", f"--vsc-cache={pytester.path / 'c.sqlite'}")
        elapsed = time.monotonic() - start
    # 4 s on an idle machine; asking each input six times took minutes
    assert result.ret == 1 and elapsed < 30, result.stdout.str()[-2000:]
    items = load_json(path)["items"]
    answered = [i for i in items if i["verdict"] != "error"]
    failed = [i for i in items if i["verdict"] == "error"]
    assert len(answered) >= 60 and len(answered) + len(failed) == N_ITEMS  # equal content shares one
    refused = f"no answer from {srv.base_url} (connection refused: nothing listens there)"
    assert all(refused in i["reason"] for i in failed)
    assert sum("stopped asking" in i["reason"] for i in failed) >= len(failed) - 3 - 15


@pytest.mark.hardening("fault")
def test_killed_run_resumes_where_it_stopped(tmp_path):
    with FakeServer(latency_s=0.05) as srv:
        cache = tmp_path / "cache.sqlite"
        cmd = [sys.executable, "-m", "pytest", str(SUITE), "-p", "no:cacheprovider", "-q",
               "--vlm=openai:fake", f"--vlm-base-url={srv.base_url}", "--vsc-score-only",
               "--vsc-concurrency=4", f"--vsc-cache={cache}", "--rootdir", str(tmp_path)]
        proc = subprocess.Popen(cmd + [f"--vsc-report={tmp_path / 'killed.json'}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        deadline = time.monotonic() + 120
        while srv.stats.requests < N_ITEMS // 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        with sqlite3.connect(cache) as db:
            stored = db.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
        assert 0 < stored < N_ITEMS
        before = srv.stats.requests
        subprocess.run(cmd + [f"--vsc-report={tmp_path / 'resumed.json'}"], check=True,
                       capture_output=True, timeout=300)
        assert srv.stats.requests - before == N_ITEMS - stored
        subprocess.run(cmd[:-3] + ["--vsc-no-cache", "--rootdir", str(tmp_path),
                                   f"--vsc-report={tmp_path / 'straight.json'}"],
                       check=True, capture_output=True, timeout=300)
    resumed, straight = load_json(tmp_path / "resumed.json"), load_json(tmp_path / "straight.json")
    assert comparable(resumed) == comparable(straight)
    assert resumed["run"]["cached"] == stored
