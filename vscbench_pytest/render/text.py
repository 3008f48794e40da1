"""The calibration table printed at the end of a session and by ``vscbench summary``."""
from __future__ import annotations


def _fmt_rate(entry: dict, digits: int) -> str:
    if not entry or entry.get("rate") is None:
        return "-"
    lo, hi = entry["ci"]
    return f"{entry['rate']:.3f} [{lo:.2f},{hi:.2f}] {entry['k']:>{digits}}/{entry['n']:<{digits}}"


def format_table(scores: dict[str, dict]) -> list[str]:
    """One line per bucket: SRA_u and SRA_s with 95% intervals and counts, avg, pairs, errors."""
    width = max([len(name) for name in scores] + [6])
    digits = max([len(str(b[m]["n"])) for b in scores.values() for m in ("sra_u", "sra_s")] + [1])
    cell = 20 + 2 * digits
    head = (f"{'bucket':<{width}}  {'SRA_u [95% CI] k/n':<{cell}}  {'SRA_s [95% CI] k/n':<{cell}}"
            f"  {'avg':>5}  {'pairs':>5}  errors")
    lines = [head, "-" * len(head)]
    for name, bucket in scores.items():
        avg = f"{bucket['avg']:.3f}" if bucket.get("avg") is not None else "-"
        pairs = bucket.get("pairs", {}).get("rate")
        pairs_text = f"{pairs:.3f}" if pairs is not None else "-"
        lines.append(
            f"{name:<{width}}  {_fmt_rate(bucket['sra_u'], digits):<{cell}}  "
            f"{_fmt_rate(bucket['sra_s'], digits):<{cell}}  {avg:>5}  {pairs_text:>5}  "
            f"{bucket.get('errors', 0):>6}"
        )
    return lines


def format_report(report: dict) -> list[str]:
    """Header lines (model, judge, data, completeness) then the table."""
    run = report.get("run", {})
    lines = [
        f"model {report['model'].get('spec')}  judge {report['judge'].get('name')}  "
        f"data {report['dataset'].get('root')} ({report['dataset'].get('n_items')} inputs)",
        f"run {'complete' if run.get('complete') else 'INCOMPLETE'}, {run.get('errors', 0)} error(s)",
    ]
    return lines + format_calibration(report) + format_table(report.get("scores", {}))


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def format_calibration(report: dict) -> list[str]:
    """The calibration method and the utility accuracy, when the run had them (fields that a
    damaged or older report lacks are shown as '-')."""
    lines = []
    calibration = _dict(_dict(report.get("run")).get("calibration"))
    heldout = _dict(calibration.get("heldout"))
    if calibration.get("method", "none") != "none" or calibration.get("system_prompt") or heldout:
        where = (f"; held out, never scored: {heldout.get('inputs', '-')} input(s), "
                 f"{heldout.get('source', '-')}" if heldout else "")
        system = " with a system prompt" if calibration.get("system_prompt") else ""
        lines.append(f"calibration: {calibration.get('spec', '-')}{system}{where}")
    utility = _dict(report.get("utility"))
    if utility:
        accuracy = utility.get("accuracy")
        shown = f"{accuracy:.3f}" if isinstance(accuracy, (int, float)) else "-"
        errors = f", {utility['errors']} error(s)" if utility.get("errors") else ""
        lines.append(f"utility ({utility.get('source', '-')}): {shown}, {utility.get('correct', '-')}/"
                     f"{utility.get('total', '-')} benign questions answered correctly{errors}")
    return lines
