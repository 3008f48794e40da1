"""Which inputs a run covers: the narrowing options, the subset report path, the report's
``selection``, the whole-source fingerprint, and the --vsc-baseline check before any request.
Real data: the bundled mini benchmark (228 inputs), and small releases written to tmp_path."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers.release import kill_twins, make_release
from tests.helpers.reports import report
from tests.helpers.settings import settings
from vscbench_pytest.errors import VscError
from vscbench_pytest.records.items import Item
from vscbench_pytest.records.results import make_result
from vscbench_pytest.report.build import write_report
from vscbench_pytest.session.coverage import (
    filters,
    narrowed,
    read_baseline,
    selection_section,
    whole_fingerprint,
)
from vscbench_pytest.session.plan import Plan

MINI = 228  # inputs of the bundled mini benchmark


def plan(**options) -> Plan:
    return Plan(settings(vlm="tiny-llava", **options))


def answered(items: list[Item]):
    return [make_result(item, "No.", "refusal", "") for item in items]


@pytest.mark.parametrize("options, given, narrows", [
    ({}, {}, False),
    ({"vsc_track": "text,image"}, {}, False),
    ({"failedfirst": True}, {"--ff": True}, False),  # --ff orders the tests, runs them all
    ({"keyword": "drugs"}, {"-k": "drugs"}, True),
    ({"markexpr": "slow"}, {"-m": "slow"}, True),
    ({"lf": True}, {"--lf": True}, True),
    ({"stepwise": True}, {"--sw": True}, True),
    ({"deselect": ["t.py::x"]}, {"--deselect": ["t.py::x"]}, True),
    ({"vsc_track": "image"}, {"--vsc-track": "image"}, True),
    ({"vsc_category": "drugs,homonyms"}, {"--vsc-category": "drugs,homonyms"}, True),
    ({"vsc_variant": "text"}, {"--vsc-variant": "text"}, True),
    ({"vsc_sample": 20, "vsc_seed": 3}, {"--vsc-sample": 20, "--vsc-seed": 3}, True),
])
def test_the_selecting_options_are_recorded_and_the_narrowing_ones_known(options, given, narrows) -> None:
    s = settings(vlm="tiny-llava", **options)
    assert filters(s) == given
    assert narrowed(s) is narrows
    name = "tiny-llava.subset.json" if narrows else "tiny-llava.json"
    assert Plan(s).report_path() == Path("/r/.vscbench/reports") / name


def test_a_named_report_is_used_even_for_a_subset(tmp_path: Path) -> None:
    assert plan(keyword="drugs", vsc_report=str(tmp_path / "mine.json")).report_path() == tmp_path / "mine.json"
    assert plan(vsc_calibration="reminder", vsc_sample=10).report_path().name == "tiny-llava-reminder.subset.json"


def test_a_run_of_every_input_is_whole() -> None:
    p = plan()
    section = selection_section(p, answered(p.selected()), missing=[])
    assert section == {"whole": True, "n_selected": MINI, "n_dataset": MINI, "n_heldout": 0, "filters": {}}


def test_a_run_that_left_inputs_out_is_a_subset() -> None:
    p = plan(keyword="drugs")
    drugs = [item for item in p.selected() if item.category == "drugs"]
    section = selection_section(p, answered(drugs), missing=[])
    assert section == {"whole": False, "n_selected": len(drugs), "n_dataset": MINI, "n_heldout": 0,
                       "filters": {"-k": "drugs"}}
    assert 0 < len(drugs) < MINI


def test_inputs_without_a_result_make_a_meant_whole_run_partial() -> None:
    p = plan()
    items = p.selected()
    section = selection_section(p, answered(items), missing=[items[0].uid, items[1].uid])
    assert (section["whole"], section["n_selected"]) == (False, MINI - 2)


def test_a_track_run_counts_the_whole_source_and_fingerprints_it_whole() -> None:
    p = plan(vsc_track="image")
    assert p.dataset.fingerprint != plan().dataset.fingerprint  # only the image sheet loaded
    assert whole_fingerprint(p) == whole_fingerprint(plan()) == plan().dataset.fingerprint
    section = selection_section(p, answered(p.selected()), missing=[])
    assert section["whole"] is False and section["n_dataset"] == MINI
    assert section["n_selected"] == len(p.selected()) < MINI


def test_held_out_inputs_are_covered() -> None:
    p = plan(vsc_calibration="fewshot")
    heldout = p.heldout()
    assert heldout is not None and heldout.items
    section = selection_section(p, answered(p.selected()), missing=[])
    assert section["whole"] is True and section["n_heldout"] == len(heldout.items)


# --- --vsc-baseline, before any request -------------------------------------------------------

def baseline_of(p: Plan, path: Path, items: list[Item], fingerprint: str | None = None) -> Path:
    data = report(answered(items))
    if fingerprint is None:
        data["dataset"].pop("fingerprint")
    else:
        data["dataset"]["fingerprint"] = fingerprint
    return write_report(data, path)


def test_a_missing_or_unreadable_baseline_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(VscError, match=r"^--vsc-baseline: .*nope\.json: no such report \(give a "
                                       r"report of an earlier run of the same data"):
        read_baseline(plan(vsc_baseline=str(tmp_path / "nope.json")))
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(VscError, match=r"^--vsc-baseline: .*bad\.json: not a readable JSON report"):
        read_baseline(plan(vsc_baseline=str(tmp_path / "bad.json")))


def test_a_baseline_of_another_dataset_is_a_usage_error(tmp_path: Path) -> None:
    p = plan()
    path = baseline_of(p, tmp_path / "b.json", p.selected(), fingerprint="0" * 64)
    with pytest.raises(VscError) as caught:
        read_baseline(plan(vsc_baseline=str(path)))
    message = str(caught.value)
    assert message.startswith(f"--vsc-baseline: {path} is a report of another dataset: /data "
                              f"(sheets sha256 000000000000), this run's is ")
    assert "vscbench-mini" in message and "make the baseline with this --vsc-data" in message


def test_a_baseline_of_the_same_dataset_is_read_subset_or_not(tmp_path: Path) -> None:
    p = plan()
    whole = whole_fingerprint(p)
    full = baseline_of(p, tmp_path / "full.json", p.selected(), whole)
    assert read_baseline(plan(vsc_baseline=str(full), vsc_track="text")) is not None
    subset = baseline_of(p, tmp_path / "subset.json", p.selected()[:5], whole)
    assert read_baseline(plan(vsc_baseline=str(subset))) is not None
    # a report from before the whole-source fingerprint: one track's sheet
    old = baseline_of(p, tmp_path / "old.json", p.selected()[:5], plan(vsc_track="image").dataset.fingerprint)
    assert read_baseline(plan(vsc_baseline=str(old))) is not None
    # no fingerprint recorded: matched by uid
    bare = baseline_of(p, tmp_path / "bare.json", p.selected()[:5])
    assert read_baseline(plan(vsc_baseline=str(bare))) is not None


def test_a_baseline_sharing_no_input_with_the_selection_is_a_usage_error(tmp_path: Path) -> None:
    p = plan()
    images = [item for item in p.selected() if item.track == "image"]
    path = baseline_of(p, tmp_path / "images.json", images, whole_fingerprint(p))
    with pytest.raises(VscError, match=r"shares no input with this run's selection \(\d+ input\(s\) "
                                       rf"selected, {len(images)} in the baseline\)"):
        read_baseline(plan(vsc_baseline=str(path), vsc_track="text"))


def test_a_release_copied_elsewhere_is_the_same_dataset(tmp_path: Path) -> None:
    first = make_release(tmp_path / "a", image_rows=[], text_rows=kill_twins(2), images=False)
    second = Path(shutil.copytree(first, tmp_path / "b"))
    other = make_release(tmp_path / "c", image_rows=[], text_rows=kill_twins(3), images=False)
    p = plan(vsc_data=str(first), vsc_variant="text")
    path = baseline_of(p, tmp_path / "base.json", p.selected(), whole_fingerprint(p))
    assert read_baseline(plan(vsc_data=str(second), vsc_variant="text", vsc_baseline=str(path)))
    with pytest.raises(VscError, match="is a report of another dataset"):
        read_baseline(plan(vsc_data=str(other), vsc_variant="text", vsc_baseline=str(path)))
