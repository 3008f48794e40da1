"""The bundled judge-eval sets: well-formed, labelled within the rubric, and regenerate byte for byte."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.helpers.paths import FIXTURES
from vscbench_pytest.bundled import JUDGE_EVAL_SETS, judge_eval_set

DATA = judge_eval_set("project")
SCRIPT = FIXTURES / "judge-eval" / "make_labelled.py"
BLIND_CASES = {"plain", "risk_word_compliant", "compliant_unsafe", "stock_refusal", "decision_refusal",
               "fact_warning", "explicit_warning", "corrective_no", "reported_refusal", "long",
               "image_irrelevant", "empty"}

KEYS = {"id", "prompt", "image", "response", "label", "case"}
LABEL_MIN = {"refusal": 80, "warning": 70, "compliance": 90, "irrelevant": 45, "error": 6}
CASE_MIN = {"plain": 12, "sympathy": 12, "quoted_refusal": 12, "risk_word_compliant": 12,
            "novel_refusal": 12, "late_hedge": 12, "long": 12, "injection": 12,
            "image_irrelevant": 12, "empty": 6}
STOCK_REFUSALS = ("i can't", "i cannot", "i can not", "sorry", "apologi", "as an ai", "unable",
                  "not able", "i'm afraid", "i must decline")
JUDGE_BAIT = ("class:", "0_safe", "verdict", "label", "classification", "<|", "end of response",
              "[system]", "grader", "assistant (final)", "system override", "judge", "evaluator")


def read(name: str) -> list[dict]:
    """A bundled set's committed records, in file order (the header line left out)."""
    return [json.loads(line) for line in judge_eval_set(name).read_text(encoding="utf-8").splitlines()[1:]]


@pytest.fixture(scope="module")
def records() -> list[dict]:
    """The project set's records."""
    return read("project")


def test_regenerates_byte_identical(tmp_path: Path):
    """Running the generator with --out reproduces the committed file exactly."""
    out = tmp_path / "labelled.jsonl"
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], check=True,
                   capture_output=True, timeout=60)
    assert out.read_bytes() == DATA.read_bytes()


@pytest.mark.parametrize("name", sorted(JUDGE_EVAL_SETS))
def test_lines_are_canonical_json(name: str):
    """A header line, then one sorted-key, non-ASCII-escaped JSON object per line, with exactly
    the record keys (a blind record also names its part, and its split where its part is wholly
    on one side)."""
    lines = judge_eval_set(name).read_bytes().decode("utf-8").split("\n")
    assert lines[-1] == "" and all(lines[:-1])
    assert set(json.loads(lines[0])) == {"header"}
    for line, rec in zip(lines[1:], read(name)):
        assert set(rec) - {"part", "split"} == KEYS and ("part" in rec) == (name == "blind")
        assert line == json.dumps(rec, ensure_ascii=False, sort_keys=True)
        assert isinstance(rec["image"], bool)
        assert isinstance(rec["prompt"], str) and rec["prompt"].strip()
        assert isinstance(rec["response"], str)


def test_ids_unique_and_sequential(records: list[dict]):
    """Ids run judge-0001, judge-0002, ... without gaps or repeats."""
    assert [r["id"] for r in records] == [f"judge-{i:04d}" for i in range(1, len(records) + 1)]


def test_labels_cases_and_minimum_counts(records: list[dict]):
    """Every label and case is known, and each meets its minimum count."""
    assert len(records) >= 320
    labels = Counter(r["label"] for r in records)
    cases = Counter(r["case"] for r in records)
    assert set(labels) <= set(LABEL_MIN) and set(cases) <= set(CASE_MIN)
    assert all(labels[k] >= n for k, n in LABEL_MIN.items()), labels
    assert all(cases[k] >= n for k, n in CASE_MIN.items()), cases


def test_no_duplicate_responses(records: list[dict]):
    """No response of the project set repeats, even ignoring case and whitespace (empty ones
    excepted). The blind set may repeat one to several prompts, as real models repeat a stock
    refusal; its ids (a hash of prompt and response) keep pairs unique."""
    raw = [r["response"] for r in records if r["label"] != "error"]
    assert len(raw) == len(set(raw))
    norm = [re.sub(r"\s+", " ", r["response"]).strip().lower() for r in records if r["label"] != "error"]
    assert len(norm) == len(set(norm))


@pytest.mark.parametrize("name", sorted(JUDGE_EVAL_SETS))
def test_error_means_whitespace_only(name: str):
    """error is exactly the empty/whitespace responses, and only the empty case has them."""
    for r in read(name):
        blank = r["response"].strip(" \t\r\n") == ""
        assert blank == (r["label"] == "error") == (r["case"] == "empty"), r["id"]


def test_case_invariants(records: list[dict]):
    """Each hard-case tag holds what its name promises."""
    for r in records:
        text, low = r["response"], r["response"].lower()
        if r["case"] == "long":
            assert len(text) > 1500, r["id"]
        elif r["case"] == "image_irrelevant":
            assert r["label"] == "irrelevant" and r["image"], r["id"]
        elif r["case"] == "risk_word_compliant":
            assert r["label"] == "compliance", r["id"]
        elif r["case"] == "novel_refusal":
            assert r["label"] == "refusal", r["id"]
            assert not any(p in low for p in STOCK_REFUSALS), r["id"]
        elif r["case"] == "sympathy":
            assert "sorry" in low and r["label"] in {"compliance", "warning", "refusal"}, r["id"]
        elif r["case"] == "injection":
            assert any(b in low for b in JUDGE_BAIT), r["id"]
    long_labels = {r["label"] for r in records if r["case"] == "long"}
    assert {"compliance", "warning", "refusal"} <= long_labels
    assert {r["image"] for r in records} == {True, False}


def test_the_blind_set_covers_every_class_and_family_in_both_splits():
    """At least 400 responses; each split holds every class and at least 20 of each hard family."""
    from vscbench_pytest.judges.evaluation import split_of

    records = read("blind")
    assert len(records) >= 400 and {r["case"] for r in records} == BLIND_CASES
    for split in ("dev", "test"):
        part = [r for r in records if r.get("split", split_of(r["id"])) == split]
        assert {r["label"] for r in part} == {"refusal", "warning", "compliance", "irrelevant", "error"}
        cases = Counter(r["case"] for r in part)
        assert all(cases[family] >= 20 for family in ("decision_refusal", "fact_warning",
                                                      "corrective_no", "reported_refusal")), cases
    for r in records:
        low = r["response"].lower()
        if r["case"] == "corrective_no":
            opens_with_no = re.match(r"no\b", low) is not None  # not in the assert: no text in the log
            assert opens_with_no, r["id"]
        elif r["case"] == "decision_refusal":
            assert r["label"] == "refusal", r["id"]
        elif r["case"] in ("fact_warning", "explicit_warning"):
            assert r["label"] == "warning", r["id"]
        elif r["case"] == "image_irrelevant":
            assert r["label"] == "irrelevant" and r["image"], r["id"]
        elif r["case"] in ("plain", "risk_word_compliant", "compliant_unsafe"):
            assert r["label"] == "compliance", r["id"]


def test_the_second_annotation_labels_exactly_the_blind_test_split_and_agrees_on_flagged():
    """fixtures/judge-eval/second_annotation: one verdict for every blind test record, no other
    id, and the same flagged-or-not as the writers' label wherever neither is an error (what
    docs/judges.md quotes); a relabelled or added test record shows here first."""
    from vscbench_pytest.judges.evaluation import read_labelled
    from vscbench_pytest.records.verdicts import VERDICTS, is_flagged

    second = json.loads((FIXTURES / "judge-eval" / "second_annotation" / "test_labels.json")
                        .read_text(encoding="utf-8"))
    test = {r.id: r.label for r in read_labelled(judge_eval_set("blind")).split("test")}
    assert set(second) == set(test)
    assert set(second.values()) <= set(VERDICTS)
    differ = [i for i, label in test.items() if "error" not in (label, second[i])
              and is_flagged(label) != is_flagged(second[i])]
    assert differ == []
