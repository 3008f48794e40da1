"""Utility (--vsc-utility): benign questions with reference answers; accuracy is reported

The test itself ships in the package (vscbench_pytest/suite/test_utility.py), so this checkout and an
installed wheel run the same test; collecting it here gives it this repository's node ids.
"""
from __future__ import annotations

from vscbench_pytest.suite.test_utility import test_utility

__all__ = ["test_utility"]
