"""This checkout against an earlier commit, in one run, alternating (these machines are noisy:
read the ratios, not the seconds).

    python bench/compare.py REF [--items 2000] [--latency 0.1] [--concurrency 32] [--repeat 5]

REF (a commit, e.g. the one before a refactoring) is unpacked with ``git archive`` into a
temporary folder and put first on PYTHONPATH; its plugin is loaded by module name
(``-p vscbench_pytest.plugin``) with the installed entry point turned off, so its suite runs its
own code. Both trees run the same benchmarks back to back, each repetition alternating which
goes first:

1. the suite on an instant backend (replay), 2,000 tests: the harness's own cost;
2. API throughput against the project's server at a fixed latency (whole process);
3. the bundled tiny-llava on the mini benchmark, batch 8, no cache (228 generations);
4. the same, answered from a warm cache.

The last column is this checkout's median over REF's.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import CHECKOUT, REPO, Tree, pytest_run, text_release

from vscbench_pytest.data.release import load_release
from vscbench_pytest.testing.server import FakeServer


def unpack(ref: str, dest: Path) -> Tree:
    """The tree of ``ref`` (a commit before the package layout of today: vscbench_pytest.plugin
    was a module, tests_safety/ held the tests)."""
    dest.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", ref], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    plugin = "vscbench_pytest.plugin.hooks" if (dest / "vscbench_pytest" / "plugin" / "hooks.py").is_file() \
        else "vscbench_pytest.plugin"
    return Tree(ref, dest / "tests_safety", ("-p", "no:vscbench", "-p", plugin),
                {"PYTHONPATH": str(dest), "VSCBENCH_FIXTURES": str(dest / "fixtures")})


def measure(trees: list[Tree], repeat: int, run: Callable[[Tree], float]) -> dict[str, list[float]]:
    """``repeat`` timings per tree, alternating which tree goes first."""
    times: dict[str, list[float]] = {tree.name: [] for tree in trees}
    for i in range(repeat):
        for tree in (trees if i % 2 == 0 else trees[::-1]):
            times[tree.name].append(run(tree))
    return times


def show(title: str, times: dict[str, list[float]], base: str) -> None:
    print(f"\n{title}")
    reference = statistics.median(times[base])
    for name, values in times.items():
        values = sorted(values)
        median = statistics.median(values)
        print(f"  {name:<16} median {median:7.2f} s  (runs {values[0]:.2f} to {values[-1]:.2f} s)  "
              f"{median / reference:6.3f}x of {base}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ref", help="the commit to compare with")
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        old = unpack(args.ref, work / "ref")
        trees = [CHECKOUT, old]
        root = text_release(work / "release", args.items)
        replay = work / "answers.jsonl"
        replay.write_text("".join(json.dumps({"uid": item.uid, "response": "Sure."}) + "\n"
                                  for item in load_release(root, ("text",)).items if item.variant == "text"))
        text = [f"--vsc-data={root}", "--vsc-variant=text"]

        def replayed(tree: Tree) -> float:
            return pytest_run([*text, f"--vlm=replay:{replay}"], work, tree)[0]

        show(f"[1] harness overhead: {args.items} tests, replay backend", measure(trees, args.repeat, replayed), old.name)
        with FakeServer(latency_s=args.latency) as server:
            def served(tree: Tree) -> float:
                wall, report = pytest_run([*text, "--vlm=openai:fake", f"--vlm-base-url={server.base_url}",
                                           f"--vsc-concurrency={args.concurrency}", "--vsc-no-cache"], work, tree)
                assert report is not None and report["run"]["complete"], f"{tree.name}: incomplete run"
                return wall

            ideal = args.items * args.latency / args.concurrency
            show(f"[2] API throughput: {args.items} inputs, {args.latency * 1000:.0f} ms latency, "
                 f"--vsc-concurrency={args.concurrency} (ideal {ideal:.2f} s)",
                 measure(trees, args.repeat, served), old.name)

        def cold(tree: Tree) -> float:
            return pytest_run(["--vlm=tiny-llava", "--vsc-no-cache", "--vsc-batch-size=8"], work, tree)[0]

        show("[3] tiny-llava on the mini benchmark, batch 8, no cache", measure(trees, args.repeat, cold), old.name)

        def warm(tree: Tree) -> float:
            cache = work / f"cache-{tree.name.replace(' ', '-')}.sqlite"
            pytest_run(["--vlm=tiny-llava", f"--vsc-cache={cache}"], work, tree)
            return pytest_run(["--vlm=tiny-llava", f"--vsc-cache={cache}"], work, tree)[0]

        show("[4] the same from a warm cache", measure(trees, args.repeat, warm), old.name)


if __name__ == "__main__":
    main()
