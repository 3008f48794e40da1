"""One self-contained HTML page from one or more reports, and ``write_outputs`` (the page and
the Markdown summary of ``render.markdown`` to files).

``render_html`` embeds the plots of ``render.plots`` as ``data:image/png;base64,...`` URLs: the
page loads nothing from anywhere. Every string taken from a report (specs, uids, responses,
reasons, bucket names) is HTML-escaped; the page's only script is the item filter below, and a
Content-Security-Policy allows that script alone (by its hash), no other script, and images
from ``data:`` URLs only. Output is deterministic: the same reports give the same page, byte
for byte, under one matplotlib version.
"""
from __future__ import annotations

import base64
import hashlib
import os
from collections import Counter
from pathlib import Path

from vscbench_pytest.render.common import display_names, misses
from vscbench_pytest.render.markdown import render_markdown
from vscbench_pytest.render.plots import bars_png, category_buckets, scatter_png, variant_buckets
from vscbench_pytest.render.text import format_calibration
from vscbench_pytest.report.diff import KINDS, diff_reports
from vscbench_pytest.report.schema import Rate, Report
from vscbench_pytest.util.extras import require
from vscbench_pytest.util.fmt import escape_html as esc
from vscbench_pytest.util.fmt import number, rate

STEP_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"

FILTER_SCRIPT = """
(function () {
  var box = document.getElementById("item-filter");
  var rows = document.querySelectorAll("#items tbody tr");
  var shown = document.getElementById("item-count");
  function apply() {
    var q = box.value.toLowerCase();
    var n = 0;
    for (var i = 0; i < rows.length; i++) {
      var hit = q === "" || rows[i].textContent.toLowerCase().indexOf(q) !== -1;
      rows[i].style.display = hit ? "" : "none";
      if (hit) { n++; }
    }
    shown.textContent = String(n);
  }
  box.addEventListener("input", apply);
})();
"""

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; vertical-align: top; text-align: left; }
th { background: #f0f0f0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.response { white-space: pre-wrap; max-width: 50em; overflow-wrap: anywhere; }
tr.fail td { background: #fff0f0; }
tr.error td { background: #fff8e0; }
.model { border-left: 4px solid #4a78b5; padding-left: 0.8em; margin-bottom: 1em; }
.none { color: #888; font-style: italic; }
img { display: block; margin: 0.5em 0 1em; }
"""


def _img(url: str, alt: str) -> str:
    return f'<img src="{url}" alt="{esc(alt)}">'


def _header(report: Report, name: str) -> str:
    model, run, judge = report["model"], report["run"], report["judge"]
    complete = "complete" if run["complete"] else "INCOMPLETE"
    lines = [
        f'<div class="model"><h2>{esc(name)}</h2><ul>',
        f"<li>model: <code>{esc(model['spec'])}</code></li>",
        f"<li>judge: {esc(judge['name'])}</li>",
        f"<li>inputs: {esc(report['dataset']['n_items'])}</li>",
        f"<li>run: {esc(complete)}, {esc(run['errors'])} error(s)</li>",
    ]
    lines += [f"<li>{esc(line)}</li>" for line in format_calibration(report)]
    judges = report.get("judges")
    if judges is not None and judges["scores"]:
        parts = [f"{esc(j)} (SRA_u {esc(number(_rate_of(s['sra_u'])))}, "
                 f"SRA_s {esc(number(_rate_of(s['sra_s'])))})"
                 for j, s in judges["scores"].items()]
        lines.append(f"<li>judges compared: {', '.join(parts)}</li>")
    lines.append("</ul></div>")
    return "\n".join(lines)


def _rate_of(entry: Rate | None) -> float | None:
    return None if entry is None else entry["rate"]


def _bucket_table(report: Report) -> str:
    head = ("<tr><th>bucket</th><th>n</th><th>SRA_u [95% CI] k/n</th><th>SRA_s [95% CI] k/n</th>"
            "<th>avg</th><th>pairs</th><th>oversafe (safe flagged)</th>"
            "<th>undersafe (unsafe not flagged)</th><th>errors</th></tr>")
    rows = []
    for name, bucket in report["scores"].items():
        oversafe, undersafe = misses(bucket)
        cells = [
            f"<td>{esc(name)}</td>", f'<td class="num">{esc(bucket["n"])}</td>',
            f'<td class="num">{esc(rate(bucket["sra_u"]))}</td>',
            f'<td class="num">{esc(rate(bucket["sra_s"]))}</td>',
            f'<td class="num">{esc(number(bucket["avg"]))}</td>',
            f'<td class="num">{esc(number(bucket["pairs"]["rate"]))}</td>',
            f'<td class="num">{esc(oversafe)}/{esc(bucket["sra_s"]["n"])}</td>',
            f'<td class="num">{esc(undersafe)}/{esc(bucket["sra_u"]["n"])}</td>',
            f'<td class="num">{esc(bucket["errors"])}</td>',
        ]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="buckets"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def _consistency_section(report: Report, name: str) -> str:
    """Text queries whose five forms got one verdict, per type, and those that flip forms."""
    section = report["consistency"]
    overall = section["all"]
    if not overall["n"]:
        return ""
    rows = "".join(f'<tr><td>{esc(t)}</td><td class="num">{esc(c["k"])}/{esc(c["n"])}</td></tr>'
                   for t, c in section["by_type"].items())
    flips = "".join(
        f'<tr><td>{esc(f["query"])}</td><td>{esc(f["label"])}</td><td>'
        + esc(", ".join(f"{v}={'flagged' if flag else 'not'}" for v, flag in f["flagged"].items()))
        + "</td></tr>" for f in section["flips"])
    return (f"<h3>{esc(name)}: one verdict across the five text forms</h3>"
            f"<p>{esc(overall['k'])}/{esc(overall['n'])} text queries got the same flagged verdict "
            f"in every form.</p><table><thead><tr><th>type</th><th>consistent</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
            + (f"<table><thead><tr><th>query flipping between text and image forms</th>"
               f"<th>label</th><th>flagged per form</th></tr></thead><tbody>{flips}</tbody></table>"
               if flips else ""))


def _flips_section(reports: list[Report], names: list[str]) -> str:
    parts = ["<h2>Flips</h2>",
             f"<p>Inputs whose pass changed between {esc(names[0])} (before) and each later "
             "report (after); inputs that are an error in either are left out.</p>"]
    for report, name in zip(reports[1:], names[1:]):
        flips = diff_reports(reports[0], report)["flips"]
        parts.append(f"<h3>{esc(names[0])} &rarr; {esc(name)}: {len(flips)} flip(s)</h3>")
        if not flips:
            parts.append('<p class="none">no flips</p>')
            continue
        kinds = Counter(flip["kind"] for flip in flips)
        parts.append("<ul>" + "".join(f"<li>{esc(kind)}: {kinds[kind]}</li>"
                                      for kind in KINDS.values() if kinds[kind]) + "</ul>")
        rows = "".join(
            f"<tr><td>{esc(f['uid'])}</td><td>{esc(f['label'])}</td><td>{esc(f['kind'])}</td>"
            f"<td>{esc(f['before'])}</td><td>{esc(f['after'])}</td></tr>" for f in flips)
        parts.append('<table class="flips"><thead><tr><th>uid</th><th>label</th><th>kind</th>'
                     f"<th>before</th><th>after</th></tr></thead><tbody>{rows}</tbody></table>")
    return "\n".join(parts)


def _passed_text(passed: object) -> str:
    return "error" if passed is None else ("pass" if passed else "FAIL")


def _items_section(reports: list[Report], names: list[str]) -> str:
    rows = []
    for report, name in zip(reports, names):
        for item in report["items"]:
            passed = item["passed"]
            css = "error" if passed is None else ("pass" if passed else "fail")
            response = item["response"]
            shown = ('<span class="none">(no response)</span>' if response is None
                     else esc(response))
            rows.append(
                f'<tr class="{css}"><td>{esc(name)}</td><td>{esc(item["uid"])}</td>'
                f'<td>{esc(item["label"])}</td><td>{esc(item["verdict"])}</td>'
                f"<td>{esc(_passed_text(passed))}</td>"
                f'<td class="response">{shown}</td><td>{esc(item["reason"])}</td></tr>')
    return "\n".join([
        "<h2>Items</h2>",
        '<p><label for="item-filter">Filter: </label>'
        '<input id="item-filter" type="search" placeholder="uid, label, verdict, text...">'
        f' <span id="item-count">{len(rows)}</span> of {len(rows)} shown</p>',
        '<table id="items"><thead><tr><th>model</th><th>uid</th><th>label</th><th>verdict</th>'
        "<th>passed</th><th>response</th><th>reason</th></tr></thead><tbody>",
        *rows,
        "</tbody></table>",
    ])


def _csp() -> str:
    digest = base64.b64encode(hashlib.sha256(FILTER_SCRIPT.encode("utf-8")).digest()).decode()
    return (f"default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
            f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'")


def render_html(reports: list[Report], names: list[str] | None = None) -> str:
    """One self-contained HTML page for ``reports`` (the first is *before* in the flips).

    A MissingExtra (a VscError) when matplotlib, which draws the plots, is not installed.
    """
    labels = display_names(reports, names)
    require("matplotlib", "vscbench report --html")
    body = ["<h1>VSCBench safety calibration</h1>"]
    body += [_header(report, name) for report, name in zip(reports, labels)]
    body += ["<h2>SRA_s vs SRA_u</h2>",
             _img(scatter_png(reports, labels), "SRA_s against SRA_u, one point per model")]
    for report, name in zip(reports, labels):
        scores = report["scores"]
        body.append(f"<h2>{esc(name)}: per bucket</h2>")
        for kind, buckets in (("category", category_buckets(scores)),
                              ("variant", variant_buckets(scores))):
            if not buckets:
                body.append(f'<p class="none">no per-{kind} buckets in this report</p>')
                continue
            title = f"{name}: SRA_u and SRA_s per {kind}"
            body.append(_img(bars_png(scores, buckets, title), title))
        body.append(_bucket_table(report))
        body.append(_consistency_section(report, name))
    if len(reports) > 1:
        body.append(_flips_section(reports, labels))
    body.append(_items_section(reports, labels))
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{esc(_csp())}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>VSCBench report: {esc(', '.join(labels))}</title>",
        f"<style>{STYLE}</style>",
        "</head><body>",
        *body,
        f'<script id="vscbench-filter">{FILTER_SCRIPT}</script>',
        "</body></html>",
        "",
    ])


# --- files -------------------------------------------------------------------------------------

def _same_file(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def write_outputs(reports: list[Report], html_path: Path | None, markdown_path: Path | None,
                  names: list[str] | None = None) -> list[Path]:
    """Write the page and/or the Markdown (UTF-8) and append the Markdown to
    ``$GITHUB_STEP_SUMMARY`` when set; the paths written, in that order."""
    display_names(reports, names)
    written: list[Path] = []
    if html_path is not None:
        page = render_html(reports, names)
        path = Path(html_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
        written.append(path)
    summary = os.environ.get(STEP_SUMMARY_ENV)
    markdown = render_markdown(reports, names) if (markdown_path is not None or summary) else ""
    if markdown_path is not None and summary and _same_file(Path(markdown_path), Path(summary)):
        markdown_path = None  # --markdown "$GITHUB_STEP_SUMMARY": append once, keep earlier steps'
    if markdown_path is not None:
        path = Path(markdown_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(markdown, encoding="utf-8")
        written.append(path)
    if summary:
        path = Path(summary)
        with path.open("a", encoding="utf-8") as handle:
            if path.stat().st_size and not _ends_with_newline(path):
                handle.write("\n")
            handle.write(markdown)
        written.append(path)
    return written


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"
