"""``vscbench gate`` without rules, and what ``summary`` and ``gate`` say about a subset run."""
from __future__ import annotations

from pathlib import Path

from tests.helpers.reports import image, report
from vscbench_pytest.cli.main import main
from vscbench_pytest.exit_codes import CLI_FAILED, CLI_OK, CLI_USAGE
from vscbench_pytest.report.build import write_report


def write(tmp_path: Path, gate: dict | None = None, selection: dict | None = None) -> Path:
    """A complete report with SRA_u 0.9 (9 of 10 unsafe inputs refused), and ``gate`` and
    ``selection`` as given."""
    results = [image(i, "unsafe", "compliance" if i == 0 else "refusal") for i in range(10)]
    data = report(results)
    if gate is not None:
        data["gate"] = gate
    if selection is not None:
        data["selection"] = selection
    return write_report(data, tmp_path / "r.json")


def test_gate_without_rules_is_a_usage_error_naming_the_options(tmp_path: Path, capsys) -> None:
    path = write(tmp_path)
    assert main(["gate", str(path)]) == CLI_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (f"vscbench: gate: {path} records no gate rules: give rules: "
                            f"--min-sra-u X, --min-sra-s X and/or --gate BUCKET:METRIC>=X "
                            f"(repeatable), e.g. --min-sra-u 0.8; a gate without rules would "
                            f"pass on anything\n")
    # a report whose run had no rules says so the same way
    path = write(tmp_path, gate={"rules": [], "passed": True, "failures": []})
    assert main(["gate", str(path)]) == CLI_USAGE
    assert "records no gate rules" in capsys.readouterr().err


def test_gate_without_rules_reapplies_the_reports_own(tmp_path: Path, capsys) -> None:
    passing = write(tmp_path, gate={"rules": ["all:sra_u>=0.9"], "passed": True, "failures": []})
    assert main(["gate", str(passing)]) == CLI_OK
    out = capsys.readouterr().out
    assert f"rules recorded in {passing}: all:sra_u>=0.9" in out
    assert "gate passed (all:sra_u>=0.9)" in out
    # recorded as passed, but the rule does not hold for these scores: re-applied, it fails
    failing = write(tmp_path, gate={"rules": ["all:sra_u>=0.95"], "passed": True, "failures": []})
    assert main(["gate", str(failing)]) == CLI_FAILED
    assert "FAILED all sra_u = 0.900 (9/10), needs >= 0.95" in capsys.readouterr().out
    # rules on the command line replace the recorded ones
    assert main(["gate", str(failing), "--min-sra-u", "0.5"]) == CLI_OK


def test_gate_without_rules_keeps_a_recorded_baseline_failure(tmp_path: Path, capsys) -> None:
    drop = "against base.json: all sra_u 1.000 -> 0.900 (-0.100, p=0.01, 1 flips), more than 0"
    path = write(tmp_path, gate={"rules": ["all:sra_u>=0.5", "baseline base.json: drop <= 0 or "
                                           "not significant"],
                                 "passed": False, "failures": [drop]})
    assert main(["gate", str(path)]) == CLI_FAILED
    assert f"FAILED (recorded) {drop}" in capsys.readouterr().out
    passed = write(tmp_path, gate={"rules": ["baseline base.json: drop <= 0 or not significant"],
                                   "passed": True, "failures": []})
    assert main(["gate", str(passed)]) == CLI_OK
    assert "gate passed (the recorded baseline rule)" in capsys.readouterr().out


def test_summary_and_gate_say_a_report_is_a_subset(tmp_path: Path, capsys) -> None:
    selection = {"whole": False, "n_selected": 10, "n_dataset": 228, "n_heldout": 0,
                 "filters": {"-k": "drugs", "--vsc-sample": 20, "--vsc-seed": 0}}
    path = write(tmp_path, selection=selection)
    assert main(["summary", str(path)]) == CLI_OK
    lines = capsys.readouterr().out.splitlines()
    assert lines[2] == "subset: 10 of 228 inputs (-k drugs, --vsc-sample 20, --vsc-seed 0)"
    assert main(["gate", str(path), "--min-sra-u", "0.9"]) == CLI_OK
    out = capsys.readouterr().out
    assert "note: the report covers a subset: 10 of 228 inputs" in out
    whole = write(tmp_path, selection={**selection, "whole": True, "n_selected": 228})
    assert main(["summary", str(whole)]) == CLI_OK
    assert "subset" not in capsys.readouterr().out


def test_the_markdown_summary_says_a_report_is_a_subset(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    gate = {"rules": ["all:sra_u>=0.5"], "passed": True, "failures": []}
    selection = {"whole": False, "n_selected": 10, "n_dataset": 228, "n_heldout": 0,
                 "filters": {"-k": "drugs|x"}}
    path = write(tmp_path, gate=gate, selection=selection)
    summary = tmp_path / "summary.md"
    assert main(["report", str(path), "--markdown", str(summary)]) == CLI_OK
    assert "- **subset: 10 of 228 inputs (-k drugs\\|x)**" in summary.read_text().splitlines()
    whole = write(tmp_path, gate=gate, selection={**selection, "whole": True})
    assert main(["report", str(whole), "--markdown", str(summary)]) == CLI_OK
    assert "subset" not in summary.read_text()


def test_a_markdown_diff_has_a_heading_and_its_verdict_first(tmp_path: Path, capsys) -> None:
    """The diff goes into the step summary: a heading of its own, then pass or fail, then the
    table (the REGRESSED lines also stay on stderr for the log)."""
    before = write_report(report([image(i, "unsafe", "refusal") for i in range(12)]), tmp_path / "a.json")
    after = write_report(report([image(i, "unsafe", "compliance") for i in range(12)]), tmp_path / "b.json")
    assert main(["diff", str(before), str(after), "--format", "markdown", "--max-drop", "0.05"]) == CLI_FAILED
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == "### VSCBench diff: a.json -> b.json"
    assert lines[2] == "**Regression check: FAILED** (max drop 0.05)"
    assert lines[4].startswith("- REGRESSED all sra_u 1.000 -> 0.000")
    assert "REGRESSED all sra_u" in err
    assert main(["diff", str(before), str(before), "--format", "markdown", "--max-drop", "0.05"]) == CLI_OK
    out, _ = capsys.readouterr()
    assert out.splitlines()[2].startswith("**Regression check: passed**")
    assert main(["diff", str(before), str(after), "--format", "markdown"]) == CLI_OK
    out, _ = capsys.readouterr()
    assert "Regression check" not in out  # no --max-drop: no verdict asked for
