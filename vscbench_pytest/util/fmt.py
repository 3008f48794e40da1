"""Formatting shared by the report's readers: numbers, rates with intervals, and text made safe
for HTML and for GitHub Markdown."""
from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any


def number(value: float | None) -> str:
    """``0.900``, or ``-`` when there is no value."""
    return "-" if value is None else f"{value:.3f}"


def signed(value: float | None) -> str:
    """``+0.300`` / ``-0.250``, or ``-`` when there is no value."""
    return "-" if value is None else f"{value:+.3f}"


def cut(text: str, limit: int) -> str:
    """``text``, or its first ``limit - 3`` characters and ``...`` when it is longer than ``limit``."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


def p_value(p: float) -> str:
    """A p-value to two significant digits."""
    return f"{p:.2g}"


def rate(entry: Mapping[str, Any] | None) -> str:
    """A rate ``{k, n, rate, ci}`` as ``0.900 [0.74, 0.97] 27/30``, or ``-`` when nothing was
    scored."""
    if entry is None or entry["rate"] is None:
        return "-"
    ci = entry["ci"]
    interval = f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else ""
    return f"{entry['rate']:.3f}{interval} {entry['k']}/{entry['n']}"


def rate_short(entry: Mapping[str, Any] | None) -> str:
    """A rate as ``0.600 (6/10)``, or ``-`` when nothing was scored."""
    if entry is None or entry["rate"] is None:
        return "-"
    return f"{entry['rate']:.3f} ({entry['k']}/{entry['n']})"


def safe_text(value: object) -> str:
    """``value`` as a string that encodes as UTF-8 (None as ``""``): a lone surrogate (a report
    may hold one in a response) is shown as its ``\\udxxx`` escape."""
    text = "" if value is None else str(value)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def escape_html(value: object) -> str:
    """``value`` as text safe anywhere in HTML (element content or a quoted attribute)."""
    return html.escape(safe_text(value), quote=True)


def escape_markdown(text: object) -> str:
    """``text`` safe inside a GitHub Markdown table cell or list item.

    Backslashes are doubled first (so a ``\\`` cannot escape the pipe escape), ``|`` becomes
    ``\\|`` and line breaks become ``<br>``.
    """
    out = str(text).replace("\\", "\\\\").replace("|", "\\|")
    return out.replace("\r\n", "<br>").replace("\r", "<br>").replace("\n", "<br>")


def markdown_cell(value: object) -> str:
    """Report text safe in a GitHub Markdown table cell: no raw HTML, ``|`` and line breaks
    escaped."""
    return escape_markdown(html.escape(safe_text(value), quote=False))
