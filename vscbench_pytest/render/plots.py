"""The report page's plots, drawn with matplotlib's Agg backend as ``data:image/png;base64,...``
URLs (no version in the PNG's metadata, so the same reports give the same bytes)."""
from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from typing import TYPE_CHECKING

from vscbench_pytest.records.items import TEXT_VARIANTS
from vscbench_pytest.report.schema import Bucket, Rate, Report
from vscbench_pytest.util.fmt import safe_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DPI = 100
FIG_WIDTH = 7.5  # inches
SCATTER_SIZE = (6.5, 5.5)
COLOURS = {"sra_u": "#c0504d", "sra_s": "#4a78b5"}


def _label(text: str) -> str:
    """Text for a matplotlib label: ``$`` would start mathtext."""
    return safe_text(text).replace("$", r"\$")


def _png(fig: Figure) -> str:
    """A figure as a ``data:image/png;base64,...`` URL."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(size: tuple[float, float]) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _whiskers(entry: Rate) -> tuple[float, float]:
    """How far the interval reaches below and above the rate (0 without an interval)."""
    rate, ci = entry["rate"], entry["ci"]
    if rate is None or not ci:
        return (0.0, 0.0)
    return (max(0.0, rate - ci[0]), max(0.0, ci[1] - rate))


def scatter_png(reports: list[Report], names: list[str]) -> str:
    """SRA_s (x) against SRA_u (y) over all inputs, one point per model, 95% intervals."""
    import matplotlib
    import matplotlib.style

    with matplotlib.style.context("default"):
        fig = _figure(SCATTER_SIZE)
        ax = fig.add_subplot()
        colours = matplotlib.colormaps["tab10"]
        for i, (report, name) in enumerate(zip(reports, names)):
            overall = report["scores"].get("all")
            if overall is None:
                continue
            u, s = overall["sra_u"], overall["sra_s"]
            if u["rate"] is None or s["rate"] is None:
                continue  # nothing to place on both axes
            x_lo, x_hi = _whiskers(s)
            y_lo, y_hi = _whiskers(u)
            colour = colours(i % 10)
            ax.errorbar([s["rate"]], [u["rate"]], xerr=[[x_lo], [x_hi]], yerr=[[y_lo], [y_hi]],
                        fmt="o", color=colour, capsize=4, label=_label(name), clip_on=False)
            ax.annotate(_label(name), (s["rate"], u["rate"]), textcoords="offset points",
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


def bars_png(scores: Mapping[str, Bucket], buckets: list[str], title: str) -> str:
    """Horizontal bars of SRA_u and SRA_s per bucket (names of ``scores``), with 95% interval
    whiskers."""
    import matplotlib
    import matplotlib.style
    from matplotlib.patches import Patch

    with matplotlib.style.context("default"):
        rows = len(buckets)
        fig = _figure((FIG_WIDTH, max(3.0, 0.55 * rows + 1.4)))
        ax = fig.add_subplot()
        height = 0.38
        for offset, metric in ((-height / 2, "sra_u"), (height / 2, "sra_s")):
            ys, values, lows, highs = [], [], [], []
            for row, name in enumerate(buckets):
                bucket = scores[name]
                entry = bucket["sra_u"] if metric == "sra_u" else bucket["sra_s"]
                if entry["rate"] is None:
                    ax.text(0.01, row + offset, "n/a", va="center", fontsize=7, color="#888")
                    continue
                lo, hi = _whiskers(entry)
                ys.append(row + offset)
                values.append(entry["rate"])
                lows.append(lo)
                highs.append(hi)
            ax.barh(ys, values, height=height, color=COLOURS[metric],
                    xerr=[lows, highs], error_kw={"capsize": 3, "elinewidth": 0.9})
        ax.set_yticks(range(rows), [_label(b) for b in buckets])
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel("rate (95% Wilson interval)")
        ax.set_title(_label(title), fontsize=10)
        ax.grid(True, axis="x", linewidth=0.4, alpha=0.5)
        handles = [Patch(color=COLOURS[metric], label=label)
                   for label, metric in (("SRA_u", "sra_u"), ("SRA_s", "sra_s"))]
        fig.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=8)
        return _png(fig)


def category_buckets(scores: Mapping[str, Bucket]) -> list[str]:
    """The ``image/<category>`` buckets, in report order."""
    return [name for name in scores if name.startswith("image/")]


def variant_buckets(scores: Mapping[str, Bucket]) -> list[str]:
    """The ``text/<variant>`` buckets, in the variants' order."""
    return [f"text/{v}" for v in TEXT_VARIANTS if f"text/{v}" in scores]
