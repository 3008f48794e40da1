"""Every row of the exit-code table (vscbench_pytest/exit_codes.py, printed by the docs) is
provoked here by a real command, and no command exits with a status the table does not list."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.helpers.suite import install_suite
from vscbench_pytest.bundled import bundled_data
from vscbench_pytest.exit_codes import EXIT_CODES

SMALL = ["--vsc-track=image", "--vsc-category=drugs", "--vsc-score-only"]
INTERRUPT = "def test_zz_interrupted():\n    raise KeyboardInterrupt\n"
INTERNAL = ("def pytest_collection_modifyitems(items):\n"
            "    raise RuntimeError('a bug in a conftest')\n")

# (program, code) -> (extra files, arguments); pytest runs the installed suite in a pytester folder
PYTEST_CASES: dict[int, tuple[dict[str, str], list[str]]] = {
    0: ({}, ["--vlm=tiny-llava", *SMALL, "--vsc-min-sra-s=0"]),
    1: ({}, ["--vlm=tiny-llava", *SMALL, "--vsc-min-sra-u=0.99"]),
    2: ({"test_zz_interrupt.py": INTERRUPT}, ["--vlm=tiny-llava", *SMALL]),
    3: ({"conftest.py": INTERNAL}, ["--vlm=tiny-llava", *SMALL]),
    4: ({}, ["--vlm=", "--vsc-min-sra-u=0.8"]),
    5: ({}, ["--vlm=tiny-llava", *SMALL, "-k", "no_such_input_anywhere"]),
}


def vscbench(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vscbench_pytest.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def test_the_table_lists_each_program_and_code_once():
    keys = [(row.program, row.code) for row in EXIT_CODES]
    assert len(keys) == len(set(keys))
    assert {code for program, code in keys if program == "pytest"} == set(PYTEST_CASES)


@pytest.mark.parametrize("code", sorted(PYTEST_CASES))
def test_pytest_exits_as_the_table_says(pytester, code):
    files, args = PYTEST_CASES[code]
    install_suite(pytester)
    for name, text in files.items():
        (pytester.path / name).write_text(text)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)
    assert result.ret == code, result.stdout.str()[-2000:]
    if code == 2:  # the interrupted run's report is written, incomplete, and its gate failed
        report = json.loads((pytester.path / ".vscbench/reports/tiny-llava.subset.json").read_text())
        assert report["run"]["complete"] is False and report["gate"]["passed"] is False
        assert "the session was interrupted" in report["run"]["problems"]


@pytest.fixture(scope="module")
def a_report(tmp_path_factory):
    """A real report of a small run (the gate's and summary's input)."""
    folder = tmp_path_factory.mktemp("exit-codes")
    suite = os.path.join(os.path.dirname(__file__), "..", "..", "tests_safety")
    run = subprocess.run([sys.executable, "-m", "pytest", os.path.abspath(suite), "-p", "no:cacheprovider",
                          "--vlm=tiny-llava", *SMALL, f"--rootdir={folder}",
                          f"--vsc-report={folder / 'r.json'}", f"--vsc-cache={folder / 'c.sqlite'}"],
                         cwd=folder, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:]
    return folder / "r.json"


@pytest.mark.parametrize("code, args", [
    (0, ["--version"]),
    (0, ["models"]),
    (0, ["summary", "{report}"]),
    (0, ["gate", "{report}", "--min-sra-s", "0"]),
    (0, ["diff", "{report}", "{report}"]),
    (0, ["report", "{report}", "--markdown", "summary.md"]),
    (0, ["data", "check", "{data}"]),
    (0, ["cache", "--path", "{cache}", "stats"]),
    (2, ["cache", "--path", "no-such-cache.sqlite", "stats"]),
    (0, ["export", "--sample", "4", "-o", "inputs.jsonl"]),
    (1, ["gate", "{report}", "--min-sra-u", "0.99"]),
    (1, ["judge-eval", "--judge", "llm:m", "--judge-base-url", "http://127.0.0.1:9/v1"]),
    (2, ["gate", "{report}"]),  # no rules given, none recorded: it would pass on anything
    (2, ["gate", "no-such-report.json", "--min-sra-u", "0.5"]),
    (2, ["summary", "--no-such-flag"]),
    (2, ["export", "--track", "video"]),
    (2, ["data", "check", "no-such-folder"]),
    (2, ["diff", "{report}", "no-such-report.json"]),
])
def test_vscbench_exits_as_the_table_says(a_report, tmp_path, code, args):
    places = {"report": a_report, "cache": a_report.parent / "c.sqlite", "data": bundled_data()}
    result = vscbench(*[a.format(**places) for a in args], cwd=tmp_path)
    assert result.returncode == code, result.stdout[-1500:] + result.stderr[-1500:]
    if code == 2:
        assert "Traceback" not in result.stderr


def test_vscbench_sweep_interrupted_exits_130(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "vscbench_pytest.cli", "sweep", "--vlm=tiny-llava",
                             "--methods", "none,reminder", "--no-utility", "--out", str(tmp_path / "out"),
                             "--", "--vsc-track=image"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(4)  # the first run is under way
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-1500:]
    assert "sweep interrupted" in err
