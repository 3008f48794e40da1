"""A diff of two reports (``report.diff.diff_reports``) as text, GitHub Markdown or JSON."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import cast

from vscbench_pytest.report.diff import Diff, DisputedFlip, Flip, RateChange
from vscbench_pytest.util.fmt import cut, escape_markdown, markdown_cell, number, p_value

FORMATS = ("text", "markdown", "json")
MAX_FLIPS_SHOWN = 50
REASON_CHARS = 100  # how much of a judge's reason a disputed flip shows
HEADERS = ["bucket", "SRA_u before -> after (change [95% CI])", "p_u (b/c)",
           "SRA_s before -> after (change [95% CI])", "p_s (b/c)"]


def change_cell(entry: RateChange) -> str:
    """``0.900 -> 0.600 (-0.300 [-0.52,-0.05])``; the interval only where a rate has one."""
    text = f"{number(entry['before'])} -> {number(entry['after'])}"
    change = entry["change"]
    if change is None:
        return text
    ci = entry["change_ci"]
    interval = f" [{ci[0]:+.3f},{ci[1]:+.3f}]" if ci else ""
    return f"{text} ({change:+.3f}{interval})"


def paired_test_cell(entry: RateChange) -> str:
    """``0.031 (5/0)``: McNemar's p and the discordant counts, ``-`` without shared inputs."""
    if not entry["shared"]:
        return "-"
    return f"{p_value(entry['p_value'])} ({entry['b']}/{entry['c']})"


def rows(diff: Diff) -> list[list[str]]:
    """One row of ``HEADERS`` cells per bucket."""
    return [
        [name, change_cell(bucket["sra_u"]), paired_test_cell(bucket["sra_u"]),
         change_cell(bucket["sra_s"]), paired_test_cell(bucket["sra_s"])]
        for name, bucket in diff["buckets"].items()
    ]


def summary_lines(diff: Diff) -> list[str]:
    """The warnings first (different data, different inputs), then the two models and how
    many inputs were paired."""
    models = diff["models"]
    return [
        *diff["warnings"],
        f"a (before): {models['a']}",
        f"b (after):  {models['b']}",
        f"{diff['shared']} input(s) paired, {diff['excluded']} left out for errors, "
        + ("" if diff["disputed"] is None else f"{diff['disputed']} left out as disputed by the judges, ")
        + f"{diff['only_in_a']} only in a, {diff['only_in_b']} only in b",
    ]


def _flip_list(title: str, flips: list[Flip] | list[DisputedFlip], bullet: str,
               escape: Callable[[object], str] = str) -> list[str]:
    """A title line, then the first ``MAX_FLIPS_SHOWN`` flips and how many more there are; under
    a disputed flip, a line per judge with its verdicts and reasons."""
    lines = ["", title]
    indent = "  " + bullet if bullet.strip() else " " * (len(bullet) + 2)  # Markdown: a nested item
    for flip in flips[:MAX_FLIPS_SHOWN]:
        lines.append(f"{bullet}{flip_line(flip, escape)}")
        if "judges_before" in flip:
            lines += [f"{indent}{line}" for line in judge_lines(cast(DisputedFlip, flip), escape)]
    if len(flips) > MAX_FLIPS_SHOWN:
        lines.append(f"{bullet}... and {len(flips) - MAX_FLIPS_SHOWN} more")
    return lines


def judge_lines(flip: DisputedFlip, escape: Callable[[object], str] = str) -> list[str]:
    """``keyword: refusal -> compliance (before: ...; after: ...)``, one line per judge."""
    before, after = flip["judges_before"], flip["judges_after"]
    lines = []
    for name in sorted(before.keys() | after.keys()):
        was, now = before.get(name), after.get(name)
        verdicts = f"{was['verdict'] if was else '-'} -> {now['verdict'] if now else '-'}"
        reasons = [f"{when}: {cut(call['reason'], REASON_CHARS)}" for when, call in (("before", was), ("after", now))
                   if call and call["reason"]]
        lines.append(escape(f"{name}: {verdicts}" + (f" ({'; '.join(reasons)})" if reasons else "")))
    return lines


def flip_line(flip: Flip, escape: Callable[[object], str] = str) -> str:
    """``uid: kind (before -> after)``, each part passed through ``escape``."""
    return (f"{escape(flip['uid'])}: {escape(flip['kind'])} "
            f"({escape(flip['before'])} -> {escape(flip['after'])})")


def format_text(diff: Diff) -> str:
    """An aligned table, then the flips (the first ``MAX_FLIPS_SHOWN``)."""
    table = rows(diff)
    widths = [max(len(row[i]) for row in table + [HEADERS]) for i in range(len(HEADERS))]
    head = "  ".join(h.ljust(w) for h, w in zip(HEADERS, widths)).rstrip()
    lines = summary_lines(diff) + ["", head, "-" * len(head)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in table]
    flips = diff["flips"]
    lines += _flip_list(f"flips: {len(flips)} (b: passed then failed, c: failed then passed)", flips, "  ")
    if diff["disputed"] is not None:
        disputed = diff["disputed_flips"]
        lines += _flip_list(f"flips the judges dispute, left out: {len(disputed)}", disputed, "  ")
    return "\n".join(lines) + "\n"


def format_markdown(diff: Diff) -> str:
    """A GitHub Markdown list, table and flip list; every report string escaped."""
    warnings = [f"> **{markdown_cell(line.strip())}**" for line in diff["warnings"]]
    lines = warnings + ([""] if warnings else [])
    lines += [f"- {escape_markdown(line)}" for line in summary_lines(diff)[len(diff["warnings"]):]]
    lines.append("")
    lines.append("| " + " | ".join(HEADERS) + " |")
    lines.append("|" + "|".join(["---"] + ["---:"] * (len(HEADERS) - 1)) + "|")
    lines += ["| " + " | ".join(escape_markdown(c) for c in row) + " |" for row in rows(diff)]
    flips = diff["flips"]
    lines += _flip_list(f"**Flips: {len(flips)}**\n", flips, "- ", escape_markdown)
    if diff["disputed"] is not None:
        disputed = diff["disputed_flips"]
        lines += _flip_list(f"**Flips the judges dispute, left out: {len(disputed)}**\n", disputed,
                            "- ", escape_markdown)
    return "\n".join(lines) + "\n"


def format_diff(diff: Diff, fmt: str) -> str:
    """``diff`` as ``text`` (aligned table and flips), ``markdown`` (GitHub table) or ``json``."""
    if fmt == "json":
        return json.dumps(diff, indent=2, sort_keys=True)
    if fmt == "text":
        return format_text(diff)
    if fmt == "markdown":
        return format_markdown(diff)
    raise ValueError(f"unknown diff format {fmt!r} (choices: {', '.join(FORMATS)})")
