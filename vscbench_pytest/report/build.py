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
from vscbench_pytest.scoring.columns import image_columns
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


def default_report_path(spec: str, base: Path, *, subset: bool = False) -> Path:
    """``BASE/.vscbench/reports/<model-key>.json``; ``<model-key>.subset.json`` for a run
    narrowed by its options (-k, --vsc-sample, ...), so it never overwrites the full run's."""
    return base / ".vscbench" / "reports" / f"{model_key(spec)}{'.subset' if subset else ''}.json"


def build_report(
    *,
    model: Mapping[str, Any],
    judge: Mapping[str, Any],
    dataset: Mapping[str, Any],
    run: Mapping[str, Any],
    results: list[ItemResult],
    selection: Mapping[str, Any] | None = None,
) -> Report:
    """The report: scores and consistency from ``results`` (sorted by uid) and every item;
    ``selection`` (``schema.Selection``) says which inputs of the data source the run took.

    The sections are copied and completed as ``read_report`` completes a file
    (``normalise_report``), so the report written and the report read back are equal.
    """
    ordered = sorted(results, key=lambda r: r.uid)
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "model": dict(model),
        "judge": dict(judge),
        "dataset": dict(dataset),
        "run": copy.deepcopy(dict(run)),
        "selection": copy.deepcopy(dict(selection)) if selection is not None else None,
    }
    columns = image_columns(ordered)
    return normalise_report({
        **document,
        "scores": score(ordered),
        "items": [r.to_dict() for r in ordered],
        "consistency": consistency(ordered),
        **({"image_columns": columns} if columns is not None else {}),
    })


def comparable(report: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``report`` (as JSON has it) without the run's circumstances (clock, workers),
    for comparisons."""
    out: dict[str, Any] = json.loads(json.dumps(report))
    for name in RUN_CIRCUMSTANCES:
        out.get("run", {}).pop(name, None)
    return out
