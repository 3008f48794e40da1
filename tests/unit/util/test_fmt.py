"""The shared formatting of numbers, rates and untrusted text."""
from __future__ import annotations

from vscbench_pytest.scoring.rates import rate as make_rate
from vscbench_pytest.util.fmt import (
    cut,
    escape_html,
    escape_markdown,
    markdown_cell,
    number,
    p_value,
    rate,
    rate_short,
    safe_text,
    signed,
)


def test_numbers() -> None:
    assert number(None) == "-" and number(0.5) == "0.500"
    assert signed(None) == "-" and signed(0.3) == "+0.300" and signed(-0.25) == "-0.250"
    assert p_value(0.0026636) == "0.0027" and p_value(1.0) == "1"


def test_cut_keeps_short_text_and_marks_what_it_drops() -> None:
    assert cut("abcdef", 6) == "abcdef" and cut("", 3) == ""
    assert cut("abcdefg", 6) == "abc..." and len(cut("x" * 500, 100)) == 100


def test_rates() -> None:
    lo, hi = make_rate(27, 30)["ci"]
    assert rate(make_rate(27, 30)) == f"0.900 [{lo:.2f}, {hi:.2f}] 27/30"
    assert rate(make_rate(0, 0)) == "-" and rate(None) == "-"
    assert rate({"k": 1, "n": 1, "rate": 1.0, "ci": None}) == "1.000 1/1"
    assert rate_short(make_rate(6, 10)) == "0.600 (6/10)" and rate_short(None) == "-"


def test_untrusted_text() -> None:
    assert safe_text(None) == "" and safe_text("half \ud83d") == "half \\ud83d"
    assert escape_html('<a href="x">\'&') == "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;"
    assert escape_markdown("a|b\nc\r\nd\\") == "a\\|b<br>c<br>d\\\\"
    assert markdown_cell("<b>x</b> | y") == "&lt;b&gt;x&lt;/b&gt; \\| y"
