"""The pytest hooks of the vscbench plugin (the ``pytest11`` entry point). Each is thin: the
work lives in the plugin's modules and, below them, in modules that know nothing of pytest.
Results travel from xdist workers as a JSON string on each test report."""
from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from vscbench_pytest.plugin import lifecycle, parametrize, terminal, transport
from vscbench_pytest.plugin.controller import ControllerHooks
from vscbench_pytest.plugin.fixtures import vsc_engine, vsc_result
from vscbench_pytest.plugin.keys import is_worker, state_of
from vscbench_pytest.plugin.options import add_options
from vscbench_pytest.runtime import collector

__all__ = ["vsc_engine", "vsc_result"]  # fixtures: pytest finds them on this plugin module


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``vscbench`` option group and its ini keys."""
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    """Read and check every option; with --vlm, load the sheets (cheap) so bad data stops here."""
    config.addinivalue_line("markers", "vscbench(track): a VSCBench suite test (track image|text|utility)")
    config.addinivalue_line("markers", f"{parametrize.UNUSED_MARK}: a suite test with nothing to run (deselected)")
    state = lifecycle.start(config)
    if not is_worker(config):
        config.pluginmanager.register(ControllerHooks(state, config), "vscbench-controller")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Close the session and remove this run's private cache (--vsc-no-cache)."""
    lifecycle.end(config)


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    """One line: the model, judge and data under test."""
    state = state_of(config)
    if not state.active:
        return None
    judges = ", ".join(j.name for j in state.runtime.judges)
    selected, total = len(state.plan.selected()), len(state.plan.dataset.items)
    inputs = f"{selected} inputs" if selected == total else f"{selected} of {total} inputs selected"
    return [f"vscbench: model {state.settings.vlm}, judge {judges}, "
            f"data {state.plan.dataset.root} ({inputs})"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize ``vsc_item`` with the items of the test's track; ids are the uids."""
    if "vsc_item" in metafunc.fixturenames:
        parametrize.parametrize(metafunc)


def pytest_itemcollected(item: pytest.Item) -> None:
    """Let ``-k`` select on track, category, variant and label words."""
    parametrize.add_keywords(item)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the utility test when no --vsc-utility questions were asked for."""
    parametrize.deselect_unused(config, items)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Remember which inputs this process is expected to report; freeze what collection built."""
    if state_of(session.config).active:
        collector.freeze_collected()
    parametrize.remember_expected(session)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]
                              ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Attach the item's result (JSON) to its call report, or its setup report on error."""
    report = yield
    transport.attach(item, report)
    return report


@pytest.hookimpl(tryfirst=True)  # before junitxml writes its file
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Worker: report what it collected. Controller: write the report and apply the gate."""
    config = session.config
    if is_worker(config):
        config.workeroutput.update(transport.worker_output(state_of(config)))  # type: ignore[attr-defined]
        return
    lifecycle.finish(session, interrupted=exitstatus == pytest.ExitCode.INTERRUPTED)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """The calibration table, where the report went, and why the gate closed."""
    state = state_of(config)
    if state.active:
        terminal.write_summary(terminalreporter, state, config)
    else:
        terminal.write_no_model(terminalreporter)
