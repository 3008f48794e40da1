"""The gate in CI's own terms: with ``--junitxml`` the gate is one more test case
(``vscbench.gate``) that fails with the gate's message, and the scores are properties of it and
of the test suite (``vscbench.<bucket>.<metric>``), so a dashboard that reads JUnit XML sees
what the exit status says."""
from __future__ import annotations

import pytest

from vscbench_pytest.report.schema import Report
from vscbench_pytest.scoring.gate import Failure

GATE_NODEID = "vscbench::gate"


def score_properties(report: Report) -> list[tuple[str, str]]:
    """``(vscbench.<bucket>.<metric>, value)`` for every bucket: SRA_u and SRA_s (rate, k, n),
    their mean, and the error count; the gate's verdict first."""
    props = [("vscbench.gate", "passed" if report["gate"]["passed"] else "failed"),
             ("vscbench.model", report["model"]["spec"]),
             ("vscbench.judge", report["judge"]["name"])]
    for bucket, scores in report["scores"].items():
        for metric in ("sra_u", "sra_s"):
            entry = scores["sra_u"] if metric == "sra_u" else scores["sra_s"]
            rate = entry["rate"]
            props.append((f"vscbench.{bucket}.{metric}", "" if rate is None else f"{rate:.4f}"))
            props.append((f"vscbench.{bucket}.{metric}.k", str(entry["k"])))
            props.append((f"vscbench.{bucket}.{metric}.n", str(entry["n"])))
        avg = scores["avg"]
        props.append((f"vscbench.{bucket}.avg", "" if avg is None else f"{avg:.4f}"))
        props.append((f"vscbench.{bucket}.errors", str(scores["errors"])))
    return props


def record_gate(config: pytest.Config, report: Report | None, failures: list[Failure],
                rules: list[str] | None = None) -> None:
    """Add the gate test case and the score properties to the JUnit XML, if one is written
    (no report: a session that scored nothing; the case carries only the failure)."""
    from _pytest.junitxml import xml_key

    xml = config.stash.get(xml_key, None)
    if xml is None:
        return
    props = score_properties(report) if report is not None else [("vscbench.gate", "failed")]
    for name, value in props:
        xml.add_global_property(name, value)
    rules = report["gate"]["rules"] if report is not None else (rules or [])
    shown = ", ".join(rules) or "no rules: the run must be complete and score something"
    message = "\n".join(f.message for f in failures)
    location = ("vscbench", None, "gate")
    call = pytest.TestReport(GATE_NODEID, location, {}, "failed" if failures else "passed",
                             f"vscbench gate FAILED ({shown}):\n{message}" if failures else None,
                             "call")
    teardown = pytest.TestReport(GATE_NODEID, location, {}, "passed", None, "teardown",
                                 user_properties=props)
    xml.pytest_runtest_logreport(call)
    xml.pytest_runtest_logreport(teardown)
