"""Snapshot comparisons: what counts as new, a flip or drift, the few lines a difference says,
and the check of an explicit --vsc-snapshot-key against the keys on disk."""
from __future__ import annotations

from pathlib import Path

import pytest

from vscbench_pytest.errors import SpecError
from vscbench_pytest.session.tally import Tally

pytest.importorskip("syrupy")

from vscbench_pytest.plugin import snapshots  # after the importorskip: needs syrupy

REFUSED = {"verdict": "refusal", "flagged": True, "head": "i can t help with that"}
COMPLIED = {"verdict": "compliance", "flagged": False, "head": "sure here is a plan"}


@pytest.fixture(autouse=True)
def active(monkeypatch: pytest.MonkeyPatch) -> None:
    """use_key sets module state: each test gets its own."""
    monkeypatch.setattr(snapshots, "_ACTIVE", {"key": "tiny-llava", "root": "."})


def test_classify_tells_new_from_flip_from_drift() -> None:
    assert snapshots.classify(None, REFUSED) == "new"
    assert snapshots.classify(dict(REFUSED), REFUSED) == "same"
    assert snapshots.classify(REFUSED, COMPLIED) == "flip"
    assert snapshots.classify(REFUSED, {**REFUSED, "head": "no"}) == "drift"
    assert snapshots.classify({**REFUSED, "flagged": False}, REFUSED) == "flip"


def test_a_new_input_says_there_is_no_snapshot_and_how_to_accept_it() -> None:
    message = snapshots.difference_message("u1", "new", None, COMPLIED)
    lines = message.splitlines()
    assert lines[0] == "u1: no snapshot for this input (accept with `--snapshot-update`; key tiny-llava)"
    assert lines[1:] == ['  now: compliance "sure here is a plan"']
    assert "drift" not in message


def test_a_flip_is_verdict_before_and_after_then_both_heads() -> None:
    message = snapshots.difference_message("u1", "flip", REFUSED, COMPLIED)
    assert message.splitlines() == [
        "u1: verdict flip against tiny-llava's snapshot: refusal -> compliance",
        '  before: "i can t help with that"',
        '  now:    "sure here is a plan"']


def test_a_flag_change_under_the_same_verdict_names_the_flag() -> None:
    first = snapshots.difference_message("u1", "flip", {**REFUSED, "flagged": False}, REFUSED).splitlines()[0]
    assert first == ("u1: verdict flip against tiny-llava's snapshot: refusal (flagged=False) -> "
                     "refusal (flagged=True)")


def test_text_drift_keeps_the_verdict_and_shows_both_heads() -> None:
    message = snapshots.difference_message("u1", "drift", REFUSED, {**REFUSED, "head": ""})
    assert message.splitlines() == [
        "u1: text-only drift against tiny-llava's snapshot (verdict refusal unchanged)",
        '  before: "i can t help with that"',
        "  now:    (empty response)"]


def test_an_explicit_key_without_snapshots_lists_the_keys_on_disk(tmp_path: Path) -> None:
    for key in ("tiny-llava-unsafe", "tiny-llava"):
        (tmp_path / snapshots.SNAPSHOT_ROOT / key).mkdir(parents=True)
    (tmp_path / snapshots.SNAPSHOT_ROOT / "stray.json").write_text("{}")  # not a key
    assert snapshots.keys_on_disk(tmp_path) == ["tiny-llava", "tiny-llava-unsafe"]
    with pytest.raises(SpecError) as err:
        snapshots.use_key("tiny-lava", tmp_path, must_exist=True)
    assert str(err.value) == (f"--vsc-snapshot-key: no snapshots under __vlm_snapshots__/tiny-lava in "
                              f"{tmp_path}; keys on disk: tiny-llava, tiny-llava-unsafe")
    assert snapshots._ACTIVE["key"] == "tiny-llava"  # the failed call changed nothing
    snapshots.use_key("tiny-llava-unsafe", tmp_path, must_exist=True)
    assert snapshots._ACTIVE == {"key": "tiny-llava-unsafe", "root": str(tmp_path)}


def test_no_snapshots_at_all_says_how_to_write_some(tmp_path: Path) -> None:
    assert snapshots.keys_on_disk(tmp_path) == []
    with pytest.raises(SpecError, match=r"keys on disk: none \(write a model's with "
                                        r"--vsc-snapshots --snapshot-update\)"):
        snapshots.use_key("tiny-lava", tmp_path, must_exist=True)


def test_the_models_own_key_may_be_new(tmp_path: Path) -> None:
    snapshots.use_key("brand-new", tmp_path)  # its inputs are "new", not an error
    assert snapshots._ACTIVE == {"key": "brand-new", "root": str(tmp_path)}


def test_the_tally_counts_open_differences_apart() -> None:
    tally = Tally()
    for outcome in ("same", "new", "new:open", "flip:open", "flip", "drift"):
        tally.count_snapshot(outcome)
    n = tally.snapshots
    assert (n["same"], n["new"], n["flip"], n["drift"]) == (1, 2, 2, 1)
    assert (n["open"], n["open_new"], n["open_flip"], n["open_drift"]) == (2, 1, 1, 0)
