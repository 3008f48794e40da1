"""A calibration sweep (``vscbench sweep``: this project's own methods, not the VSCBench
paper's) as an aligned text table, a GitHub Markdown table and one self-contained HTML page
with an inline SVG scatter of SRA_s against SRA_u."""
from __future__ import annotations

from vscbench_pytest.render.html import STYLE
from vscbench_pytest.report.schema import Sweep, SweepRow, Utility
from vscbench_pytest.util.fmt import escape_html as esc
from vscbench_pytest.util.fmt import escape_markdown, markdown_cell, number, rate, signed

HEADERS = ["method", "SRA_u [95% CI] k/n", "SRA_s [95% CI] k/n", "avg", "utility",
           "ΔSRA_u", "ΔSRA_s", "Δutility", "note"]
SVG_SIZE, SVG_MARGIN = 440, 50
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")  # matplotlib's tab10, as the report's scatter


def utility_cell(utility: Utility | None) -> str:
    """``0.750 6/8``, or ``-`` when no utility question was scored."""
    if utility is None or utility["accuracy"] is None:
        return "-"
    return f"{utility['accuracy']:.3f} {utility['correct']}/{utility['total']}"


def _note(row: SweepRow) -> str:
    if row["error"]:
        return "FAILED: " + row["error"]
    if row["complete"] is False or row["errors"]:
        return f"incomplete, {row['errors'] or 0} error(s)"
    return ""


def table_cells(row: SweepRow) -> list[str]:
    """One row's cells, in ``HEADERS`` order."""
    delta = row["delta"]
    return [row["method"], rate(row["sra_u"]), rate(row["sra_s"]), number(row["avg"]),
            utility_cell(row["utility"]), signed(delta["sra_u"]), signed(delta["sra_s"]),
            signed(delta["utility"]), _note(row)]


def caption(sweep: Sweep) -> str:
    """The model, the held-out split, the utility set and the reference row."""
    return (f"model {sweep['model']}, held-out {sweep['heldout']}, utility "
            f"{sweep['utility'] or 'not run'}; Δ against {sweep['reference']}")


def format_text(sweep: Sweep) -> str:
    """The rows as an aligned plain-text table under a caption line."""
    rows = [table_cells(row) for row in sweep["rows"]]
    widths = [max(len(r[i]) for r in rows + [HEADERS]) for i in range(len(HEADERS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
             for cells in [HEADERS] + rows]
    return "\n".join([caption(sweep), "", lines[0], "-" * len(lines[0]), *lines[1:]]) + "\n"


def format_markdown(sweep: Sweep) -> str:
    """A GitHub Markdown table of the rows, with failures' output below it."""
    lines = [f"## VSCBench calibration sweep: {markdown_cell(sweep['model'])}", "",
             f"- {markdown_cell(caption(sweep))}", "",
             "| " + " | ".join(HEADERS) + " |",
             "|" + "|".join(["---"] + ["---:"] * (len(HEADERS) - 2) + ["---"]) + "|"]
    lines += ["| " + " | ".join(markdown_cell(c) for c in table_cells(row)) + " |"
              for row in sweep["rows"]]
    for row in sweep["rows"]:
        if row["error"]:
            lines += ["", f"**{markdown_cell(row['method'])} failed** "
                          f"(`{escape_markdown(row['log'])}`):",
                      "", "```", (row["output"] or row["error"]).replace("```", "` ` `"), "```"]
    return "\n".join(lines) + "\n"


def _xy(s: float, u: float) -> tuple[float, float]:
    """Plot coordinates of (SRA_s, SRA_u), both in 0..1."""
    span = SVG_SIZE - 2 * SVG_MARGIN
    return SVG_MARGIN + s * span, SVG_SIZE - SVG_MARGIN - u * span


def _frame() -> list[str]:
    """The SVG's opening tag, frame, diagonal, grid and axis labels."""
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
    return parts


def scatter_svg(rows: list[SweepRow]) -> str:
    """An inline SVG: SRA_s (x) against SRA_u (y), one labelled point per row with both rates,
    95% intervals as whiskers, the utility accuracy in the label and the tooltip."""
    parts = _frame()
    for i, row in enumerate(rows):
        u, s = row["sra_u"], row["sra_s"]
        if u is None or s is None or u["rate"] is None or s["rate"] is None:
            continue
        x, y = _xy(s["rate"], u["rate"])
        whiskers = []
        if s["ci"]:
            (x0, _), (x1, _) = _xy(s["ci"][0], 0), _xy(s["ci"][1], 0)
            whiskers.append(f'<line x1="{x0:.1f}" y1="{y:.1f}" x2="{x1:.1f}" y2="{y:.1f}"/>')
        if u["ci"]:
            (_, y0), (_, y1) = _xy(0, u["ci"][0]), _xy(0, u["ci"][1])
            whiskers.append(f'<line x1="{x:.1f}" y1="{y0:.1f}" x2="{x:.1f}" y2="{y1:.1f}"/>')
        utility = utility_cell(row["utility"])
        label = row["method"] + (f" (utility {utility})" if utility != "-" else "")
        tooltip = f"{row['method']}: SRA_s {rate(s)}, SRA_u {rate(u)}, utility {utility}"
        colour = COLOURS[i % len(COLOURS)]
        # right of the point on the left half, left of it on the right half: inside the frame
        side = 'text-anchor="start"' if s["rate"] <= 0.5 else 'text-anchor="end"'
        label_x = x + 6 if s["rate"] <= 0.5 else x - 6
        parts.append(f'<g class="point"><title>{esc(tooltip)}</title>'
                     f'<g stroke="{colour}" stroke-width="1">{"".join(whiskers)}</g>'
                     f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'
                     f'<text x="{label_x:.1f}" y="{y - 6:.1f}" {side} fill="{colour}">'
                     f"{esc(label)}</text></g>")
    parts.append("</svg>")
    return "\n".join(parts)


def render_html(sweep: Sweep) -> str:
    """One self-contained page: the table and the scatter (no script, nothing loaded)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in HEADERS)
    body = []
    for row in sweep["rows"]:
        cells = table_cells(row)
        body.append(f'<tr class="{"error" if row["error"] else ""}">'
                    f"<td>{esc(cells[0])}</td>"
                    + "".join(f'<td class="num">{esc(c)}</td>' for c in cells[1:-1])
                    + f"<td>{esc(cells[-1])}</td></tr>")
    failures = "".join(f"<h3>{esc(row['method'])} failed</h3><p>log {esc(row['log'])}</p>"
                       f'<pre class="response">{esc(row["output"] or row["error"])}</pre>'
                       for row in sweep["rows"] if row["error"])
    csp = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{esc(csp)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>VSCBench calibration sweep: {esc(sweep['model'])}</title>",
        f"<style>{STYLE}</style>",
        "</head><body>",
        f"<h1>VSCBench calibration sweep: {esc(sweep['model'])}</h1>",
        f"<p>{esc(caption(sweep))}</p>",
        f"<table><thead><tr>{head}</tr></thead><tbody>", *body, "</tbody></table>",
        "<h2>SRA_s vs SRA_u</h2>", scatter_svg(sweep["rows"]),
        failures,
        "</body></html>",
        "",
    ])
