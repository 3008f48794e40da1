"""``vscbench sweep``: run the suite once per calibration method and compare the methods
(this project's own methods and utility measure, not the VSCBench paper's; docs/calibration.md).

Each method is one pytest run in a subprocess (``--vsc-calibration=METHOD --vsc-score-only``,
the same ``--vsc-heldout`` for all, so every method scores the same inputs), writing its report
to ``OUT/<method-key>.json`` and its output to ``OUT/<method-key>.log``. The rows (SRA_u, SRA_s,
avg, utility accuracy and the change of each against the ``none`` row) go to ``sweep.json``,
``sweep.md`` and ``sweep.html`` (the table and an inline SVG scatter of SRA_s against SRA_u,
drawn by ``render.sweep``).
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from vscbench_pytest.calibration.methods import METHODS, heldout_source, parse_calibration
from vscbench_pytest.errors import SpecError, VscError
from vscbench_pytest.render.sweep import format_markdown, format_text, render_html
from vscbench_pytest.report.build import model_key
from vscbench_pytest.report.io import read_report, write_json
from vscbench_pytest.report.schema import SWEEP_SCHEMA, Sweep, SweepRow
from vscbench_pytest.util.files import write_atomic
from vscbench_pytest.util.fmt import rate_short

DEFAULT_METHODS = ",".join(METHODS)
SCHEMA = SWEEP_SCHEMA
LOG_TAIL_LINES = 15
# a comma-separated piece that starts a method (a name, maybe ``:params``), not a parameter
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(?::|$)")

Runner = Callable[[list[str], Path], int]


def parse_methods(text: str) -> list[str]:
    """Split ``--methods`` into method specs, checking each as ``--vsc-calibration`` would.

    The list splits at the commas followed by a method name, so a method's own parameters
    may hold commas: ``steer:1,4.0,adasteer`` is ``["steer:1,4.0", "adasteer"]``. A VscError
    names an empty list or entry, an unknown name, bad parameters, a parameter with no method
    before it and a method given twice (``fewshot`` and ``fewshot:2`` are one method).
    """
    specs: list[str] = []
    for piece in text.split(","):
        piece = piece.strip()
        if not piece:
            raise VscError(f"--methods {text!r}: an empty entry (choices: {DEFAULT_METHODS})")
        if _NAME.match(piece) and not _is_number(piece):
            name = piece.partition(":")[0]
            if name.lower() not in METHODS:
                raise VscError(f"--methods: unknown method {name!r} (choices: {DEFAULT_METHODS})")
            specs.append(piece)
        elif not specs:
            raise VscError(f"--methods {text!r}: {piece!r} comes before any method name")
        else:
            specs[-1] += "," + piece
    seen: dict[tuple[str, str], str] = {}
    for spec in specs:
        try:
            canonical = parse_calibration(spec).spec
        except SpecError as exc:
            raise VscError(f"--methods: {spec!r}: {str(exc).removeprefix('--vsc-calibration: ')}"
                           ) from None
        for key in (("run", canonical), ("file", model_key(spec))):
            if key in seen:
                raise VscError(f"--methods: {spec!r} is given twice"
                               + (f" (as {seen[key]!r})" if seen[key] != spec else ""))
            seen[key] = spec
    return specs


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def suite_dir() -> Path:
    """The benchmark suite as the package ships it (``vscbench_pytest/suite/``)."""
    # a path, not an import: cli and suite are sibling layers
    return Path(__file__).resolve().parents[1] / "suite"


def default_out(vlm: str, base: Path) -> Path:
    """``BASE/.vscbench/sweep/<model-key>/``."""
    return base / ".vscbench" / "sweep" / model_key(vlm)


def default_utility(vlm: str) -> str | None:
    """``bundled`` for a bundled tiny checkpoint (it runs in seconds), else no utility run."""
    from vscbench_pytest.backends.registry import BUNDLED

    return "bundled" if vlm.strip() in BUNDLED else None


TINY_MAX_NEW_TOKENS = 32  # the tiny models' context is 256 tokens; demonstrations need room


def default_extra(vlm: str, extra: list[str]) -> list[str]:
    """The pytest arguments of every run: for a bundled tiny checkpoint, a shorter answer
    budget (its answers are under 20 tokens) unless ``extra`` sets one."""
    from vscbench_pytest.backends.registry import BUNDLED

    if vlm.strip() in BUNDLED and not any(a.startswith("--vsc-max-new-tokens") for a in extra):
        return [f"--vsc-max-new-tokens={TINY_MAX_NEW_TOKENS}", *extra]
    return list(extra)


def pytest_command(suite: Path, vlm: str, method: str, report: Path, heldout: str,
                   utility: str | None, extra: list[str]) -> list[str]:
    """The pytest command line of one method's run."""
    # --rootdir: the cache and any snapshots stay in the user's project, even when the suite is
    # the installed package's
    return [sys.executable, "-m", "pytest", str(suite), "-q", "-p", "no:cacheprovider",
            f"--rootdir={Path.cwd()}",
            f"--vlm={vlm}", f"--vsc-calibration={method}", "--vsc-score-only",
            f"--vsc-report={report}", f"--vsc-heldout={heldout}",
            *([f"--vsc-utility={utility}"] if utility else []), *extra]


def run_pytest(command: list[str], log: Path) -> int:
    """Run ``command`` with its output (stdout and stderr) in ``log``; its exit status."""
    import subprocess

    with log.open("w", encoding="utf-8", errors="backslashreplace") as handle:
        return subprocess.run(command, stdout=handle, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL).returncode


def _tail(log: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = log.read_text(encoding="utf-8", errors="backslashreplace")
    except OSError:
        return ""
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _row(requested: str, key: str, report_path: Path, log: Path, status: int,
         elapsed: float) -> SweepRow:
    """One method's row, from its report. A failed run sets ``error`` (one line) and
    ``output`` (the log's last lines): no readable report, a pytest exit status other than 0
    or 1 (1: inputs missed, which score-only still reports), or no input scored."""
    row: SweepRow = {
        "method": requested, "requested": requested, "key": key, "report": str(report_path),
        "log": str(log), "exit_status": status, "elapsed_s": round(elapsed, 3), "sra_u": None,
        "sra_s": None, "avg": None, "utility": None, "complete": None, "errors": None,
        "error": None, "output": None, "delta": {"sra_u": None, "sra_s": None, "utility": None}}
    output = _tail(log)
    last = output.splitlines()[-1].strip() if output else ""
    try:
        report = read_report(report_path)
    except VscError as exc:
        row["error"] = (f"pytest exited {status}; {exc}" if report_path.exists() or not last
                        else f"pytest exited {status}: {last}")
        row["output"] = output
        return row
    overall = report["scores"].get("all")
    run = report["run"]
    calibration = run.get("calibration")
    if overall is not None:
        row.update({"sra_u": overall["sra_u"], "sra_s": overall["sra_s"], "avg": overall["avg"]})
    row.update({
        "method": calibration["spec"] if calibration is not None and calibration["spec"]
        else requested,
        "utility": report.get("utility"), "complete": run["complete"], "errors": run["errors"],
    })
    if status not in (0, 1):
        row["error"] = f"pytest exited {status}: {last}" if last else f"pytest exited {status}"
    elif overall is None or not (overall["sra_u"]["n"] or overall["sra_s"]["n"]):
        reason = next((item["reason"] for item in report["items"]
                       if item["passed"] is None and item["reason"]), None)
        row["error"] = (f"no input was scored ({run['errors']} error(s)"
                        + (f", the first: {reason.splitlines()[0][:200]})" if reason else ")"))
    if row["error"]:
        row["output"] = output
    return row


def _rate(row: SweepRow, metric: str) -> float | None:
    if metric == "utility":
        return None if row["utility"] is None else row["utility"]["accuracy"]
    entry = row["sra_u"] if metric == "sra_u" else row["sra_s"]
    return None if entry is None else entry["rate"]


def add_deltas(rows: list[SweepRow]) -> str | None:
    """Set each row's ``delta`` (SRA_u, SRA_s, utility) against the ``none`` row, else the
    first row; the reference's method, None when there are no rows."""
    if not rows:
        return None
    ref = next((r for r in rows if r["requested"] == "none"), rows[0])
    for row in rows:
        u, s, utility = (_change(_rate(ref, metric), _rate(row, metric))
                         for metric in ("sra_u", "sra_s", "utility"))
        row["delta"] = {"sra_u": u, "sra_s": s, "utility": utility}
    return ref["method"]


def _change(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


def run_sweep(*, vlm: str, methods: list[str], out: Path, suite: Path, heldout: str,
              utility: str | None, extra: list[str], runner: Runner | None = None,
              progress: TextIO | None = None) -> Sweep:
    """Run every method, one after another, and return the sweep (``rows`` in method order).

    ``runner(command, log) -> exit status`` runs one pytest (default ``run_pytest``). A stale
    report of the same method is removed first, so a run that writes none shows as failed.
    """
    runner = runner or run_pytest
    progress = progress or sys.stderr
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, method in enumerate(methods, 1):
        key = model_key(method)
        report_path, log = out / f"{key}.json", out / f"{key}.log"
        report_path.unlink(missing_ok=True)
        tag = f"[{i}/{len(methods)}] {method}"
        print(f"{tag}: running pytest (log {log})", file=progress, flush=True)
        started = time.monotonic()
        status = runner(pytest_command(suite, vlm, method, report_path, heldout, utility, extra),
                        log)
        row = _row(method, key, report_path, log, status, time.monotonic() - started)
        if row["error"] is None:
            done = (f"done in {row['elapsed_s']:.1f}s, SRA_u {rate_short(row['sra_u'])}, "
                    f"SRA_s {rate_short(row['sra_s'])}")
        else:
            done = f"FAILED in {row['elapsed_s']:.1f}s: {row['error']} (log {log})"
        print(f"{tag}: {done}", file=progress, flush=True)
        rows.append(row)
    reference = add_deltas(rows)
    return {"schema": SCHEMA, "model": vlm, "suite": str(suite), "heldout": heldout,
            "utility": utility, "extra_args": [_public(arg) for arg in extra], "reference": reference,
            "rows": rows}


def _public(arg: str) -> str:
    """A pytest argument as ``sweep.json`` may keep it: a URL without its credentials."""
    from vscbench_pytest.backends.openai_api import public_url

    name, sep, value = arg.partition("=")
    if sep and "://" in value:
        return f"{name}={public_url(value)}"
    return public_url(arg) if "://" in arg else arg


def write_outputs(sweep: Sweep, out: Path) -> list[Path]:
    """``sweep.json``, ``sweep.md`` and ``sweep.html`` in ``out``; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    return [write_json(sweep, out / "sweep.json"),
            write_atomic(out / "sweep.md", format_markdown(sweep)),
            write_atomic(out / "sweep.html", render_html(sweep))]


# --- the command -------------------------------------------------------------------------------

def sweep_command(args: argparse.Namespace) -> int:
    """``vscbench sweep``: check every argument, run the methods, print and write the table."""
    from vscbench_pytest.backends.registry import parse_spec

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


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``sweep`` to the ``vscbench`` command."""
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
    p.set_defaults(func=sweep_command)
