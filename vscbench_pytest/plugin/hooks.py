"""pytest hooks and fixtures for VSCBench: options, parametrization, result transport, gate.

Thin by design: the work lives in plain modules (``state``, ``engine``, ``report``, ``gate``).
Results travel from xdist workers as a JSON string on each test report.
"""
from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from vscbench_pytest.errors import VscError
from vscbench_pytest.records.items import UTILITY_TRACK, Item
from vscbench_pytest.records.results import ItemResult, miss_message
from vscbench_pytest.render.progress import progress_line
from vscbench_pytest.render.text import format_calibration, format_table
from vscbench_pytest.runtime import collector
from vscbench_pytest.scoring.agreement import format_judges
from vscbench_pytest.scoring.consistency import format_consistency
from vscbench_pytest.session.settings import add_options, read_settings
from vscbench_pytest.session.state import VscState

STATE = pytest.StashKey["VscState"]()
RESULT = pytest.StashKey[ItemResult]()
COUNTS = pytest.StashKey[list]()
MISS = pytest.StashKey[str]()
SNAP = pytest.StashKey[str]()
SNAP_ATTR = "vscbench_snapshot"
REPORT_ATTR = "vscbench_result"
JUDGE_CALLS_KEY = "vscbench_judge_calls"
COUNTS_ATTR = "vscbench_counts"  # [requests, retries, cached] behind the result
PROGRESS_EVERY_S = 10.0
EXPECTED_KEY = "vscbench_expected"
NOTICES_KEY = "vscbench_notices"
NO_MODEL = (
    "no model chosen: run `pytest --vlm=tiny-llava` (bundled), `--vlm=hf:<id-or-path>`, "
    "`--vlm=replay:<file.jsonl>` or an alias such as `--vlm=llava` (see README)"
)


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _runs_tests(config: pytest.Config) -> bool:
    """False for the xdist controller (its workers run the tests) and for --collect-only."""
    if config.option.collectonly:
        return False
    return _is_worker(config) or config.getoption("dist", "no") == "no"


def _state(config: pytest.Config) -> VscState:
    return config.stash[STATE]


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``vscbench`` option group."""
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    """Read and check every option; with --vlm, load the sheets (cheap) so bad data stops here."""
    config.addinivalue_line("markers", "vscbench(track): a VSCBench suite test (track image|text|utility)")
    config.addinivalue_line("markers", "vsc_unused: a suite test with nothing to run (deselected)")
    collector.thaw_earlier_session()
    state = None
    try:
        state = VscState(read_settings(config))
        if state.active and _runs_tests(config):
            state.start_backend_early()  # an API child process starts while the sheets load
        if state.active:
            state.validate()
    except VscError as exc:
        if state is not None:
            state.close()
        raise pytest.UsageError(str(exc)) from None
    config.stash[STATE] = state
    if state.active and state.settings.snapshots:
        if not config.pluginmanager.hasplugin("syrupy"):
            raise pytest.UsageError("--vsc-snapshots needs syrupy: pip install 'syrupy>=7' "
                                    "(or the project's snapshots extra)")
        from vscbench_pytest.plugin.snapshots import use_key

        use_key(state.snapshot_key())
    if _is_worker(config):
        state.run_id = config.workerinput.get("vscbench_run_id", state.run_id)
        cache = config.workerinput.get("vscbench_cache")
        state.cache_path = Path(cache) if cache else None
    else:
        if state.active and state.settings.no_cache:
            state.cache_path = Path(tempfile.mkdtemp(prefix="vscbench-")) / "cache.sqlite"
        if state.active and not config.option.collectonly:
            try:
                state.check_outputs()
            except VscError as exc:
                state.close()
                raise pytest.UsageError(str(exc)) from None
        config.pluginmanager.register(ControllerHooks(state, config), "vscbench-controller")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove this run's private cache (--vsc-no-cache); keep the collector off what lives on."""
    state = config.stash.get(STATE, None)
    if state is not None:
        state.close()
    if state is not None and state.active:
        collector.freeze_what_lives_on()
    if state is not None and state.settings.no_cache and state.cache_path and not _is_worker(config):
        shutil.rmtree(state.cache_path.parent, ignore_errors=True)


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    """One line: the model, judge and data under test."""
    state = _state(config)
    if not state.active:
        return None
    return [f"vscbench: model {state.settings.vlm}, judge {', '.join(j.name for j in state.judges)}, "
            f"data {state.dataset.root} ({len(state.selected())} inputs)"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize ``vsc_item`` with the items of the test's track; ids are the uids."""
    if "vsc_item" not in metafunc.fixturenames:
        return
    state = _state(metafunc.config)
    marker = metafunc.definition.get_closest_marker("vscbench")
    track = marker.kwargs.get("track") if marker else None
    if not state.active and track != UTILITY_TRACK:
        skip = pytest.param(None, marks=pytest.mark.skip(reason=NO_MODEL))
        metafunc.parametrize("vsc_item", [skip], ids=["no-model-chosen"])
        return
    items = state.items_for(track) if state.active else []
    if track == UTILITY_TRACK and not items:  # deselected below: no --vsc-utility, no test
        metafunc.parametrize("vsc_item", [pytest.param(None, marks=pytest.mark.vsc_unused)],
                             ids=["no-utility-set"])
        return
    reason = state.image_skip_reason()
    params = [pytest.param(item, marks=pytest.mark.skip(reason=reason))
              if reason and item.image is not None else item for item in items]
    metafunc.parametrize("vsc_item", params, ids=[item.uid for item in items])


def _item_of(node: pytest.Item) -> Item | None:
    callspec = getattr(node, "callspec", None)
    value = callspec.params.get("vsc_item") if callspec else None
    return value if isinstance(value, Item) else None


def pytest_itemcollected(item: pytest.Item) -> None:
    """Let ``-k`` select on track, category, variant and label words."""
    record = _item_of(item)
    if record is not None:
        item.extra_keyword_matches.update({record.track, record.category, record.variant, record.label})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the utility test when no --vsc-utility questions were asked for."""
    unused = [item for item in items if item.get_closest_marker("vsc_unused") is not None]
    if unused:
        items[:] = [item for item in items if item.get_closest_marker("vsc_unused") is None]
        config.hook.pytest_deselected(items=unused)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Remember which inputs this process is expected to report."""
    state = _state(session.config)
    if state.active:
        collector.freeze_collected()
    skipped = {item.uid for item in state.skipped_inputs()} if state.active else set()
    state.expected = {record.uid for record in map(_item_of, session.items)
                      if record is not None and record.uid not in skipped}


@pytest.fixture(scope="session")
def vsc_engine(request: pytest.FixtureRequest):
    """The model (loaded once per process), cache and judge, answering ahead of the tests."""
    from vscbench_pytest.runtime.engine import Engine

    config = request.config
    state = _state(config)
    workers, index = 0, None
    if _is_worker(config):
        workers = int(config.workerinput.get("workercount", 0))
        index = int(str(config.workerinput.get("workerid", "gw0")).lstrip("gw") or 0)
    backend, error = state.make_backend(workers, index)
    if error and not _is_worker(config):
        pytest.exit(f"vscbench: {error}", returncode=pytest.ExitCode.USAGE_ERROR)
    order = [record for record in map(_item_of, request.session.items)  # in test order
             if record is not None and record.uid in state.expected]  # not the skipped ones
    try:
        cache = state.open_cache()
    except VscError as exc:
        backend, error = None, str(exc)
        cache = None
    for judge in state.judges:
        if hasattr(judge, "use_cache"):
            judge.use_cache(cache)  # verdicts of judge servers are cached too
    engine = Engine(backend, state.judge, order, cache, settings_key=state.settings_key(),
                    batch_size=state.settings.batch_size, concurrency=state.settings.concurrency,
                    backend_error=error, others=state.judges[1:], prompting=state.prompting(),
                    references=state.references())
    yield engine.start()
    try:
        engine.close()  # after the requests under way and the judges' work end
    finally:
        if cache is not None:
            cache.close()  # the engine keeps none for a replay backend; its judges used it
    if engine.cache_problem:
        state.notices.append(engine.cache_problem)


@dataclass(frozen=True)
class ItemOutcome:
    """The judged result of one input, with the check the suite test makes."""

    result: ItemResult
    score_only: bool
    judge: str
    stash: pytest.Stash
    snapshot: object | None = None  # syrupy's fixture, with --vsc-snapshots
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
            # The report wrapper turns the passed call into an xfail: raising pytest.xfail
            # would make pytest format a source traceback, about 17 ms a miss.
            self.stash[MISS] = message
            return
        pytest.fail(message, pytrace=False)


@pytest.fixture
def vsc_result(request: pytest.FixtureRequest, vsc_item: Item, vsc_engine) -> ItemOutcome:
    """Answer and judge ``vsc_item``; an input that cannot run is an error, not a miss.

    An error is a setup error, or under --vsc-score-only a skip (the gate counts it).
    """
    result, answer = vsc_engine.result(vsc_item)
    request.node.stash[RESULT] = result
    request.node.stash[COUNTS] = [answer.response.attempts, max(0, answer.response.attempts - 1),
                                  answer.cached]
    state = _state(request.config)
    score_only = state.settings.score_only
    if result.is_error:
        message = f"{result.uid}: error: {result.reason}"
        if score_only:
            pytest.skip(message)
        pytest.fail(message, pytrace=False)
    settings = state.settings
    if not settings.snapshots:
        return ItemOutcome(result, score_only, state.judge.name, request.node.stash)
    update = bool(getattr(request.config.option, "update_snapshots", False))
    return ItemOutcome(result, score_only, state.judge.name, request.node.stash,
                       request.getfixturevalue("snapshot"), update,
                       settings.snapshot_text_drift == "info")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Attach the item's result (JSON) to its call report, or its setup report on error."""
    report = yield
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
    return report


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Worker: report what it collected. Controller: write the report and apply the gate."""
    config = session.config
    state = _state(config)
    if _is_worker(config):
        config.workeroutput[EXPECTED_KEY] = json.dumps(sorted(state.expected))
        config.workeroutput[JUDGE_CALLS_KEY] = state.judge_calls()
        config.workeroutput[NOTICES_KEY] = json.dumps(state.notices)
        return
    if not state.active or config.option.collectonly:
        return
    interrupted = exitstatus == pytest.ExitCode.INTERRUPTED
    try:
        outcome = state.finish(interrupted=interrupted)
    except OSError as exc:
        state.problems.append(f"cannot write the report to {state.report_path()}: {exc} (the "
                              f"responses are in the cache: a rerun writes it without model calls)")
        outcome = state.finish(interrupted=interrupted, write=False)
    if outcome.failures and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """The calibration table, where the report went, and why the gate closed."""
    state = _state(config)
    if not state.active:
        return
    tr = terminalreporter
    dataset = state.dataset
    if dataset.skipped:
        tr.write_line(f"vscbench: {len(dataset.skipped)} row(s) left out of {dataset.root}:")
        for row in dataset.skipped:
            tr.write_line(f"  {row}")
    for line in dataset.duplicates:
        tr.write_line(f"vscbench: {line}")
    for notice in sorted(set(state.notices)):
        tr.write_line(f"vscbench: {notice}", yellow=True)
    skipped = state.skipped_inputs()
    if skipped:
        tr.write_line(f"vscbench: {len(skipped)} input(s) skipped: {state.image_skip_reason()}")
    if config.option.collectonly:
        counts = {t: len(state.items_for(t)) for t in ("image", "text")}
        tr.write_line(f"vscbench: {counts['image']} image-centric and {counts['text']} "
                      f"text-centric inputs selected")
        return
    outcome = state.outcome
    if outcome is None:
        return
    tr.section("vscbench calibration")
    for line in format_table(outcome.report["scores"]):
        tr.write_line(line)
    run = outcome.report["run"]
    tr.write_line(f"errors: {run['errors']}  complete: {run['complete']}"
                  + (f"  ({'; '.join(run['problems'])})" if run["problems"] else ""))
    tr.write_line(f"requests: {run['requests']}, retries: {run['retries']}, "
                  f"answers from the cache: {run['cached']}"
                  + (f", judge requests: {run['judge_requests']}" if run["judge_requests"] else ""))
    for line in format_consistency(outcome.report["consistency"]):
        tr.write_line(line)
    for line in format_calibration(outcome.report):
        tr.write_line(line)
    if state.settings.snapshots:
        from vscbench_pytest.plugin.snapshots import SNAPSHOT_ROOT

        n = state.snapshots
        drift = "informational" if state.settings.snapshot_text_drift == "info" else "failing"
        tr.write_line(f"snapshots ({SNAPSHOT_ROOT}/{state.snapshot_key()}): {n['flip']} verdict "
                      f"flip(s), {n['drift']} text-only drift(s) ({drift}), {n['new']} new, "
                      f"{n['same']} unchanged")
    if "judges" in outcome.report:
        for line in format_judges(outcome.report["judges"]):
            tr.write_line(line)
    if outcome.path is not None:
        tr.write_line(f"report: {outcome.path}")
    if outcome.failures:
        tr.write_line("vscbench gate FAILED:", red=True, bold=True)
        for failure in outcome.failures:
            tr.write_line(f"  {failure.message}", red=True)
    elif outcome.report["gate"]["rules"]:
        tr.write_line(f"vscbench gate passed ({', '.join(outcome.report['gate']['rules'])})",
                      green=True)


class ControllerHooks:
    """Controller-only hooks: collect results, show progress; with xdist, brief the workers
    and notice one that died."""

    def __init__(self, state: VscState, config: pytest.Config) -> None:
        self.state = state
        self.config = config
        self.last_progress = time.monotonic()
        self.collected = 0  # tests collected by an xdist worker, for the progress line

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        payload = getattr(report, REPORT_ATTR, None)
        if payload is None:
            return
        self.state.add_result(ItemResult.from_json(payload))
        self.state.add_counts(*json.loads(getattr(report, COUNTS_ATTR, "[0, 0, false]")))
        snap = getattr(report, SNAP_ATTR, None)
        if snap is not None:
            self.state.snapshots[snap] += 1
        if time.monotonic() - self.last_progress >= PROGRESS_EVERY_S:
            self.last_progress = time.monotonic()
            self._progress()

    def _progress(self) -> None:
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.ensure_newline()
            reporter.write_line(progress_line(len(self.state.results),
                                              len(self.state.expected) or self.collected,
                                              time.time() - self.state.started))

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node) -> None:
        node.workerinput["vscbench_run_id"] = self.state.run_id
        node.workerinput["vscbench_cache"] = str(self.state.cache_path or "")

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node, ids) -> None:
        self.collected = max(self.collected, len(ids))

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error) -> None:
        output = getattr(node, "workeroutput", None) or {}
        name = getattr(node, "gateway", None) and node.gateway.id
        self.state.workers.add(str(name))
        if EXPECTED_KEY in output:
            self.state.expected |= set(json.loads(output[EXPECTED_KEY]))
            self.state.counts["judge_requests"] += int(output.get(JUDGE_CALLS_KEY, 0))
            self.state.notices += json.loads(output.get(NOTICES_KEY, "[]"))
        else:
            self.state.problems.append(f"xdist worker {name} went down without reporting ({error})")
