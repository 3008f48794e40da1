"""Where the plugin keeps things: the session in ``config.stash``, each test's result in its
item's stash, and the names results travel under from xdist workers to the controller."""
from __future__ import annotations

import pytest

from vscbench_pytest.records.results import ItemResult
from vscbench_pytest.session.state import VscState

STATE = pytest.StashKey[VscState]()
RESULT = pytest.StashKey[ItemResult]()
COUNTS = pytest.StashKey[list]()  # [requests, retries, cached] behind the result
MISS = pytest.StashKey[str]()  # the miss message of a score-only xfail
SNAP = pytest.StashKey[str]()  # the snapshot comparison: flip / drift / new / same

# attributes of a TestReport (JSON strings: execnet refuses anything but builtin types)
REPORT_ATTR = "vscbench_result"
COUNTS_ATTR = "vscbench_counts"
SNAP_ATTR = "vscbench_snapshot"
LOAD_ATTR = "vscbench_load_failure"  # why the model could not load (a worker's first report)
# keys of an xdist worker's workeroutput / workerinput
EXPECTED_KEY = "vscbench_expected"
COLLECTED_KEY = "vscbench_collected"
JUDGE_CALLS_KEY = "vscbench_judge_calls"
NOTICES_KEY = "vscbench_notices"
RUN_ID_KEY = "vscbench_run_id"
CACHE_KEY = "vscbench_cache"


def state_of(config: pytest.Config) -> VscState:
    """The session of this pytest process."""
    return config.stash[STATE]


def is_worker(config: pytest.Config) -> bool:
    """Whether this process is an xdist worker."""
    return hasattr(config, "workerinput")


def runs_tests(config: pytest.Config) -> bool:
    """False for the xdist controller (its workers run the tests) and for --collect-only."""
    if config.option.collectonly:
        return False
    return is_worker(config) or config.getoption("dist", "no") == "no"
