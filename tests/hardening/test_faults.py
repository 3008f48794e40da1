"""Faults around a run: the server dies, Ctrl-C, two runs on one cache, a killed xdist worker,
a full disk and an unwritable folder. Nothing is lost: every input ends scored or ``error``,
the cache stays valid, and a rerun asks only for what is missing.

All real: pytest runs the suite in a child process against the project's HTTP server. A full
disk is made with RLIMIT_FSIZE (the kernel refuses writes past the size, as a full disk would).
"""
from __future__ import annotations

import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.release import kill_twins, make_release
from tests.helpers.suite import SUITE
from vscbench_pytest.report.build import comparable
from vscbench_pytest.testing.server import FakeServer

pytest.importorskip("openai")
pytestmark = [pytest.mark.hardening("fault"),
              pytest.mark.skipif(sys.platform != "linux", reason="uses Linux process tools")]

N = 24  # 12 safe/unsafe twins, text variant only
DISTINCT = N // 2 + 1  # the safe twins all ask the same question: one request serves them all


def distinct(items: list[dict]) -> int:
    """How many requests these items need (the safe ones share one prompt)."""
    return len({i["uid"] if i["label"] == "unsafe" else "safe" for i in items})


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_release(tmp_path_factory.mktemp("faults") / "rel", image_rows=[], text_rows=kill_twins(N // 2))


@pytest.fixture
def spawn():
    """Start processes in their own process group; whatever is left is killed at the end, so a
    failing test never leaves a run (or its workers and child processes) behind."""
    started: list[subprocess.Popen] = []

    def start(cmd: list[str], **kwargs) -> subprocess.Popen:
        proc = subprocess.Popen(cmd, start_new_session=True, text=True, **kwargs)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def command(tmp: Path, data: Path, server: FakeServer | None, name: str, *extra: str) -> list[str]:
    base_url = server.base_url if server else "http://127.0.0.1:9/v1"
    return [sys.executable, "-m", "pytest", str(SUITE), "-p", "no:cacheprovider", "-q",
            "--rootdir", str(tmp), f"--vsc-data={data}", "--vsc-variant=text",
            "--vlm=openai:fake", f"--vlm-base-url={base_url}", "--vsc-score-only",
            f"--vsc-cache={tmp / 'cache.sqlite'}", f"--vsc-report={tmp / (name + '.json')}", *extra]


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kwargs)


def report(tmp: Path, name: str) -> dict:
    return json.loads((tmp / f"{name}.json").read_text())


def no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text and "INTERNALERROR" not in text, text[-3000:]


def all_accounted_for(rep: dict) -> None:
    """Every input is in the report, scored or an error; none silently dropped."""
    assert len(rep["items"]) == N
    assert all(i["verdict"] == "error" or i["passed"] is not None for i in rep["items"])


def cache_ok(path: Path) -> int:
    """The cache passes SQLite's integrity check; returns how many answers it holds."""
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return db.execute("SELECT COUNT(*) FROM responses WHERE error IS NULL").fetchone()[0]


def straight_run(tmp: Path, data: Path, server: FakeServer) -> dict:
    """The same inputs answered without any fault, for comparison."""
    result = run(command(tmp, data, server, "straight", "--vsc-no-cache"))
    assert result.returncode == 0, result.stdout[-2000:]
    return report(tmp, "straight")


def rerun_asks_only_for_the_rest(tmp: Path, data: Path, server: FakeServer, stored: int) -> None:
    """A rerun on the same cache requests only what is not stored and reports like a run that
    never broke."""
    before = server.stats.requests
    result = run(command(tmp, data, server, "rerun"))
    assert result.returncode == 0, result.stdout[-2000:]
    assert server.stats.requests - before == DISTINCT - stored
    assert comparable(report(tmp, "rerun")) == comparable(straight_run(tmp, data, server))


def wait_for(condition, within_s: float = 60.0) -> None:
    deadline = time.monotonic() + within_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _answers_in_cache(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM responses WHERE error IS NULL").fetchone()[0]
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0


def test_a_server_that_dies_midrun_leaves_errors_and_a_rerun_asks_only_for_them(tmp_path, data, spawn):
    server = spawn([sys.executable, "-m", "vscbench_pytest.testing.server", "--port", "0",
                    "--latency", "0.1"], stdout=subprocess.PIPE)
    base_url = server.stdout.readline().strip()
    port = int(base_url.rsplit(":", 1)[1].split("/")[0])
    cmd = command(tmp_path, data, None, "died", "--vsc-concurrency=2", "--vsc-retries=1")
    cmd[cmd.index("--vlm-base-url=http://127.0.0.1:9/v1")] = f"--vlm-base-url={base_url}"
    proc = spawn(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for(lambda: _answers_in_cache(tmp_path / "cache.sqlite") >= 6)
    server.kill()  # the server dies: connections drop, new ones are refused
    server.wait()
    out, err = proc.communicate(timeout=300)
    no_traceback(out, err)
    died = report(tmp_path, "died")
    all_accounted_for(died)
    errors = [i for i in died["items"] if i["verdict"] == "error"]
    assert errors and died["run"]["errors"] == len(errors) and not died["run"]["complete"]
    assert all(f"from http://127.0.0.1:{port}/v1" in i["reason"] for i in errors)
    assert proc.returncode == 1  # the gate counts errors

    stored = cache_ok(tmp_path / "cache.sqlite")
    assert DISTINCT - stored == distinct(errors)  # what was not answered is what failed
    with FakeServer(port=port) as again:
        rerun_asks_only_for_the_rest(tmp_path, data, again, stored)


def test_ctrl_c_midrun_writes_an_incomplete_report_keeps_the_cache_valid_and_resumes(tmp_path, data, spawn):
    # 0.6 s an answer, 2 at a time: the rest cannot all arrive before Ctrl-C lands, even on a
    # loaded machine (at 0.2 s they sometimes did)
    with FakeServer(latency_s=0.6) as server:
        proc = spawn(command(tmp_path, data, server, "interrupted", "--vsc-concurrency=2"),
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        wait_for(lambda: server.stats.requests >= 8)
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: the whole process group
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == pytest.ExitCode.INTERRUPTED
        no_traceback(err)
        partial = report(tmp_path, "interrupted")
        all_accounted_for(partial)
        assert partial["run"]["complete"] is False
        assert "the session was interrupted" in partial["run"]["problems"]
        stored = cache_ok(tmp_path / "cache.sqlite")
        assert 0 < stored < DISTINCT
        rerun_asks_only_for_the_rest(tmp_path, data, server, stored)


def test_two_runs_sharing_one_cache_at_once_both_finish_whole(tmp_path, data, spawn):
    with FakeServer(latency_s=0.05) as server:
        procs = [spawn(command(tmp_path, data, server, name, "--vsc-concurrency=4"),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for name in ("first", "second")]
        outputs = [proc.communicate(timeout=300) for proc in procs]
        straight = straight_run(tmp_path, data, server)
    for proc, (out, err) in zip(procs, outputs):
        no_traceback(out, err)
        assert proc.returncode == 0, out[-2000:]
    first, second = report(tmp_path, "first"), report(tmp_path, "second")
    all_accounted_for(first)
    assert comparable(first) == comparable(second) == comparable(straight)
    assert cache_ok(tmp_path / "cache.sqlite") == DISTINCT


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def test_a_killed_xdist_worker_loses_nothing_and_the_rerun_finishes_the_job(tmp_path, data, spawn):
    pytest.importorskip("xdist")
    with FakeServer(latency_s=0.2) as server:
        proc = spawn(command(tmp_path, data, server, "crashed", "-n", "2", "--vsc-concurrency=2"),
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        wait_for(lambda: server.stats.requests >= 6)
        workers = _children(proc.pid)
        assert len(workers) == 2
        os.kill(workers[0], signal.SIGKILL)
        out, err = proc.communicate(timeout=300)
        crashed = report(tmp_path, "crashed")
        all_accounted_for(crashed)
        assert proc.returncode == 1  # the run is not whole, so the gate fails
        assert crashed["run"]["complete"] is False
        assert any("went down" in p or "no result" in p for p in crashed["run"]["problems"])
        lost = [i for i in crashed["items"] if "process running it died" in i["reason"]]
        assert len(lost) == len(crashed["run"]["missing"])
        rerun_asks_only_for_the_rest(tmp_path, data, server, cache_ok(tmp_path / "cache.sqlite"))


def _file_size_limit(limit: int):
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_a_full_disk_for_the_cache_costs_no_response(tmp_path, data):
    # 64 KiB: the cache's schema fits, its write-ahead log fills after a few answers; the
    # report (about 20 KiB) still fits.
    with FakeServer() as server:
        result = run(command(tmp_path, data, server, "full"), preexec_fn=_file_size_limit(64 * 1024))
        assert server.stats.requests == DISTINCT
    no_traceback(result.stdout, result.stderr)
    assert result.returncode == 0, result.stdout[-3000:]
    full = report(tmp_path, "full")
    all_accounted_for(full)
    assert full["run"]["errors"] == 0  # every response was scored
    notice = [n for n in full["run"]["notices"] if "stopped storing responses" in n]
    assert notice and "scored but not cached" in notice[0]
    assert "stopped storing responses" in result.stdout
    assert cache_ok(tmp_path / "cache.sqlite") < DISTINCT


def test_a_full_disk_for_the_report_is_said_and_fails_the_session(tmp_path, data):
    replay = tmp_path / "answers.jsonl"
    replay.write_text("".join(json.dumps({"uid": f"text-{'contrast_' if i % 2 else ''}homonyms-"
                                                 f"{i:03d}-text", "response": "Sure."}) + "\n"
                              for i in range(N)))
    cmd = command(tmp_path, data, None, "big")
    cmd[cmd.index("--vlm=openai:fake")] = f"--vlm=replay:{replay}"
    result = run(cmd, preexec_fn=_file_size_limit(8 * 1024))
    no_traceback(result.stdout, result.stderr)
    assert result.returncode == 1
    assert f"cannot write the report to {tmp_path / 'big.json'}" in result.stdout
    assert "File too large" in result.stdout
    assert "vscbench calibration" in result.stdout  # the scores still reach the terminal
    assert not list(tmp_path.glob(".big.json.*"))  # no half-written temp file left behind


@pytest.mark.parametrize("option", ["--vsc-cache", "--vsc-report"])
def test_an_unwritable_place_stops_the_run_before_any_request(tmp_path, data, option):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    places = [blocker / "sub" / "x.sqlite"]
    if Path("/sys").is_dir():
        places.append(Path("/sys/vscbench-test/x"))  # not writable, even for root
    for place in places:
        with FakeServer() as server:
            cmd = [a for a in command(tmp_path, data, server, "never") if not a.startswith(option)]
            result = run(cmd + [f"{option}={place}"])
            assert server.stats.requests == 0
        no_traceback(result.stdout, result.stderr)
        assert result.returncode == pytest.ExitCode.USAGE_ERROR
        assert f"{option}: cannot " in result.stderr and str(place.parent) in result.stderr
