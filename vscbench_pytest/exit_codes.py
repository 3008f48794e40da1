"""Every exit status of ``pytest`` (with this plugin) and of the ``vscbench`` command, and what
each means: the table the docs print and the tests run, so the two cannot drift."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExitCode:
    """One exit status of one program, and when it happens."""

    program: str  # "pytest" or "vscbench"
    code: int
    name: str
    meaning: str


PYTEST_OK = 0
PYTEST_FAILED = 1
PYTEST_INTERRUPTED = 2
PYTEST_INTERNAL = 3
PYTEST_USAGE = 4
PYTEST_NO_TESTS = 5

CLI_OK = 0
CLI_FAILED = 1
CLI_USAGE = 2
CLI_INTERRUPTED = 130

EXIT_CODES: tuple[ExitCode, ...] = (
    ExitCode("pytest", PYTEST_OK, "passed",
             "every selected input was scored and the gate (if any) passed; without "
             "--vsc-score-only every input test passed too. Without a model the suite skips and "
             "exits 0 only when no gate option is set"),
    ExitCode("pytest", PYTEST_FAILED, "failed",
             "the gate or the baseline failed; an input ended in error (without "
             "--vsc-allow-errors) or had no result; a model was chosen but nothing was scored; "
             "a missed input (without --vsc-score-only); a snapshot difference (without "
             "--vsc-score-only, or with --vsc-snapshot-gate)"),
    ExitCode("pytest", PYTEST_INTERRUPTED, "interrupted",
             "Ctrl-C (KeyboardInterrupt) stopped the run; the report is written, marked "
             "incomplete, and the gate fails"),
    ExitCode("pytest", PYTEST_INTERNAL, "internal error", "a bug in pytest, a plugin or here"),
    ExitCode("pytest", PYTEST_USAGE, "usage error",
             "a bad option or ini value; a gate option, --vsc-baseline or --vsc-snapshots "
             "without a model; a gate bucket the selection cannot produce; a snapshot key with "
             "no snapshots; an unreadable baseline, one of another dataset or one sharing no input "
             "with the selection; the model cannot "
             "load (missing extra, no server, unreachable hub, missing checkpoint). Nothing "
             "was asked and no report is written"),
    ExitCode("pytest", PYTEST_NO_TESTS, "no tests", "pytest's own: nothing was collected, or "
             "-k/-m deselected everything"),
    ExitCode("vscbench", CLI_OK, "ok", "the command did what it was asked; gate, diff and "
             "judge-eval found nothing wrong"),
    ExitCode("vscbench", CLI_FAILED, "failed", "gate: a rule failed; diff "
             "--max-drop: a significant drop; judge-eval: a case could not be judged; sweep: a row failed; "
             "data check: a problem was found; export: an input's image is missing or unreadable "
             "(its row says why; the file is complete); any command whose reader stopped "
             "early (`| head`): its verdict may not have been read"),
    ExitCode("vscbench", CLI_USAGE, "usage error", "a bad argument, a missing or malformed "
             "file, a missing extra (one 'vscbench:' line names it); gate with no rules (given "
             "or recorded in the report); diff of two reports that share no input"),
    ExitCode("vscbench", CLI_INTERRUPTED, "interrupted", "Ctrl-C during a download or a sweep"),
)


def exit_code_table() -> list[str]:
    """The table as Markdown lines (the docs' exit-code page and the README include it)."""
    lines = ["| program | exit | name | when |", "|---|---|---|---|"]
    lines += [f"| `{e.program}` | {e.code} | {e.name} | {e.meaning} |" for e in EXIT_CODES]
    return lines
