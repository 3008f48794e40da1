"""Image-centric VSCBench: one prompt asked with safe and unsafe images."""
from __future__ import annotations

import pytest


@pytest.mark.vscbench(track="image")
def test_image_centric(vsc_item, vsc_result):
    vsc_result.check()
