"""vscbench-pytest: VSCBench safety calibration of vision-language models as pytest tests."""
from __future__ import annotations

__version__ = "0.1.0"
