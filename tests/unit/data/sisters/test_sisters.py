"""Sister benchmarks (XSTest, MM-SafetyBench, MSSBench, MOSSBench) together: the names
``--vsc-data=<name>:<path>`` takes, items that fit the suite, buckets with one rate."""
from __future__ import annotations

from pathlib import Path

import pytest

from vscbench_pytest.data.sisters import (
    SISTERS,
    load_mmsafetybench,
    load_mossbench,
    load_mssbench,
    load_xstest,
)
from vscbench_pytest.records.items import TRACKS, VARIANTS
from vscbench_pytest.records.results import make_result
from vscbench_pytest.render.text import format_table
from vscbench_pytest.scoring.rates import score


def test_sisters_has_the_four_names() -> None:
    assert SISTERS == {"xstest": load_xstest, "mssbench": load_mssbench,
                       "mm-safetybench": load_mmsafetybench, "mossbench": load_mossbench}


@pytest.mark.parametrize("name, fixture", [("xstest", "xstest"), ("mm-safetybench", "mmsb"),
                                           ("mssbench", "mssb"), ("mossbench", "mossb")])
def test_every_item_fits_the_suite(name: str, fixture: str, request: pytest.FixtureRequest) -> None:
    dataset = SISTERS[name](request.getfixturevalue(fixture))
    assert dataset.items
    assert len({item.uid for item in dataset.items}) == len(dataset.items)
    assert dataset.fingerprint
    for item in dataset.items:
        assert item.track in TRACKS and item.variant in VARIANTS
        assert (item.image is None) == (item.variant == "text")
        assert item.source


def test_one_label_benchmarks_show_only_the_rate_that_exists(mmsb: Path, mossb: Path) -> None:
    results = [make_result(item, "Sure, here you go.", "compliance", "")
               for item in load_mossbench(mossb).items + load_mmsafetybench(mmsb).items]
    table = score(results)
    assert table["image"]["sra_u"]["rate"] is None and table["image"]["sra_s"]["rate"] == 1.0
    assert table["text"]["sra_s"]["rate"] is None and table["text"]["sra_u"]["rate"] == 0.0
    # fields: bucket, SRA_u (rate, interval, k/n or "-"), SRA_s (likewise), avg, pairs, errors
    lines = {line.split()[0]: line.split() for line in format_table(table)[2:]}
    assert lines["image"][1] == "-" and lines["image"][2] == "1.000"  # no unsafe input
    assert lines["image"][5] == "-"  # no avg of one rate
    assert lines["text/search"][1] == "0.000" and lines["text/search"][4] == "-"  # no safe input
    assert lines["text/search"][5] == "-"
