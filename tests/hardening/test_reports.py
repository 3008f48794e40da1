"""Hardening (bad input): broken report files given to ``vscbench diff``, ``report``,
``summary`` and ``gate``.

Each file of the corpus is made by code: empty, truncated, not UTF-8, another JSON shape or
schema, a report with a section or field missing or of the wrong type, a folder, a missing
path. Every command must exit 2 with one ``vscbench: `` line naming the file (and the field
when one is at fault), print no traceback and write no output file.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers.reports import full_report
from vscbench_pytest.cli.main import main
from vscbench_pytest.report.build import write_report

pytestmark = pytest.mark.hardening("bad input")


def _edited(edit: Callable[[dict], None]) -> Callable[[Path], Path]:
    """A maker of a full report changed by ``edit``."""
    def make(path: Path) -> Path:
        data = full_report()
        edit(data)
        path.write_text(json.dumps(data), encoding="utf-8")
        return path
    return make


def _content(content: bytes) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        path.write_bytes(content)
        return path
    return make


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


def _missing(path: Path) -> Path:
    return path


def _truncated(path: Path) -> Path:
    text = json.dumps(full_report(), indent=2)
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    return path


def _latin1(path: Path) -> Path:
    data = full_report()
    data["items"][0]["response"] = "caf\u00e9"
    path.write_bytes(json.dumps(data, ensure_ascii=False).encode("latin-1"))
    return path


def _pytest_json_report(path: Path) -> Path:
    path.write_text(json.dumps({
        "created": 1718000000.0, "duration": 1.2, "exitcode": 0, "root": "/src",
        "environment": {"Python": "3.11"}, "summary": {"passed": 1, "total": 1, "collected": 1},
        "tests": [{"nodeid": "tests/test_x.py::test_y", "outcome": "passed"}],
    }), encoding="utf-8")
    return path


def _set(*keys: str | int, value: object) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        target = data
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
    return edit


def _delete(*keys: str | int) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        target = data
        for key in keys[:-1]:
            target = target[key]
        del target[keys[-1]]
    return edit


# (id, maker of the file at the given path, the field the message must name or None)
CORPUS: list[tuple[str, Callable[[Path], Path], str | None]] = [
    ("empty file", _content(b""), None),
    ("truncated", _truncated, None),
    ("not UTF-8", _latin1, None),
    ("a JSON list", _content(b'[{"schema": "vscbench-report/1"}]'), None),
    ("JSON null", _content(b"null"), None),
    ("schema 2", _edited(_set("schema", value="vscbench-report/2")), None),
    ("pytest-json-report", _pytest_json_report, None),
    ("junit XML", _content(b'<?xml version="1.0"?><testsuites><testsuite name="pytest" '
                           b'tests="1"><testcase name="t"/></testsuite></testsuites>'), None),
    ("nested too deeply", _content(b"[" * 100_000), None),
    ("5000-digit number", _content(b'{"schema": "vscbench-report/1", "run": ' + b"7" * 5000
                                   + b"}"), None),
    ("no items", _edited(_delete("items")), "items"),
    ("items an object", _edited(_set("items", value={"uid": "x"})), "items"),
    ("item without uid", _edited(_delete("items", 3, "uid")), "items[3].uid"),
    ("item a string", _edited(_set("items", 1, value="image-drugs-000-safe0")), "items[1]"),
    ("bad label", _edited(_set("items", 2, "label", value=7)), "items[2].label"),
    ("bad verdict", _edited(_set("items", 0, "verdict", value="maybe")), "items[0].verdict"),
    ("passed a string", _edited(_set("items", 4, "passed", value="yes")), "items[4].passed"),
    ("duplicate uid", _edited(lambda d: d["items"].append(dict(d["items"][0]))),
     f"items[{len(full_report()['items'])}].uid"),
    ("scores a list", _edited(_set("scores", value=[])), "scores"),
    ("bucket without sra_s", _edited(_delete("scores", "image", "sra_s")),
     'scores["image"].sra_s'),
    ("rate not a number", _edited(_set("scores", "all", "sra_u", "rate", value="high")),
     'scores["all"].sra_u.rate'),
    ("rate NaN", _edited(_set("scores", "all", "sra_u", "rate", value=float("nan"))),
     'scores["all"].sra_u.rate'),
    ("interval missing", _edited(_set("scores", "all", "sra_s", "ci", value=None)),
     'scores["all"].sra_s.ci'),
    ("model a list", _edited(_set("model", value=["replay:a.jsonl"])), "model"),
    ("errors negative", _edited(_set("run", "errors", value=-1)), "run.errors"),
    ("problems a string", _edited(_set("run", "problems", value="worker died")), "run.problems"),
    ("consistency flips bad", _edited(_set("consistency", "flips", 0, value=3)),
     "consistency.flips[0]"),
    ("judges scores a list", _edited(_set("judges", "scores", value=[1])), "judges.scores"),
    ("judges agreement not a pair", _edited(_set("judges", "agreement", 0, "judges",
                                                 value=["keyword"])), "judges.agreement[0].judges"),
    ("calibration heldout a number", _edited(_set("run", "calibration", value={
        "method": "steer", "spec": "steer", "heldout": 5})), "run.calibration.heldout"),
    ("utility accuracy a string", _edited(_set("utility", value={
        "source": "bundled", "accuracy": "high", "correct": 1, "total": 2})), "utility.accuracy"),
    ("notices a string", _edited(_set("run", "notices", value="slow server")), "run.notices"),
    ("a folder", _folder, None),
    ("missing path", _missing, None),
]


def _commands(bad: Path, good: Path, out: Path) -> dict[str, list[str]]:
    return {
        "diff bad good": ["diff", str(bad), str(good)],
        "diff good bad": ["diff", str(good), str(bad), "--format", "markdown"],
        "report": ["report", str(bad), "--html", str(out / "out.html"),
                   "--markdown", str(out / "out.md")],
        "report good bad": ["report", str(good), str(bad), "--html", str(out / "out.html")],
        "summary": ["summary", str(bad)],
        "gate": ["gate", str(bad), "--min-sra-u", "0.5"],
    }


@pytest.mark.parametrize("command", ["diff bad good", "diff good bad", "report",
                                     "report good bad", "summary", "gate"])
@pytest.mark.parametrize(("make", "field"), [(make, field) for _, make, field in CORPUS],
                         ids=[name for name, _, _ in CORPUS])
def test_broken_report_exits_2_naming_the_file(tmp_path: Path, capsys, monkeypatch,
                                               make: Callable[[Path], Path], field: str | None,
                                               command: str) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    bad = make(tmp_path / "broken.json")
    good = write_report(full_report(), tmp_path / "good.json")
    out = tmp_path / "out"
    assert main(_commands(bad, good, out)[command]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("vscbench: ")
    assert captured.err.count("\n") == 1  # one line
    assert str(bad) in captured.err
    if field is not None:
        assert f"{bad}: {field}: " in captured.err or f"{bad}: report lacks {field}" in captured.err
    assert "Traceback" not in captured.err
    assert "malformed input" not in captured.err  # the validator caught it, not main's fallback
    assert not out.exists()


def test_the_good_report_of_every_case_is_accepted(tmp_path: Path, capsys, monkeypatch) -> None:
    """So each exit 2 above is the broken file's doing."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    good = write_report(full_report(), tmp_path / "good.json")
    assert main(["diff", str(good), str(good)]) == 0
    assert main(["summary", str(good)]) == 0
    assert main(["gate", str(good), "--min-sra-u", "0.5", "--allow-errors"]) == 0
    assert main(["report", str(good), "--html", str(tmp_path / "ok.html")]) == 0
    assert (tmp_path / "ok.html").is_file()
    assert capsys.readouterr().err == ""


def _boom(*args: object, **kwargs: object) -> None:
    raise KeyError("sra_u")


@pytest.mark.parametrize(("target", "argv"), [
    ("vscbench_pytest.report.diff.diff_reports", ["diff", "{a}", "{b}"]),
    ("vscbench_pytest.render.html.write_outputs", ["report", "{a}", "{b}", "--html", "{out}"]),
    ("vscbench_pytest.render.text.format_report", ["summary", "{a}"]),
])
def test_main_fallback_names_every_input_file(tmp_path: Path, capsys, monkeypatch,
                                              target: str, argv: list[str]) -> None:
    """Should a consumer still trip on a report read_report accepted, the message names the
    files involved (for ``diff``, both: they are not in ``args.report``)."""
    monkeypatch.setattr(target, _boom)
    paths = {"a": str(write_report(full_report(), tmp_path / "a.json")),
             "b": str(write_report(full_report(), tmp_path / "b.json")),
             "out": str(tmp_path / "out.html")}
    argv = [arg.format(**paths) for arg in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("vscbench: ") and "malformed input (KeyError: 'sra_u')" in err
    inputs = [paths[key] for key in ("a", "b") if paths[key] in argv]
    assert inputs and all(path in err for path in inputs)


@pytest.mark.parametrize("command", [["summary"], ["diff", "SAME"], ["gate", "--min-sra-u", "0"]])
def test_a_lone_surrogate_in_a_report_prints_escaped(tmp_path: Path, command: list[str]) -> None:
    """A report may hold one (write_report keeps it as an escape); a real terminal must not
    make the command die with UnicodeEncodeError."""
    import subprocess
    import sys

    data = full_report()
    data["model"]["spec"] = "replay:\ud83d"
    path = write_report(data, tmp_path / "r.json")
    args = [str(path) if a == "SAME" else a for a in command]
    result = subprocess.run([sys.executable, "-m", "vscbench_pytest.cli", command[0], str(path), *args[1:]],
                            capture_output=True, env={"PYTHONIOENCODING": "utf-8", "PATH": ""},
                            timeout=60)
    assert b"Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1)
    if command[0] != "gate":
        assert b"replay:\\ud83d" in result.stdout
