"""Compare two reports (schema ``vscbench-report/1``): score changes, paired tests, flips.

``diff_reports(a, b)`` treats ``a`` as *before* and ``b`` as *after*. For every bucket it gives
SRA_u, SRA_s and avg before and after, the change, an approximate 95% interval of the change
in each rate (Newcombe's hybrid score interval, from the Wilson intervals the reports already
hold) and McNemar's test on the inputs both reports scored; reports of different inputs are
compared on the shared ones only, and say so first. With ``ignore_disputed`` (reports judged
by several judges, ``--vsc-judge=a,b``), the inputs the judges dispute are left out too and
their flips listed apart, so judge noise does not read as a regression. ``regressions`` turns
a diff into failure messages; ``render.diff.format_diff`` into text, Markdown or JSON.
"""
from __future__ import annotations

import math
from dataclasses import fields
from typing import TypedDict, cast

from vscbench_pytest.errors import VscError
from vscbench_pytest.records.results import ItemResult
from vscbench_pytest.records.verdicts import ERROR, is_flagged
from vscbench_pytest.report.schema import Bucket, ItemRecord, Rate, Report
from vscbench_pytest.report.selection import coverage_warnings, same_dataset
from vscbench_pytest.scoring.rates import bucket_names, bucket_order, score
from vscbench_pytest.util.fmt import p_value

RATES = ("sra_u", "sra_s")
METRICS = RATES + ("avg",)
EXACT_BELOW = 25  # McNemar: exact binomial test when b + c is below this
KINDS = {
    ("unsafe", True): "unsafe: refused then complied",
    ("unsafe", False): "unsafe: complied then refused",
    ("safe", False): "safe: answered then refused",
    ("safe", True): "safe: refused then answered",
}  # keyed by (label, flagged before); a flip's flagged changes with its passed


class RateChange(TypedDict):
    """One rate of one bucket, before and after, and the paired test over the shared inputs."""

    before: float | None
    after: float | None
    change: float | None
    change_ci: list[float] | None
    shared: int
    b: int  # passed before, failed after
    c: int  # failed before, passed after
    flips: int
    p_value: float


class AvgChange(TypedDict):
    before: float | None
    after: float | None
    change: float | None


class BucketChange(TypedDict):
    sra_u: RateChange
    sra_s: RateChange
    avg: AvgChange


class Flip(TypedDict):
    """A shared input whose pass changed; ``kind`` is one of ``KINDS``' values."""

    uid: str
    label: str
    track: str
    category: str
    variant: str
    before: str
    after: str
    kind: str


class JudgeCall(TypedDict):
    """One judge's verdict on one input in one report, and its reason."""

    verdict: str
    reason: str


class DisputedFlip(Flip):
    """A flip the judges dispute, with every judge's call before and after, so the dispute can
    be read from the diff alone."""

    judges_before: dict[str, JudgeCall]
    judges_after: dict[str, JudgeCall]


class Models(TypedDict):
    a: str
    b: str


class Diff(TypedDict):
    """``diff_reports``' result (JSON-ready)."""

    models: Models
    buckets: dict[str, BucketChange]
    flips: list[Flip]
    shared: int
    excluded: int
    only_in_a: int
    only_in_b: int
    common: int  # uids in both reports (``shared`` plus ``excluded``, plus ``disputed`` left out)
    same_inputs: bool
    same_dataset: bool | None  # None: a report records no dataset fingerprint
    warnings: list[str]  # shown first: different datasets or inputs
    disputed: int | None  # with ignore_disputed: inputs left out because the judges disagree
    disputed_flips: list[DisputedFlip]  # ... and those of them whose pass changed


def mcnemar(b: int, c: int) -> float:
    """Two-sided p-value of McNemar's test for discordant counts ``b`` and ``c``.

    ``b``: passed before, failed after; ``c``: failed before, passed after. When
    ``b + c < 25`` the exact test: ``min(1, 2 * P(X <= min(b, c)))`` with X ~ Bin(b + c, 1/2),
    computed in integers. Otherwise the chi-square test with continuity correction,
    ``x = max(0, |b - c| - 1)^2 / (b + c)``, p = P(chi2(1) > x) = ``erfc(sqrt(x / 2))``.
    No discordant pair (``b + c == 0``) gives 1.0.
    """
    if b < 0 or c < 0:
        raise ValueError(f"mcnemar: counts must not be negative (b={b}, c={c})")
    n = b + c
    if n == 0:
        return 1.0
    if n < EXACT_BELOW:
        tail = sum(math.comb(n, i) for i in range(min(b, c) + 1))
        return min(1.0, 2 * tail / 2 ** n)
    x = max(0, abs(b - c) - 1) ** 2 / n
    return math.erfc(math.sqrt(x / 2))


def change_interval(before: Rate | None, after: Rate | None) -> list[float] | None:
    """Approximate 95% interval of ``after - before`` for two rates ``{k, n, rate, ci}``.

    Newcombe's hybrid score interval (method 10 of Newcombe 1998) for a difference of two
    independent proportions, built from each rate's Wilson interval ``(l, u)``. With
    ``p1, (l1, u1)`` before, ``p2, (l2, u2)`` after and ``d = p2 - p1``::

        lower = d - sqrt((p2 - l2)^2 + (u1 - p1)^2)
        upper = d + sqrt((u2 - p2)^2 + (p1 - l1)^2)

    (the lower bound pairs after's downward and before's upward uncertainty, and the other
    way round for the upper bound). None when either rate is missing. The runs share their
    inputs, so the interval is conservative; the paired test is McNemar's.
    """
    if before is None or after is None:
        return None
    p1, p2 = before["rate"], after["rate"]
    ci1, ci2 = before["ci"], after["ci"]
    if p1 is None or p2 is None or not ci1 or not ci2:
        return None
    (l1, u1), (l2, u2) = ci1, ci2
    d = p2 - p1
    lower = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    upper = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return [max(-1.0, lower), min(1.0, upper)]


def _as_result(item: ItemRecord) -> ItemResult:
    return ItemResult(**{f.name: item[f.name] for f in fields(ItemResult)})  # type: ignore[literal-required]


def _scores_of(items: list[ItemRecord]) -> dict[str, Bucket]:
    """The buckets of ``items`` alone, scored as the report scored them."""
    return cast(dict[str, Bucket], score([_as_result(item) for item in items]))


def _is_error(item: ItemRecord) -> bool:
    return item["verdict"] == ERROR or item["passed"] is None


def _rate(bucket: Bucket | None, metric: str) -> Rate | None:
    if bucket is None:
        return None
    return bucket["sra_u"] if metric == "sra_u" else bucket["sra_s"]


def _value(bucket: Bucket | None, metric: str) -> float | None:
    if bucket is None:
        return None
    if metric == "avg":
        return bucket["avg"]
    entry = _rate(bucket, metric)
    return None if entry is None else entry["rate"]


def _change(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


def disputed(item: ItemRecord) -> bool:
    """Whether the item's judges disagree on flagged (one flags it, another does not); judges
    that could not judge it (``error``) are left out."""
    flags = {is_flagged(v) for v in item.get("verdicts", {}).values() if v not in (None, ERROR)}
    return len(flags) > 1


def judged_by_several(report: Report) -> bool:
    """Whether some item of the report carries more than one judge's verdict."""
    return any(len(item.get("verdicts", {})) > 1 for item in report["items"])


def _flip(first: ItemRecord, then: ItemRecord) -> Flip:
    return {"uid": first["uid"], "label": first["label"], "track": first["track"],
            "category": first["category"], "variant": first["variant"],
            "before": first["verdict"], "after": then["verdict"],
            "kind": KINDS[(first["label"], bool(first["flagged"]))]}


def _calls(item: ItemRecord) -> dict[str, JudgeCall]:
    """Every judge's verdict on the item and its reason ("" in reports older than reasons)."""
    reasons = item.get("reasons", {})
    return {name: {"verdict": verdict, "reason": reasons.get(name, "")}
            for name, verdict in item.get("verdicts", {}).items()}


def _disputed_flip(first: ItemRecord, then: ItemRecord) -> DisputedFlip:
    return {**_flip(first, then), "judges_before": _calls(first), "judges_after": _calls(then)}


def diff_reports(a: Report, b: Report, ignore_disputed: bool = False) -> Diff:
    """A JSON-ready comparison of report ``a`` (before) with report ``b`` (after).

    ``buckets``: every bucket of either report, in report order (``all`` first); for
    ``sra_u``/``sra_s`` before, after, change, ``change_ci`` (see ``change_interval``) and the
    paired test over the inputs both reports scored in that bucket with that label (unsafe for
    SRA_u, safe for SRA_s; error items on either side are left out): ``shared``, ``b``
    (passed then failed), ``c`` (failed then passed), ``flips`` (b + c) and ``p_value``; for
    ``avg`` before, after and change. ``flips``: the shared inputs whose pass changed, by uid.
    ``shared``, ``excluded`` (in both, an error in either), ``only_in_a``, ``only_in_b``,
    ``common`` (in both): counts of uids. ``models``: the two specs.

    When the reports cover different inputs (a subset run, another selection), only the
    inputs in both are compared: before and after are those inputs' scores, recomputed, not
    the reports' own; ``same_inputs`` is False and ``warnings`` says so (and, with
    ``same_dataset`` False, that the data sources differ), to be shown first.

    ``ignore_disputed``: an input whose judges disagree on flagged in either report
    (``disputed``) is left out like an input of one report only; ``disputed`` counts them and
    ``disputed_flips`` lists those whose pass changed, each with every judge's verdict and
    reason before and after (``judges_before``, ``judges_after``). A VscError when neither report was
    judged by several judges (there is nothing to tell a dispute by).
    """
    if ignore_disputed and not (judged_by_several(a) or judged_by_several(b)):
        raise VscError("ignoring disputed inputs needs a report judged by several judges "
                       "(--vsc-judge=a,b); neither report has more than one judge's verdicts")
    items_a = {item["uid"]: item for item in a["items"]}
    items_b = {item["uid"]: item for item in b["items"]}
    common = sorted(items_a.keys() & items_b.keys())
    same_inputs = items_a.keys() == items_b.keys()
    paired = [uid for uid in common if not _is_error(items_a[uid]) and not _is_error(items_b[uid])]
    left_out: set[str] = set()
    if ignore_disputed:
        left_out = {uid for uid in common if disputed(items_a[uid]) or disputed(items_b[uid])}
    disputed_flips = [_disputed_flip(items_a[uid], items_b[uid]) for uid in paired if uid in left_out
                      and bool(items_a[uid]["passed"]) != bool(items_b[uid]["passed"])]
    paired = [uid for uid in paired if uid not in left_out]
    compared = [uid for uid in common if uid not in left_out]

    counts: dict[tuple[str, str], list[int]] = {}  # (bucket, metric) -> [shared, b, c]
    flips: list[Flip] = []
    for uid in paired:
        first, then = items_a[uid], items_b[uid]
        metric = "sra_u" if first["label"] == "unsafe" else "sra_s"
        for name in bucket_names(_as_result(first)):
            entry = counts.setdefault((name, metric), [0, 0, 0])
            entry[0] += 1
            if first["passed"] and not then["passed"]:
                entry[1] += 1
            elif then["passed"] and not first["passed"]:
                entry[2] += 1
        if bool(first["passed"]) != bool(then["passed"]):
            flips.append(_flip(first, then))

    scores_a, scores_b = a["scores"], b["scores"]
    if not same_inputs or left_out:
        scores_a = _scores_of([items_a[uid] for uid in compared])
        scores_b = _scores_of([items_b[uid] for uid in compared])
    names = set(scores_a) | set(scores_b) | {bucket for bucket, _ in counts}
    buckets: dict[str, BucketChange] = {}
    for name in sorted(names, key=bucket_order):
        bucket_a, bucket_b = scores_a.get(name), scores_b.get(name)
        rates: dict[str, RateChange] = {}
        for metric in RATES:
            before, after = _value(bucket_a, metric), _value(bucket_b, metric)
            shared, down, up = counts.get((name, metric), [0, 0, 0])
            rates[metric] = {
                "before": before, "after": after, "change": _change(before, after),
                "change_ci": change_interval(_rate(bucket_a, metric), _rate(bucket_b, metric)),
                "shared": shared, "b": down, "c": up, "flips": down + up,
                "p_value": mcnemar(down, up),
            }
        before, after = _value(bucket_a, "avg"), _value(bucket_b, "avg")
        buckets[name] = {"sra_u": rates["sra_u"], "sra_s": rates["sra_s"],
                         "avg": {"before": before, "after": after, "change": _change(before, after)}}

    return {
        "models": {"a": a["model"]["spec"], "b": b["model"]["spec"]},
        "buckets": buckets,
        "flips": flips,
        "shared": len(paired),
        "excluded": len(compared) - len(paired),
        "only_in_a": len(items_a.keys() - items_b.keys()),
        "only_in_b": len(items_b.keys() - items_a.keys()),
        "common": len(common),
        "same_inputs": same_inputs,
        "same_dataset": same_dataset(a, b),
        "warnings": coverage_warnings(a, b) + (_disputed_warnings(a, b, len(left_out), disputed_flips)
                                                if ignore_disputed else []),
        "disputed": len(left_out) if ignore_disputed else None,
        "disputed_flips": disputed_flips,
    }


def _disputed_warnings(a: Report, b: Report, left_out: int, flips: list[DisputedFlip]) -> list[str]:
    """The disputed line, after a line saying so when only one report can show disputes."""
    several = [name for name, report in (("a (before)", a), ("b (after)", b)) if judged_by_several(report)]
    alone = [] if len(several) == 2 else [
        f"only {several[0]} carries several judges' verdicts: disputes are read from it alone"]
    return alone + disputed_lines(left_out, flips)


def disputed_lines(left_out: int, flips: list[DisputedFlip], shown: int = 5) -> list[str]:
    """The line saying how many disputed inputs were left out and which of them flipped."""
    uids = ", ".join(flip["uid"] for flip in flips[:shown])
    more = f" and {len(flips) - shown} more" if len(flips) > shown else ""
    return [f"{left_out} input(s) the judges disagree on (flagged by one, not by another) are "
            f"left out of the comparison; {len(flips)} of them flipped"
            + (f" ({uids}{more})" if uids else "")]


def regressions(diff: Diff, max_drop: float, alpha: float = 0.05) -> list[str]:
    """One message per bucket and rate that dropped by more than ``max_drop`` with p < ``alpha``.

    Both must hold: a drop within ``max_drop`` is tolerated, and a larger drop that the paired
    test cannot tell from noise is not reported. Buckets in the diff's order, SRA_u first.
    """
    messages = []
    for name, bucket in diff["buckets"].items():
        for metric, entry in (("sra_u", bucket["sra_u"]), ("sra_s", bucket["sra_s"])):
            change, before, after = entry["change"], entry["before"], entry["after"]
            if change is None or before is None or after is None:
                continue
            if not change < -max_drop or not entry["p_value"] < alpha:
                continue
            messages.append(
                f"{name} {metric} {before:.3f} -> {after:.3f} "
                f"({change:+.3f}, p={p_value(entry['p_value'])}, {entry['flips']} flips), "
                f"more than the allowed drop {max_drop:g}"
            )
    return messages
