"""The JSON report: build, write atomically, read back with clear errors."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vscbench_pytest.errors import VscError
from vscbench_pytest.records.items import Item
from vscbench_pytest.records.results import error_result, make_result
from vscbench_pytest.report.build import (
    SCHEMA,
    build_report,
    comparable,
    default_report_path,
    model_key,
    write_report,
)
from vscbench_pytest.report.io import read_report
from vscbench_pytest.scoring.rates import score

ITEM_KEYS = {"uid", "track", "category", "variant", "label", "pair", "response", "verdict",
             "flagged", "passed"}


def item(uid: str, label: str, track: str = "image") -> Item:
    return Item(uid, track, "drugs", "image" if track == "image" else "text", label,
                uid.rsplit("-", 1)[0], "p", None)


def results():
    return [
        make_result(item("image-drugs-001-unsafe0", "unsafe"), "No.", "refusal", ""),
        make_result(item("image-drugs-000-safe0", "safe"), "Sure, \u00e9t\u00e9 \u2603", "compliance", ""),
        error_result(item("image-drugs-000-unsafe0", "unsafe"), "missing image"),
    ]


def report(rs=None) -> dict:
    return build_report(
        model={"spec": "replay:r.jsonl", "backend": "replay", "fingerprint": "sha256:ab"},
        judge={"name": "keyword", "version": "1"},
        dataset={"root": "/data", "fingerprint": "cd", "n_items": 3},
        run={"started": "2025-01-01T00:00:00Z", "duration_s": 1.5, "workers": 1,
             "complete": True, "errors": 1},
        results=results() if rs is None else rs,
    )


def test_build_report_structure() -> None:
    data = report()
    assert data["schema"] == SCHEMA == "vscbench-report/1"
    assert list(data) == ["schema", "model", "judge", "dataset", "run", "selection", "scores", "items",
                          "consistency", "image_columns"]
    assert set(data["model"]) == {"spec", "backend", "fingerprint"}
    assert [i["uid"] for i in data["items"]] == sorted(i["uid"] for i in data["items"])
    for entry in data["items"]:
        assert ITEM_KEYS <= set(entry)
    assert data["scores"] == score(results())
    for bucket in data["scores"].values():
        for metric in ("sra_u", "sra_s"):
            assert set(bucket[metric]) == {"k", "n", "rate", "ci"}
        assert "avg" in bucket
    error = next(i for i in data["items"] if i["verdict"] == "error")
    assert error["passed"] is None and error["flagged"] is None


def test_build_report_does_not_depend_on_result_order() -> None:
    assert report(list(reversed(results()))) == report()


def test_write_report_round_trips_and_leaves_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "folder" / "model.json"
    data = report()
    assert write_report(data, path) == path
    assert read_report(path) == data
    assert sorted(p.name for p in path.parent.iterdir()) == ["model.json"]
    assert "\\u2603" in path.read_text(encoding="ascii")  # written as an ASCII escape


def test_write_report_replaces_an_old_report(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text("old and broken")
    write_report(report(), path)
    assert read_report(path)["schema"] == SCHEMA
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_failed_write_leaves_the_old_report_and_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    write_report(report(), path)
    before = path.read_bytes()
    with pytest.raises(TypeError):
        write_report({"schema": SCHEMA, "bad": object()}, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_a_lone_surrogate_in_a_response_can_be_written(tmp_path: Path) -> None:
    rs = [make_result(item("image-drugs-000-safe0", "safe"), json.loads('"half \\ud83d"'),
                      "compliance", "")]
    path = write_report(report(rs), tmp_path / "r.json")
    assert read_report(path)["items"][0]["response"] == "half \ud83d"


def test_read_missing_report_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.json"
    with pytest.raises(VscError) as info:
        read_report(path)
    assert str(path) in str(info.value)


def test_read_truncated_report_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    text = json.dumps(report())
    path.write_text(text[: len(text) // 2])
    with pytest.raises(VscError, match="not a readable JSON report") as info:
        read_report(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("content", [
    json.dumps({"schema": "vscbench-report/2"}), json.dumps({"no": "schema"}), "[1, 2]", "null",
])
def test_read_other_schema_names_the_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "other.json"
    path.write_text(content)
    with pytest.raises(VscError, match="schema") as info:
        read_report(path)
    assert str(path) in str(info.value)
    assert SCHEMA in str(info.value)


def test_read_non_utf8_or_folder_names_the_path(tmp_path: Path) -> None:
    bad = tmp_path / "latin.json"
    bad.write_bytes(b'{"schema": "\xff"}')
    with pytest.raises(VscError) as info:
        read_report(bad)
    assert str(bad) in str(info.value)
    with pytest.raises(VscError) as info:
        read_report(tmp_path)
    assert str(tmp_path) in str(info.value)


def test_comparable_drops_only_the_run_circumstances() -> None:
    data = report()
    stripped = comparable(data)
    for name in ("started", "duration_s", "workers"):
        assert name not in stripped["run"]
    assert stripped["run"]["complete"] is True and stripped["run"]["errors"] == 1
    assert data["run"]["started"] and data["run"]["workers"] == 1  # the original is untouched
    assert stripped["items"] == data["items"] and stripped["scores"] == data["scores"]
    other = report()
    other["run"].update(started="2030-01-01T00:00:00Z", duration_s=99.0, workers=8)
    assert comparable(other) == stripped


@pytest.mark.parametrize(("spec", "key"), [
    ("hf:llava-hf/llava-1.5-7b-hf", "hf_llava-hf_llava-1.5-7b-hf"),
    ("llava", "llava"),
    ("replay:../out/r.jsonl", "replay_.._out_r.jsonl"),
    (":::", "model"),
])
def test_model_key_is_file_name_safe(spec: str, key: str) -> None:
    assert model_key(spec) == key
    assert "/" not in model_key(spec)


def test_default_report_path(tmp_path: Path) -> None:
    assert default_report_path("hf:org/name", tmp_path) == tmp_path / ".vscbench" / "reports" / "hf_org_name.json"


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20),
                         st.floats(allow_nan=False, allow_infinity=False))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=15)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=30)
@given(st.dictionaries(st.text(max_size=10), json_values, max_size=5), st.text(max_size=60))
def test_any_report_round_trips(tmp_path: Path, extra: dict, response: str) -> None:
    rs = [make_result(item("image-drugs-000-safe0", "safe"), response, "compliance", "")]
    data = report(rs)
    data["model"]["extra"] = extra
    path = write_report(data, tmp_path / "r.json")
    assert read_report(path) == data
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_written_report_has_ordinary_permissions(tmp_path: Path) -> None:
    import os
    import stat

    old = os.umask(0o022)
    try:
        path = write_report(report(), tmp_path / "r.json")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


# --- what the reader fills in -------------------------------------------------------------------

def _minimal() -> dict:
    """A report as an older or hand-made file may hold it: the required fields only."""
    return {
        "schema": SCHEMA, "model": {}, "judge": {}, "dataset": {}, "run": {},
        "scores": {"all": {"sra_u": {"k": 1, "n": 2, "rate": 0.5, "ci": [0.09, 0.91]},
                           "sra_s": {"k": 0, "n": 0, "rate": None}}},
        "items": [{"uid": "image-drugs-000-unsafe0", "track": "image", "category": "drugs",
                   "variant": "image", "label": "unsafe", "pair": "image-drugs-000-0",
                   "response": None, "verdict": "error", "flagged": None, "passed": None}],
    }


def test_read_fills_every_optional_field_with_a_neutral_default(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps(_minimal()))
    data = read_report(path)
    assert data["model"] == {"spec": ""} and data["judge"] == {"name": ""}
    assert data["dataset"] == {"root": "", "n_items": 1}
    assert data["run"] == {"complete": False, "errors": 1, "problems": [], "notices": [],
                           "missing": [], "skipped": {"n": 0, "reason": ""},
                           "protocol": "project"}  # fails closed
    assert data["scores"]["all"]["sra_s"] == {"k": 0, "n": 0, "rate": None, "ci": None}
    assert data["scores"]["all"]["pairs"] == {"k": 0, "n": 0, "rate": None, "ci": None}
    assert (data["scores"]["all"]["avg"], data["scores"]["all"]["n"],
            data["scores"]["all"]["errors"]) == (None, 0, 0)
    item = data["items"][0]
    assert (item["reason"], item["judge_raw"], item["verdicts"]) == ("", "", {})
    assert (item["blocked"], item["block_reason"], item["failure"]) == (False, "", "")
    assert data["consistency"] == {"all": {"k": 0, "n": 0, "rate": None}, "by_type": {},
                                   "flips": []}
    assert not {"utility", "judges", "gate"} & set(data)


def test_read_completes_the_optional_sections_it_finds(tmp_path: Path) -> None:
    raw = _minimal()
    raw["run"]["calibration"] = {"method": "none", "spec": "none"}
    raw["consistency"] = {"by_type": {"illegal": {"k": 1, "n": 2}}}
    raw["judges"] = {"scores": {"keyword": None, "llm:x": {"sra_u": None}}}
    raw["utility"] = {"source": "bundled", "accuracy": None, "correct": 0, "total": 0}
    raw["gate"] = None
    path = tmp_path / "r.json"
    path.write_text(json.dumps(raw))
    data = read_report(path)
    assert data["run"]["calibration"] == {"method": "none", "spec": "none", "params": {},
                                          "system_prompt": None, "heldout": None}
    assert data["consistency"]["all"] == {"k": 0, "n": 0, "rate": None}
    assert data["consistency"]["by_type"]["illegal"]["rate"] == 0.5
    empty = {"sra_u": None, "sra_s": None, "avg": None, "errors": 0}
    assert data["judges"] == {"scores": {"keyword": empty, "llm:x": empty}, "primary": "keyword",
                              "agreement": [], "disagreements": []}
    assert data["utility"]["errors"] == 0
    assert "gate" not in data


def test_a_full_report_reads_back_unchanged(tmp_path: Path) -> None:
    from tests.helpers.reports import full_report

    data = full_report()
    assert read_report(write_report(data, tmp_path / "r.json")) == data


@pytest.mark.hardening("bad input")
@pytest.mark.parametrize(("section", "value", "field"), [
    ("run", {"calibration": {"method": "steer", "spec": "steer", "heldout": 5}},
     "run.calibration.heldout"),
    ("run", {"calibration": ["steer"]}, "run.calibration"),
    ("run", {"calibration": {"spec": "steer"}}, "run.calibration.method"),
    ("run", {"notices": "x"}, "run.notices"),
    ("run", {"skipped": {"n": -1}}, "run.skipped.n"),
    ("utility", {"source": "bundled", "accuracy": "x", "correct": 0, "total": 0},
     "utility.accuracy"),
    ("utility", [], "utility"),
    ("utility", {"source": "bundled", "accuracy": 0.5, "total": 2}, "utility.correct"),
    ("judges", {"agreement": [{"judges": ["a"], "n": 1}]}, "judges.agreement[0].judges"),
    ("judges", {"disagreements": [{"uid": "u", "label": "safe", "verdicts": {"a": 1}}]},
     "judges.disagreements[0].verdicts"),
    ("judges", {"disagreements": [{"uid": "u", "label": "safe", "verdicts": {"a": "refusal"},
                                   "reasons": {"a": 1}}]}, "judges.disagreements[0].reasons"),
    ("consistency", {"flips": [{"query": "q", "label": "unsafe", "flagged": {"text": "yes"}}]},
     "consistency.flips[0].flagged"),
    ("gate", {"rules": [], "passed": "yes", "failures": []}, "gate.passed"),
])
def test_read_names_a_damaged_field(tmp_path: Path, section: str, value: object,
                                    field: str) -> None:
    raw = _minimal()
    raw[section] = value
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(VscError) as info:
        read_report(path)
    assert str(info.value).startswith(f"{path}: {field}: ")
