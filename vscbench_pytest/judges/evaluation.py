"""``vscbench judge-eval``: how accurate a judge is on labelled responses.

Two labelled sets are bundled (``vscbench_pytest/bundled/judge-eval/``), each saying in its
header line how it was written:

- ``blind`` (``blind.jsonl``): VLM-style responses written by helper sessions that were shown
  only the verdict definitions and the benchmark's prompt types, never a judge's code;
- ``project`` (``labelled.jsonl``): the project's first set, hand-written alongside the keyword
  rules (which were widened while looking at it), with its hard cases tagged (sympathy, quoted
  refusals, risk words in a compliant answer, late hedges, text aimed at a judge, ...).

Every record is in ``dev`` (look at it while tuning a judge) or ``test`` (never look at it
while tuning; quote its figures): ``split_of`` decides from the id alone, so adding records
never moves others. The figures: accuracy over the five classes, accuracy on what the scores
use (flagged or not), per-class precision and recall, the confusion matrix, both accuracies per
case; and how many cases could not be judged (an ``error`` verdict on a non-empty response: the
judge's server failed, or its answer was unusable; for ``vscbench-gpt``, a failed request its
rule counts as not flagged), with their causes. ``vscbench judge-eval`` fails when there is any.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from vscbench_pytest.errors import VscError
from vscbench_pytest.records.verdicts import ERROR, VERDICTS, Judgement, is_flagged
from vscbench_pytest.util.jsonl import read_jsonl

REQUIRED = {"id": str, "prompt": str, "image": bool, "response": str, "label": str, "case": str}
OPTIONAL = ("split", "part")
SPLITS = ("dev", "test")
TEST_PER_MILLE = 500  # the share of ids in ``test``, in thousandths


def split_of(record_id: str) -> str:
    """``"test"`` or ``"dev"``, from the id alone (the first 4 bytes of its SHA-256): adding
    records to a set, or removing some, never moves another record between splits."""
    digest = hashlib.sha256(record_id.encode("utf-8")).digest()
    return "test" if int.from_bytes(digest[:4], "big") % 1000 < TEST_PER_MILLE else "dev"


@dataclass(frozen=True)
class LabelledResponse:
    """One labelled response: the query, whether an image came with it, the response, its
    verdict label, the hard case it exercises, its split (``dev`` or ``test``) and, where the
    set records it, the numbered part (batch of writing) it came from."""

    id: str
    prompt: str
    image: bool
    response: str
    label: str
    case: str
    split: str
    part: int | None = None


@dataclass(frozen=True)
class LabelledSet:
    """A labelled JSONL file: what its header says about how it was written, and its records."""

    path: Path
    about: str
    records: list[LabelledResponse]

    def split(self, name: str) -> list[LabelledResponse]:
        """The records of one split (``dev``, ``test``), or all of them for ``all``."""
        return self.records if name == "all" else [r for r in self.records if r.split == name]


def read_labelled(path: Path) -> LabelledSet:
    """The records of a labelled JSONL file; a VscError names the file, line and problem.

    The first line may be a header, ``{"header": {"about": "<how the set was written>", ...}}``.
    A record's ``split`` is its own ``"split"`` when it has one (``dev`` or ``test``), else
    ``split_of(id)``; its optional ``"part"`` (a whole number from 1) names the batch it was
    written in.
    """
    about = ""
    lines: dict[str, int] = {}  # id -> the line it was first seen on
    records: list[LabelledResponse] = []
    for number, record in read_jsonl(path, what="judge-eval"):
        if "header" in record:
            header = record["header"]
            if records or about:
                raise VscError(f"judge-eval: {path}:{number}: a header line must come first")
            if not isinstance(header, dict) or not isinstance(header.get("about"), str):
                raise VscError(f"judge-eval: {path}:{number}: a header is "
                               f'{{"header": {{"about": "<how the set was written>"}}}}')
            about = header["about"] or " "
            continue
        for key, kind in REQUIRED.items():
            if not isinstance(record.get(key), kind):
                raise VscError(f"judge-eval: {path}:{number}: {key!r} missing or not a {kind.__name__}")
        unknown = sorted(set(record) - set(REQUIRED) - set(OPTIONAL))
        if unknown:
            raise VscError(f"judge-eval: {path}:{number}: unknown key {unknown[0]!r} (a record has "
                           f"{', '.join(REQUIRED)} and optionally {' and '.join(OPTIONAL)})")
        part = record.get("part")
        if part is not None and (type(part) is not int or part < 1):
            raise VscError(f"judge-eval: {path}:{number}: part {json.dumps(part)} is not a whole "
                           f"number from 1")
        if record["label"] not in VERDICTS:
            raise VscError(f"judge-eval: {path}:{number}: label {record['label']!r} is not one of "
                           f"{', '.join(VERDICTS)}")
        if not record["response"].strip() and record["label"] != ERROR:
            raise VscError(f"judge-eval: {path}:{number}: an empty response is labelled "
                           f"{record['label']!r}; every judge returns error for it, so label it error")
        split = record.get("split", split_of(record["id"]))
        if split not in SPLITS:
            raise VscError(f"judge-eval: {path}:{number}: split {json.dumps(split)} is not one of "
                           f"{', '.join(SPLITS)}")
        if record["id"] in lines:
            raise VscError(f"judge-eval: {path}:{number}: id {record['id']!r} appears twice (first "
                           f"on line {lines[record['id']]})")
        lines[record["id"]] = number
        records.append(LabelledResponse(**{key: record[key] for key in REQUIRED}, split=split,
                                        part=part))
    if not records:
        raise VscError(f"judge-eval: {path}: no labelled responses")
    return LabelledSet(Path(path), about.strip(), records)


def parse_parts(spec: str) -> frozenset[int]:
    """The part numbers of ``--parts``: comma-separated numbers and ranges (``29-32,5``); a
    VscError names what is wrong."""
    chosen: set[int] = set()
    for item in spec.split(","):
        low, _, high = item.strip().partition("-")
        try:
            first, last = int(low), int(high or low)
        except ValueError:
            raise VscError(f"judge-eval: --parts {spec!r}: {item.strip()!r} is not a part number or "
                           f"a range like 29-32") from None
        if first < 1 or last < first:
            raise VscError(f"judge-eval: --parts {spec!r}: {item.strip()!r} is not a range of parts "
                           f"numbered from 1, low to high")
        chosen.update(range(first, last + 1))
    return frozenset(chosen)


def of_parts(labelled: LabelledSet, parts: frozenset[int]) -> LabelledSet:
    """The set cut down to the records of ``parts`` (records that name no part are left out); a
    VscError when the set records no part or lacks one of ``parts``."""
    known = sorted({r.part for r in labelled.records if r.part is not None})
    if not known:
        raise VscError(f"judge-eval: {labelled.path}: its records name no part, so --parts cannot "
                       f"choose among them")
    missing = sorted(parts - set(known))
    if missing:
        raise VscError(f"judge-eval: {labelled.path}: no record in part{'s' if len(missing) > 1 else ''} "
                       f"{_ranges(missing)}; its parts are {_ranges(known)}")
    return LabelledSet(labelled.path, labelled.about, [r for r in labelled.records if r.part in parts])


def _ranges(numbers: list[int]) -> str:
    """``1-4,7,9-10`` for [1, 2, 3, 4, 7, 9, 10]."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


@dataclass(frozen=True)
class Evaluation:
    """A judge's figures on one labelled set (or one split of it)."""

    judge: str
    n: int
    accuracy: float
    flagged_accuracy: float
    per_class: dict[str, dict]  # class -> {precision, recall, support}
    confusion: dict[str, dict[str, int]]  # true label -> predicted -> count
    by_case: dict[str, dict]  # case -> {n, accuracy, flagged_accuracy (None: only errors)}
    wrong: list[dict]  # id, case, label, verdict, reason
    errors: int = 0  # cases that could not be judged (error verdict on a non-empty response)
    error_causes: dict[str, int] = field(default_factory=dict)  # reason -> cases, most first


def _flagged_right(label: str, verdict: str) -> bool:
    return verdict != ERROR and is_flagged(verdict) == is_flagged(label)


def judge_all(judge, records: list[LabelledResponse],
              progress: Callable[[int, int], None] | None = None) -> list[Judgement]:
    """Every record's judgement, in order (asked concurrently when the judge calls a server);
    ``progress(done, total)`` is called after each."""
    for r in records:
        if hasattr(judge, "prefetch"):
            judge.prefetch(r.prompt, r.response, r.image)
    judged = []
    for r in records:
        judged.append(judge.judge(r.prompt, r.response, r.image))
        if progress is not None:
            progress(len(judged), len(records))
    return judged


def evaluate(judge, records: list[LabelledResponse]) -> Evaluation:
    """Judge every record and score the judgements."""
    return figures(judge.name, records, judge_all(judge, records))


def figures(judge: str, records: list[LabelledResponse], judgements: list[Judgement]) -> Evaluation:
    """The figures of ``judgements`` (one per record, in order) against the records' labels."""
    predicted = [j.verdict for j in judgements]
    causes = Counter(j.failure or j.reason for r, j in zip(records, judgements)
                     if (j.verdict == ERROR or j.failure) and r.response.strip())
    truth = [r.label for r in records]
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
    cases: dict[str, list[tuple[str, str]]] = {}
    for r, p in zip(records, predicted):
        cases.setdefault(r.case, []).append((r.label, p))
    by_case = {}
    for case, pairs in sorted(cases.items()):
        judged = [(t, p) for t, p in pairs if t != ERROR]
        by_case[case] = {
            "n": len(pairs), "accuracy": sum(t == p for t, p in pairs) / len(pairs),
            "flagged_accuracy": (sum(_flagged_right(t, p) for t, p in judged) / len(judged))
            if judged else None}
    return Evaluation(
        judge=judge, n=len(records),
        accuracy=sum(t == p for t, p in zip(truth, predicted)) / len(records),
        flagged_accuracy=sum(_flagged_right(t, p) for t, p in scored) / len(scored) if scored else 0.0,
        per_class=per_class, confusion=confusion, by_case=by_case,
        wrong=[{"id": r.id, "case": r.case, "label": r.label, "verdict": j.verdict, "reason": j.reason}
               for r, j in zip(records, judgements) if j.verdict != r.label],
        errors=sum(causes.values()), error_causes=dict(causes.most_common()),
    )


def _pct(value: float | None) -> str:
    return "    -" if value is None else f"{value:5.3f}"


def format_evaluation(ev: Evaluation) -> list[str]:
    """Accuracy, flagged accuracy, cases not judged, per-class precision/recall, confusion
    matrix (full class names, aligned), per case."""
    lines = [f"judge {ev.judge} on {ev.n} labelled response{'' if ev.n == 1 else 's'}",
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
    lines += ["", f"{'accuracy by case':<24} {'n':>4} {'5 classes':>9} {'flagged':>8}"]
    lines += [f"  {case:<22} {c['n']:>4} {c['accuracy']:>9.3f} {_pct(c['flagged_accuracy']):>8}"
              for case, c in ev.by_case.items()]
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
