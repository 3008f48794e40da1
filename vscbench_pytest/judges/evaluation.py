"""``vscbench judge-eval``: how accurate a judge is on labelled responses.

The bundled set (``vscbench_pytest/bundled/judge-eval/labelled.jsonl``, written by the project) holds model
responses to benchmark-like queries, each labelled refusal, warning, compliance, irrelevant or
error, with the hard cases tagged (sympathy, quoted refusals, risk words in a compliant
answer, refusals without stock phrases, late hedges, long responses, text aimed at a judge).
The figures: accuracy over the five classes, accuracy on what the scores use (flagged or
not), per-class precision and recall, and the confusion matrix; and how many cases could not be
judged (an ``error`` verdict on a non-empty response: the judge's server failed, or its answer
was unusable; for ``vscbench-gpt``, a failed request its rule counts as not flagged), with their causes. ``vscbench judge-eval`` fails when there is any.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from vscbench_pytest.errors import VscError
from vscbench_pytest.records.verdicts import ERROR, VERDICTS, is_flagged
from vscbench_pytest.util.jsonl import read_jsonl

REQUIRED = {"id": str, "prompt": str, "image": bool, "response": str, "label": str, "case": str}


def read_labelled(path: Path) -> list[dict]:
    """The records of a labelled JSONL file; a VscError names the file, line and problem."""
    records = []
    for number, record in read_jsonl(path, what="judge-eval"):
        for key, kind in REQUIRED.items():
            if not isinstance(record.get(key), kind):
                raise VscError(f"judge-eval: {path}:{number}: {key!r} missing or not a {kind.__name__}")
        if record["label"] not in VERDICTS:
            raise VscError(f"judge-eval: {path}:{number}: label {record['label']!r} is not one of "
                           f"{', '.join(VERDICTS)}")
        records.append(record)
    if not records:
        raise VscError(f"judge-eval: {path}: no labelled responses")
    return records


@dataclass(frozen=True)
class Evaluation:
    """A judge's figures on one labelled set."""

    judge: str
    n: int
    accuracy: float
    flagged_accuracy: float
    per_class: dict[str, dict]  # class -> {precision, recall, support}
    confusion: dict[str, dict[str, int]]  # true label -> predicted -> count
    by_case: dict[str, float]  # case -> accuracy
    wrong: list[dict]  # id, case, label, verdict
    errors: int = 0  # cases that could not be judged (error verdict on a non-empty response)
    error_causes: dict[str, int] = field(default_factory=dict)  # reason -> cases, most first


def evaluate(judge, records: list[dict]) -> Evaluation:
    """Judge every record (concurrently when the judge calls a server) and score it."""
    for r in records:
        if hasattr(judge, "prefetch"):
            judge.prefetch(r["prompt"], r["response"], r["image"])
    judgements = [judge.judge(r["prompt"], r["response"], r["image"]) for r in records]
    predicted = [j.verdict for j in judgements]
    causes = Counter(j.failure or j.reason for r, j in zip(records, judgements)
                     if (j.verdict == ERROR or j.failure) and r["response"].strip())
    truth = [r["label"] for r in records]
    confusion = {label: {v: 0 for v in VERDICTS} for label in VERDICTS}
    for t, p in zip(truth, predicted):
        confusion[t][p] += 1
    per_class = {}
    for label in VERDICTS:
        tp = confusion[label][label]
        predicted_n = sum(confusion[t][label] for t in VERDICTS)
        support = sum(confusion[label].values())
        per_class[label] = {"precision": tp / predicted_n if predicted_n else None,
                            "recall": tp / support if support else None, "support": support}
    scored = [(t, p) for t, p in zip(truth, predicted) if t != ERROR]
    flagged_right = sum(1 for t, p in scored if p != ERROR and is_flagged(p) == is_flagged(t))
    cases: dict[str, Counter] = {}
    for r, p in zip(records, predicted):
        cases.setdefault(r["case"], Counter())[p == r["label"]] += 1
    return Evaluation(
        judge=judge.name, n=len(records),
        accuracy=sum(t == p for t, p in zip(truth, predicted)) / len(records),
        flagged_accuracy=flagged_right / len(scored) if scored else 0.0,
        per_class=per_class, confusion=confusion,
        by_case={case: c[True] / (c[True] + c[False]) for case, c in sorted(cases.items())},
        wrong=[{"id": r["id"], "case": r["case"], "label": r["label"], "verdict": p}
               for r, p in zip(records, predicted) if p != r["label"]],
        errors=sum(causes.values()), error_causes=dict(causes.most_common()),
    )


def _pct(value: float | None) -> str:
    return "    -" if value is None else f"{value:5.3f}"


def format_evaluation(ev: Evaluation) -> list[str]:
    """Accuracy, flagged accuracy, cases not judged, per-class precision/recall, confusion
    matrix (full class names, aligned), per case."""
    lines = [f"judge {ev.judge} on {ev.n} labelled responses",
             f"accuracy (5 classes)      {ev.accuracy:.3f}",
             f"accuracy (flagged or not) {ev.flagged_accuracy:.3f}",
             f"could not be judged       {ev.errors}", ""]
    width = max(len(v) for v in VERDICTS) + 2
    lines.append(f"{'class':<{width}} {'precision':>9} {'recall':>7} {'support':>8}")
    for label, m in ev.per_class.items():
        lines.append(f"{label:<{width}} {_pct(m['precision']):>9} {_pct(m['recall']):>7} "
                     f"{m['support']:>8}")
    lines += ["", "confusion (rows: label, columns: verdict)",
              f"{'':<{width}}" + "".join(f"{v:>{width}}" for v in VERDICTS)]
    for label in VERDICTS:
        lines.append(f"{label:<{width}}" + "".join(f"{ev.confusion[label][v]:>{width}}" for v in VERDICTS))
    lines += ["", "accuracy by case"]
    lines += [f"  {case:<20} {acc:.3f}" for case, acc in ev.by_case.items()]
    if ev.errors:
        lines += ["", f"could not be judged: {ev.errors} of {ev.n}"]
        lines += [f"  {count:>4} x {reason}" for reason, count in ev.error_causes.items()]
    return lines


def failure_line(ev: Evaluation) -> str | None:
    """One line naming how many cases could not be judged and the commonest cause (None when
    every case was judged): what judge-eval prints on stderr before it fails."""
    if not ev.errors:
        return None
    (cause, count), *others = ev.error_causes.items()
    more = f" (and {len(others)} other cause{'s' if len(others) > 1 else ''})" if others else ""
    return (f"judge-eval: {ev.errors} of {ev.n} cases could not be judged; "
            f"{count} of them: {cause}{more}")
