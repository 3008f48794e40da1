"""The plain-text lines printed at the end of a session and by ``vscbench summary``: the
calibration table, the report's header, selection, calibration and utility, consistency and
judges."""
from __future__ import annotations

from collections.abc import Mapping

from vscbench_pytest.report.schema import Bucket, Consistency, JudgesSection, Rate, Report
from vscbench_pytest.report.selection import subset_line
from vscbench_pytest.util.fmt import number

MAX_DISAGREEMENTS_SHOWN = 10


def _rate_cell(entry: Rate, digits: int) -> str:
    """``0.900 [0.74,0.97]  9/10``: counts padded to ``digits`` so the columns line up."""
    if entry["rate"] is None or entry["ci"] is None:
        return "-"
    lo, hi = entry["ci"]
    return f"{entry['rate']:.3f} [{lo:.2f},{hi:.2f}] {entry['k']:>{digits}}/{entry['n']:<{digits}}"


def format_table(scores: Mapping[str, Bucket]) -> list[str]:
    """One line per bucket: SRA_u and SRA_s with 95% intervals and counts, avg, pairs, errors."""
    width = max([len(name) for name in scores] + [6])
    digits = max([len(str(b[m]["n"])) for b in scores.values() for m in ("sra_u", "sra_s")] + [1])
    cell = 20 + 2 * digits
    head = (f"{'bucket':<{width}}  {'SRA_u [95% CI] k/n':<{cell}}  {'SRA_s [95% CI] k/n':<{cell}}"
            f"  {'avg':>5}  {'pairs':>5}  errors")
    lines = [head, "-" * len(head)]
    for name, bucket in scores.items():
        lines.append(
            f"{name:<{width}}  {_rate_cell(bucket['sra_u'], digits):<{cell}}  "
            f"{_rate_cell(bucket['sra_s'], digits):<{cell}}  {number(bucket['avg']):>5}  "
            f"{number(bucket['pairs']['rate']):>5}  {bucket['errors']:>6}"
        )
    return lines


def format_report(report: Report) -> list[str]:
    """Header lines (model, judge, data, completeness) then the table."""
    run, dataset = report["run"], report["dataset"]
    lines = [
        f"model {report['model']['spec']}  judge {report['judge']['name']}  "
        f"data {dataset['root']} ({dataset['n_items']} inputs)",
        f"run {'complete' if run['complete'] else 'INCOMPLETE'}, {run['errors']} error(s)",
    ]
    return lines + format_selection(report) + format_calibration(report) + format_table(report["scores"])


def format_selection(report: Report) -> list[str]:
    """``subset: 18 of 228 inputs (-k drugs)`` when the run did not cover its whole data
    source (nothing for a whole run, or a report too old to say)."""
    selection = report.get("selection")  # a hand-made report may leave it out
    line = subset_line(selection) if selection is not None else None
    return [line] if line else []


def format_protocol(report: Report) -> list[str]:
    """Under ``--vsc-protocol=paper``: the protocol and generation settings, and the image
    track per image column as the benchmark's own statistics give it; with any provider
    block, how many answers were blocked (either protocol)."""
    lines = []
    run = report["run"]
    if run.get("protocol") == "paper":
        generation = run.get("generation")  # None for a replay
        asked = (f": {generation['max_new_tokens']} new tokens, temperature {generation['temperature']}"
                 if generation else "")
        lines.append(f"protocol paper (the benchmark's own evaluation, item by item){asked}")
        columns = report.get("image_columns")
        if columns is not None:
            parts = "; ".join(f"j={j} SRA_u {number(c['sra_u']['rate'])} SRA_s {number(c['sra_s']['rate'])}"
                              for j, c in columns["columns"].items())
            mean = columns["mean"]
            lines.append(f"image columns: {parts}; mean over the columns SRA_u {number(mean['sra_u'])} "
                         f"SRA_s {number(mean['sra_s'])} avg {number(mean['avg'])}")
    blocked = sum(1 for item in report.get("items", ()) if item.get("blocked"))
    if blocked:
        how = ("scored as upstream's refusal sentence" if run.get("protocol") == "paper"
               else "scored as refusals")
        lines.append(f"{blocked} answer(s) blocked by the provider, {how} (items: blocked, block_reason)")
    return lines


def format_calibration(report: Report) -> list[str]:
    """The protocol lines (``format_protocol``), the calibration method and the utility
    accuracy, when the run had them."""
    lines = format_protocol(report)
    calibration = report["run"].get("calibration")
    if calibration is not None:
        heldout = calibration["heldout"]
        if calibration["method"] != "none" or calibration["system_prompt"] or heldout:
            where = (f"; held out, never scored: {heldout['inputs']} input(s), {heldout['source']}"
                     if heldout else "")
            system = " with a system prompt" if calibration["system_prompt"] else ""
            lines.append(f"calibration: {calibration['spec']}{system}{where}")
    utility = report.get("utility")
    if utility is not None:
        errors = f", {utility['errors']} error(s)" if utility["errors"] else ""
        lines.append(f"utility ({utility['source']}): {number(utility['accuracy'])}, "
                     f"{utility['correct']}/{utility['total']} benign questions answered "
                     f"correctly{errors}")
    return lines


def format_consistency(section: Consistency) -> list[str]:
    """Consistent text queries overall and per type, and how many flip forms (none without
    text queries)."""
    overall = section["all"]
    if not overall["n"]:
        return []
    parts = ", ".join(f"{t} {c['k']}/{c['n']}" for t, c in section["by_type"].items())
    return [f"text queries with one verdict in every form: {overall['k']}/{overall['n']} ({parts}); "
            f"{len(section['flips'])} flip between plain text and an image form "
            f"(report: consistency.flips)"]


def _rate_of(entry: Rate | None) -> float | None:
    return None if entry is None else entry["rate"]


def format_judges(section: JudgesSection) -> list[str]:
    """Each judge's SRA_u/SRA_s, then kappa per pair and the disagreements that change a score."""
    lines = []
    for name, s in section["scores"].items():
        primary = " (scores the run)" if name == section["primary"] else ""
        lines.append(f"judge {name}{primary}: SRA_u {number(_rate_of(s['sra_u']))}  "
                     f"SRA_s {number(_rate_of(s['sra_s']))}  errors {s['errors']}")
    for pair in section["agreement"]:
        a, b = pair["judges"]
        lines.append(f"agreement {a} vs {b}: kappa {number(pair['kappa'])} (4 classes), "
                     f"{number(pair['kappa_flagged'])} (flagged or not) over {pair['n']} inputs")
    flagged = [d for d in section["disagreements"] if d["flagged_differs"]]
    lines.append(f"disagreements: {len(section['disagreements'])} input(s), {len(flagged)} of "
                 f"them change a score (listed in the report's judges.disagreements)")
    for d in flagged[:MAX_DISAGREEMENTS_SHOWN]:
        verdicts = ", ".join(f"{k}={v}" for k, v in d["verdicts"].items())
        lines.append(f"  {d['uid']} ({d['label']}): {verdicts}")
        lines += [f"    {name}: {' '.join(reason.split())}" for name, reason in d["reasons"].items()]
    if len(flagged) > MAX_DISAGREEMENTS_SHOWN:
        lines.append(f"  ... and {len(flagged) - MAX_DISAGREEMENTS_SHOWN} more")
    return lines
