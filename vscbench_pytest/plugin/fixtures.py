"""The suite's fixtures: ``vsc_engine`` (the model, loaded once per process, answering ahead
of the tests) and ``vsc_result`` (one input answered and judged)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from vscbench_pytest.plugin.keys import COUNTS, RESULT, is_worker, state_of
from vscbench_pytest.plugin.outcome import ItemOutcome
from vscbench_pytest.plugin.parametrize import item_of
from vscbench_pytest.records.items import Item
from vscbench_pytest.runtime.engine import Engine


def _worker_slot(config: pytest.Config) -> tuple[int, int | None]:
    """(xdist workers, this worker's index), or (0, None) without xdist."""
    if not is_worker(config):
        return 0, None
    workers = int(config.workerinput.get("workercount", 0))  # type: ignore[attr-defined]
    worker_id = str(config.workerinput.get("workerid", "gw0"))  # type: ignore[attr-defined]
    return workers, int(worker_id.lstrip("gw") or 0)


def _stop_unloaded(request: pytest.FixtureRequest, why: str) -> None:
    """The model could not load: stop the session now (an xdist worker tells the controller,
    which stops the others); it exits 4 with no table or report."""
    state_of(request.config).load_failure = why
    request.session.shouldstop = f"vscbench: {why}"
    pytest.skip(f"vscbench: {why}")


@pytest.fixture(scope="session")
def vsc_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """The model (loaded once per process), cache and judge, answering ahead of the tests."""
    config = request.config
    state = state_of(config)
    backend, error = state.runtime.make_backend(*_worker_slot(config))
    if error:
        _stop_unloaded(request, error)
    expected = state.tally.expected
    order = [record for record in map(item_of, request.session.items)  # in test order
             if record is not None and record.uid in expected]  # not the skipped ones
    engine, cache = state.runtime.start_engine(order, backend, error)
    yield engine
    problem = state.runtime.stop_engine(engine, cache)
    if problem:
        state.tally.notices.append(problem)


@pytest.fixture
def vsc_result(request: pytest.FixtureRequest, vsc_item: Item, vsc_engine: Engine) -> ItemOutcome:
    """Answer and judge ``vsc_item``; an input that cannot run is an error, not a miss.

    An error is a setup error, or under --vsc-score-only a skip (the gate counts it).
    """
    result, answer = vsc_engine.result(vsc_item)
    attempts = answer.response.attempts
    request.node.stash[RESULT] = result
    request.node.stash[COUNTS] = [attempts, max(0, attempts - 1), answer.cached]
    state = state_of(request.config)
    settings = state.settings
    failure = vsc_engine.load_failure() if result.is_error else None
    if failure:
        _stop_unloaded(request, failure)
    if result.is_error:
        message = f"{result.uid}: error: {result.reason}"
        if settings.score_only:
            pytest.skip(message)
        pytest.fail(message, pytrace=False)
    judge = state.runtime.judge.name
    if not settings.snapshots:
        return ItemOutcome(result, settings.score_only, judge, request.node.stash)
    update = bool(getattr(request.config.option, "update_snapshots", False))
    return ItemOutcome(result, settings.score_only, judge, request.node.stash,
                       request.getfixturevalue("snapshot"), update,
                       settings.snapshot_text_drift == "info", settings.snapshot_gate)
