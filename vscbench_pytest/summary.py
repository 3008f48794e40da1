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
    return lines + format_table(report.get("scores", {}))
