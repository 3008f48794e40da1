"""How one input's result travels: on its call report (its setup report when it errors) as a
JSON string, from an xdist worker to the controller; a worker's expected inputs, judge
requests and notices travel in its ``workeroutput`` and are reconciled when it goes down."""
from __future__ import annotations

import json
from typing import Any

import pytest

from vscbench_pytest.plugin.keys import (
    COLLECTED_KEY,
    COUNTS,
    COUNTS_ATTR,
    EXPECTED_KEY,
    JUDGE_CALLS_KEY,
    LOAD_ATTR,
    MISS,
    NOTICES_KEY,
    REPORT_ATTR,
    RESULT,
    SNAP,
    SNAP_ATTR,
    state_of,
)
from vscbench_pytest.records.results import ItemResult
from vscbench_pytest.session.state import VscState


def attach(item: pytest.Item, report: pytest.TestReport) -> None:
    """Put the item's result (and snapshot outcome) on its report; turn a score-only miss into
    an xfail (raising pytest.xfail would make pytest format a source traceback, ~17 ms a miss)."""
    miss = item.stash.get(MISS, None)
    if miss is not None and report.when == "call" and report.passed:
        report.outcome = "skipped"
        report.wasxfail = miss
    result = item.stash.get(RESULT, None)
    if result is not None and (report.when == "call" or (report.when == "setup" and not report.passed)):
        setattr(report, REPORT_ATTR, result.to_json())
        setattr(report, COUNTS_ATTR, json.dumps(item.stash.get(COUNTS, [0, 0, False])))
    snap = item.stash.get(SNAP, None)
    if snap is not None and report.when == "call":
        setattr(report, SNAP_ATTR, snap)
    failure = state_of(item.config).load_failure
    if failure is not None and report.when == "setup":
        setattr(report, LOAD_ATTR, failure)


def receive(state: VscState, report: pytest.TestReport) -> bool:
    """Add a report's result to the tally (controller); whether it carried one. A worker's
    model that could not load stops the session."""
    failure = getattr(report, LOAD_ATTR, None)
    if failure is not None:
        state.load_failure = failure
        return False
    payload = getattr(report, REPORT_ATTR, None)
    if payload is None:
        return False
    requests, retries, cached = json.loads(getattr(report, COUNTS_ATTR, "[0, 0, false]"))
    state.tally.add_result(ItemResult.from_json(payload), requests, retries, cached)
    snap = getattr(report, SNAP_ATTR, None)
    if snap is not None:
        state.tally.count_snapshot(snap)
    return True


def worker_output(state: VscState) -> dict[str, Any]:
    """What a worker tells the controller at its end (builtin types only)."""
    return {EXPECTED_KEY: json.dumps(sorted(state.tally.expected)),
            COLLECTED_KEY: state.tally.collected,
            JUDGE_CALLS_KEY: state.runtime.judge_calls(),
            NOTICES_KEY: json.dumps(state.tally.notices)}


def worker_down(state: VscState, name: str, output: dict[str, Any] | None, error: object) -> None:
    """Reconcile a worker that went down: its report, or a problem when it sent none."""
    output = output or {}
    if EXPECTED_KEY not in output:
        state.tally.lose_worker(name, error)
        return
    state.tally.add_worker(name, json.loads(output[EXPECTED_KEY]), int(output.get(JUDGE_CALLS_KEY, 0)),
                           json.loads(output.get(NOTICES_KEY, "[]")),
                           int(output.get(COLLECTED_KEY, 0)))
