"""The session's start and end in a pytest process: read and check the options, load the
data (cheap) so bad input stops the run at once, start an API model early; at the end,
close what is open and remove a private cache."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from vscbench_pytest.errors import VscError
from vscbench_pytest.plugin.junit import record_gate
from vscbench_pytest.plugin.keys import CACHE_KEY, RUN_ID_KEY, STATE, is_worker, runs_tests
from vscbench_pytest.plugin.options import read_settings
from vscbench_pytest.runtime import collector
from vscbench_pytest.scoring.gate import Failure
from vscbench_pytest.session.checks import check_gate_buckets, check_model_reachable, fail_closed
from vscbench_pytest.session.state import VscState


def start(config: pytest.Config) -> VscState:
    """The session of this process, checked; a pytest.UsageError names what is wrong."""
    collector.thaw_earlier_session()
    state = None
    try:
        settings = read_settings(config)
        fail_closed(settings)
        state = VscState.from_settings(settings)
        if state.active:
            state.tally.notices += state.plan.validate()
            check_gate_buckets(state.plan)
        if state.active and not config.option.collectonly:
            state.runtime.check_judges()  # a bad judge, or no judge server: one line, now
        if state.active and not is_worker(config) and not config.option.collectonly:
            check_model_reachable(state.plan)  # no server, an unreachable hub: one line, now
        if state.active and runs_tests(config):
            state.runtime.start_backend_early()  # an API child process starts while collecting
    except VscError as exc:
        if state is not None:
            state.close()
        raise pytest.UsageError(str(exc)) from None
    config.stash[STATE] = state
    if state.active and state.settings.snapshots:
        _use_snapshots(config, state)
    if is_worker(config):
        _join_controller(config, state)
    elif state.active:
        _prepare_outputs(config, state)
    return state


def _use_snapshots(config: pytest.Config, state: VscState) -> None:
    """syrupy present; an explicit --vsc-snapshot-key must have snapshots on disk (a typo is a
    usage error listing the keys there, before any request) unless --snapshot-update writes it.
    The model's own key may be new: its inputs are then "new"."""
    if not config.pluginmanager.hasplugin("syrupy"):
        raise pytest.UsageError("--vsc-snapshots needs syrupy, which is not installed or is "
                                "disabled (-p no:syrupy): pip install 'syrupy>=7'")
    from vscbench_pytest.plugin.snapshots import use_key

    option = config.option
    writes = bool(getattr(option, "update_snapshots", False)
                  or getattr(option, "update_new_snapshots_only", False))
    try:
        use_key(state.plan.snapshot_key(), config.rootpath,
                must_exist=bool(state.settings.snapshot_key) and not writes)
    except VscError as exc:
        state.close()
        raise pytest.UsageError(str(exc)) from None


def _join_controller(config: pytest.Config, state: VscState) -> None:
    """A worker uses the controller's run id and (--vsc-no-cache) private cache."""
    workerinput = config.workerinput  # type: ignore[attr-defined]
    state.runtime.run_id = workerinput.get(RUN_ID_KEY, state.runtime.run_id)
    cache = workerinput.get(CACHE_KEY)
    state.runtime.cache_path = Path(cache) if cache else None


def _prepare_outputs(config: pytest.Config, state: VscState) -> None:
    """A private cache for --vsc-no-cache; the report and cache places checked writable."""
    if state.settings.no_cache:
        state.runtime.cache_path = Path(tempfile.mkdtemp(prefix="vscbench-")) / "cache.sqlite"
    if config.option.collectonly:
        return
    try:
        state.check_outputs()
    except VscError as exc:
        state.close()
        raise pytest.UsageError(str(exc)) from None


def finish(session: pytest.Session, *, interrupted: bool) -> None:
    """The controller's end of the run: the report written, the gate applied to the exit
    status and to the JUnit XML; a run whose model never loaded only exits 4."""
    state = session.config.stash[STATE]
    if state.load_failure is not None:
        session.exitstatus = pytest.ExitCode.USAGE_ERROR
        return
    if not state.active or session.config.option.collectonly:
        return
    if not state.tally.collected and not state.tally.results and not state.tally.problems:
        _nothing_collected(session, state)  # e.g. `pytest tests/`: no report overwritten
        return
    try:
        outcome = state.finish(interrupted=interrupted)
    except OSError as exc:
        state.tally.problems.append(
            f"cannot write the report to {state.plan.report_path()}: {exc} (the responses are in "
            f"the cache: a rerun writes it without model calls)")
        outcome = state.finish(interrupted=interrupted, write=False)
    record_gate(session.config, outcome.report, outcome.failures)
    if outcome.failures and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _nothing_collected(session: pytest.Session, state: VscState) -> None:
    """No suite input was collected: no report is written (the last one stays); with a gate
    set, the session fails, since a gate must not pass on nothing."""
    gated = bool(state.plan.rules) or state.settings.baseline is not None
    state.nothing_collected = (
        "no VSCBench input was collected in this session, so nothing was scored and no report "
        "was written; the suite runs with `pytest --pyargs vscbench_pytest.suite`"
        + (" (gate options set in an ini file? `-p no:vscbench` runs only your own tests)"
           if gated else ""))
    if gated:
        record_gate(session.config, None, [Failure("collected", state.nothing_collected)],
                    [str(rule) for rule in state.plan.rules])
    if gated and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def end(config: pytest.Config) -> None:
    """Close the session; remove this run's private cache (--vsc-no-cache); keep the garbage
    collector off what lives on."""
    state = config.stash.get(STATE, None)
    if state is None:
        return
    state.close()
    if state.active:
        collector.freeze_what_lives_on()
    cache = state.runtime.cache_path
    if state.settings.no_cache and cache is not None and not is_worker(config):
        shutil.rmtree(cache.parent, ignore_errors=True)
