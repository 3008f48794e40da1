"""The hardening suite's tally: ``pytest tests -m hardening`` prints, per category, how many
cases were tried and whether any was lost, crashed or leaked.

A hardening test carries ``@pytest.mark.hardening("<category>")`` (or a module ``pytestmark``).
A case is one test item; a fuzz test adds how many generated examples it tried with
``record_property("examples", n)``. The category travels on the test report's
``user_properties``, so the tally also works under xdist (the controller sees every report).
"""
from __future__ import annotations

from collections import defaultdict

import pytest

CATEGORIES = ("bad input", "fault", "secret", "untrusted content", "fuzz")
PROPERTY = "hardening"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"hardening(category): a hardening case; category is one of {', '.join(CATEGORIES)}")
    config.pluginmanager.register(Tally(), "vscbench-hardening-tally")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        marker = item.get_closest_marker("hardening")
        if marker is None:
            continue
        category = marker.args[0] if marker.args else None
        if category not in CATEGORIES:
            raise pytest.UsageError(f"{item.nodeid}: hardening category {category!r} is not one of "
                                    f"{', '.join(CATEGORIES)}")
        item.user_properties.append((PROPERTY, category))


class Tally:
    """Outcome of every hardening case, by category."""

    def __init__(self) -> None:
        self.outcome: dict[str, dict[str, str]] = defaultdict(dict)  # category -> nodeid -> outcome
        self.examples: dict[str, int] = defaultdict(int)
        self.skips: dict[str, list[str]] = defaultdict(list)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        category = props.get(PROPERTY)
        if category is None:
            return
        seen = self.outcome[category]
        if report.failed:
            seen[report.nodeid] = "failed"
        elif report.skipped and report.when in ("setup", "call"):
            seen[report.nodeid] = "skipped"
            reason = getattr(report, "wasxfail", None) or (
                report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr))
            self.skips[category].append(f"{report.nodeid}: {reason}")
        elif report.when == "call" and seen.get(report.nodeid) != "failed":
            seen[report.nodeid] = "passed"
        if report.when == "call":
            self.examples[category] += int(props.get("examples", 0))

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.outcome:
            return
        tr = terminalreporter
        tr.section("hardening")
        width = max(len(c) for c in CATEGORIES)
        for category in CATEGORIES:
            seen = self.outcome.get(category, {})
            counts = {k: sum(1 for v in seen.values() if v == k) for k in ("passed", "failed", "skipped")}
            tried = f"{len(seen):>4} case(s)"
            if self.examples[category]:
                tried += f" ({self.examples[category]} generated examples)"
            if not seen:
                tr.write_line(f"{category:<{width}}  no case ran", yellow=True)
            elif counts["failed"]:
                failed = [n for n, v in seen.items() if v == "failed"]
                tr.write_line(f"{category:<{width}}  {tried}: {counts['failed']} FAILED: "
                              + ", ".join(failed), red=True)
            else:
                skipped = f", {counts['skipped']} skipped" if counts["skipped"] else ""
                tr.write_line(f"{category:<{width}}  {tried}: {counts['passed']} passed{skipped}; "
                              f"none lost, crashed or leaked", green=not skipped)
        for category in CATEGORIES:
            for line in self.skips.get(category, []):
                tr.write_line(f"  skipped ({category}) {line}", yellow=True)
