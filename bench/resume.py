"""Cache, resume and faults, shown on the bundled mini benchmark against the project's server.

    python bench/resume.py

1. a cold run, then the same run again, then again with another judge: the server's request
   counts and whether the reports match (``report.comparable``: all but the run's circumstances);
2. a run killed with SIGKILL once the server has answered half the inputs, then rerun: how many
   answers the cache kept, how many requests the rerun made, and whether its report equals an
   uninterrupted run's;
3. a server that fails 20% of requests with 500, 10% with 429 (Retry-After), and times out,
   drops or garbles a few: where every input ended, and the report's retries and errors.

The same points are asserted by tests/test_plugin_openai.py; this prints them.
"""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import pytest_run, suite_command

from vscbench_pytest.report.build import comparable
from vscbench_pytest.testing.server import FakeServer, Faults


def api(server: FakeServer, *args: str) -> list[str]:
    """Suite arguments that ask the project's server."""
    return ["--vlm=openai:fake", f"--vlm-base-url={server.base_url}", *args]


def run(work: Path, server: FakeServer, *args: str) -> tuple[dict, int]:
    """The report of one run and the requests the server counted during it."""
    before = server.stats.requests
    _, report = pytest_run(api(server, *args), work)
    assert report is not None
    return report, server.stats.requests - before


def rerun_and_rejudge(work: Path) -> None:
    print("[1] a second identical run, and a re-judge")
    cache = f"--vsc-cache={work / 'one.sqlite'}"
    with FakeServer(latency_s=0.005) as server:
        cold, cold_n = run(work, server, cache)
        warm, warm_n = run(work, server, cache)
        judged, judged_n = run(work, server, cache, "--vsc-judge=vscbench-sm")
    print(f"  cold run:                       server counted {cold_n:4d} requests; run.requests {cold['run']['requests']}")
    print(f"  same run again:                 server counted {warm_n:4d} requests; run.cached {warm['run']['cached']}; "
          f"report equals the cold run's: {comparable(warm) == comparable(cold)}")
    print(f"  again, --vsc-judge=vscbench-sm: server counted {judged_n:4d} requests; judge {judged['judge']['name']}")


def kill_and_resume(work: Path) -> None:
    print("\n[2] a run killed with SIGKILL midway, then rerun")
    cache = work / "killed.sqlite"
    with FakeServer(latency_s=0.05) as server:
        args = ["--vsc-concurrency=4", f"--vsc-cache={cache}"]
        proc = subprocess.Popen(suite_command(api(server, *args), work, work / "killed.json"), cwd=work,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        while server.stats.requests < 114 and proc.poll() is None:
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        killed_n = server.stats.requests
        with sqlite3.connect(cache) as db:
            stored = db.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
        resumed, resumed_n = run(work, server, *args)
        straight, straight_n = run(work, server, "--vsc-no-cache")
    total = len(straight["items"])
    print(f"  killed (SIGKILL to the process group) after the server counted {killed_n} requests; "
          f"the cache holds {stored} answers")
    print(f"  rerun: server counted {resumed_n} requests for the {total - stored} inputs not yet answered "
          f"({total} inputs); run.cached {resumed['run']['cached']}")
    print(f"  uninterrupted run ({straight_n} requests): reports equal: {comparable(resumed) == comparable(straight)}")


def faults(work: Path) -> None:
    print("\n[3] a server that fails: 20% 500, 10% 429 (Retry-After), 3% slow (1 s > --vsc-timeout=0.5), "
          "3% malformed JSON, 3% dropped connections")
    chosen = Faults(error_500=0.2, error_429=0.1, slow=0.03, malformed=0.03, drop=0.03, slow_s=1.0)
    with FakeServer(faults=chosen) as server:
        # every run gates with --vsc-allow-errors (bench/run.py's suite_command)
        report, counted = run(work, server, f"--vsc-cache={work / 'faults.sqlite'}",
                              "--vsc-timeout=0.5", "--vsc-retries=6")
        injected = dict(server.stats.faults)
    ends = Counter("error" if i["verdict"] == "error" else "scored" for i in report["items"])
    run_ = report["run"]
    print(f"  server counted {counted} requests; injected {injected}")
    print(f"  {len(report['items'])} inputs: {dict(ends)}; missing {len(run_['missing'])}")
    print(f"  report run: requests {run_['requests']}, retries {run_['retries']}, errors {run_['errors']}, "
          f"complete {run_['complete']}")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rerun_and_rejudge(work)
        kill_and_resume(work)
        faults(work)


if __name__ == "__main__":
    main()
