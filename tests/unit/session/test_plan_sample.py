"""The plan's inputs: the held-out split is taken before --vsc-sample, so a small sample never
starves it (the issue: ``vscbench sweep ... -- --vsc-sample=20`` failed its adasteer row), and
the sample says what it gave when that is not about N. Real bundled data, no model call."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers.release import image_row, kill_twins, make_release
from tests.helpers.settings import settings
from vscbench_pytest.bundled import bundled_data
from vscbench_pytest.errors import VscError
from vscbench_pytest.session.plan import Plan

STRATA = 14  # 6 image categories and 8 text types in the bundled mini benchmark


def plan(**options: object) -> Plan:
    return Plan(settings(vlm="tiny-llava-unsafe", **options))


def strata(items: list) -> set[tuple[str, str]]:
    return {(i.track, i.category) for i in items}


@pytest.mark.parametrize("method", ["adasteer", "fewshot", "none"])
def test_a_small_sample_keeps_a_heldout_pair_of_every_track_and_category(method: str) -> None:
    """The sweep's case: --vsc-sample=20 with the sweep's --vsc-heldout=0.2, for each method."""
    p = plan(vsc_calibration=method, vsc_heldout="0.2", vsc_sample=20)
    heldout = p.heldout()
    assert heldout is not None and len(strata(heldout.items)) == STRATA
    assert {i.label for i in heldout.items} == {"safe", "unsafe"}
    assert len(p.selected()) == 52 and len(strata(p.selected())) == STRATA
    assert not {i.pair for i in heldout.items} & {i.pair for i in p.selected()}
    notices = p.validate()  # adasteer's check of the split passes
    assert notices == [
        "--vsc-sample=20: 52 inputs run, the fewest that keep one whole pair of each of the 14 "
        "tracks and categories selected; narrow them with --vsc-track, --vsc-category or "
        "--vsc-variant for fewer"]


def test_the_split_is_the_same_for_every_sample_size_and_seed() -> None:
    full = plan(vsc_calibration="steer")
    split = [i.uid for i in full.heldout().items]  # type: ignore[union-attr]
    for sample, seed in ((20, 0), (60, 0), (60, 5), (1000, 0)):
        p = plan(vsc_calibration="steer", vsc_sample=sample, vsc_seed=seed)
        assert [i.uid for i in p.heldout().items] == split  # type: ignore[union-attr]
        assert {i.uid for i in p.selected()} <= {i.uid for i in full.selected()}
    assert len(plan(vsc_calibration="steer", vsc_sample=60).selected()) == 60


def test_a_sample_larger_than_what_is_left_says_so() -> None:
    p = plan(vsc_calibration="fewshot", vsc_sample=1000)
    assert len(p.selected()) == 152  # 228 less the split's 76
    assert p.sample_notices() == ["--vsc-sample=1000: only 152 input(s) to choose from; all of them run"]


def test_a_sample_about_n_gives_no_notice() -> None:
    p = plan(vsc_sample=100)
    assert p.heldout() is None and abs(len(p.selected()) - 100) <= 2
    assert p.sample_notices() == []
    assert plan().sample_notices() == []


def test_a_lone_row_refuses_the_split_before_any_model_call(tmp_path: Path) -> None:
    data = make_release(tmp_path / "lone", [image_row("drugs", "a?", 0), image_row("violence", "b?", 1),
                                            image_row("violence", "c?", 2)], kill_twins(2))
    p = plan(vsc_calibration="adasteer", vsc_data=str(data))
    with pytest.raises(VscError, match=r"^--vsc-heldout=0\.2: .* but image/drugs has only one; "):
        p.validate()
    assert len(plan(vsc_data=str(data)).selected()) == 18 + 20  # without a split it runs


def test_a_heldout_source_is_checked_against_the_sampled_inputs(tmp_path: Path) -> None:
    """--vsc-heldout=DATA takes nothing from the selection; its overlap is counted on what is
    scored, after the sample."""
    copy = shutil.copytree(bundled_data(), tmp_path / "copy")
    p = plan(vsc_calibration="fewshot", vsc_heldout=str(copy), vsc_sample=60)
    with pytest.raises(VscError, match=rf"^--vsc-heldout: {copy} shares 60 input\(s\) with the scored"):
        p.selected()
