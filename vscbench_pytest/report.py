"""The JSON report (schema ``vscbench-report/1``): build it, write it atomically, read it."""
from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict
from pathlib import Path

from .errors import VscError
from .results import ItemResult
from .scoring import score

SCHEMA = "vscbench-report/1"
REQUIRED_KEYS = ("model", "judge", "dataset", "run", "scores", "items")
# run fields that say how a run went (clock, worker count), not what it measured
RUN_CIRCUMSTANCES = ("started", "duration_s", "workers", "requests", "retries", "cached",
                     "judge_requests")


def model_key(spec: str) -> str:
    """A file-name-safe key for a model spec: ``hf:org/name`` -> ``hf_org_name``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", spec).strip("_.") or "model"


def default_report_path(spec: str, base: Path) -> Path:
    return base / ".vscbench" / "reports" / f"{model_key(spec)}.json"


def build_report(
    *,
    model: dict,
    judge: dict,
    dataset: dict,
    run: dict,
    results: list[ItemResult],
) -> dict:
    """The report dict: scores from ``results`` (sorted by uid) and every item."""
    ordered = sorted(results, key=lambda r: r.uid)
    return {
        "schema": SCHEMA,
        "model": model,
        "judge": judge,
        "dataset": dataset,
        "run": run,
        "scores": score(ordered),
        "items": [asdict(r) for r in ordered],
    }


def write_report(report: dict, path: Path) -> Path:
    """Write ``report`` to ``path`` atomically (a temp file in the same folder, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a report is an ordinary file
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            # ASCII escapes: a lone surrogate in a response still writes and reads back
            json.dump(report, handle, indent=2, ensure_ascii=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_report(path: Path) -> dict:
    """Load a report, checking its schema; a VscError names the file and the problem."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise VscError(f"{path}: no such report") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VscError(f"{path}: not a readable JSON report ({exc})") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        found = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise VscError(f"{path}: schema is {found!r}, expected {SCHEMA!r}")
    missing = [key for key in REQUIRED_KEYS if not isinstance(data.get(key), (dict, list))]
    if missing:
        raise VscError(f"{path}: report lacks {', '.join(missing)}")
    return data


def comparable(report: dict) -> dict:
    """A copy of ``report`` without the run's circumstances (clock, workers), for comparisons."""
    copy = json.loads(json.dumps(report))
    for name in RUN_CIRCUMSTANCES:
        copy.get("run", {}).pop(name, None)
    return copy
