"""One self-contained HTML page and a GitHub Markdown summary from one or more reports.

``render_html`` draws the plots with matplotlib's Agg backend and embeds them as
``data:image/png;base64,...`` URLs: the page loads nothing from anywhere. Every string taken
from a report (specs, uids, responses, reasons, bucket names) is HTML-escaped; the page's only
script is the item filter below, and a Content-Security-Policy allows that script alone (by
its hash), no other script, and images from ``data:`` URLs only. Output is deterministic: the
same reports give the same page, byte for byte, under one matplotlib version.
"""
from __future__ import annotations

import base64
import hashlib
import html
import io
import os
from collections import Counter
from pathlib import Path

from vscbench_pytest.records.items import TEXT_VARIANTS
from vscbench_pytest.render.text import format_calibration
from vscbench_pytest.report.diff import KINDS, diff_reports, escape_markdown

DPI = 100
FIG_WIDTH = 7.5  # inches
SCATTER_SIZE = (6.5, 5.5)
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


def _text(value: object) -> str:
    """``value`` as a string that encodes as UTF-8: a lone surrogate (a report may hold one in
    a response) is shown as its ``\\udxxx`` escape."""
    text = "" if value is None else str(value)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _e(value: object) -> str:
    """``value`` as text safe anywhere in HTML (element content or a quoted attribute)."""
    return html.escape(_text(value), quote=True)


def _check(reports: list[dict], names: list[str] | None) -> list[str]:
    """The display name of each report; a ValueError for no reports or a names mismatch."""
    if not reports:
        raise ValueError("no reports to render: pass at least one vscbench-report/1 dict")
    if names is not None and len(names) != len(reports):
        raise ValueError(f"{len(names)} name(s) given for {len(reports)} report(s)")
    raw = list(names) if names is not None else [
        str((r.get("model") or {}).get("spec") or f"report {i + 1}") for i, r in enumerate(reports)]
    seen: Counter[str] = Counter()
    out = []
    for name in raw:  # two runs of one model would share a label in the plots
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def _rate(entry: dict | None) -> float | None:
    return (entry or {}).get("rate")


def _fmt_rate(entry: dict | None) -> str:
    """``0.900 [0.74, 0.97] 27/30`` or ``-`` when nothing was scored."""
    if not entry or entry.get("rate") is None:
        return "-"
    ci = entry.get("ci")
    interval = f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else ""
    return f"{entry['rate']:.3f}{interval} {entry.get('k')}/{entry.get('n')}"


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _misses(bucket: dict) -> tuple[int, int]:
    """(oversafe, undersafe): safe inputs flagged, unsafe inputs not flagged."""
    safe, unsafe = bucket.get("sra_s") or {}, bucket.get("sra_u") or {}
    return (safe.get("n", 0) - safe.get("k", 0), unsafe.get("n", 0) - unsafe.get("k", 0))


# --- plots -------------------------------------------------------------------------------------

def _mpl_text(text: str) -> str:
    """Text for a matplotlib label: ``$`` would start mathtext."""
    return _text(text).replace("$", r"\$")


def _png(fig) -> str:
    """A figure as a ``data:image/png;base64,...`` URL (no version in the PNG's metadata)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(size: tuple[float, float]):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _errors(rate: float, ci: list[float] | None) -> tuple[float, float]:
    if not ci:
        return (0.0, 0.0)
    return (max(0.0, rate - ci[0]), max(0.0, ci[1] - rate))


def scatter_png(reports: list[dict], names: list[str]) -> str:
    """SRA_s (x) against SRA_u (y) over all inputs, one point per model, 95% intervals."""
    import matplotlib
    import matplotlib.style

    with matplotlib.style.context("default"):
        fig = _figure(SCATTER_SIZE)
        ax = fig.add_subplot()
        colours = matplotlib.colormaps["tab10"]
        for i, (report, name) in enumerate(zip(reports, names)):
            overall = (report.get("scores") or {}).get("all") or {}
            u, s = overall.get("sra_u") or {}, overall.get("sra_s") or {}
            if u.get("rate") is None or s.get("rate") is None:
                continue  # nothing to place on both axes
            x_lo, x_hi = _errors(s["rate"], s.get("ci"))
            y_lo, y_hi = _errors(u["rate"], u.get("ci"))
            colour = colours(i % 10)
            ax.errorbar([s["rate"]], [u["rate"]], xerr=[[x_lo], [x_hi]], yerr=[[y_lo], [y_hi]],
                        fmt="o", color=colour, capsize=4, label=_mpl_text(name), clip_on=False)
            ax.annotate(_mpl_text(name), (s["rate"], u["rate"]), textcoords="offset points",
                        xytext=(6, 6), fontsize=8, color=colour)
        ax.plot([0, 1], [1, 0], color="#bbb", linewidth=0.8, linestyle=":")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("SRA_s (safe inputs answered)")
        ax.set_ylabel("SRA_u (unsafe inputs refused or flagged)")
        ax.set_title("Safety calibration, all inputs (95% Wilson intervals)")
        ax.grid(True, linewidth=0.4, alpha=0.5)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="lower left", fontsize=8)
        return _png(fig)


def bars_png(scores: dict[str, dict], buckets: list[str], title: str) -> str:
    """Horizontal bars of SRA_u and SRA_s per bucket, with 95% interval whiskers."""
    import matplotlib
    import matplotlib.style
    from matplotlib.patches import Patch

    with matplotlib.style.context("default"):
        rows = len(buckets)
        fig = _figure((FIG_WIDTH, max(3.0, 0.55 * rows + 1.4)))
        ax = fig.add_subplot()
        height = 0.38
        for offset, metric, colour in ((-height / 2, "sra_u", "#c0504d"),
                                       (height / 2, "sra_s", "#4a78b5")):
            ys, values, lows, highs = [], [], [], []
            for row, name in enumerate(buckets):
                entry = (scores.get(name) or {}).get(metric) or {}
                if entry.get("rate") is None:
                    ax.text(0.01, row + offset, "n/a", va="center", fontsize=7, color="#888")
                    continue
                lo, hi = _errors(entry["rate"], entry.get("ci"))
                ys.append(row + offset)
                values.append(entry["rate"])
                lows.append(lo)
                highs.append(hi)
            ax.barh(ys, values, height=height, color=colour,
                    xerr=[lows, highs], error_kw={"capsize": 3, "elinewidth": 0.9})
        ax.set_yticks(range(rows), [_mpl_text(b) for b in buckets])
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel("rate (95% Wilson interval)")
        ax.set_title(_mpl_text(title), fontsize=10)
        ax.grid(True, axis="x", linewidth=0.4, alpha=0.5)
        handles = [Patch(color=colour, label=label)
                   for label, colour in (("SRA_u", "#c0504d"), ("SRA_s", "#4a78b5"))]
        fig.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=8)
        return _png(fig)


def category_buckets(scores: dict[str, dict]) -> list[str]:
    """The ``image/<category>`` buckets, in report order."""
    return [name for name in scores if name.startswith("image/")]


def variant_buckets(scores: dict[str, dict]) -> list[str]:
    """The ``text/<variant>`` buckets, in the variants' order."""
    return [f"text/{v}" for v in TEXT_VARIANTS if f"text/{v}" in scores]


# --- HTML --------------------------------------------------------------------------------------

def _img(url: str, alt: str) -> str:
    return f'<img src="{url}" alt="{_e(alt)}">'


def _header(report: dict, name: str) -> str:
    model, run = report.get("model") or {}, report.get("run") or {}
    judge, dataset = report.get("judge") or {}, report.get("dataset") or {}
    n_inputs = dataset.get("n_items", len(report.get("items") or []))
    complete = "complete" if run.get("complete") else "INCOMPLETE"
    lines = [
        f'<div class="model"><h2>{_e(name)}</h2><ul>',
        f"<li>model: <code>{_e(model.get('spec'))}</code></li>",
        f"<li>judge: {_e(judge.get('name'))}</li>",
        f"<li>inputs: {_e(n_inputs)}</li>",
        f"<li>run: {_e(complete)}, {_e(run.get('errors', 0))} error(s)</li>",
    ]
    lines += [f"<li>{_e(line)}</li>" for line in format_calibration(report)]
    judges = report.get("judges")
    if isinstance(judges, dict) and judges.get("scores"):
        parts = [f"{_e(j)} (SRA_u {_e(_fmt(_rate((s or {}).get('sra_u'))))}, "
                 f"SRA_s {_e(_fmt(_rate((s or {}).get('sra_s'))))})"
                 for j, s in judges["scores"].items()]
        lines.append(f"<li>judges compared: {', '.join(parts)}</li>")
    lines.append("</ul></div>")
    return "\n".join(lines)


def _bucket_table(report: dict) -> str:
    head = ("<tr><th>bucket</th><th>n</th><th>SRA_u [95% CI] k/n</th><th>SRA_s [95% CI] k/n</th>"
            "<th>avg</th><th>pairs</th><th>oversafe (safe flagged)</th>"
            "<th>undersafe (unsafe not flagged)</th><th>errors</th></tr>")
    rows = []
    for name, bucket in (report.get("scores") or {}).items():
        oversafe, undersafe = _misses(bucket)
        safe_n = (bucket.get("sra_s") or {}).get("n", 0)
        unsafe_n = (bucket.get("sra_u") or {}).get("n", 0)
        cells = [
            f"<td>{_e(name)}</td>", f'<td class="num">{_e(bucket.get("n", 0))}</td>',
            f'<td class="num">{_e(_fmt_rate(bucket.get("sra_u")))}</td>',
            f'<td class="num">{_e(_fmt_rate(bucket.get("sra_s")))}</td>',
            f'<td class="num">{_e(_fmt(bucket.get("avg")))}</td>',
            f'<td class="num">{_e(_fmt(_rate(bucket.get("pairs"))))}</td>',
            f'<td class="num">{_e(oversafe)}/{_e(safe_n)}</td>',
            f'<td class="num">{_e(undersafe)}/{_e(unsafe_n)}</td>',
            f'<td class="num">{_e(bucket.get("errors", 0))}</td>',
        ]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="buckets"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def _consistency_section(report: dict, name: str) -> str:
    """Text queries whose five forms got one verdict, per type, and those that flip forms."""
    section = report.get("consistency") or {}
    overall = section.get("all") or {}
    if not overall.get("n"):
        return ""
    rows = "".join(f'<tr><td>{_e(t)}</td><td class="num">{_e(c["k"])}/{_e(c["n"])}</td></tr>'
                   for t, c in (section.get("by_type") or {}).items())
    flips = "".join(
        f'<tr><td>{_e(f["query"])}</td><td>{_e(f["label"])}</td><td>'
        + _e(", ".join(f"{v}={'flagged' if flag else 'not'}" for v, flag in f["flagged"].items()))
        + "</td></tr>" for f in section.get("flips") or [])
    return (f"<h3>{_e(name)}: one verdict across the five text forms</h3>"
            f"<p>{_e(overall['k'])}/{_e(overall['n'])} text queries got the same flagged verdict "
            f"in every form.</p><table><thead><tr><th>type</th><th>consistent</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
            + (f"<table><thead><tr><th>query flipping between text and image forms</th>"
               f"<th>label</th><th>flagged per form</th></tr></thead><tbody>{flips}</tbody></table>"
               if flips else ""))


def _flips_section(reports: list[dict], names: list[str]) -> str:
    parts = ["<h2>Flips</h2>",
             f"<p>Inputs whose pass changed between {_e(names[0])} (before) and each later "
             "report (after); inputs that are an error in either are left out.</p>"]
    for report, name in zip(reports[1:], names[1:]):
        flips = diff_reports(reports[0], report)["flips"]
        parts.append(f"<h3>{_e(names[0])} &rarr; {_e(name)}: {len(flips)} flip(s)</h3>")
        if not flips:
            parts.append('<p class="none">no flips</p>')
            continue
        kinds = Counter(flip["kind"] for flip in flips)
        parts.append("<ul>" + "".join(f"<li>{_e(kind)}: {kinds[kind]}</li>"
                                      for kind in KINDS.values() if kinds[kind]) + "</ul>")
        rows = "".join(
            f"<tr><td>{_e(f['uid'])}</td><td>{_e(f['label'])}</td><td>{_e(f['kind'])}</td>"
            f"<td>{_e(f['before'])}</td><td>{_e(f['after'])}</td></tr>" for f in flips)
        parts.append('<table class="flips"><thead><tr><th>uid</th><th>label</th><th>kind</th>'
                     f"<th>before</th><th>after</th></tr></thead><tbody>{rows}</tbody></table>")
    return "\n".join(parts)


def _passed_text(passed: object) -> str:
    return "error" if passed is None else ("pass" if passed else "FAIL")


def _items_section(reports: list[dict], names: list[str]) -> str:
    rows = []
    for report, name in zip(reports, names):
        for item in report.get("items") or []:
            passed = item.get("passed")
            css = "error" if passed is None else ("pass" if passed else "fail")
            response = item.get("response")
            shown = ('<span class="none">(no response)</span>' if response is None
                     else _e(response))
            rows.append(
                f'<tr class="{css}"><td>{_e(name)}</td><td>{_e(item.get("uid"))}</td>'
                f'<td>{_e(item.get("label"))}</td><td>{_e(item.get("verdict"))}</td>'
                f"<td>{_e(_passed_text(passed))}</td>"
                f'<td class="response">{shown}</td><td>{_e(item.get("reason"))}</td></tr>')
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


def render_html(reports: list[dict], names: list[str] | None = None) -> str:
    """One self-contained HTML page for ``reports`` (the first is *before* in the flips)."""
    labels = _check(reports, names)
    body = ["<h1>VSCBench safety calibration</h1>"]
    body += [_header(report, name) for report, name in zip(reports, labels)]
    body += ["<h2>SRA_s vs SRA_u</h2>",
             _img(scatter_png(reports, labels), "SRA_s against SRA_u, one point per model")]
    for report, name in zip(reports, labels):
        scores = report.get("scores") or {}
        body.append(f"<h2>{_e(name)}: per bucket</h2>")
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
        f'<meta http-equiv="Content-Security-Policy" content="{_e(_csp())}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>VSCBench report: {_e(', '.join(labels))}</title>",
        f"<style>{STYLE}</style>",
        "</head><body>",
        *body,
        f'<script id="vscbench-filter">{FILTER_SCRIPT}</script>',
        "</body></html>",
        "",
    ])


# --- Markdown ----------------------------------------------------------------------------------

def _md(value: object) -> str:
    """Report text safe in a GitHub Markdown table cell: no raw HTML, ``|`` and newlines escaped."""
    return escape_markdown(html.escape(_text(value), quote=False))


def render_markdown(reports: list[dict], names: list[str] | None = None) -> str:
    """A GitHub-flavoured summary: overall rates per model, a per-bucket table, flip counts."""
    labels = _check(reports, names)
    lines = ["## VSCBench safety calibration", ""]
    for report, name in zip(reports, labels):
        run, scores = report.get("run") or {}, report.get("scores") or {}
        overall = scores.get("all") or {}
        n_inputs = (report.get("dataset") or {}).get("n_items", len(report.get("items") or []))
        lines += [
            f"### {_md(name)}", "",
            f"- model `{_md((report.get('model') or {}).get('spec'))}`, judge "
            f"{_md((report.get('judge') or {}).get('name'))}, {_md(n_inputs)} inputs, "
            f"run {'complete' if run.get('complete') else 'INCOMPLETE'}, "
            f"{_md(run.get('errors', 0))} error(s)",
            f"- **SRA_u** {_fmt_rate(overall.get('sra_u'))}",
            f"- **SRA_s** {_fmt_rate(overall.get('sra_s'))}",
            f"- **avg** {_fmt(overall.get('avg'))}",
            "",
            "| bucket | n | SRA_u [95% CI] k/n | SRA_s [95% CI] k/n | avg | pairs | oversafe | "
            "undersafe | errors |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for bucket_name, bucket in scores.items():
            oversafe, undersafe = _misses(bucket)
            cells = [_md(bucket_name), str(bucket.get("n", 0)), _fmt_rate(bucket.get("sra_u")),
                     _fmt_rate(bucket.get("sra_s")), _fmt(bucket.get("avg")),
                     _fmt(_rate(bucket.get("pairs"))), str(oversafe), str(undersafe),
                     str(bucket.get("errors", 0))]
            lines.append("| " + " | ".join(cells) + " |")
        consistency = (report.get("consistency") or {}).get("all") or {}
        if consistency.get("n"):
            lines += ["", f"- text queries with one verdict in all five forms: "
                          f"{consistency['k']}/{consistency['n']}"]
        lines.append("")
    if len(reports) > 1:
        lines += ["### Flips", "", "| before -> after | kind | count |", "|---|---|---:|"]
        for report, name in zip(reports[1:], labels[1:]):
            kinds = Counter(flip["kind"] for flip in diff_reports(reports[0], report)["flips"])
            pair = f"{_md(labels[0])} -> {_md(name)}"
            for kind in KINDS.values():
                lines.append(f"| {pair} | {_md(kind)} | {kinds[kind]} |")
            lines.append(f"| {pair} | **total** | {sum(kinds.values())} |")
        lines.append("")
    return "\n".join(lines)


# --- files -------------------------------------------------------------------------------------

def write_outputs(reports: list[dict], html_path: Path | None, markdown_path: Path | None,
                  names: list[str] | None = None) -> list[Path]:
    """Write the page and/or the Markdown (UTF-8) and append the Markdown to
    ``$GITHUB_STEP_SUMMARY`` when set; the paths written, in that order."""
    _check(reports, names)
    written: list[Path] = []
    if html_path is not None:
        path = Path(html_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_html(reports, names), encoding="utf-8")
        written.append(path)
    summary = os.environ.get(STEP_SUMMARY_ENV)
    markdown = render_markdown(reports, names) if (markdown_path is not None or summary) else ""
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
