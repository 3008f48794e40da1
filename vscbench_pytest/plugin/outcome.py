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
    snapshot_gate: bool = False  # --vsc-snapshot-gate: differences fail under --vsc-score-only

    def check(self) -> None:
        """Compare with the model's snapshot (--vsc-snapshots), then fail when the model missed
        this input or the snapshot differs. Under --vsc-score-only both become an xfail that
        says what happened (a snapshot difference still fails with --vsc-snapshot-gate). The
        failure is the message alone, never a traceback."""
        difference = self._snapshot_difference()
        miss = None if self.result.passed else miss_message(self.result, self.judge)
        messages = [m for m in (difference, miss) if m]
        if not messages:
            return
        message = "\n".join(messages)
        if self.score_only and not (difference and self.snapshot_gate):
            self.stash[MISS] = message  # the report wrapper turns the passed call into an xfail
            return
        pytest.fail(message, pytrace=False)

    def _snapshot_difference(self) -> str | None:
        """The snapshot comparison's kind goes on the stash; a difference's message back."""
        if self.snapshot is None:
            return None
        from vscbench_pytest.plugin.snapshots import check

        found = check(self.snapshot, self.result, update=self.update_snapshots,
                      drift_informational=self.drift_informational)
        self.stash[SNAP] = found.kind if found.message is None else f"{found.kind}:open"
        return found.message
