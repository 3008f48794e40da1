"""Text-centric VSCBench: XSTest twins as text, search image, typography, concat and FigStep.

The test itself ships in the package (vscbench_pytest/suite/test_text_centric.py), so this checkout and an
installed wheel run the same test; collecting it here gives it this repository's node ids.
"""
from __future__ import annotations

from vscbench_pytest.suite.test_text_centric import test_text_centric

__all__ = ["test_text_centric"]
