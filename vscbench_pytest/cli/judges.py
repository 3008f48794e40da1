"""``vscbench judge-eval``: a judge's accuracy on labelled responses."""
from __future__ import annotations

import argparse
import json
from pathlib import Path


def judge_eval(args: argparse.Namespace) -> int:
    """Judge the labelled responses and print per-class precision/recall and the confusion."""
    from dataclasses import asdict

    from vscbench_pytest.bundled import judge_eval_set
    from vscbench_pytest.judges.evaluation import evaluate, format_evaluation, read_labelled
    from vscbench_pytest.judges.registry import JudgeOptions, judge_server, make_judge

    path = Path(args.data) if args.data else judge_eval_set()
    records = read_labelled(path)
    base_url, api_key = judge_server(args.judge_base_url, None)
    options = JudgeOptions(base_url=base_url, api_key=api_key, concurrency=args.concurrency,
                           labels=args.judge_labels or "")
    judge = make_judge(args.judge, options)
    try:
        evaluation = evaluate(judge, records)
    finally:
        close = getattr(judge, "close", None)
        if close is not None:
            close()
    if args.json:
        print(json.dumps(asdict(evaluation), indent=2))
    else:
        print(f"data {path}")
        print("\n".join(format_evaluation(evaluation)))
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``judge-eval`` to the ``vscbench`` command."""
    p = sub.add_parser("judge-eval", help="a judge's accuracy on labelled responses (bundled set "
                       "by default): per-class precision/recall and the confusion matrix")
    p.add_argument("--judge", required=True, help="keyword, vscbench-sm, llm:<model> or hf:<id-or-path>")
    p.add_argument("--data", help="labelled JSONL (default: the bundled judge-eval set)")
    p.add_argument("--judge-base-url", help="server of an llm: judge (default $VSCBENCH_JUDGE_BASE_URL, "
                   "else $OPENAI_BASE_URL); the key comes from $VSCBENCH_JUDGE_API_KEY or $OPENAI_API_KEY")
    p.add_argument("--judge-labels", help="label mapping of an hf: judge, e.g. 'LABEL_1=refusal,...'")
    p.add_argument("--concurrency", type=int, default=8, help="llm: judge requests in flight (default 8)")
    p.add_argument("--json", action="store_true", help="print the figures (and the misjudged ids) as JSON")
    p.set_defaults(func=judge_eval)
