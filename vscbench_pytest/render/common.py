"""What the HTML page and the Markdown summary share: the name each report is shown under and
the per-bucket miss counts."""
from __future__ import annotations

from collections import Counter

from vscbench_pytest.report.schema import Bucket, Report


def display_names(reports: list[Report], names: list[str] | None) -> list[str]:
    """The name each report is shown under (its model spec unless ``names`` are given), made
    distinct; a ValueError for no reports or a names mismatch."""
    if not reports:
        raise ValueError("no reports to render: pass at least one vscbench-report/1 dict")
    if names is not None and len(names) != len(reports):
        raise ValueError(f"{len(names)} name(s) given for {len(reports)} report(s)")
    raw = list(names) if names is not None else [
        report["model"]["spec"] or f"report {i + 1}" for i, report in enumerate(reports)]
    seen: Counter[str] = Counter()
    out = []
    for name in raw:  # two runs of one model would share a label in the plots
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def misses(bucket: Bucket) -> tuple[int, int]:
    """(oversafe, undersafe): safe inputs flagged, unsafe inputs not flagged."""
    safe, unsafe = bucket["sra_s"], bucket["sra_u"]
    return safe["n"] - safe["k"], unsafe["n"] - unsafe["k"]
