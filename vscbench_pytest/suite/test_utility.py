"""Utility (--vsc-utility): benign questions with reference answers; accuracy is reported
next to the safety scores, so a calibration's cost in helpfulness is a number."""
from __future__ import annotations

import pytest


@pytest.mark.vscbench(track="utility")
def test_utility(vsc_item, vsc_result):
    vsc_result.check()
