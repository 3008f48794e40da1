"""Benchmarks, printed side by side in one run as ratios (these machines are noisy).

    python bench/run.py [--items 2000] [--latency 0.1] [--concurrency 32] [--repeat 3]

1. harness overhead: the suite on an instant backend (replay) vs bare pytest, same test count;
2. API throughput against the project's server at a fixed latency: the suite at
   --vsc-concurrency vs the ideal (items x latency / concurrency), vs one request at a time,
   vs a 10-thread pool calling the client directly (how the benchmark's own scripts do it),
   and the same suite run on 2 xdist workers (requests counted by the server); the whole
   command also without the dev extra's pytest plugins, alternating with the full set;
3. HF batch 8 vs batch 1 on the bundled tiny checkpoint (responses compared);
4. a warm-cache rerun vs the cold run.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.helpers.release import make_release, text_row  # noqa: E402
from vscbench_pytest.backends.base import GenerationSettings, Request  # noqa: E402
from vscbench_pytest.backends.openai_api import ApiSettings, OpenAIBackend  # noqa: E402
from vscbench_pytest.data.release import load_release  # noqa: E402
from vscbench_pytest.testing.server import FakeServer  # noqa: E402

# Test tools of this project's dev extra, not of a model team's release gate: each costs every
# pytest start its import (anyio imports trio) or its end-of-session summary (hypothesis).
DEV_ONLY_PLUGINS_OFF = ["-p", "no:hypothesispytest", "-p", "no:benchmark", "-p", "no:anyio"]


@dataclass(frozen=True)
class Tree:
    """A source tree whose suite and plugin a run uses: this checkout (installed), or an
    earlier commit unpacked beside it (bench/compare.py), put first on PYTHONPATH with its
    plugin loaded by module name instead of the installed entry point."""

    name: str
    suite: Path
    plugin_args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)


CHECKOUT = Tree("this checkout", REPO / "tests_safety")


def suite_command(args: list[str], cwd: Path, report: Path, tree: Tree = CHECKOUT) -> list[str]:
    """The command line of one pytest run of the suite, its report written to ``report``."""
    return [sys.executable, "-m", "pytest", str(tree.suite), "-q", "-p", "no:cacheprovider",
            *tree.plugin_args, "--rootdir", str(cwd), "--vsc-score-only", "--vsc-allow-errors",
            f"--vsc-report={report}", *args]


def pytest_run(args: list[str], cwd: Path, tree: Tree = CHECKOUT) -> tuple[float, dict | None]:
    """Wall time of one pytest run of the suite, and its report."""
    report = cwd / f"report-{time.monotonic_ns()}.json"
    env = {**os.environ, **tree.env} if tree.env else None
    start = time.perf_counter()
    proc = subprocess.run(suite_command(args, cwd, report, tree), cwd=cwd, capture_output=True, text=True,
                          env=env)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"pytest failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return wall, (json.loads(report.read_text()) if report.exists() else None)


def text_release(root: Path, n: int) -> Path:
    """A release whose text sheet has ``n`` distinct rows (use --vsc-variant=text)."""
    rows = []
    for i in range(n):
        kind = "contrast_homonyms" if i % 2 else "homonyms"
        rows.append(text_row(kind, i, f"Question {i}: how do I kill {'a person' if i % 2 else 'a process'}?"))
    return make_release(root, image_rows=[], text_rows=rows, images=False)


def line(name: str, seconds: float, base: float | None = None, note: str = "") -> None:
    ratio = f"{seconds / base:6.2f}x" if base else "   1.00x"
    print(f"  {name:<52} {seconds:8.2f} s  {ratio}  {note}")


def bench_overhead(work: Path, n: int) -> None:
    print(f"\n[1] harness overhead, {n} tests")
    root = text_release(work / "overhead", n)
    replay = work / "answers.jsonl"
    with replay.open("w") as handle:
        for item in load_release(root, ("text",)).items:
            if item.variant == "text":
                handle.write(json.dumps({"uid": item.uid, "response": "Sure."}) + "\n")
    bare = work / "bare"
    bare.mkdir()
    (bare / "test_bare.py").write_text(
        f"import pytest\n@pytest.mark.parametrize('i', range({n}))\ndef test_x(i):\n    assert i >= 0\n")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(bare)],
                   cwd=bare, capture_output=True, check=True)
    bare_s = time.perf_counter() - start
    suite_s, _ = pytest_run([f"--vsc-data={root}", "--vsc-variant=text", f"--vlm=replay:{replay}"], work)
    line("bare pytest, trivial tests", bare_s)
    line("suite, replay backend (instant answers)", suite_s, bare_s)


def bench_api(work: Path, n: int, latency: float, concurrency: int, repeat: int) -> None:
    print(f"\n[2] API throughput: {n} text inputs, server latency {latency * 1000:.0f} ms")
    root = text_release(work / "api", n)
    ideal = n * latency / concurrency
    with FakeServer(latency_s=latency) as server:
        base = [f"--vsc-data={root}", "--vsc-variant=text", "--vlm=openai:fake",
                f"--vlm-base-url={server.base_url}", f"--vsc-concurrency={concurrency}", "--vsc-no-cache"]
        runs = []  # (whole process, session, requests the server counted)
        lean = []  # the same, without the dev extra's plugins (alternating, so noise hits both)
        for _ in range(repeat):
            for args, into in ((base, runs), (base + DEV_ONLY_PLUGINS_OFF, lean)):
                before = server.stats.requests
                wall, report = pytest_run(args, work)
                assert report is not None and report["run"]["complete"]
                into.append((wall, report["run"]["duration_s"], server.stats.requests - before))
        before = server.stats.requests
        xdist_s, _ = pytest_run(base + ["-n", "2"], work)
        xdist_requests = server.stats.requests - before
        client = OpenAIBackend("openai:fake", "fake", ApiSettings(server.base_url, "x"),
                               GenerationSettings(max_new_tokens=128))
        requests = [Request(i.uid, i.prompt) for i in load_release(root, ("text",)).items
                    if i.variant == "text"]
        sample = requests[:100]
        start = time.perf_counter()
        for request in sample:
            client.answer(request)
        serial_s = (time.perf_counter() - start) * n / len(sample)
        start = time.perf_counter()
        with ThreadPoolExecutor(10) as pool:
            list(pool.map(client.answer, requests))
        pool_s = time.perf_counter() - start
    walls = sorted(r[0] for r in runs)
    sessions = sorted(r[1] for r in runs)
    lean_walls = sorted(r[0] for r in lean)

    def spread(values: list[float]) -> str:
        return f"median of {repeat}, {values[0] / ideal:.3f}x to {values[-1] / ideal:.3f}x" if repeat > 1 else "one run"

    line(f"ideal: items x latency / {concurrency}", ideal)
    line(f"suite --vsc-concurrency={concurrency}, pytest session", statistics.median(sessions), ideal,
         "collection to report, from the report's run.duration_s")
    line(f"suite --vsc-concurrency={concurrency}, whole process", statistics.median(walls), ideal,
         f"{spread(walls)}; interpreter start-up included; server counted {sorted({r[2] for r in runs})} requests")
    line("  the same, the dev extra's plugins off", statistics.median(lean_walls), ideal,
         f"{spread(lean_walls)}; hypothesis, pytest-benchmark, anyio not loaded (xdist, syrupy are); "
         f"server counted {sorted({r[2] for r in lean})} requests")
    line(f"suite --vsc-concurrency={concurrency} -n 2", xdist_s, ideal,
         f"server counted {xdist_requests} requests; {concurrency} in flight per worker")
    line("10-thread pool calling the client (benchmark scripts)", pool_s, ideal)
    line("one request at a time (100 timed, scaled)", serial_s, ideal)


def bench_hf_batch(work: Path) -> None:
    print("\n[3] HF batch size on the bundled tiny-llava (mini benchmark, 228 inputs, no cache)")
    one_s, one = pytest_run(["--vlm=tiny-llava", "--vsc-no-cache", "--vsc-batch-size=1"], work)
    eight_s, eight = pytest_run(["--vlm=tiny-llava", "--vsc-no-cache", "--vsc-batch-size=8"], work)
    same = [i["response"] for i in one["items"]] == [i["response"] for i in eight["items"]]
    line("batch 1", one_s)
    line("batch 8", eight_s, one_s, f"identical responses: {same}")


def bench_cache(work: Path) -> None:
    print("\n[4] response cache (tiny-llava, mini benchmark)")
    cache = work / "cache.sqlite"
    cold_s, cold = pytest_run(["--vlm=tiny-llava", f"--vsc-cache={cache}"], work)
    warm_s, warm = pytest_run(["--vlm=tiny-llava", f"--vsc-cache={cache}"], work)
    line("cold run", cold_s, None, f"{cold['run']['requests']} generations")
    line("warm rerun", warm_s, cold_s, f"{warm['run']['requests']} generations, "
         f"{warm['run']['cached']} from the cache")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the suite in [2] (median shown)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    import platform

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        bench_overhead(work, args.items)
        bench_api(work, args.items, args.latency, args.concurrency, args.repeat)
        bench_hf_batch(work)
        bench_cache(work)


if __name__ == "__main__":
    main()
