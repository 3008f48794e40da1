"""Controller-only hooks: collect the results, show progress, and with xdist brief the
workers and notice one that died."""
from __future__ import annotations

import time
from typing import Any

import pytest

from vscbench_pytest.plugin import transport
from vscbench_pytest.plugin.keys import CACHE_KEY, RUN_ID_KEY
from vscbench_pytest.render.progress import progress_line
from vscbench_pytest.session.state import VscState

PROGRESS_EVERY_S = 10.0


class ControllerHooks:
    """Registered on the controller (the only process without xdist)."""

    def __init__(self, state: VscState, config: pytest.Config) -> None:
        self.state = state
        self.config = config
        self.last_progress = time.monotonic()
        self.collected = 0  # tests collected by an xdist worker, for the progress line
        self.first: tuple[float, int] | None = None  # (when, how many): the first answers' arrival

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not transport.receive(self.state, report):
            return
        if self.first is None:
            self.first = (time.monotonic(), len(self.state.tally.results))
        if time.monotonic() - self.last_progress >= PROGRESS_EVERY_S:
            self.last_progress = time.monotonic()
            self._progress()

    def _progress(self) -> None:
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            tally = self.state.tally
            when, before = self.first or (time.monotonic(), 0)
            reporter.ensure_newline()
            reporter.write_line(progress_line(len(tally.results), len(tally.expected) or self.collected,
                                              time.monotonic() - when, len(tally.results) - before))

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[RUN_ID_KEY] = self.state.runtime.run_id
        node.workerinput[CACHE_KEY] = str(self.state.runtime.cache_path or "")

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self.collected = max(self.collected, len(ids))

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        name = str(getattr(node, "gateway", None) and node.gateway.id)
        transport.worker_down(self.state, name, getattr(node, "workeroutput", None), error)
