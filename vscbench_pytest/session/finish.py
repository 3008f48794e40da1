"""The end of a session (the controller only): score what arrived, assemble the report, apply
the gate and the baseline, and write the report."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

from vscbench_pytest.errors import VscError
from vscbench_pytest.records.items import UTILITY_TRACK
from vscbench_pytest.records.results import ItemResult, error_result
from vscbench_pytest.report.build import build_report, write_report
from vscbench_pytest.report.schema import JudgesSection, Report, Utility
from vscbench_pytest.scoring.agreement import judge_section
from vscbench_pytest.scoring.gate import Failure, evaluate
from vscbench_pytest.session.coverage import read_baseline, selection_section, whole_fingerprint
from vscbench_pytest.session.plan import Plan
from vscbench_pytest.session.runtime import Runtime
from vscbench_pytest.session.tally import Tally


@dataclass
class Outcome:
    """What the controller made of the session: the report, where it went, the gate."""

    report: Report
    path: Path | None
    failures: list[Failure]


def finish(plan: Plan, runtime: Runtime, tally: Tally, *, interrupted: bool,
           write: bool = True) -> Outcome:
    """Score what arrived, write the report, evaluate the gate."""
    skipped = plan.skipped_inputs()
    missing = tally.missing({item.uid for item in skipped})
    problems = list(tally.problems)
    if missing:
        problems.append(f"{len(missing)} input(s) have no result")
    if interrupted:
        problems.append("the session was interrupted")
    answered = list(tally.results.values()) + _missing_results(plan, missing, interrupted)
    results = [r for r in answered if r.track != UTILITY_TRACK]
    errors = sum(1 for r in results if r.failed)
    run = _run_section(plan, runtime, tally, problems, missing, errors, len(skipped))
    utility = [r for r in answered if r.track == UTILITY_TRACK]
    report = _report(plan, runtime, results, run, utility, selection_section(plan, results, missing))
    failures = evaluate(report["scores"], plan.rules, errors=errors,
                        allow_errors=plan.settings.allow_errors, problems=problems,
                        error_cause=_error_cause(results))
    baseline_failures, notices = _baseline_failures(plan, report)
    failures += baseline_failures
    tally.notices += notices
    report["run"]["notices"] = sorted(set(report["run"]["notices"]) | set(notices))
    report["gate"] = {"rules": _rule_texts(plan), "passed": not failures,
                      "failures": [f.message for f in failures]}
    path = write_report(report, plan.report_path()) if write else None
    return Outcome(report, path, failures)


def _error_cause(results: list[ItemResult]) -> str:
    """"; most often: <reason> (k of n)" over the error items, or "" without any."""
    reasons = Counter(r.failure or r.reason for r in results if r.failed)
    if not reasons:
        return ""
    reason, k = reasons.most_common(1)[0]
    return f"; most often: {reason} ({k} of {sum(reasons.values())})"


def _missing_results(plan: Plan, missing: list[str], interrupted: bool) -> list[ItemResult]:
    """An ``error`` item for each expected input whose result never arrived."""
    why = ("the session was interrupted before it ran" if interrupted else
           "no result reached the controller (the process running it died)")
    by_uid = plan.by_uid()
    return [error_result(by_uid[uid], why) for uid in missing if uid in by_uid]


def _run_section(plan: Plan, runtime: Runtime, tally: Tally, problems: list[str],
                 missing: list[str], errors: int, skipped: int) -> dict[str, Any]:
    """The report's ``run``: how the run went, and what it left out."""
    counts = tally.counts
    return {
        "started": datetime.fromtimestamp(tally.started, timezone.utc).isoformat(),
        "duration_s": round(tally.elapsed(), 3),
        "workers": len(tally.workers), "complete": not problems and not errors, "errors": errors,
        "requests": counts["requests"], "retries": counts["retries"], "cached": counts["cached"],
        "judge_requests": counts["judge_requests"] + runtime.judge_calls(),
        "problems": problems, "missing": missing, "notices": sorted(set(tally.notices)),
        "skipped": {"n": skipped, "reason": plan.image_skip_reason() if skipped else ""},
        "calibration": plan.describe_calibration(),
        "protocol": plan.settings.protocol.name,
        "generation": plan.describe_generation(),
    }


def _report(plan: Plan, runtime: Runtime, results: list[ItemResult], run: dict[str, Any],
            utility: list[ItemResult], selection: dict[str, Any]) -> Report:
    """The report of the scored results, with the selection they came from, the utility
    questions (--vsc-utility), consistency and (several judges) agreement."""
    dataset, spec = plan.dataset, plan.model
    report = build_report(
        model={"spec": spec.spec, "backend": spec.kind, "fingerprint": runtime.model_fingerprint()},
        judge={"name": runtime.judge.name, "version": runtime.judge.version,
               "others": [{"name": j.name, "version": j.version} for j in runtime.judges[1:]]},
        dataset={"root": str(dataset.root.resolve()), "fingerprint": whole_fingerprint(plan),
                 "n_items": len({r.uid for r in results}),
                 "skipped": [str(row) for row in dataset.skipped],
                 "duplicates": list(dataset.duplicates)},
        run=run,
        results=results,
        selection=selection,
    )
    if plan.settings.utility is not None:
        report["utility"] = cast(Utility, _utility_section(plan, utility))
    if len(runtime.judges) > 1:
        report["judges"] = cast(JudgesSection, judge_section(results, [j.name for j in runtime.judges]))
    return report


def _utility_section(plan: Plan, results: list[ItemResult]) -> dict[str, Any]:
    """The report's ``utility``: accuracy on the questions, and each question's outcome."""
    from vscbench_pytest.scoring.utility import score_utility

    assert plan.settings.utility is not None
    # a question that was not collected (-k) has no result and is left out
    responses = {r.uid: None if r.is_error else r.response for r in results}
    section = score_utility(plan.utility_questions(), responses, plan.settings.utility)
    section["items"] = [{"uid": r.uid, "verdict": r.verdict, "response": r.response,
                         "reason": r.reason} for r in sorted(results, key=lambda r: r.uid)]
    return section


def _baseline_failures(plan: Plan, report: Report) -> tuple[list[Failure], list[str]]:
    """Buckets that dropped significantly, by more than --vsc-max-drop, from --vsc-baseline,
    over the inputs both scored; and the notice to show first when the two cover different
    inputs. Read before the first request too (``Plan.validate``); a baseline that went
    missing since, or shares no input with what ran (-k), closes the gate."""
    s = plan.settings
    if s.baseline is None:
        return [], []
    from vscbench_pytest.report.diff import (
        diff_reports,
        disputed_lines,
        judged_by_several,
        regressions,
    )
    from vscbench_pytest.report.selection import coverage_warnings

    try:
        baseline = read_baseline(plan)
    except VscError as exc:
        return [Failure("baseline", str(exc))], []
    assert baseline is not None
    name = s.baseline.name
    diff = diff_reports(baseline, report, s.ignore_disputed)
    if report["items"] and not diff["common"]:
        return [Failure("baseline", f"--vsc-baseline: {name} shares no input with this run "
                                    f"({len(baseline['items'])} in the baseline, "
                                    f"{len(report['items'])} scored here): nothing to compare")], []
    warnings = coverage_warnings(baseline, report, ("the baseline", "this run"))
    if diff["disputed"] is not None:
        if not judged_by_several(baseline):
            warnings.append("the baseline carries one judge's verdicts: disputes are read from this run alone")
        warnings += disputed_lines(diff["disputed"], diff["disputed_flips"])
    notices = [f"--vsc-baseline {name}: " + "; ".join(w.strip() for w in warnings)] if warnings else []
    over = ""
    if diff["disputed"]:
        over = f" [over the {diff['common'] - diff['disputed']} inputs both scored that the judges agree on]"
    elif not diff["same_inputs"]:
        over = f" [over the {diff['common']} inputs both scored]"
    messages = regressions(diff, s.max_drop)
    return [Failure("baseline", f"against {name}: {m}{over}") for m in messages], notices


def _rule_texts(plan: Plan) -> list[str]:
    s = plan.settings
    rules = [str(r) for r in plan.rules]
    if s.baseline is not None:
        disputes = ", inputs the judges dispute left out" if s.ignore_disputed else ""
        rules.append(f"baseline {s.baseline}: drop <= {s.max_drop:g} or not significant{disputes}")
    return rules
