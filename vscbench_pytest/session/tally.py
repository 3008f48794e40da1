"""What a session collects while its tests run: the results, the inputs it expects, the
requests made, the problems and notices, the xdist workers and the snapshot outcomes.

The controller holds the whole tally; each xdist worker holds its own part and hands the
controller what the controller cannot see (the inputs it collected, judge requests, notices).
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from vscbench_pytest.records.results import ItemResult

COUNT_NAMES = ("requests", "retries", "cached", "judge_requests")


@dataclass
class Tally:
    """Results and counts of one pytest process."""

    started: float = field(default_factory=time.time)
    results: dict[str, ItemResult] = field(default_factory=dict)
    expected: set[str] = field(default_factory=set)
    collected: int = 0  # suite tests collected (inputs, and a selection's empty parameter set)
    problems: list[str] = field(default_factory=list)  # the run is incomplete: the gate fails
    notices: list[str] = field(default_factory=list)  # worth knowing; the scores are whole
    workers: set[str] = field(default_factory=set)
    counts: Counter[str] = field(default_factory=Counter)  # COUNT_NAMES
    snapshots: Counter[str] = field(default_factory=Counter)  # see count_snapshot

    def add_result(self, result: ItemResult, requests: int = 0, retries: int = 0,
                   cached: bool = False) -> None:
        """One input's result (the latest wins: uids are unique), and what producing it took,
        counted once per input however many tests (a user's own beside the suite's) used it."""
        known = result.uid in self.results
        self.results[result.uid] = result
        if known:
            return
        self.counts["requests"] += requests
        self.counts["retries"] += retries
        self.counts["cached"] += int(cached)

    def count_snapshot(self, outcome: str) -> None:
        """One snapshot comparison, ``KIND`` or ``KIND:open`` (a difference nobody accepted:
        not written by --snapshot-update, not informational): counted under ``flip``,
        ``drift``, ``new`` or ``same``, and the open ones also under ``open`` and ``open_KIND``."""
        kind, _, state = outcome.partition(":")
        self.snapshots[kind] += 1
        if state == "open":
            self.snapshots["open"] += 1
            self.snapshots[f"open_{kind}"] += 1

    def add_worker(self, name: str, expected: list[str], judge_requests: int,
                   notices: list[str], collected: int = 0) -> None:
        """What an xdist worker reported when it finished."""
        self.workers.add(name)
        self.collected = max(self.collected, collected)  # each worker collects every test
        self.expected |= set(expected)
        self.counts["judge_requests"] += judge_requests
        self.notices += notices

    def lose_worker(self, name: str, error: object) -> None:
        """An xdist worker that went down without reporting: the run is incomplete."""
        self.workers.add(name)
        self.problems.append(f"xdist worker {name} went down without reporting ({error})")

    def missing(self, skipped: set[str]) -> list[str]:
        """The expected inputs (not skipped ones) whose result never arrived, sorted."""
        return sorted(self.expected - set(self.results) - skipped)

    def elapsed(self) -> float:
        return time.time() - self.started
