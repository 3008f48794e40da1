"""The judged result of one input as the suite test sees it, and the check it makes."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from vscbench_pytest.plugin.keys import MISS, SNAP
from vscbench_pytest.records.results import ItemResult, miss_message


@dataclass(frozen=True)
class ItemOutcome:
    """One input's result, with the check the suite test makes (``vsc_result``)."""

    result: ItemResult
    score_only: bool
    judge: str
    stash: pytest.Stash
    snapshot: Any | None = None  # syrupy's fixture, with --vsc-snapshots
    update_snapshots: bool = False
    drift_informational: bool = False

    def check(self) -> None:
        """Compare with the model's snapshot (--vsc-snapshots), then fail (or, under
        --vsc-score-only, xfail) when the model missed this input."""
        if self.snapshot is not None:
            from vscbench_pytest.plugin.snapshots import assert_snapshot, compare

            kind, expected, stored = compare(self.snapshot, self.result,
                                             update=self.update_snapshots,
                                             drift_informational=self.drift_informational)
            self.stash[SNAP] = kind
            assert_snapshot(self.snapshot, self.result, kind, expected, stored)
        if self.result.passed:
            return
        message = miss_message(self.result, self.judge)
        if self.score_only:
            self.stash[MISS] = message  # the report wrapper turns the passed call into an xfail
            return
        pytest.fail(message, pytrace=False)
