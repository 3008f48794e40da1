"""Image-centric VSCBench: one prompt asked with safe and unsafe images.

The test itself ships in the package (vscbench_pytest/suite/test_image_centric.py), so this checkout and an
installed wheel run the same test; collecting it here gives it this repository's node ids.
"""
from __future__ import annotations

from vscbench_pytest.suite.test_image_centric import test_image_centric

__all__ = ["test_image_centric"]
