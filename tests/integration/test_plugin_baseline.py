"""--vsc-baseline / --vsc-max-drop: the run is gated on a significant drop from a baseline report."""
from __future__ import annotations

import pytest

from tests.helpers.release import kill_twins, make_release
from tests.helpers.suite import install_suite, load_json, write_replay
from vscbench_pytest.data.release import load_release
from vscbench_pytest.exit_codes import PYTEST_USAGE


@pytest.fixture
def setup(pytester):
    root = make_release(pytester.path / "rel", image_rows=[], text_rows=kill_twins(12), images=False)
    items = [i for i in load_release(root).items if i.variant == "text"]
    def replay(name: str, unsafe_answer: str):
        return write_replay(pytester.path / name, {
            i.uid: (unsafe_answer if i.label == "unsafe" else "Sure. Use the kill command.")
            for i in items})
    careful = replay("careful.jsonl", "I can't help with that.")
    reckless = replay("reckless.jsonl", "Sure. Here is a step-by-step plan.")
    install_suite(pytester)
    return root, careful, reckless


def run(pytester, root, replay, report, *args):
    return pytester.runpytest_subprocess(
        f"--vsc-data={root}", "--vsc-variant=text", f"--vlm=replay:{replay}", "--vsc-score-only",
        f"--vsc-report={pytester.path / report}", *args)


def test_a_significant_drop_from_the_baseline_fails_and_its_own_baseline_passes(pytester, setup):
    root, careful, reckless = setup
    assert run(pytester, root, careful, "base.json").ret == 0
    base = pytester.path / "base.json"
    worse = run(pytester, root, reckless, "worse.json", f"--vsc-baseline={base}", "--vsc-max-drop=0.05")
    assert worse.ret == 1
    worse.stdout.fnmatch_lines(["vscbench gate FAILED:",
                                "*against base.json: all sra_u 1.000 -> 0.000 (-1.000, p=*, 12 flips)*"])
    same = run(pytester, root, careful, "same.json", f"--vsc-baseline={base}", "--vsc-max-drop=0.05")
    assert same.ret == 0
    same.stdout.fnmatch_lines(["vscbench gate passed (baseline *base.json: drop <= 0.05 or not significant)"])
    assert load_json(pytester.path / "same.json")["gate"]["passed"] is True
    # a drop within --vsc-max-drop passes although it is significant
    lenient = run(pytester, root, reckless, "lenient.json", f"--vsc-baseline={base}", "--vsc-max-drop=1")
    assert lenient.ret == 0


def test_a_missing_baseline_is_a_usage_error_before_the_run(pytester, setup):
    root, careful, _ = setup
    result = run(pytester, root, careful, "r.json", f"--vsc-baseline={pytester.path / 'nope.json'}")
    assert result.ret == PYTEST_USAGE
    result.stderr.fnmatch_lines([f"*--vsc-baseline: {pytester.path / 'nope.json'}: no such report "
                                 f"(give a report of an earlier run of the same data*"])
    assert not (pytester.path / "r.json").exists()


def test_a_baseline_of_another_dataset_stops_before_any_request(pytester, setup, monkeypatch):
    pytest.importorskip("openai")
    from vscbench_pytest.testing.server import FakeServer

    root, careful, _ = setup
    assert run(pytester, root, careful, "base.json").ret == 0
    other = make_release(pytester.path / "other", image_rows=[], text_rows=kill_twins(13), images=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    with FakeServer() as server:
        result = pytester.runpytest_subprocess(
            f"--vsc-data={other}", "--vsc-variant=text", "--vlm=openai:fake",
            f"--vlm-base-url={server.base_url}", f"--vsc-report={pytester.path / 'r.json'}",
            f"--vsc-baseline={pytester.path / 'base.json'}")
        assert server.stats.requests == 0
    assert result.ret == PYTEST_USAGE
    result.stderr.fnmatch_lines([f"*--vsc-baseline: {pytester.path / 'base.json'} is a report of "
                                 f"another dataset: {root.resolve()} (sheets sha256 *), this run's "
                                 f"is {other} (sha256 *); compare runs of the same data*"])
    assert not (pytester.path / "r.json").exists()


def test_a_subset_run_is_compared_on_the_inputs_both_scored_and_says_so(pytester, setup):
    root, careful, reckless = setup
    assert run(pytester, root, careful, "base.json").ret == 0
    base = pytester.path / "base.json"
    same = run(pytester, root, careful, "same.json", f"--vsc-baseline={base}", "-k", "unsafe")
    assert same.ret == 0, same.stdout.str()[-2000:]
    notice = ("vscbench: --vsc-baseline base.json: WARNING: the reports cover different inputs: "
              "12 shared, 12 only in the baseline, 0 only in this run; only the 12 shared inputs "
              "are compared (every score below is theirs, not the reports' own); the baseline is a "
              "subset: 24 of 120 inputs (--vsc-variant text); this run is a subset: 12 of 120 "
              "inputs (-k unsafe, --vsc-variant text)")
    same.stdout.fnmatch_lines([notice])
    # a notice, before the table: the first thing the summary says
    lines = same.stdout.lines
    assert lines.index(notice) < next(i for i, line in enumerate(lines) if line.startswith("bucket"))
    report = load_json(pytester.path / "same.json")
    assert report["gate"]["passed"] is True and notice.removeprefix("vscbench: ") in report["run"]["notices"]
    worse = run(pytester, root, reckless, "worse.json", f"--vsc-baseline={base}", "-k", "unsafe")
    assert worse.ret == 1
    worse.stdout.fnmatch_lines(["*against base.json: all sra_u 1.000 -> 0.000 (-1.000, p=*, 12 flips)"
                                "*, more than the allowed drop 0 [[]over the 12 inputs both scored]"])


def test_a_baseline_sharing_no_input_with_what_ran_closes_the_gate(pytester, setup):
    root, careful, _ = setup
    assert run(pytester, root, careful, "base.json", "-k", "unsafe").ret == 0
    result = run(pytester, root, careful, "r.json", f"--vsc-baseline={pytester.path / 'base.json'}",
                 "-k", "not unsafe")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["vscbench gate FAILED:", "*--vsc-baseline: base.json shares no input "
                                 "with this run (12 in the baseline, 12 scored here): nothing to compare"])


def test_flips_the_judges_dispute_can_be_left_out_of_the_gate(pytester, setup):
    root, careful, _ = setup
    assert run(pytester, root, careful, "base.json").ret == 0
    base = pytester.path / "base.json"
    items = [i for i in load_release(root).items if i.variant == "text"]
    # keyword reads this as an answer; the benchmark's string match flags it for the word "law"
    murky = write_replay(pytester.path / "murky.jsonl", {
        i.uid: ("Sure. Here is a plan; by Murphy's law, keep it simple." if i.label == "unsafe"
                else "Sure. Use the kill command.") for i in items})
    judges = "--vsc-judge=keyword,vscbench-sm"
    strict = run(pytester, root, murky, "strict.json", judges, f"--vsc-baseline={base}")
    assert strict.ret == 1
    strict.stdout.fnmatch_lines(["*against base.json: all sra_u 1.000 -> 0.000*12 flips*"])
    lenient = run(pytester, root, murky, "lenient.json", judges, f"--vsc-baseline={base}",
                  "--vsc-ignore-disputed")
    assert lenient.ret == 0, lenient.stdout.str()
    lenient.stdout.fnmatch_lines(["*the baseline carries one judge's verdicts: disputes are read "
                                  "from this run alone; 12 input(s) the judges disagree on (flagged "
                                  "by one, not by another) are left out of the comparison; 12 of "
                                  "them flipped*"])
    assert load_json(pytester.path / "lenient.json")["gate"]["rules"] == [
        f"baseline {base}: drop <= 0 or not significant, inputs the judges dispute left out"]
    # it needs a baseline and several judges: usage errors before any request
    for args in ([judges], ["--vsc-judge=keyword", f"--vsc-baseline={base}"]):
        wrong = run(pytester, root, murky, "wrong.json", *args, "--vsc-ignore-disputed")
        assert wrong.ret == PYTEST_USAGE
        assert "--vsc-ignore-disputed" in wrong.stderr.str()
