"""The sample of each sister benchmark as a fixture, built in the test's tmp_path."""
from __future__ import annotations

from tests.helpers.sisters import mmsb, mossb, mssb, xstest  # noqa: F401  (fixtures)
