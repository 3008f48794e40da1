"""What the session prints at its end: rows left out, notices, the calibration table, the
run's counts, consistency, judges, snapshots, where the report went, and the gate."""
from __future__ import annotations

from typing import Any

import pytest

from vscbench_pytest.render.text import (
    format_calibration,
    format_consistency,
    format_judges,
    format_selection,
    format_table,
)
from vscbench_pytest.report.schema import RunInfo
from vscbench_pytest.session.state import VscState


def write_summary(tr: Any, state: VscState, config: pytest.Config) -> None:
    """The end-of-session summary on the terminal reporter ``tr``."""
    _data_notes(tr, state)
    if config.option.collectonly:
        counts = {t: len(state.plan.items_for(t)) for t in ("image", "text")}
        tr.write_line(f"vscbench: {counts['image']} image-centric and {counts['text']} "
                      f"text-centric inputs selected")
        return
    if state.nothing_collected is not None:
        gated = bool(state.plan.rules) or state.settings.baseline is not None
        prefix = "vscbench gate FAILED: " if gated else "vscbench: "
        tr.write_line(prefix + state.nothing_collected, red=gated, yellow=not gated)
        return
    outcome = state.outcome
    if outcome is None:
        return
    report = outcome.report
    tr.section("vscbench calibration")
    lines = format_selection(report) + format_table(report["scores"]) + _run_lines(report["run"])
    lines += format_consistency(report["consistency"]) + format_calibration(report)
    lines += _snapshot_lines(state)
    if "judges" in report:
        lines += format_judges(report["judges"])
    if outcome.path is not None:
        lines.append(f"report: {outcome.path}")
    for line in lines:
        tr.write_line(line)
    if outcome.failures:
        tr.write_line("vscbench gate FAILED:", red=True, bold=True)
        for failure in outcome.failures:
            tr.write_line(f"  {failure.message}", red=True)
    elif report["gate"]["rules"]:
        tr.write_line(f"vscbench gate passed ({', '.join(report['gate']['rules'])})", green=True)


def _data_notes(tr: Any, state: VscState) -> None:
    """Rows left out of the data, repeated rows, notices and inputs skipped for the model."""
    dataset = state.plan.dataset
    if dataset.skipped:
        tr.write_line(f"vscbench: {len(dataset.skipped)} row(s) left out of {dataset.root}:")
        for row in dataset.skipped:
            tr.write_line(f"  {row}")
    for line in dataset.duplicates:
        tr.write_line(f"vscbench: {line}")
    for notice in sorted(set(state.tally.notices)):
        tr.write_line(f"vscbench: {notice}", yellow=True)
    skipped = state.plan.skipped_inputs()
    if skipped:
        tr.write_line(f"vscbench: {len(skipped)} input(s) skipped: {state.plan.image_skip_reason()}")


def _run_lines(run: RunInfo) -> list[str]:
    problems = f"  ({'; '.join(run['problems'])})" if run["problems"] else ""
    judge = f", judge requests: {run['judge_requests']}" if run["judge_requests"] else ""
    return [f"errors: {run['errors']}  complete: {run['complete']}{problems}",
            f"requests: {run['requests']}, retries: {run['retries']}, "
            f"answers from the cache: {run['cached']}{judge}"]


def _snapshot_lines(state: VscState) -> list[str]:
    """The snapshot counts (flips, text-only drift, new inputs, unchanged) and, when there are
    differences, what they did to the exit status and how to accept them."""
    if not state.settings.snapshots:
        return []
    from vscbench_pytest.plugin.snapshots import SNAPSHOT_ROOT, UPDATE_HINT

    settings = state.settings
    n = state.tally.snapshots
    reported = settings.score_only and not settings.snapshot_gate
    drift = ("informational" if settings.snapshot_text_drift == "info"
             else "reported" if reported else "failing")
    lines = [f"snapshots ({SNAPSHOT_ROOT}/{state.plan.snapshot_key()}): {n['flip']} verdict "
             f"flip(s), {n['drift']} text-only drift(s) ({drift}), {n['new']} new, "
             f"{n['same']} unchanged"]
    if n["open_new"]:
        lines.append(f"  {n['open_new']} input(s) have no snapshot yet: {UPDATE_HINT}")
    if n["open"] and reported:
        lines.append("  snapshot differences are reported, not gating, under --vsc-score-only "
                     "(--vsc-snapshot-gate makes them fail the session)")
    return lines


def write_no_model(tr: Any) -> None:
    """Suite tests skipped for want of a model: say once, at the end, how to choose one."""
    from vscbench_pytest.plugin.parametrize import NO_MODEL

    skipped = tr.stats.get("skipped", [])
    if any(NO_MODEL in str(getattr(report, "longrepr", "")) for report in skipped):
        tr.write_line(f"vscbench: {NO_MODEL}", yellow=True)
