"""Sister benchmarks, each read from its own release layout into the same Item records.

``--vsc-data=<name>:<path>`` runs one of them through the suite and the same buckets. Each
loader reads the layout its authors publish (looked up in the stored copies of their
repositories; repository and path are cited in each module) and maps it onto VSCBench's
tracks, variants and labels, so ``test_text_centric`` / ``test_image_centric`` and every bucket
work unchanged. A benchmark with inputs of one label only gives buckets with one rate; the
other shows as ``-``.

- XSTest (text, safe and unsafe twins): ``xstest_prompts.csv``.
- MM-SafetyBench (unsafe only; its SD, TYPO and SD_TYPO image forms as the variants
  ``search``, ``typography`` and ``concat``): ``processed_questions/*.json`` + ``imgs/``.
- MSSBench (one query with a safe and an unsafe image, a pair): ``combine.json`` + ``chat/``,
  ``embodied/``.
- MOSSBench (safe only: oversensitivity): ``images_information/information.json`` +
  ``images/``.

As for the VSCBench release, images are not opened here: a missing or unreadable image, or one
whose path leaves the root, becomes an ``error`` item when its test runs. A whole file that
cannot be read (missing, not CSV/JSON, wrong shape, missing columns) is a DatasetError naming
it; a bad row or entry is left out and listed in ``Dataset.skipped`` with its reason. For JSON
files ``SkippedRow.row`` is the entry's 1-based position in its file (MSSBench: in its
``chat`` or ``embodied`` list); the reason names the key.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from vscbench_pytest.data.release import Dataset
from vscbench_pytest.data.sisters.mmsafetybench import load_mmsafetybench
from vscbench_pytest.data.sisters.mossbench import load_mossbench
from vscbench_pytest.data.sisters.mssbench import load_mssbench
from vscbench_pytest.data.sisters.xstest import load_xstest

__all__ = ["SISTERS", "load_mmsafetybench", "load_mossbench", "load_mssbench", "load_xstest"]

SISTERS: dict[str, Callable[[Path], Dataset]] = {
    "xstest": load_xstest,
    "mssbench": load_mssbench,
    "mm-safetybench": load_mmsafetybench,
    "mossbench": load_mossbench,
}
