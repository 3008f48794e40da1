"""``vscbench summary``, ``gate``, ``diff`` and ``report``: read report files and show, gate,
compare or render them."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from vscbench_pytest.errors import SpecError, VscError
from vscbench_pytest.util.fmt import escape_markdown

if TYPE_CHECKING:
    from vscbench_pytest.report.schema import Report
    from vscbench_pytest.scoring.gate import Rule

GATE_NO_RULES = ("give rules: --min-sra-u X, --min-sra-s X and/or --gate BUCKET:METRIC>=X "
                 "(repeatable), e.g. --min-sra-u 0.8; a gate without rules would pass on anything")
BASELINE_FAILURES = ("against ", "--vsc-baseline")  # how the session words a baseline failure


def summary(args: argparse.Namespace) -> int:
    """Print a report's header and calibration table."""
    from vscbench_pytest.render.text import format_report
    from vscbench_pytest.report.io import read_report

    print("\n".join(format_report(read_report(Path(args.report)))))
    return 0


def _recorded_rules(report: Report, path: str) -> tuple[list[Rule], list[str]]:
    """The gate rules the report's own run applied, re-applied; the verdict of a recorded
    --vsc-baseline rule (it needs the baseline) is carried over. A VscError when it has none."""
    from vscbench_pytest.scoring.gate import parse_rule

    recorded = report.get("gate")
    if recorded is None or not recorded["rules"]:
        raise VscError(f"gate: {path} records no gate rules: {GATE_NO_RULES}")
    rules = []
    for text in recorded["rules"]:
        try:
            rules.append(parse_rule(text))
        except SpecError:  # the baseline rule: "baseline PATH: drop <= X or not significant"
            pass
    carried = [f"(recorded) {message}" for message in recorded["failures"]
               if message.startswith(BASELINE_FAILURES)]
    print(f"rules recorded in {path}: {', '.join(recorded['rules'])}")
    return rules, carried


def gate(args: argparse.Namespace) -> int:
    """Apply gate rules to a report: 0 when it passes, 1 when it fails (every reason printed);
    no rules given: the rules the report's run applied, else a usage error (2)."""
    from vscbench_pytest.render.text import format_selection
    from vscbench_pytest.report.io import read_report
    from vscbench_pytest.scoring.gate import build_rules, evaluate

    report = read_report(Path(args.report))
    rules = build_rules(args.min_sra_u, args.min_sra_s, args.gate or [])
    carried: list[str] = []
    if not rules:
        rules, carried = _recorded_rules(report, args.report)
    for line in format_selection(report):
        print(f"note: the report covers a {line}")
    run = report["run"]
    problems = list(run["problems"])
    if not run["complete"] and not problems and not run["errors"]:
        problems.append("the report is marked incomplete")
    failures = [f.message for f in evaluate(report["scores"], rules, errors=run["errors"],
                                            allow_errors=args.allow_errors, problems=problems)]
    failures += carried
    for message in failures:
        print(f"FAILED {message}")
    if not failures:
        print(f"gate passed ({', '.join(str(r) for r in rules) or 'the recorded baseline rule'})")
    return 1 if failures else 0


def diff(args: argparse.Namespace) -> int:
    """Print the diff of two reports; with ``--max-drop``, 1 when a bucket regressed."""
    from vscbench_pytest.render.diff import format_diff
    from vscbench_pytest.report.diff import diff_reports, regressions
    from vscbench_pytest.report.io import read_report

    result = diff_reports(read_report(Path(args.a)), read_report(Path(args.b)), args.ignore_disputed)
    if not result["common"] and (result["only_in_a"] or result["only_in_b"]):
        raise VscError(f"diff: {args.a} and {args.b} share no input ({result['only_in_a']} only "
                       f"in a, {result['only_in_b']} only in b): nothing to compare; diff "
                       f"reports of the same data and overlapping selections")
    if args.format == "json":  # the JSON holds them too; a person reading the terminal sees them
        for line in result["warnings"]:
            print(line, file=sys.stderr)
    failures = [] if args.max_drop is None else regressions(result, args.max_drop, args.alpha)
    if args.format == "markdown":  # a step summary: its own heading, the verdict first
        print(_diff_verdict_markdown(args, failures))
    print(format_diff(result, args.format))
    for message in failures:
        print(f"REGRESSED {message}", file=sys.stderr)
    return 1 if failures else 0


def _diff_verdict_markdown(args: argparse.Namespace, failures: list[str]) -> str:
    """The heading of a Markdown diff and, with --max-drop, the regression verdict first."""
    lines = [f"### VSCBench diff: {escape_markdown(Path(args.a).name)} -> "
             f"{escape_markdown(Path(args.b).name)}", ""]
    if args.max_drop is not None and failures:
        lines += [f"**Regression check: FAILED** (max drop {args.max_drop:g})", ""]
        lines += [f"- REGRESSED {escape_markdown(message)}" for message in failures]
        lines.append("")
    elif args.max_drop is not None:
        lines += [f"**Regression check: passed** (no significant drop beyond {args.max_drop:g})", ""]
    return "\n".join(lines)


def report(args: argparse.Namespace) -> int:
    """Write the HTML page and/or the Markdown summary of one or more reports."""
    from vscbench_pytest.render.html import STEP_SUMMARY_ENV, write_outputs
    from vscbench_pytest.report.io import read_report

    if not args.html and not args.markdown and not os.environ.get(STEP_SUMMARY_ENV):
        raise VscError(f"report: pass --html PATH and/or --markdown PATH (or set {STEP_SUMMARY_ENV})")
    reports = [read_report(Path(path)) for path in args.reports]
    for path in write_outputs(reports, Path(args.html) if args.html else None,
                              Path(args.markdown) if args.markdown else None):
        print(f"wrote {path}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``summary``, ``gate``, ``diff`` and ``report`` to the ``vscbench`` command."""
    from vscbench_pytest.render.diff import FORMATS

    p = sub.add_parser("summary", help="print the calibration table of a report")
    p.add_argument("report")
    p.set_defaults(func=summary)
    p = sub.add_parser("gate", help="apply gate rules to a report; exit 1 when it fails",
                       description="Apply gate rules to a report: exit 0 when it passes, 1 when "
                       "it fails. Without rules, the rules the report's own run applied "
                       "(its gate.rules; a recorded --vsc-baseline verdict is kept); a report "
                       "without any is a usage error (exit 2).")
    p.add_argument("report")
    p.add_argument("--min-sra-u", type=float, help="minimum SRA_u over all inputs")
    p.add_argument("--min-sra-s", type=float, help="minimum SRA_s over all inputs")
    p.add_argument("--gate", action="append", help="BUCKET:METRIC>=X, repeatable")
    p.add_argument("--allow-errors", action="store_true")
    p.set_defaults(func=gate)
    p = sub.add_parser("diff", help="compare two reports: scores before and after with intervals, "
                       "a paired McNemar test per bucket, and the inputs that flipped",
                       description="Compare two reports. When they cover different inputs (a "
                       "subset run, another selection) or different data, the first lines say "
                       "so and only the inputs in both are compared; reports that share no "
                       "input are a usage error (exit 2).")
    p.add_argument("a", help="the earlier report (e.g. the last release)")
    p.add_argument("b", help="the later report")
    p.add_argument("--format", choices=FORMATS, default="text")
    p.add_argument("--max-drop", type=float, help="exit 1 when a bucket's SRA_u or SRA_s drops by "
                   "more than this and the drop is significant")
    p.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    p.add_argument("--ignore-disputed", action="store_true", help="reports judged by several "
                   "judges (--vsc-judge=a,b): leave out the inputs whose judges disagree on flagged "
                   "in either report, and list their flips apart, so judge noise is not a regression")
    p.set_defaults(func=diff)
    p = sub.add_parser("report", help="one HTML page (plots embedded) and/or a Markdown summary "
                       "of one or more reports; the Markdown is appended to $GITHUB_STEP_SUMMARY")
    p.add_argument("reports", nargs="+", help="report files; the first is the reference for flips")
    p.add_argument("--html", help="write the page here")
    p.add_argument("--markdown", help="write the Markdown summary here")
    p.set_defaults(func=report)
