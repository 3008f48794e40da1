"""The JSON report (schema ``vscbench-report/1``): where it goes and how it is built."""
from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vscbench_pytest.records.results import ItemResult
from vscbench_pytest.report.io import write_report
from vscbench_pytest.report.normalise import normalise_report
from vscbench_pytest.report.schema import SCHEMA, Report
from vscbench_pytest.scoring.consistency import consistency
from vscbench_pytest.scoring.rates import score

__all__ = ["RUN_CIRCUMSTANCES", "SCHEMA", "build_report", "comparable", "default_report_path",
           "model_key", "write_report"]

# run fields that say how a run went (clock, worker count), not what it measured
RUN_CIRCUMSTANCES = ("started", "duration_s", "workers", "requests", "retries", "cached",
                     "judge_requests", "notices")


def model_key(spec: str) -> str:
    """A file-name-safe key for a model spec: ``hf:org/name`` -> ``hf_org_name``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", spec).strip("_.") or "model"


def default_report_path(spec: str, base: Path) -> Path:
    """``BASE/.vscbench/reports/<model-key>.json``."""
    return base / ".vscbench" / "reports" / f"{model_key(spec)}.json"


def build_report(
    *,
    model: Mapping[str, Any],
    judge: Mapping[str, Any],
    dataset: Mapping[str, Any],
    run: Mapping[str, Any],
    results: list[ItemResult],
) -> Report:
    """The report: scores and consistency from ``results`` (sorted by uid) and every item.

    The sections are copied and completed as ``read_report`` completes a file
    (``normalise_report``), so the report written and the report read back are equal.
    """
    ordered = sorted(results, key=lambda r: r.uid)
    return normalise_report({
        "schema": SCHEMA,
        "model": dict(model),
        "judge": dict(judge),
        "dataset": dict(dataset),
        "run": copy.deepcopy(dict(run)),
        "scores": score(ordered),
        "items": [r.to_dict() for r in ordered],
        "consistency": consistency(ordered),
    })


def comparable(report: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``report`` (as JSON has it) without the run's circumstances (clock, workers),
    for comparisons."""
    out: dict[str, Any] = json.loads(json.dumps(report))
    for name in RUN_CIRCUMSTANCES:
        out.get("run", {}).pop(name, None)
    return out
