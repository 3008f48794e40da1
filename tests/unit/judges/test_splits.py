"""Labelled sets' dev/test splits: fixed by the id alone, so adding records never moves others."""
from __future__ import annotations

import json
import runpy
import shutil
import subprocess
import sys

import pytest

from tests.helpers.paths import FIXTURES
from vscbench_pytest.bundled import JUDGE_EVAL_SETS, judge_eval_set
from vscbench_pytest.errors import VscError
from vscbench_pytest.judges.evaluation import read_labelled, split_of

PARTS = FIXTURES / "judge-eval" / "vlm_responses"
MAKE_BLIND = FIXTURES / "judge-eval" / "make_blind.py"


def record(rid: str, **extra) -> dict:
    return {"id": rid, "prompt": "q", "image": False, "response": "Sure.", "label": "compliance",
            "case": "plain", **extra}


def test_the_split_of_an_id_is_fixed_and_about_half_are_test():
    ids = [f"r{i}" for i in range(2000)]
    splits = [split_of(i) for i in ids]
    assert splits == [split_of(i) for i in ids] and set(splits) == {"dev", "test"}
    assert 0.45 < splits.count("test") / len(ids) < 0.55
    assert split_of("judge-0001") == split_of("judge-0001")


@pytest.mark.parametrize("name", sorted(JUDGE_EVAL_SETS))
def test_adding_dev_records_leaves_each_bundled_test_split_unchanged(name, tmp_path):
    path = judge_eval_set(name)
    before = read_labelled(path)
    assert before.about and len(before.split("test")) >= 150 and len(before.split("dev")) >= 150
    grown = tmp_path / "grown.jsonl"
    extra = [record(f"new-dev-{i}", split="dev") for i in range(50)]
    extra += [record(f"new-{i}") for i in range(50)]  # no split given: the id decides
    grown.write_text(path.read_text(encoding="utf-8")
                     + "".join(json.dumps(r) + "\n" for r in extra), encoding="utf-8")
    after = read_labelled(grown)
    old = {r.id for r in before.records}
    assert [r for r in after.split("test") if r.id in old] == before.split("test")
    assert {r.id for r in after.split("dev")} >= {f"new-dev-{i}" for i in range(50)}


def test_only_the_project_set_leaves_every_split_to_the_id():
    """Nobody can move a bundled record into dev by hand: the id alone decides."""
    lines = judge_eval_set("project").read_text(encoding="utf-8").splitlines()
    assert "header" in json.loads(lines[0])
    assert not any("split" in json.loads(line) for line in lines[1:])


def test_a_blind_record_names_a_split_only_when_its_whole_part_is_on_one_side():
    """Parts split by writer are wholly test or wholly dev (make_blind's WHOLE_PART_SPLITS);
    every other record is split by its id, and every record names its part."""
    whole = runpy.run_path(str(MAKE_BLIND))["WHOLE_PART_SPLITS"]
    assert set(whole.values()) == {"dev", "test"}
    lines = judge_eval_set("blind").read_text(encoding="utf-8").splitlines()
    assert "header" in json.loads(lines[0])
    for line in lines[1:]:
        row = json.loads(line)
        assert isinstance(row["part"], int)
        assert row.get("split") == whole.get(row["part"]), row["id"]
    labelled = read_labelled(judge_eval_set("blind"))
    for part, side in whole.items():
        assert {r.split for r in labelled.records if r.part == part} == {side}


def test_regenerating_the_blind_set_with_a_new_part_keeps_every_record_and_its_split(tmp_path):
    parts = tmp_path / "parts"
    shutil.copytree(PARTS, parts)
    (parts / "part_99.py").write_text(
        "RECORDS = [dict(case='plain', label='compliance', image=False, prompt='How do I boil an egg?',"
        " response='Simmer it for eight minutes, then cool it in cold water.')]\n", encoding="utf-8")
    out = tmp_path / "blind.jsonl"
    subprocess.run([sys.executable, str(MAKE_BLIND), "--parts", str(parts), "--out", str(out)],
                   check=True, capture_output=True, timeout=60)
    before, after = read_labelled(judge_eval_set("blind")), read_labelled(out)
    assert after.records[:len(before.records)] == before.records
    assert len(after.records) == len(before.records) + 1


def test_the_blind_set_regenerates_byte_identical(tmp_path):
    out = tmp_path / "blind.jsonl"
    subprocess.run([sys.executable, str(MAKE_BLIND), "--out", str(out)], check=True,
                   capture_output=True, timeout=60)
    assert out.read_bytes() == judge_eval_set("blind").read_bytes()


def test_an_explicit_split_is_kept(tmp_path):
    path = tmp_path / "set.jsonl"
    rid = next(f"r{i}" for i in range(100) if split_of(f"r{i}") == "test")
    path.write_text(json.dumps(record(rid, split="dev")) + "\n" + json.dumps(record("x")) + "\n")
    labelled = read_labelled(path)
    assert [r.split for r in labelled.records] == ["dev", split_of("x")] and labelled.about == ""


@pytest.mark.parametrize("lines, message", [
    ([record("a", split="train")], r'set.jsonl:1: split "train" is not one of dev, test'),
    ([record("a", split=None)], r"set.jsonl:1: split null is not one of dev, test"),
    ([record("a"), record("b"), record("a")], r"set.jsonl:3: id 'a' appears twice \(first on line 1\)"),
    ([{"header": "written by hand"}, record("a")],
     r'set.jsonl:1: a header is \{"header": \{"about": "<how the set was written>"\}\}'),
    ([{"header": {"about": "x"}}], r"set.jsonl: no labelled responses"),
    ([record("a"), {"header": {"about": "late"}}], r"set.jsonl:2: a header line must come first"),
])
def test_bad_headers_splits_and_ids_are_named(tmp_path, lines, message):
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    with pytest.raises(VscError, match=message):
        read_labelled(path)


def test_judge_eval_names_an_empty_split_and_refuses_set_with_data(tmp_path, capsys):
    from vscbench_pytest.cli.main import main

    path = tmp_path / "mine.jsonl"
    rid = next(f"r{i}" for i in range(100) if split_of(f"r{i}") == "test")
    path.write_text(json.dumps({"header": {"about": "written by me"}}) + "\n"
                    + json.dumps(record(rid, split="test")) + "\n")
    assert main(["judge-eval", "--judge", "keyword", "--data", str(path)]) == 0
    out = capsys.readouterr().out
    assert "about written by me" in out
    assert "== split dev ==\nno record in this split\n" in out and "== split test ==" in out
    assert main(["judge-eval", "--judge", "keyword", "--data", str(path), "--split", "dev"]) == 2
    assert "no record in split 'dev'" in capsys.readouterr().err
    assert main(["judge-eval", "--judge", "keyword", "--data", str(path), "--set", "project"]) == 2
    assert "--set and --data are alternatives" in capsys.readouterr().err
