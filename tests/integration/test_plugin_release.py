"""Collection against the real release's sheets (placeholder images with the sheets' names)."""
from __future__ import annotations

import re

import pytest

from tests.helpers.release import placeholder_upstream
from tests.helpers.suite import install_suite


@pytest.fixture(scope="module")
def upstream_root(tmp_path_factory):
    root = placeholder_upstream(tmp_path_factory.mktemp("upstream") / "VSCBench")
    if root is None:
        pytest.skip("../shared/upstream sheets are not here (they are not part of the project)")
    return root


def collect(pytester, root, *args):
    install_suite(pytester)
    result = pytester.runpytest_subprocess("--co", "-q", f"--vsc-data={root}", "--vlm=tiny-llava", *args)
    ids = [line for line in result.stdout.lines if "::test_" in line]
    return result, ids


def test_collects_every_input_and_reports_empty_prompt_rows_once(pytester, upstream_root):
    result, ids = collect(pytester, upstream_root)
    assert result.ret == 0
    assert sum("::test_image_centric[" in i for i in ids) == 1788
    assert sum("::test_text_centric[" in i for i in ids) == 2250
    assert len(set(ids)) == len(ids) == 4038
    out = result.stdout.str()
    assert out.count("vscbench_image_centric.xlsx row 268: empty Prompt") == 1
    assert out.count("vscbench_image_centric.xlsx row 287: empty Prompt") == 1
    result.stdout.fnmatch_lines(["vscbench: 2 row(s) left out of *",
                                 "vscbench: 1788 image-centric and 2250 text-centric inputs selected"])
    assert all(re.fullmatch(r"[a-z0-9_.-]+", i.split("[")[1].rstrip("]")) for i in ids)


def test_the_paper_protocol_asks_the_empty_prompt_rows_too(pytester, upstream_root):
    result, ids = collect(pytester, upstream_root, "--vsc-protocol=paper")
    assert result.ret == 0, result.stdout.str()[-2000:]
    assert sum("::test_image_centric[" in i for i in ids) == 1800  # the paper's 1,800 pairs
    assert sum("::test_text_centric[" in i for i in ids) == 2250
    assert "empty Prompt" not in result.stdout.str()
    result.stdout.fnmatch_lines(["vscbench: 1800 image-centric and 2250 text-centric inputs selected"])


@pytest.mark.parametrize("expr, count, check", [
    ("pornography", 300, lambda uid: uid.startswith("image-pornography-")),
    ("figstep", 450, lambda uid: uid.endswith("-figstep")),
    ("unsafe and image", 894, lambda uid: "-unsafe" in uid),
    ("contrast_homonyms and typography", 25, lambda uid: uid.startswith("text-contrast_homonyms-")),
    ("unsafe and text", 1000, lambda uid: uid.startswith("text-contrast")),
    ("safe and not unsafe and text", 1250, lambda uid: not uid.startswith("text-contrast")),
])
def test_k_selects_category_variant_and_label_words(pytester, upstream_root, expr, count, check):
    result, ids = collect(pytester, upstream_root, "-k", expr)
    uids = [i.split("[")[1].rstrip("]") for i in ids]
    assert len(uids) == count, result.stdout.str()[-2000:]
    assert all(check(uid) for uid in uids)
