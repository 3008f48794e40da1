"""Text-centric VSCBench: XSTest twins as text, search image, typography, concat and FigStep."""
from __future__ import annotations

import pytest


@pytest.mark.vscbench(track="text")
def test_text_centric(vsc_item, vsc_result):
    vsc_result.check()
