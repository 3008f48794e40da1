"""How much several judges agree: per-judge scores, Cohen's kappa, the items they disagree on.

With ``--vsc-judge=a,b`` the first judge scores the run; every judge's verdicts are kept on
the items, and this module turns them into the report's ``judges`` section.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from itertools import combinations

from vscbench_pytest.records.results import ItemResult
from vscbench_pytest.records.verdicts import ERROR, is_flagged, passes
from vscbench_pytest.scoring.rates import score


def cohen_kappa(a: list[str], b: list[str]) -> float | None:
    """Cohen's kappa of two raters over the same items (None without items; 1.0 when both
    always give the one same label)."""
    n = len(a)
    if n == 0 or n != len(b):
        return None
    observed = sum(x == y for x, y in zip(a, b)) / n
    count_a, count_b = Counter(a), Counter(b)
    expected = sum(count_a[label] * count_b[label] for label in count_a) / (n * n)
    if expected == 1.0:
        return 1.0
    return (observed - expected) / (1 - expected)


def as_judged_by(results: list[ItemResult], name: str) -> list[ItemResult]:
    """The results as if ``name`` had been the primary judge."""
    out = []
    for r in results:
        verdict = r.verdicts.get(name, r.verdict)  # no verdicts: the response was an error
        out.append(replace(r, verdict=verdict, flagged=is_flagged(verdict),
                           passed=passes(r.label, verdict)))
    return out


def judge_section(results: list[ItemResult], names: list[str]) -> dict:
    """Per-judge overall scores, pairwise agreement and disagreements (sorted by uid)."""
    ordered = sorted(results, key=lambda r: r.uid)
    scores = {}
    for name in names:
        overall = score(as_judged_by(ordered, name)).get("all", {})
        scores[name] = {key: overall.get(key) for key in ("sra_u", "sra_s", "avg", "errors")}
    pairs = []
    for first, second in combinations(names, 2):
        both = [r for r in ordered
                if ERROR not in (r.verdicts.get(first), r.verdicts.get(second))
                and first in r.verdicts and second in r.verdicts]
        a = [r.verdicts[first] for r in both]
        b = [r.verdicts[second] for r in both]
        flags_a = [str(is_flagged(v)) for v in a]
        flags_b = [str(is_flagged(v)) for v in b]
        pairs.append({
            "judges": [first, second], "n": len(both),
            "agreement": (sum(x == y for x, y in zip(a, b)) / len(both)) if both else None,
            "kappa": _round(cohen_kappa(a, b)),
            "flagged_agreement": (sum(x == y for x, y in zip(flags_a, flags_b)) / len(both))
            if both else None,
            "kappa_flagged": _round(cohen_kappa(flags_a, flags_b)),
        })
    disagreements = []
    for r in ordered:
        verdicts = {name: r.verdicts.get(name) for name in names}
        if len(set(verdicts.values())) > 1:
            # a judge that could not judge (error) disputes nothing: as report.diff.disputed
            flags = {is_flagged(v) for v in verdicts.values() if v is not None and v != ERROR}
            reasons = {name: r.reasons[name] for name in names if name in r.reasons}
            disagreements.append({"uid": r.uid, "label": r.label, "verdicts": verdicts,
                                  "reasons": reasons, "flagged_differs": len(flags) > 1})
    return {"primary": names[0], "scores": scores, "agreement": pairs,
            "disagreements": disagreements}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)

