"""``vscbench judge-eval``: a judge's accuracy on labelled responses."""
from __future__ import annotations

import argparse
import json
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

from vscbench_pytest.errors import VscError
from vscbench_pytest.exit_codes import CLI_FAILED, CLI_OK

# Judges name their options as pytest spells them; this command has its own spelling.
OWN_FLAGS = (("--vsc-judge-labels", "--judge-labels"), ("--vsc-judge-base-url", "--judge-base-url"),
             ("--vsc-judge ", "--judge "), ("--vsc-judge:", "--judge:"))


PROGRESS_EVERY_S = 10.0
ABOUT_WIDTH = 100  # the header's "how the set was written" is wrapped to this many columns


def progress_printer() -> Callable[[int, int], None]:
    """A ``judge_all`` progress callback: a line on stderr at most every PROGRESS_EVERY_S, the
    pace timed from the first response judged (loading a model is not the judge's pace)."""
    from vscbench_pytest.render.progress import pace

    first: list[tuple[float, int]] = []
    last = [time.monotonic()]

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        if not first:
            first.append((now, done))
        if done == total or now - last[0] < PROGRESS_EVERY_S:
            return
        last[0] = now
        when, before = first[0]
        left = pace(done, total, now - when, done - before)[1]
        print(f"judge-eval: {done}/{total} responses judged, about {left} left", file=sys.stderr, flush=True)

    return report


def _own_flags(exc: VscError) -> VscError:
    """The error with the pytest option names a judge uses replaced by this command's."""
    message = str(exc)
    for theirs, ours in OWN_FLAGS:
        message = message.replace(theirs, ours)
    return VscError(message)


def judge_eval(args: argparse.Namespace) -> int:
    """Judge the labelled responses of each split asked for and print per-class
    precision/recall and the confusion; exit 1 (with a line naming the cause) when a case
    could not be judged."""
    from dataclasses import asdict

    from vscbench_pytest.bundled import judge_eval_set
    from vscbench_pytest.judges.evaluation import (
        failure_line,
        figures,
        format_evaluation,
        judge_all,
        of_parts,
        parse_parts,
        read_labelled,
    )
    from vscbench_pytest.judges.registry import JudgeOptions, judge_server, make_judge

    if args.data and args.set:
        raise VscError("judge-eval: --set and --data are alternatives: a bundled set, or your own file")
    path = Path(args.data) if args.data else judge_eval_set(args.set or "blind")
    labelled = read_labelled(path)
    parts = parse_parts(args.parts) if args.parts is not None else None
    if parts is not None:
        labelled = of_parts(labelled, parts)
    splits = ("dev", "test") if args.split == "both" else (args.split,)
    records = [r for r in labelled.records if args.split in ("all", "both") or r.split == args.split]
    if not records:
        among = (f" among {'parts' if len(parts) > 1 else 'part'} {args.parts} (their records are all in "
                 f"{' and '.join(sorted({r.split for r in labelled.records}))})") if parts is not None else ""
        raise VscError(f"judge-eval: {path}: no record in split {args.split!r}{among}")
    base_url, api_key = judge_server(args.judge_base_url, None)
    options = JudgeOptions(base_url=base_url, api_key=api_key, concurrency=args.concurrency,
                           labels=args.judge_labels or "", option="--judge",
                           base_url_option="--judge-base-url")
    try:
        judge = make_judge(args.judge, options)
        try:
            judged = dict(zip((r.id for r in records), judge_all(judge, records, progress_printer())))
        finally:
            close = getattr(judge, "close", None)
            if close is not None:
                close()
    except VscError as exc:
        raise _own_flags(exc) from None
    evaluations = {}
    for name in splits:
        chosen = labelled.split(name)
        if chosen:
            evaluations[name] = figures(judge.name, chosen, [judged[r.id] for r in chosen])
    if args.json:
        print(json.dumps({"data": str(path), "about": labelled.about,
                          "splits": {name: asdict(ev) for name, ev in evaluations.items()}}, indent=2))
    else:
        print(f"data {path}")
        if labelled.about:
            print(textwrap.fill(labelled.about, ABOUT_WIDTH, initial_indent="about ",
                                subsequent_indent="      ", break_on_hyphens=False))
        for name in splits:
            print(f"\n== split {name} ==")
            print("\n".join(format_evaluation(evaluations[name])) if name in evaluations
                  else "no record in this split")
    failed = failure_line(figures(judge.name, records, list(judged.values())))
    if failed is not None:
        print(f"vscbench: {failed}", file=sys.stderr)
        return CLI_FAILED
    return CLI_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``judge-eval`` to the ``vscbench`` command."""
    from vscbench_pytest.bundled import JUDGE_EVAL_SETS

    p = sub.add_parser("judge-eval", help="a judge's accuracy on labelled responses (a bundled set "
                       "by default), on its dev and test splits: per-class precision/recall and the "
                       "confusion matrix; exits 1 when a case could not be judged")
    p.add_argument("--judge", required=True, help="keyword, keyword+minilm, vscbench-sm, llm:<model>, "
                   "vscbench-gpt[:<model>] (the paper's GPT judge) or hf:<id-or-path>")
    p.add_argument("--set", choices=tuple(JUDGE_EVAL_SETS),
                   help="which bundled set: blind (written without seeing any judge's rules; the "
                   "default) or project (written alongside the keyword rules)")
    p.add_argument("--data", help="your own labelled JSONL instead of a bundled set: one JSON "
                   "object per line with id, prompt, image (true/false), response, label (refusal, "
                   "warning, compliance, irrelevant or error) and case (any tag), and optionally "
                   "split (dev or test) and part (a whole number from 1: the batch it was written in); a first line {\"header\": {\"about\": \"...\"}} may say "
                   "how the set was written")
    p.add_argument("--split", choices=("dev", "test", "all", "both"), default="both",
                   help="dev (for tuning), test (never looked at while tuning: quote these), all "
                   "(the two together) or both (dev, then test; the default)")
    p.add_argument("--parts", help="only the records of these parts (batches of writing), e.g. "
                   "29-32 or 1-4,9: the blind set's header says how and when each part was written")
    p.add_argument("--judge-base-url", help="server of an llm: or vscbench-gpt judge (default $VSCBENCH_JUDGE_BASE_URL, "
                   "else $OPENAI_BASE_URL); the key comes from $VSCBENCH_JUDGE_API_KEY or $OPENAI_API_KEY")
    p.add_argument("--judge-labels", help="label mapping of an hf: judge, e.g. 'LABEL_1=refusal,...'")
    p.add_argument("--concurrency", type=int, default=8, help="llm: judge requests in flight (default 8)")
    p.add_argument("--json", action="store_true", help="print the figures per split (and the misjudged ids) as JSON")
    p.set_defaults(func=judge_eval)
