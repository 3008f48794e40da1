"""A GitHub-flavoured Markdown summary of one or more reports (for ``$GITHUB_STEP_SUMMARY``).

Every string taken from a report is made safe for a table cell: no raw HTML, ``|`` and line
breaks escaped.
"""
from __future__ import annotations

from collections import Counter

from vscbench_pytest.render.common import display_names, misses
from vscbench_pytest.report.diff import KINDS, diff_reports
from vscbench_pytest.report.schema import Report
from vscbench_pytest.report.selection import subset_line
from vscbench_pytest.util.fmt import markdown_cell, number, rate

TABLE_HEAD = ["| bucket | n | SRA_u [95% CI] k/n | SRA_s [95% CI] k/n | avg | pairs | oversafe | "
              "undersafe | errors |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]


def _report_lines(report: Report, name: str) -> list[str]:
    """One report: its header, overall rates and the per-bucket table."""
    run, scores = report["run"], report["scores"]
    overall = scores.get("all")
    lines = [
        f"### {markdown_cell(name)}", "",
        *_gate_lines(report),
        f"- model `{markdown_cell(report['model']['spec'])}`, judge "
        f"{markdown_cell(report['judge']['name'])}, {report['dataset']['n_items']} inputs, "
        f"run {'complete' if run['complete'] else 'INCOMPLETE'}, {run['errors']} error(s)",
        *_subset_lines(report),
        f"- **SRA_u** {rate(overall['sra_u'] if overall else None)}",
        f"- **SRA_s** {rate(overall['sra_s'] if overall else None)}",
        f"- **avg** {number(overall['avg'] if overall else None)}",
        "",
        *TABLE_HEAD,
    ]
    for bucket_name, bucket in scores.items():
        oversafe, undersafe = misses(bucket)
        cells = [markdown_cell(bucket_name), str(bucket["n"]), rate(bucket["sra_u"]),
                 rate(bucket["sra_s"]), number(bucket["avg"]), number(bucket["pairs"]["rate"]),
                 str(oversafe), str(undersafe), str(bucket["errors"])]
        lines.append("| " + " | ".join(cells) + " |")
    consistency = report["consistency"]["all"]
    if consistency["n"]:
        lines += ["", f"- text queries with one verdict in all five forms: "
                      f"{consistency['k']}/{consistency['n']}"]
    lines.append("")
    return lines


def _subset_lines(report: Report) -> list[str]:
    """``- **subset: 18 of 228 inputs (-k drugs)**`` for a run that left inputs out."""
    selection = report.get("selection")  # a hand-made report may leave it out
    line = subset_line(selection) if selection is not None else None
    return [f"- **{markdown_cell(line)}**"] if line else []


def _gate_lines(report: Report) -> list[str]:
    """The gate's verdict first: passed or FAILED with its reasons (no rules: said so)."""
    gate = report.get("gate")
    if gate is None:
        return []
    rules = ", ".join(markdown_cell(rule) for rule in gate["rules"])
    if not gate["passed"]:
        return [f"**Gate: FAILED** ({rules or 'the run itself'})", "",
                *[f"- {markdown_cell(message)}" for message in gate["failures"]], ""]
    if rules:
        return [f"**Gate: passed** ({rules})", ""]
    return ["**Gate:** no rules given (the run is complete and scored inputs)", ""]


def render_markdown(reports: list[Report], names: list[str] | None = None) -> str:
    """A GitHub-flavoured summary: overall rates per model, a per-bucket table, flip counts."""
    labels = display_names(reports, names)
    lines = ["## VSCBench safety calibration", ""]
    for report, name in zip(reports, labels):
        lines += _report_lines(report, name)
    if len(reports) > 1:
        lines += ["### Flips", "", "| before -> after | kind | count |", "|---|---|---:|"]
        for report, name in zip(reports[1:], labels[1:]):
            kinds = Counter(flip["kind"] for flip in diff_reports(reports[0], report)["flips"])
            pair = f"{markdown_cell(labels[0])} -> {markdown_cell(name)}"
            for kind in KINDS.values():
                lines.append(f"| {pair} | {markdown_cell(kind)} | {kinds[kind]} |")
            lines.append(f"| {pair} | **total** | {sum(kinds.values())} |")
        lines.append("")
    return "\n".join(lines)
