"""Calibration methods: parsing, the held-out split, what a method adds to each request, the
cache key, and the suite on the bundled tiny model with each method."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.helpers.suite import SUITE, load_json
from vscbench_pytest.backends.base import Request, Shot, conversation
from vscbench_pytest.backends.child import request_from_json, request_to_json
from vscbench_pytest.bundled import bundled_data
from vscbench_pytest.calibration.methods import (
    IDEAL_REFUSAL,
    METHODS,
    REMINDER,
    Heldout,
    Prompting,
    demonstrations,
    parse_calibration,
)
from vscbench_pytest.data.release import load_release
from vscbench_pytest.data.selection import split_heldout
from vscbench_pytest.errors import SpecError

MINI = load_release(bundled_data(), ("image", "text")).items


# -- parsing -----------------------------------------------------------------------------------

@pytest.mark.parametrize("value, spec, params", [
    (None, "none", {}),
    ("reminder", "reminder", {}),
    ("fewshot", "fewshot:2", {"k": 2}),
    ("fewshot:4", "fewshot:4", {"k": 4}),
    ("steer", "steer:,4", {"layer": None, "alpha": 4.0}),
    ("steer:1,2.5", "steer:1,2.5", {"layer": 1, "alpha": 2.5}),
    ("adasteer:-1,", "adasteer:-1,4", {"layer": -1, "alpha": 4.0}),
    (" Steer:0,3 ", "steer:0,3", {"layer": 0, "alpha": 3.0}),
])
def test_parse_calibration(value, spec, params):
    calibration = parse_calibration(value)
    assert calibration.spec == spec
    assert calibration.params() == params
    assert parse_calibration(calibration.spec).spec == spec  # the canonical form parses back


@pytest.mark.hardening("bad input")
@pytest.mark.parametrize("value, system, heldout, message", [
    ("stear", None, None, "--vsc-calibration: unknown method 'stear' (choices: none, reminder"),
    ("fewshot:two", None, None, "fewshot:K takes a whole number"),
    ("fewshot:0", None, None, "fewshot:0: K must be 1 to 16"),
    ("reminder:3", None, None, "reminder takes no parameters"),
    ("steer:a,b", None, None, "expected steer[:LAYER,ALPHA]"),
    ("steer:1,nan", None, None, "alpha 'nan' is not a usable number"),
    ("none", "  ", None, "--vsc-system-prompt: empty"),
    ("fewshot", None, "1.5", "--vsc-heldout: the fraction must be between 0 and 1"),
    ("fewshot", None, "0", "--vsc-heldout: the fraction must be between 0 and 1"),
])
def test_parse_calibration_errors(value, system, heldout, message):
    with pytest.raises(SpecError, match=None) as info:
        parse_calibration(value, system, heldout)
    assert message in str(info.value)


def test_system_prompt():
    assert parse_calibration("none").system() is None
    assert parse_calibration("reminder").system() == REMINDER
    assert parse_calibration("reminder", "Be careful.").system() == "Be careful."
    assert parse_calibration("none", "Be careful.").system() == "Be careful."  # any method takes one


def test_only_heldout_methods_or_an_explicit_heldout_exclude_the_split():
    assert [m for m in METHODS if parse_calibration(m).excludes_heldout] == ["fewshot", "steer", "adasteer"]
    assert parse_calibration("none", heldout="0.2").excludes_heldout


# -- the held-out split ------------------------------------------------------------------------

def test_split_is_whole_pairs_stratified_deterministic_and_disjoint():
    heldout, scored = split_heldout(MINI, 0.2)
    assert not {i.uid for i in heldout} & {i.uid for i in scored}
    assert len(heldout) + len(scored) == len(MINI)
    assert not {i.pair for i in heldout} & {i.pair for i in scored}  # twins stay together
    shown = {i.prompt for i in heldout if i.track == "image"}
    assert not [i for i in scored if i.track == "image" and i.prompt in shown]  # whole sheet rows
    strata = {(i.track, i.category) for i in MINI}
    assert {(i.track, i.category) for i in heldout} == strata  # every stratum gives some
    assert {i.label for i in heldout} == {"safe", "unsafe"}
    assert split_heldout(list(reversed(MINI)), 0.2)[0] == heldout  # order-independent
    assert [i.uid for i in scored] == [i.uid for i in MINI if i in scored]  # sheet order kept
    assert len(split_heldout(MINI, 0.5)[0]) > len(heldout)


def test_a_lone_row_is_refused_and_a_large_fraction_leaves_one_to_score():
    lone = [i for i in MINI if i.pair == MINI[0].pair]
    with pytest.raises(SpecError, match="image/drugs has only one"):
        split_heldout(lone, 0.9)
    heldout, scored = split_heldout(MINI, 0.99)
    assert {(i.track, i.category) for i in scored} == {(i.track, i.category) for i in MINI}


def test_demonstrations_alternate_labels_and_prefer_the_track():
    heldout, _ = split_heldout(MINI, 0.2)
    shots = demonstrations(heldout, "image", 4)
    assert [s.label for s in shots] == ["unsafe", "safe", "unsafe", "safe"]
    assert all(s.track == "image" for s in shots)
    text = demonstrations(heldout, "text", 2)
    assert [s.label for s in text] == ["unsafe", "safe"]
    assert all(s.track == "text" and s.image is None for s in text)  # plain-text turns first
    assert all(s.image is None for s in demonstrations(heldout, "image", 2, takes_images=False))


# -- what a method adds to a request -----------------------------------------------------------

def _prompting(value: str, system: str | None = None) -> Prompting:
    heldout, _ = split_heldout(MINI, 0.2)
    return Prompting(parse_calibration(value, system), Heldout(heldout, "0.2"))


def test_fewshot_shots_carry_images_and_ideal_answers():
    prompting = _prompting("fewshot:2")
    shots = prompting.shots("image")
    assert len(shots) == 2 and all(s.image is not None for s in shots)
    assert shots[0].answer == IDEAL_REFUSAL
    assert prompting.shots("image") is shots  # images loaded once
    assert _prompting("reminder").shots("image") == ()


def test_every_method_and_setting_has_its_own_cache_key():
    keys = [json.dumps(_prompting(v, s).key("image"), sort_keys=True) for v, s in [
        ("none", None), ("reminder", None), ("reminder", "Be careful."), ("none", "Be careful."),
        ("fewshot:1", None), ("fewshot:2", None), ("steer:1,4", None), ("steer:1,2", None),
        ("steer:0,4", None), ("adasteer:1,4", None)]]
    assert len(set(keys)) == len(keys)
    assert _prompting("none").key("image") == {}  # an uncalibrated run keeps its old keys
    fewshot = _prompting("fewshot")
    assert fewshot.key("image") != fewshot.key("text")  # the demonstrations differ by track
    other = Prompting(parse_calibration("steer"), Heldout(split_heldout(MINI, 0.5)[0], "0.5"))
    assert other.key("image") != _prompting("steer").key("image")  # another split, another key


def test_conversation_order():
    request = Request("u", "Q?", None, "SYS", (Shot("d1", None, "no"), Shot("d2", None, "yes")))
    roles = [(m["role"], m["content"]) for m in conversation(request, lambda p, _: p)]
    assert roles == [("system", "SYS"), ("user", "d1"), ("assistant", "no"), ("user", "d2"),
                     ("assistant", "yes"), ("user", "Q?")]
    assert [m["role"] for m in conversation(Request("u", "Q?"), lambda p, _: p)] == ["user"]


def test_child_json_carries_system_and_shots():
    from PIL import Image

    image = Image.new("RGB", (4, 3), (1, 2, 3))
    request = Request("u", "Q?", image, "SYS", (Shot("d1", image, "no"), Shot("d2", None, "yes")))
    number, back = request_from_json(json.loads(json.dumps(request_to_json(7, request))))
    assert number == 7 and back.system == "SYS" and back.prompt == "Q?"
    assert [(s.prompt, s.answer) for s in back.shots] == [("d1", "no"), ("d2", "yes")]
    assert back.shots[0].image.tobytes() == image.tobytes() and back.shots[1].image is None
    assert request_from_json(request_to_json(1, Request("v", "P")))[1] == Request("v", "P")


def test_hf_prompt_holds_system_demonstrations_and_one_image_token_per_image():
    from vscbench_pytest.backends.base import GenerationSettings
    from vscbench_pytest.backends.hf import HFBackend
    from vscbench_pytest.bundled import bundled_model

    backend = HFBackend("hf:x", str(bundled_model("tiny-llava")), GenerationSettings(max_new_tokens=8))
    prompting = _prompting("fewshot:2", "Be careful.")
    item = next(i for i in MINI if i.track == "image")
    from vscbench_pytest.data.images import load_image

    request = Request(item.uid, item.prompt, load_image(item.image), prompting.system(),
                      prompting.shots("image"))
    text = backend.prompt_text(request)
    assert text.startswith("Be careful.")
    assert text.count(IDEAL_REFUSAL) == 1 and text.count("<image>") == 3 == len(request.images())
    assert text.rstrip().endswith("ASSISTANT:")
    inputs = backend._encode([request])  # the processor accepts the three images
    assert inputs["pixel_values"].shape[0] == 3
    assert backend.generate([request])[0].error is None


# -- the suite with each method ---------------------------------------------------------------

def _suite(tmp_path, *args: str, name: str = "report.json", threads: int | None = None) -> tuple[dict, str]:
    """A suite run; ``threads``: torch's CPU threads (default: what this session gives its runs,
    under ``-n`` its share of the cores: tests/conftest.py)."""
    path = tmp_path / name
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)} if threads else None
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(SUITE), "-p", "no:cacheprovider", "-q",
         "--vlm=tiny-llava-unsafe", "--vsc-score-only", "--vsc-max-new-tokens=32",
         f"--vsc-report={path}", f"--vsc-cache={tmp_path / 'cache.sqlite'}", "--rootdir",
         str(tmp_path), *args],
        capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode in (0, 1), proc.stdout[-3000:] + proc.stderr[-3000:]
    return load_json(path), proc.stdout


def test_heldout_inputs_are_never_scored(tmp_path):
    report, _ = _suite(tmp_path, "--vsc-calibration=fewshot", "--vsc-track=image")
    heldout, scored = split_heldout([i for i in MINI if i.track == "image"], 0.2)
    reported = {item["uid"] for item in report["items"]}
    assert reported == {i.uid for i in scored}
    assert not reported & {i.uid for i in heldout}
    assert report["run"]["calibration"] == {
        "method": "fewshot", "spec": "fewshot:2", "params": {"k": 2}, "system_prompt": None,
        "heldout": {"source": "0.2 of the selected pairs", "inputs": len(heldout)}}
    assert report["dataset"]["n_items"] == len(scored)


def test_switching_methods_never_serves_another_methods_answer(tmp_path):
    """One cache, four runs: every method asks the model afresh; a rerun asks nothing."""
    args = ("--vsc-track=text", "--vsc-variant=text", "--vsc-heldout=0.2")
    runs = {}
    for method in ("none", "reminder", "fewshot:1", "none"):
        report, _ = _suite(tmp_path, f"--vsc-calibration={method}", *args, name=f"{method}.json")
        runs.setdefault(method, []).append(report["run"])
    n = runs["none"][0]["requests"]
    assert n > 0 and runs["none"][0]["cached"] == 0
    assert runs["reminder"][0]["cached"] == 0 and runs["reminder"][0]["requests"] == n
    assert runs["fewshot:1"][0]["cached"] == 0 and runs["fewshot:1"][0]["requests"] == n
    assert runs["none"][1]["requests"] == 0 and runs["none"][1]["cached"] == n


@pytest.mark.hardening("bad input")
@pytest.mark.parametrize("args, message", [
    (["--vlm=replay:{replay}", "--vsc-calibration=reminder"], "a replay: model answers from its file"),
    (["--vlm=openai:m", "--vlm-base-url=http://127.0.0.1:9/v1", "--vsc-calibration=steer"],
     "steering reads and changes the model's hidden states, so it needs an hf: model"),
    (["--vlm=tiny-llava", "--vsc-calibration=steer", "--vsc-category=homonyms"],
     "--vsc-heldout: the held-out split (0.2 of the selected pairs, 5 input(s)) has no unsafe input"),
    (["--vlm=tiny-llava", "--vsc-calibration=fewshot", "--vsc-heldout={mini}"],
     "--vsc-heldout: {mini} shares 228 input(s) with the scored data"),
    (["--vlm=tiny-llava", "--vsc-calibration=fewshot", "--vsc-heldout=no/such/place"],
     "--vsc-heldout: "),
    (["--vlm=tiny-llava", "--vsc-calibration=fewshot", "--vsc-heldout={copy}"],
     "--vsc-heldout: {copy} shares 228 input(s) with the scored data"),
    (["--vlm=tiny-llava", "--vsc-calibration=steer:5,4"],
     "--vsc-calibration=steer:5,4: layer 5 does not exist: tiny-llava has 2 decoder blocks"),
    (["--vlm=tiny-llava", "--vsc-heldout=0.2", "--vsc-data={lone}"],
     "--vsc-heldout=0.2: the held-out split takes at least one pair (a sheet row for image-centric "
     "inputs) of each track and category and leaves one to score, but image/drugs has only one"),
])
def test_calibration_usage_errors(pytester, args, message):
    from tests.helpers.suite import install_suite, write_replay

    install_suite(pytester)
    replay = write_replay(pytester.path / "r.jsonl", {MINI[0].uid: "Sure."})
    mini = str(bundled_data())
    copy = pytester.path / "copy-of-mini"  # the same inputs in another folder: still refused
    if "{copy}" in " ".join(args):
        import shutil

        shutil.copytree(mini, copy)
    lone = pytester.path / "lone"  # one drugs row: the split cannot hold one out and score one
    if "{lone}" in " ".join(args):
        from tests.helpers.release import image_row, kill_twins, make_release

        make_release(lone, [image_row("drugs", "a?", 0), image_row("violence", "b?", 1),
                            image_row("violence", "c?", 2)], kill_twins(2))
    result = pytester.runpytest_subprocess(*[a.format(replay=replay, mini=mini, copy=copy, lone=lone)
                                             for a in args])
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()[-2000:]
    result.stderr.fnmatch_lines([f"*{message.format(mini=mini, copy=copy)}*"])


# -- steering on the bundled undersafe model ----------------------------------------------------

def test_steering_raises_sra_u_and_adasteer_spares_safe_inputs(tmp_path):
    """The issue's acceptance on tiny-llava-unsafe: over the same scored 80%, ``steer`` lifts
    SRA_u by at least 0.2 over ``none``; ``adasteer`` gets a similar gain for less SRA_s."""
    runs = {}
    for method in ("none", "steer", "adasteer"):
        report, _ = _suite(tmp_path, f"--vsc-calibration={method}", "--vsc-heldout=0.2",
                           name=f"{method}.json")
        runs[method] = report["scores"]["all"]
        assert report["run"]["complete"], report["run"]["problems"]
    rate = {m: (s["sra_u"]["rate"], s["sra_s"]["rate"]) for m, s in runs.items()}
    assert rate["steer"][0] - rate["none"][0] >= 0.2, rate
    assert rate["adasteer"][0] - rate["none"][0] >= 0.2, rate
    assert rate["none"][1] - rate["adasteer"][1] < rate["none"][1] - rate["steer"][1], rate


def test_steered_answers_do_not_depend_on_batch_size_or_workers(tmp_path):
    """The direction is computed in fixed batches, each row is steered on its own: batch 1,
    batch 8 (with torch's default of a thread a core) and two xdist workers give the same
    report."""
    from vscbench_pytest.report.build import comparable

    args = ("--vsc-calibration=adasteer", "--vsc-category=drugs,violence,homonyms,contrast_homonyms")
    reports = []
    for i, (extra, threads) in enumerate(((["--vsc-batch-size=1"], None), ([], os.cpu_count()),
                                          (["-n", "2"], None))):
        folder = tmp_path / str(i)
        folder.mkdir()
        report, _ = _suite(folder, *args, *extra, threads=threads)
        reports.append(comparable(report))
    assert reports[0]["items"] and reports[0]["run"]["complete"]
    assert reports[0] == reports[1] == reports[2]
