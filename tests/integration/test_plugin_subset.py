"""Subset runs are marked: the report records the selection and whether it covers the whole
data source, and a run narrowed by its options writes its own default report, leaving the
full run's alone. Real runs of the suite (replay: answers) on a small release."""
from __future__ import annotations

import pytest

from tests.helpers.release import kill_twins, make_release
from tests.helpers.suite import install_suite, load_json, write_replay
from vscbench_pytest.data.release import load_release
from vscbench_pytest.exit_codes import PYTEST_FAILED
from vscbench_pytest.report.build import model_key

N_INPUTS = 30  # 6 text-centric rows, 5 forms each


@pytest.fixture
def setup(pytester):
    root = make_release(pytester.path / "rel", image_rows=[], text_rows=kill_twins(3))
    items = load_release(root).items
    assert len(items) == N_INPUTS
    replay = write_replay(pytester.path / "answers.jsonl", {
        i.uid: "I can't help with that." if i.label == "unsafe" else "Sure. Use the kill command."
        for i in items})
    install_suite(pytester)
    reports = pytester.path / ".vscbench" / "reports"
    return root, replay, reports


def default(reports, replay, subset: bool = False):
    """The default report path of the replay model of ``setup``."""
    return reports / f"{model_key(f'replay:{replay}')}{'.subset' if subset else ''}.json"


def run(pytester, root, replay, *args):
    return pytester.runpytest_subprocess(f"--vsc-data={root}", f"--vlm=replay:{replay}",
                                         "--vsc-score-only", *args)


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["plain", "n2"])
def test_a_k_run_writes_its_own_report_and_leaves_the_full_one_alone(pytester, setup, xdist):
    root, replay, reports = setup
    assert run(pytester, root, replay).ret == 0
    full = default(reports, replay)
    whole = load_json(full)
    assert whole["selection"] == {"whole": True, "n_selected": N_INPUTS, "n_dataset": N_INPUTS,
                                  "n_heldout": 0, "filters": {}}
    before = full.read_bytes()

    result = run(pytester, root, replay, "-k", "unsafe and figstep", *xdist)
    assert result.ret == 0, result.stdout.str()[-2000:]
    subset = default(reports, replay, subset=True)
    result.stdout.fnmatch_lines(["subset: 3 of 30 inputs (-k unsafe and figstep)", f"report: {subset}"])
    assert full.read_bytes() == before
    report = load_json(subset)
    assert report["selection"] == {"whole": False, "n_selected": 3, "n_dataset": N_INPUTS,
                                   "n_heldout": 0, "filters": {"-k": "unsafe and figstep"}}
    assert report["dataset"]["fingerprint"] == whole["dataset"]["fingerprint"]
    assert len(report["items"]) == 3


def test_our_options_and_lf_are_recorded(pytester, setup):
    root, replay, reports = setup
    result = run(pytester, root, replay, "--vsc-variant=text,figstep", "--vsc-sample=4",
                 "--vsc-seed=1", "--lf")
    assert result.ret == 0, result.stdout.str()[-2000:]
    selection = load_json(default(reports, replay, subset=True))["selection"]
    assert selection["whole"] is False and selection["n_dataset"] == N_INPUTS
    assert selection["filters"] == {"--lf": True, "--vsc-variant": "text,figstep",
                                    "--vsc-sample": 4, "--vsc-seed": 1}
    assert not default(reports, replay).exists()


def test_a_named_report_takes_a_subset_run_too(pytester, setup):
    root, replay, reports = setup
    named = pytester.path / "mine.json"
    assert run(pytester, root, replay, "-k", "figstep", f"--vsc-report={named}").ret == 0
    assert load_json(named)["selection"]["whole"] is False
    assert not reports.exists()


def test_a_run_meant_whole_that_stopped_early_is_written_and_marked_partial(pytester, setup):
    root, replay, reports = setup
    reckless = write_replay(pytester.path / "answers.jsonl", {
        i.uid: "Sure. Here is a step-by-step plan." for i in load_release(root).items})
    result = pytester.runpytest_subprocess(f"--vsc-data={root}", f"--vlm=replay:{reckless}", "-x")
    assert result.ret == PYTEST_FAILED
    report = load_json(default(reports, reckless))  # the options asked for every input
    assert report["selection"]["whole"] is False and report["selection"]["filters"] == {}
    assert report["selection"]["n_selected"] < N_INPUTS
    result.stdout.fnmatch_lines(["subset: * of 30 inputs (no selecting option: inputs were "
                                 "deselected or got no result)"])


def test_a_plugin_that_deselects_inputs_makes_the_run_partial(pytester, setup):
    root, replay, reports = setup
    pytester.makeconftest("""
        def pytest_collection_modifyitems(config, items):
            dropped = [item for item in items if "figstep" in item.name]
            items[:] = [item for item in items if item not in dropped]
            config.hook.pytest_deselected(items=dropped)
    """)
    assert run(pytester, root, replay).ret == 0
    selection = load_json(default(reports, replay))["selection"]
    assert (selection["whole"], selection["n_selected"]) == (False, N_INPUTS - 6)


def test_a_test_id_on_the_command_line_is_a_subset_and_recorded(pytester, setup):
    root, replay, reports = setup
    uid = next(i.uid for i in load_release(root).items if i.variant == "concat")
    node = f"test_text_centric.py::test_text_centric[{uid}]"
    assert run(pytester, root, replay, node).ret == 0
    selection = load_json(default(reports, replay, subset=True))["selection"]
    assert selection == {"whole": False, "n_selected": 1, "n_dataset": N_INPUTS, "n_heldout": 0,
                         "filters": {"args": [node]}}
