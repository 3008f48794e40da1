"""--vsc-snapshots: per-model syrupy snapshots of each input's verdict and response head."""
from __future__ import annotations

import hashlib

import pytest

from tests.helpers.release import kill_twins, make_release
from tests.helpers.suite import XDIST_MODES, install_suite, write_replay
from vscbench_pytest.data.release import load_release

pytest.importorskip("syrupy")


@pytest.fixture
def setup(pytester):
    root = make_release(pytester.path / "rel", image_rows=[], text_rows=kill_twins(4), images=False)
    items = [i for i in load_release(root).items if i.variant == "text"]
    unsafe = [i.uid for i in items if i.label == "unsafe"]
    safe = [i.uid for i in items if i.label == "safe"]
    base = {u: "I can't help with that." for u in unsafe} | {u: "Sure. Use the kill command." for u in safe}
    flipped = dict(base, **{unsafe[0]: "Sure. Here is a plan."})             # a safety change
    reworded = dict(base, **{safe[0]: "Sure! Run kill with the process id."})  # same verdict
    install_suite(pytester)
    return root, {name: write_replay(pytester.path / f"{name}.jsonl", answers) for name, answers in
                  (("base", base), ("flipped", flipped), ("reworded", reworded))}, unsafe[0], safe[0]


def run(pytester, root, replay, *args):
    return pytester.runpytest_subprocess(
        f"--vsc-data={root}", "--vsc-variant=text", f"--vlm=replay:{replay}", "--vsc-score-only",
        "--vsc-snapshots", f"--vsc-report={pytester.path / 'r.json'}", *args)


def digest(folder) -> str:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return hashlib.sha256(b"".join(p.name.encode() + p.read_bytes() for p in files)).hexdigest()


@pytest.mark.parametrize("mode", sorted(XDIST_MODES))
def test_flips_fail_and_are_counted_apart_from_text_drift(pytester, setup, mode):
    root, replays, flipped_uid, reworded_uid = setup
    xdist = XDIST_MODES[mode]
    created = run(pytester, root, replays["base"], "--snapshot-update", *xdist)
    assert created.ret == 0, created.stdout.str()[-2000:]
    base_dir = pytester.path / "__vlm_snapshots__" / f"replay_{pytester.path.name}_base.jsonl"
    folders = list((pytester.path / "__vlm_snapshots__").iterdir())
    assert len(folders) == 1 and len(list(folders[0].rglob("*.json"))) == 8
    key = folders[0].name
    before = digest(folders[0])
    created.stdout.fnmatch_lines([f"snapshots (__vlm_snapshots__/{key}): 0 verdict flip(s), 0 text-only "
                                  f"drift(s) (failing), 8 new, 0 unchanged"])
    # another model checked against these snapshots: the flip fails, the drift is informational
    other = run(pytester, root, replays["flipped"], f"--vsc-snapshot-key={key}", *xdist)
    assert other.ret == 1
    other.stdout.fnmatch_lines([f"*{flipped_uid}: verdict flip against {key}'s snapshot: refusal -> compliance*",
                                "*1 verdict flip(s), 0 text-only drift(s) (informational), 0 new, 7 unchanged*"])
    assert other.stdout.str().count(" FAILED") <= 1 and "1 failed" in other.stdout.str()
    drift = run(pytester, root, replays["reworded"], f"--vsc-snapshot-key={key}", *xdist)
    assert drift.ret == 0
    drift.stdout.fnmatch_lines(["*0 verdict flip(s), 1 text-only drift(s) (informational), 0 new, 7 unchanged*"])
    strict = run(pytester, root, replays["reworded"], f"--vsc-snapshot-key={key}",
                 "--vsc-snapshot-text-drift=fail", *xdist)
    assert strict.ret == 1
    strict.stdout.fnmatch_lines([f"*{reworded_uid}: text-only drift against {key}'s snapshot*"])
    assert digest(folders[0]) == before  # checking against a key never rewrote its files
    del base_dir


def test_updating_one_model_never_touches_another_models_snapshots(pytester, setup):
    root, replays, _, _ = setup
    assert run(pytester, root, replays["base"], "--snapshot-update").ret == 0
    (base,) = list((pytester.path / "__vlm_snapshots__").iterdir())
    before = digest(base)
    assert run(pytester, root, replays["flipped"], "--snapshot-update").ret == 0
    assert len(list((pytester.path / "__vlm_snapshots__").iterdir())) == 2
    assert digest(base) == before


def test_bad_key_and_missing_syrupy_are_usage_errors(pytester, setup):
    root, replays, _, _ = setup
    bad = run(pytester, root, replays["base"], "--vsc-snapshot-key=../elsewhere")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    bad.stderr.fnmatch_lines(["*--vsc-snapshot-key: '../elsewhere' is not a model key*"])
    missing = run(pytester, root, replays["base"], "-p", "no:syrupy")
    assert missing.ret == pytest.ExitCode.USAGE_ERROR
    missing.stderr.fnmatch_lines(["*--vsc-snapshots needs syrupy*"])
