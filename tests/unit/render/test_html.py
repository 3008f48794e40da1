"""The HTML page and Markdown summary: self-contained, escaped, plots that decode, deterministic."""
from __future__ import annotations

import base64
import importlib.util
import io
import os
import re
import shutil
from pathlib import Path

import pytest

from tests.helpers.reports import image, report, text
from vscbench_pytest.records.items import Item
from vscbench_pytest.records.results import ItemResult, make_result
from vscbench_pytest.render.html import render_html, render_markdown, write_outputs

pytest.importorskip("matplotlib")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
XSS = "<script>alert(1)</script>"
DATA_URL = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')
CHROMIUM_PATHS = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome",
                  "google-chrome-stable", "headless_shell")


def results(unsafe_verdict: str = "refusal", response: str | None = None) -> list[ItemResult]:
    """Two image categories (unsafe and safe), text in every variant, one error item."""
    out = [image(i, "unsafe", unsafe_verdict if i % 3 else "compliance", "drugs", response)
           for i in range(9)]
    out += [image(i, "safe", "compliance" if i % 4 else "refusal", "drugs") for i in range(9)]
    out += [image(i, "unsafe", "refusal", "violence") for i in range(4)]
    out += [image(i, "safe", "compliance", "violence") for i in range(4)]
    for variant in ("text", "search", "typography", "concat", "figstep"):
        out += [text(i, "refusal" if i % 2 else "compliance", variant) for i in range(3)]
    out.append(image(99, "unsafe", "error"))
    return out


@pytest.fixture
def one() -> dict:
    return report(results(response=f"Sure. {XSS} done | and\nmore"), spec="hf:<b>model</b>")


@pytest.fixture
def two() -> list[dict]:
    return [report(results("refusal"), spec="replay:before.jsonl"),
            report(results("compliance"), spec="replay:after.jsonl")]


def pngs(page: str) -> list[bytes]:
    return [base64.b64decode(m, validate=True) for m in DATA_URL.findall(page)]


def outside_own_script(page: str) -> str:
    """The page without the one inline filter script the renderer writes."""
    return re.sub(r'<script id="vscbench-filter">.*?</script>', "", page, flags=re.S)


def test_page_is_self_contained(one: dict) -> None:
    page = render_html([one])
    assert page.startswith("<!DOCTYPE html>")
    for ref in ("http://", "https://", 'src="//', "href=", "@import", "url("):
        assert ref not in page
    srcs = re.findall(r'src="([^"]*)"', page)
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)


def test_page_embeds_png_plots_that_decode(one: dict) -> None:
    from PIL import Image

    images = pngs(render_html([one]))
    assert len(images) >= 3  # scatter, per-category bars, per-variant bars
    for data in images:
        assert data.startswith(PNG_SIGNATURE)
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
        with Image.open(io.BytesIO(data)) as img:
            assert img.width > 100 and img.height > 100
            assert "Software" not in img.info


@pytest.mark.hardening("untrusted content")
def test_every_report_string_is_escaped(one: dict) -> None:
    page = render_html([one])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    rest = outside_own_script(page)
    assert "<script" not in rest.lower()
    assert "alert(1)</script>" not in page
    assert "<b>model</b>" not in page and "&lt;b&gt;model&lt;/b&gt;" in page
    assert page.count("<script") == 1  # the filter, nothing from a report


def test_escaping_covers_uids_reasons_and_quotes() -> None:
    item = Item('image-x"><img src=x onerror=alert(1)>-001-unsafe0', "image", "x", "image",
                "unsafe", "image-x-001-0", "p", None)
    evil = report([make_result(item, "ok", "compliance", "<i>reason</i>' \"q\"")],
                  spec="a\" onmouseover=\"alert(1)")
    page = render_html([evil])
    assert "<img src=x" not in page and "<i>reason</i>" not in page
    assert 'onmouseover="' not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;i&gt;reason&lt;/i&gt;&#x27; &quot;q&quot;" in page


def test_header_and_bucket_summary(one: dict) -> None:
    page = render_html([one])
    assert "judge: keyword" in page and "inputs: 42" in page
    assert "complete, 1 error(s)" in page
    # image/drugs: 9 unsafe, 3 not flagged (undersafe); 9 safe, 3 flagged (oversafe)
    row = re.search(r"<tr><td>image/drugs</td>.*?</tr>", page).group(0)
    assert "<td class=\"num\">3/9</td><td class=\"num\">3/9</td>" in row
    assert "oversafe" in page and "undersafe" in page


def test_two_reports_give_a_flips_table(two: list[dict]) -> None:
    page = render_html(two)
    assert '<table class="flips">' in page
    flips = re.search(r'<table class="flips">.*?</table>', page, flags=re.S).group(0)
    assert flips.count("<tr>") == 1 + 6  # header, then the 6 unsafe drugs inputs that flipped
    assert "unsafe: refused then complied" in flips
    assert "image-drugs-001-unsafe0" in flips
    assert "replay:before.jsonl &rarr; replay:after.jsonl: 6 flip(s)" in page
    assert len(pngs(page)) == 1 + 2 * 2


def test_one_report_has_no_flips_section(one: dict) -> None:
    assert '<table class="flips">' not in render_html([one])


def test_item_table_and_filter(one: dict) -> None:
    page = render_html([one])
    body = re.search(r'<table id="items">.*?</table>', page, flags=re.S).group(0)
    assert body.count('<tr class="') == len(one["items"])
    assert '<tr class="error">' in body and "(no response)" in body
    assert 'id="item-filter"' in page


@pytest.mark.hardening("untrusted content")
def test_markdown_summary_escapes_pipes_and_newlines(one: dict, two: list[dict]) -> None:
    tricky = report(results(), spec="hf:a|b\nc")
    md = render_markdown([tricky])
    assert "hf:a\\|b<br>c" in md
    assert "hf:a|b" not in md
    assert "| all | 42 |" in md
    assert "**SRA_u**" in md and "**avg**" in md
    assert "&lt;b&gt;" in render_markdown([one])
    md2 = render_markdown(two)
    assert "### Flips" in md2
    assert "| replay:before.jsonl -> replay:after.jsonl | unsafe: refused then complied | 6 |" in md2
    assert "| replay:before.jsonl -> replay:after.jsonl | **total** | 6 |" in md2
    for line in md2.splitlines():  # every table row has the header's column count
        if line.startswith("| before"):
            assert line.count(" | ") == 2


def test_write_outputs_appends_step_summary(one: dict, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\nkept", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    html_path, md_path = tmp_path / "out" / "report.html", tmp_path / "out" / "report.md"
    written = write_outputs([one], html_path, md_path)
    assert written == [html_path, md_path, summary]
    assert html_path.read_text(encoding="utf-8") == render_html([one])
    markdown = md_path.read_text(encoding="utf-8")
    assert markdown == render_markdown([one])
    assert summary.read_text(encoding="utf-8") == "# earlier step\nkept\n" + markdown
    write_outputs([one], None, None)
    assert summary.read_text(encoding="utf-8") == "# earlier step\nkept\n" + markdown * 2


def test_markdown_to_the_step_summary_itself_is_appended_once(one: dict, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert write_outputs([one], None, summary) == [summary]
    assert summary.read_text(encoding="utf-8") == "# earlier step\n" + render_markdown([one])


def test_write_outputs_without_step_summary(one: dict, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    assert write_outputs([one], None, tmp_path / "s.md") == [tmp_path / "s.md"]
    assert write_outputs([one], None, None) == []


def test_empty_reports_raise() -> None:
    for call in (lambda: render_html([]), lambda: render_markdown([]),
                 lambda: write_outputs([], None, None)):
        with pytest.raises(ValueError, match="no reports"):
            call()
    with pytest.raises(ValueError, match="name"):
        render_html([report(results())], names=["a", "b"])


def test_output_is_deterministic(two: list[dict]) -> None:
    assert render_html(two) == render_html(two)
    assert render_markdown(two) == render_markdown(two)


def test_names_and_duplicate_specs(one: dict) -> None:
    page = render_html([one, one])
    assert "hf:&lt;b&gt;model&lt;/b&gt; (2)" in page
    assert "<h2>baseline</h2>" in render_html([one], names=["baseline"])


def test_report_without_image_or_rates() -> None:
    only_text = report([text(i, "refusal", "figstep") for i in range(3)])
    page = render_html([only_text])
    assert "no per-category buckets in this report" in page
    assert len(pngs(page)) == 2  # scatter (empty: no safe inputs) and the variant bars


# --- headless Chromium -------------------------------------------------------------------------

def _chromium() -> str | None:
    """A Chromium on PATH (Debian's chromium-headless-shell, a distribution's chromium), if any."""
    for name in CHROMIUM_PATHS:
        found = shutil.which(name)
        if found:
            return found
    return None


def _playwright_chromium() -> bool:
    """Whether ``python -m playwright install chromium`` has put a browser in its cache."""
    root = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
                or Path.home() / ".cache" / "ms-playwright")
    return any(root.glob("chromium*/*/chrome")) or any(root.glob("chromium*/*/*/chrome*"))


def _browser_missing() -> str | None:
    """What is missing for the browser test, or None when it can run (nothing is started)."""
    missing = []
    if importlib.util.find_spec("playwright") is None:
        missing.append("the playwright package")
    if _chromium() is None and not _playwright_chromium():
        missing.append("a chromium (none on PATH, none in playwright's cache)")
    return " and ".join(missing) or None


BROWSER_MISSING = _browser_missing()


@pytest.mark.skipif(BROWSER_MISSING is not None,
                    reason=f"no headless Chromium installed (needs playwright and its chromium; "
                           f"missing: {BROWSER_MISSING}; 'apt-get install chromium-headless-shell' "
                           "gives one without the browser download)")
def test_page_renders_in_headless_chromium(two: list[dict], tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    evil = report(results(response=f"x {XSS} y"), spec="replay:evil.jsonl")
    path = tmp_path / "report.html"
    path.write_text(render_html([evil, *two]), encoding="utf-8")
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(path.as_uri(), wait_until="load")
            page.wait_for_function("Array.from(document.images).every(i => i.complete)")
            sizes = page.evaluate(
                "Array.from(document.images).map(i => [i.naturalWidth, i.naturalHeight])")
            scripts = page.evaluate(
                "Array.from(document.querySelectorAll('script')).map(s => s.id)")
            from_responses = page.evaluate(
                "Array.from(document.querySelectorAll('#items td.response'))"
                ".filter(td => td.children.length && td.querySelector('script')).length")
            shown = page.evaluate(
                "Array.from(document.querySelectorAll('#items td.response'))"
                ".filter(td => td.textContent.includes('<script>alert(1)</script>')).length")
            page.fill("#item-filter", "figstep")
            visible = page.evaluate(
                "Array.from(document.querySelectorAll('#items tbody tr'))"
                ".filter(r => r.style.display !== 'none').length")
            counted = page.text_content("#item-count")
        finally:
            browser.close()
    assert len(sizes) >= 3 + 2 * 2
    assert all(w > 100 and h > 100 for w, h in sizes)
    assert scripts == ["vscbench-filter"]
    assert from_responses == 0 and shown == 9 and dialogs == []
    assert all(url.startswith(("file://", "data:")) for url in requests)
    assert visible == 3 * 3 and counted == "9"  # 3 figstep inputs in each of 3 reports


def test_cli_writes_the_page_and_the_summary(tmp_path, capsys, monkeypatch, two) -> None:
    from vscbench_pytest.cli.main import main
    from vscbench_pytest.report.build import write_report

    paths = [str(write_report(r, tmp_path / f"r{i}.json")) for i, r in enumerate(two)]
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    assert main(["report", *paths]) == 2
    assert "pass --html PATH" in capsys.readouterr().err
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert main(["report", *paths, "--html", str(tmp_path / "page.html")]) == 0
    out = capsys.readouterr().out
    assert f"wrote {tmp_path / 'page.html'}" in out and f"wrote {summary}" in out
    assert summary.read_text().startswith("earlier step\n## VSCBench")
    assert (tmp_path / "page.html").read_text().count("data:image/png;base64,") >= 3
    assert main(["report", str(tmp_path / "missing.json"), "--html", str(tmp_path / "x.html")]) == 2


def test_page_and_summary_show_cross_variant_consistency(one: dict) -> None:
    from vscbench_pytest.scoring.consistency import consistency

    report = dict(one)
    section = {"all": {"k": 1, "n": 2, "rate": 0.5},
               "by_type": {"contrast_homonyms": {"k": 1, "n": 2, "rate": 0.5}},
               "flips": [{"query": "text-contrast_homonyms-<b>-001", "type": "contrast_homonyms",
                          "label": "unsafe", "flagged": {"text": True, "figstep": False},
                          "differs_in": ["figstep"]}]}
    report["consistency"] = section
    page = render_html([report])
    assert "one verdict across the five text forms" in page and "1/2 text queries" in page
    assert "text-contrast_homonyms-&lt;b&gt;-001" in page and "figstep=not" in page
    assert "text queries with one verdict in all five forms: 1/2" in render_markdown([report])
    assert "five text forms" not in render_html([dict(one, consistency=consistency([]))])
