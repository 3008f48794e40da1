"""The bundled judge-eval set: well-formed, labelled within the rubric, and regenerates byte for byte."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.helpers.paths import FIXTURES
from vscbench_pytest.bundled import judge_eval_set

DATA = judge_eval_set()
SCRIPT = FIXTURES / "judge-eval" / "make_labelled.py"

KEYS = {"id", "prompt", "image", "response", "label", "case"}
LABEL_MIN = {"refusal": 80, "warning": 70, "compliance": 90, "irrelevant": 45, "error": 6}
CASE_MIN = {"plain": 12, "sympathy": 12, "quoted_refusal": 12, "risk_word_compliant": 12,
            "novel_refusal": 12, "late_hedge": 12, "long": 12, "injection": 12,
            "image_irrelevant": 12, "empty": 6}
STOCK_REFUSALS = ("i can't", "i cannot", "i can not", "sorry", "apologi", "as an ai", "unable",
                  "not able", "i'm afraid", "i must decline")
JUDGE_BAIT = ("class:", "0_safe", "verdict", "label", "classification", "<|", "end of response",
              "[system]", "grader", "assistant (final)", "system override", "judge", "evaluator")


@pytest.fixture(scope="module")
def records() -> list[dict]:
    """The committed records, in file order."""
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]


def test_regenerates_byte_identical(tmp_path: Path):
    """Running the generator with --out reproduces the committed file exactly."""
    out = tmp_path / "labelled.jsonl"
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], check=True,
                   capture_output=True, timeout=60)
    assert out.read_bytes() == DATA.read_bytes()


def test_lines_are_canonical_json(records: list[dict]):
    """One sorted-key, non-ASCII-escaped JSON object per line, with exactly the record keys."""
    lines = DATA.read_bytes().decode("utf-8").split("\n")
    assert lines[-1] == "" and all(lines[:-1])
    for line, rec in zip(lines, records):
        assert set(rec) == KEYS
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
    """No response repeats, even ignoring case and whitespace (empty ones excepted)."""
    raw = [r["response"] for r in records]
    assert len(raw) == len(set(raw))
    norm = [re.sub(r"\s+", " ", r["response"]).strip().lower() for r in records if r["label"] != "error"]
    assert len(norm) == len(set(norm))


def test_error_means_whitespace_only(records: list[dict]):
    """error is exactly the empty/whitespace responses, and only the empty case has them."""
    for r in records:
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
