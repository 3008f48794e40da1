"""What a report's inputs are, in words: a subset run's line ("subset: 18 of 228 inputs (-k
drugs)"), and the warnings shown first when two reports cover different inputs or data."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vscbench_pytest.report.schema import Report, Selection


def describe_filters(filters: Mapping[str, Any]) -> str:
    """``-k drugs, --vsc-sample 20, --lf``: the selecting options as given."""
    parts = []
    for name, value in filters.items():
        if value is True:
            parts.append(name)
        elif isinstance(value, list):
            parts.append(f"{name} {' '.join(str(v) for v in value)}")
        else:
            parts.append(f"{name} {value}")
    return ", ".join(parts)


def subset_line(selection: Selection) -> str | None:
    """``subset: 18 of 228 inputs (-k drugs)`` for a run that does not cover its whole data
    source; None for a whole run and for a report that does not say (older than the field)."""
    if selection["whole"] is not False:
        return None
    total = selection["n_dataset"]
    heldout = f", {selection['n_heldout']} of them held out" if selection["n_heldout"] else ""
    filters = describe_filters(selection["filters"])
    why = f" ({filters})" if filters else " (no selecting option: inputs were deselected or got no result)"
    return (f"subset: {selection['n_selected']} of {total if total is not None else '?'} "
            f"inputs{heldout}{why}")


def fingerprint_of(report: Report) -> str | None:
    """The report's data-source fingerprint, if it records one."""
    return report["dataset"].get("fingerprint") or None


def same_dataset(a: Report, b: Report) -> bool | None:
    """Whether the two reports are of the same data source (equal fingerprints); None when
    either records none."""
    first, second = fingerprint_of(a), fingerprint_of(b)
    return None if first is None or second is None else first == second


def _short(fingerprint: str | None) -> str:
    return (fingerprint or "none").removeprefix("sha256:")[:12]


def judge_label(report: Report) -> str:
    """The primary judge's name and, where the report records it, version."""
    judge = report.get("judge") or {}
    version = judge.get("version")
    return f"{judge.get('name', '?')} (version {version})" if version else str(judge.get("name", "?"))


def coverage_warnings(a: Report, b: Report, names: tuple[str, str] = ("a", "b")) -> list[str]:
    """The lines to show first when ``a`` and ``b`` followed different protocols, were judged
    by different judges (or versions of one), are of different data sources or cover different
    inputs (empty when they cover the same inputs of the same data under one protocol and
    judge)."""
    first, second = names
    lines = []
    protocols = (a["run"].get("protocol", "project"), b["run"].get("protocol", "project"))
    if protocols[0] != protocols[1]:
        lines.append(f"WARNING: different protocols: {first} followed {protocols[0]}, {second} "
                     f"{protocols[1]} (the judge, its query, what a failed response is worth, the "
                     f"rows and the generation length differ: docs/protocol.md); a change below "
                     f"may be the protocol's, not the model's")
    judges = (judge_label(a), judge_label(b))
    if protocols[0] == protocols[1] and judges[0] != judges[1]:
        lines.append(f"WARNING: different judges: {first} was judged by {judges[0]}, {second} by "
                     f"{judges[1]}; a change below may be the judge's, not the model's")
    if same_dataset(a, b) is False:
        lines.append(f"WARNING: different datasets: {first} is of {a['dataset']['root']} (sha256 "
                     f"{_short(fingerprint_of(a))}), {second} of {b['dataset']['root']} (sha256 "
                     f"{_short(fingerprint_of(b))}); inputs are matched by uid")
    uids_a = {item["uid"] for item in a["items"]}
    uids_b = {item["uid"] for item in b["items"]}
    if uids_a == uids_b:
        return lines
    common = len(uids_a & uids_b)
    lines.append(f"WARNING: the reports cover different inputs: {common} shared, "
                 f"{len(uids_a - uids_b)} only in {first}, {len(uids_b - uids_a)} only in "
                 f"{second}; only the {common} shared inputs are compared (every score below is "
                 f"theirs, not the reports' own)")
    for name, report in ((first, a), (second, b)):
        line = subset_line(report["selection"])
        if line is not None:
            lines.append(f"  {name} is a {line}")
    return lines
