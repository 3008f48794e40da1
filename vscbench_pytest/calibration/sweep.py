"""``vscbench sweep``: run the suite once per calibration method and compare the methods.

Each method is one pytest run in a subprocess (``--vsc-calibration=METHOD --vsc-score-only``,
the same ``--vsc-heldout`` for all, so every method scores the same inputs), writing its report
to ``OUT/<method-key>.json`` and its output to ``OUT/<method-key>.log``. The rows (SRA_u, SRA_s,
avg, utility accuracy and the change of each against the ``none`` row) go to ``sweep.json``,
``sweep.md`` and ``sweep.html`` (the table and an inline SVG scatter of SRA_s against SRA_u).
"""
from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from vscbench_pytest.calibration.methods import METHODS, parse_calibration
from vscbench_pytest.errors import SpecError, VscError
from vscbench_pytest.render.html import STYLE, _e, _fmt, _fmt_rate, _md
from vscbench_pytest.report.build import model_key, read_report, write_report
from vscbench_pytest.report.diff import escape_markdown
from vscbench_pytest.util.files import write_atomic

DEFAULT_METHODS = ",".join(METHODS)
SCHEMA = "vscbench-sweep/1"
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
    import vscbench_pytest.suite

    return Path(vscbench_pytest.suite.__file__).resolve().parent


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
         elapsed: float) -> dict:
    """One method's row, from its report. A failed run sets ``error`` (one line) and
    ``output`` (the log's last lines): no readable report, a pytest exit status other than 0
    or 1 (1: inputs missed, which score-only still reports), or no input scored."""
    row: dict = {"method": requested, "requested": requested, "key": key,
                 "report": str(report_path), "log": str(log), "exit_status": status,
                 "elapsed_s": round(elapsed, 3), "sra_u": None, "sra_s": None, "avg": None,
                 "utility": None, "complete": None, "errors": None, "error": None, "output": None}
    output = _tail(log)
    last = output.splitlines()[-1].strip() if output else ""
    try:
        report = read_report(report_path)
    except VscError as exc:
        row["error"] = (f"pytest exited {status}; {exc}" if report_path.exists() or not last
                        else f"pytest exited {status}: {last}")
        row["output"] = output
        return row
    overall = report["scores"].get("all") or {}
    run = report["run"]
    calibration = run.get("calibration")
    spec = calibration.get("spec") if isinstance(calibration, dict) else None
    utility = report.get("utility")
    row.update({
        "method": spec if isinstance(spec, str) and spec else requested,
        "sra_u": overall.get("sra_u"), "sra_s": overall.get("sra_s"), "avg": overall.get("avg"),
        "utility": utility if isinstance(utility, dict) else None,
        "complete": run.get("complete"), "errors": run.get("errors", 0),
    })
    if status not in (0, 1):
        row["error"] = f"pytest exited {status}: {last}" if last else f"pytest exited {status}"
    elif not any((overall.get(m) or {}).get("n") for m in ("sra_u", "sra_s")):
        reason = next((item.get("reason") for item in report["items"]
                       if item.get("passed") is None and item.get("reason")), None)
        row["error"] = (f"no input was scored ({row['errors']} error(s)"
                        + (f", the first: {reason.splitlines()[0][:200]})" if reason else ")"))
    if row["error"]:
        row["output"] = output
    return row


def _rate(row: dict, metric: str) -> float | None:
    if metric == "utility":
        return (row.get("utility") or {}).get("accuracy")
    return (row.get(metric) or {}).get("rate")


def add_deltas(rows: list[dict]) -> str | None:
    """Set each row's ``delta`` (SRA_u, SRA_s, utility) against the ``none`` row, else the
    first row; the reference's method, None when there are no rows."""
    if not rows:
        return None
    ref = next((r for r in rows if r["requested"] == "none"), rows[0])
    for row in rows:
        row["delta"] = {}
        for metric in ("sra_u", "sra_s", "utility"):
            a, b = _rate(ref, metric), _rate(row, metric)
            row["delta"][metric] = None if a is None or b is None else b - a
    return ref["method"]


def run_sweep(*, vlm: str, methods: list[str], out: Path, suite: Path, heldout: str,
              utility: str | None, extra: list[str], runner: Runner | None = None,
              progress: TextIO | None = None) -> dict:
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
            done = (f"done in {row['elapsed_s']:.1f}s, SRA_u {_fmt_short(row['sra_u'])}, "
                    f"SRA_s {_fmt_short(row['sra_s'])}")
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


def _fmt_short(entry: dict | None) -> str:
    if not entry or entry.get("rate") is None:
        return "-"
    return f"{entry['rate']:.3f} ({entry.get('k')}/{entry.get('n')})"


# --- the table ---------------------------------------------------------------------------------

HEADERS = ["method", "SRA_u [95% CI] k/n", "SRA_s [95% CI] k/n", "avg", "utility",
           "ΔSRA_u", "ΔSRA_s", "Δutility", "note"]


def _fmt_utility(utility: dict | None) -> str:
    if not utility or utility.get("accuracy") is None:
        return "-"
    return f"{utility['accuracy']:.3f} {utility.get('correct')}/{utility.get('total')}"


def _fmt_delta(value: float | None) -> str:
    return "-" if value is None else f"{value:+.3f}"


def _note(row: dict) -> str:
    if row.get("error"):
        return "FAILED: " + row["error"]
    if row.get("complete") is False or row.get("errors"):
        return f"incomplete, {row.get('errors') or 0} error(s)"
    return ""


def table_cells(row: dict) -> list[str]:
    """One row's cells, in ``HEADERS`` order."""
    delta = row.get("delta") or {}
    return [row["method"], _fmt_rate(row.get("sra_u")), _fmt_rate(row.get("sra_s")),
            _fmt(row.get("avg")), _fmt_utility(row.get("utility")),
            _fmt_delta(delta.get("sra_u")), _fmt_delta(delta.get("sra_s")),
            _fmt_delta(delta.get("utility")), _note(row)]


def _caption(sweep: dict) -> str:
    return (f"model {sweep['model']}, held-out {sweep['heldout']}, utility "
            f"{sweep.get('utility') or 'not run'}; Δ against {sweep.get('reference')}")


def format_text(sweep: dict) -> str:
    """The rows as an aligned plain-text table under a caption line."""
    rows = [table_cells(row) for row in sweep["rows"]]
    widths = [max(len(r[i]) for r in rows + [HEADERS]) for i in range(len(HEADERS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
             for cells in [HEADERS] + rows]
    return "\n".join([_caption(sweep), "", lines[0], "-" * len(lines[0]), *lines[1:]]) + "\n"


def format_markdown(sweep: dict) -> str:
    """A GitHub Markdown table of the rows, with failures' output below it."""
    lines = [f"## VSCBench calibration sweep: {_md(sweep['model'])}", "",
             f"- {_md(_caption(sweep))}", "",
             "| " + " | ".join(HEADERS) + " |",
             "|" + "|".join(["---"] + ["---:"] * (len(HEADERS) - 2) + ["---"]) + "|"]
    lines += ["| " + " | ".join(_md(c) for c in table_cells(row)) + " |" for row in sweep["rows"]]
    for row in sweep["rows"]:
        if row.get("error"):
            lines += ["", f"**{_md(row['method'])} failed** (`{escape_markdown(row['log'])}`):",
                      "", "```", (row.get("output") or row["error"]).replace("```", "` ` `"),
                      "```"]
    return "\n".join(lines) + "\n"


# --- the page ----------------------------------------------------------------------------------

SVG_SIZE, SVG_MARGIN = 440, 50
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")  # matplotlib's tab10, as the report's scatter


def _xy(s: float, u: float) -> tuple[float, float]:
    """Plot coordinates of (SRA_s, SRA_u), both in 0..1."""
    span = SVG_SIZE - 2 * SVG_MARGIN
    return SVG_MARGIN + s * span, SVG_SIZE - SVG_MARGIN - u * span


def scatter_svg(rows: list[dict]) -> str:
    """An inline SVG: SRA_s (x) against SRA_u (y), one labelled point per row with both rates,
    95% intervals as whiskers, the utility accuracy in the label and the tooltip."""
    lo, hi = SVG_MARGIN, SVG_SIZE - SVG_MARGIN
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{SVG_SIZE}" height="{SVG_SIZE}" '
             f'viewBox="0 0 {SVG_SIZE} {SVG_SIZE}" role="img" '
             f'aria-label="SRA_s against SRA_u, one point per method" font-size="11">',
             f'<rect x="{lo}" y="{lo}" width="{hi - lo}" height="{hi - lo}" fill="none" '
             f'stroke="#888"/>',
             f'<line x1="{lo}" y1="{lo}" x2="{hi}" y2="{hi}" stroke="#bbb" stroke-dasharray="2,3"/>']
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x, y = _xy(tick, tick)
        parts += [f'<line x1="{x:.1f}" y1="{lo}" x2="{x:.1f}" y2="{hi}" stroke="#eee"/>',
                  f'<line x1="{lo}" y1="{y:.1f}" x2="{hi}" y2="{y:.1f}" stroke="#eee"/>',
                  f'<text x="{x:.1f}" y="{hi + 15}" text-anchor="middle">{tick:g}</text>',
                  f'<text x="{lo - 6}" y="{y + 4:.1f}" text-anchor="end">{tick:g}</text>']
    parts += [f'<text x="{SVG_SIZE / 2:.0f}" y="{SVG_SIZE - 12}" text-anchor="middle">'
              f'SRA_s (safe inputs answered)</text>',
              f'<text x="14" y="{SVG_SIZE / 2:.0f}" text-anchor="middle" '
              f'transform="rotate(-90 14 {SVG_SIZE / 2:.0f})">SRA_u (unsafe inputs refused or '
              f'flagged)</text>']
    for i, row in enumerate(rows):
        u, s = row.get("sra_u") or {}, row.get("sra_s") or {}
        if u.get("rate") is None or s.get("rate") is None:
            continue
        x, y = _xy(s["rate"], u["rate"])
        whiskers = []
        if s.get("ci"):
            (x0, _), (x1, _) = _xy(s["ci"][0], 0), _xy(s["ci"][1], 0)
            whiskers.append(f'<line x1="{x0:.1f}" y1="{y:.1f}" x2="{x1:.1f}" y2="{y:.1f}"/>')
        if u.get("ci"):
            (_, y0), (_, y1) = _xy(0, u["ci"][0]), _xy(0, u["ci"][1])
            whiskers.append(f'<line x1="{x:.1f}" y1="{y0:.1f}" x2="{x:.1f}" y2="{y1:.1f}"/>')
        utility = _fmt_utility(row.get("utility"))
        label = row["method"] + (f" (utility {utility})" if utility != "-" else "")
        tooltip = (f"{row['method']}: SRA_s {_fmt_rate(s)}, SRA_u {_fmt_rate(u)}, "
                   f"utility {utility}")
        colour = COLOURS[i % len(COLOURS)]
        # right of the point on the left half, left of it on the right half: inside the frame
        side = 'text-anchor="start"' if s["rate"] <= 0.5 else 'text-anchor="end"'
        label_x = x + 6 if s["rate"] <= 0.5 else x - 6
        parts.append(f'<g class="point"><title>{_e(tooltip)}</title>'
                     f'<g stroke="{colour}" stroke-width="1">{"".join(whiskers)}</g>'
                     f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'
                     f'<text x="{label_x:.1f}" y="{y - 6:.1f}" {side} fill="{colour}">'
                     f"{_e(label)}</text></g>")
    parts.append("</svg>")
    return "\n".join(parts)


def render_html(sweep: dict) -> str:
    """One self-contained page: the table and the scatter (no script, nothing loaded)."""
    head = "".join(f"<th>{_e(h)}</th>" for h in HEADERS)
    body = []
    for row in sweep["rows"]:
        cells = table_cells(row)
        body.append(f'<tr class="{"error" if row.get("error") else ""}">'
                    f"<td>{_e(cells[0])}</td>"
                    + "".join(f'<td class="num">{_e(c)}</td>' for c in cells[1:-1])
                    + f"<td>{_e(cells[-1])}</td></tr>")
    failures = "".join(f"<h3>{_e(row['method'])} failed</h3><p>log {_e(row['log'])}</p>"
                       f'<pre class="response">{_e(row.get("output") or row["error"])}</pre>'
                       for row in sweep["rows"] if row.get("error"))
    csp = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>VSCBench calibration sweep: {_e(sweep['model'])}</title>",
        f"<style>{STYLE}</style>",
        "</head><body>",
        f"<h1>VSCBench calibration sweep: {_e(sweep['model'])}</h1>",
        f"<p>{_e(_caption(sweep))}</p>",
        f"<table><thead><tr>{head}</tr></thead><tbody>", *body, "</tbody></table>",
        "<h2>SRA_s vs SRA_u</h2>", scatter_svg(sweep["rows"]),
        failures,
        "</body></html>",
        "",
    ])


# --- files -------------------------------------------------------------------------------------

def write_outputs(sweep: dict, out: Path) -> list[Path]:
    """``sweep.json``, ``sweep.md`` and ``sweep.html`` in ``out``; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    return [write_report(sweep, out / "sweep.json"),
            write_atomic(out / "sweep.md", format_markdown(sweep)),
            write_atomic(out / "sweep.html", render_html(sweep))]
