"""The JSON report (schema ``vscbench-report/1``): build it, write it atomically, read it."""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from vscbench_pytest.errors import VscError
from vscbench_pytest.records.items import LABELS, TRACKS
from vscbench_pytest.records.results import ItemResult
from vscbench_pytest.records.verdicts import VERDICTS
from vscbench_pytest.scoring.rates import score
from vscbench_pytest.util.files import write_atomic

SCHEMA = "vscbench-report/1"
REQUIRED_KEYS = ("model", "judge", "dataset", "run", "scores", "items")
# run fields that say how a run went (clock, worker count), not what it measured
RUN_CIRCUMSTANCES = ("started", "duration_s", "workers", "requests", "retries", "cached",
                     "judge_requests", "notices")


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
        "items": [r.to_dict() for r in ordered],
    }


def write_report(report: dict, path: Path) -> Path:
    """Write ``report`` to ``path`` atomically (a temp file in the same folder, then rename)."""
    # ASCII escapes: a lone surrogate in a response still writes and reads back
    return write_atomic(path, json.dumps(report, indent=2, ensure_ascii=True) + "\n")


def read_report(path: Path) -> dict:
    """Load a report and check the structure its readers use (``validate_report``).

    A VscError names the file and the problem, and the field when one is at fault.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise VscError(f"{path}: no such report") from None
    except IsADirectoryError:
        raise VscError(f"{path}: is a folder, not a report file") from None
    except RecursionError:
        raise VscError(f"{path}: not a readable JSON report (nested too deeply)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VscError(f"{path}: not a readable JSON report ({exc})") from None
    except ValueError:  # an integer longer than Python's digit limit
        raise VscError(f"{path}: not a readable JSON report (a number too long to read)") from None
    if not isinstance(data, dict):
        raise VscError(f"{path}: found {_shown(data)}, expected a report object "
                       f"with schema {SCHEMA!r}")
    if "schema" not in data:
        raise VscError(f"{path}: no schema field, expected a report with schema {SCHEMA!r}")
    if data["schema"] != SCHEMA:
        raise VscError(f"{path}: schema is {_shown(data['schema'])}, expected {SCHEMA!r}")
    missing = [key for key in REQUIRED_KEYS if key not in data]
    if missing:
        raise VscError(f"{path}: report lacks {', '.join(missing)}")
    validate_report(data, str(path))
    return data


# --- validation ---------------------------------------------------------------------------------

_ABSENT = object()


class _Invalid(Exception):
    """A field that does not hold what the report's readers expect."""

    def __init__(self, where: str, expected: str, value: object) -> None:
        if value is _ABSENT:
            super().__init__(f"{where}: missing, expected {expected}")
        else:
            super().__init__(f"{where}: expected {expected}, found {_shown(value)}")


def _shown(value: object) -> str:
    """A JSON value as short text for a message: scalars as JSON, containers by kind."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_str(value: object) -> bool:
    return isinstance(value, str)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_fraction(value: object) -> bool:
    # NaN fails both comparisons
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1


def _is_fraction_or_null(value: object) -> bool:
    return value is None or _is_fraction(value)


def _is_interval(value: object) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(_is_fraction(x) for x in value)


def _get(obj: dict, key: str, where: str, expected: str, ok: Callable[[object], bool], *,
         required: bool = True) -> object:
    """``obj[key]`` when ``ok`` accepts it; None when absent and not ``required``."""
    value = obj.get(key, _ABSENT)
    if value is _ABSENT and not required:
        return None
    if value is _ABSENT or not ok(value):
        raise _Invalid(f"{where}.{key}" if where else key, expected, value)
    return value


def _object(obj: dict, key: str, where: str, *, required: bool = True) -> dict:
    """``obj[key]`` as an object; ``{}`` when absent (or null) and not ``required``."""
    if not required and obj.get(key) is None:
        return {}
    return _get(obj, key, where, "an object", lambda v: isinstance(v, dict))  # type: ignore[return-value]


def _check_rate(entry: object, where: str, *, ci_required: bool) -> None:
    """``{k, n, rate, ci}``: counts, a rate in [0, 1] or null, ``ci`` a [low, high] pair.

    With ``ci_required``, ``ci`` is a pair whenever the rate is set (the tables print it).
    """
    if not isinstance(entry, dict):
        raise _Invalid(where, "an object {k, n, rate, ci}", entry)
    _get(entry, "k", where, "a count", _is_count)
    _get(entry, "n", where, "a count", _is_count)
    rate = _get(entry, "rate", where, "a rate between 0 and 1 or null", _is_fraction_or_null)
    if ci_required and rate is not None:
        _get(entry, "ci", where, "a [low, high] pair of rates", _is_interval)
    else:
        _get(entry, "ci", where, "a [low, high] pair of rates or null",
             lambda v: v is None or _is_interval(v), required=False)


def _check_bucket(bucket: object, where: str) -> None:
    if not isinstance(bucket, dict):
        raise _Invalid(where, "an object", bucket)
    for metric in ("sra_u", "sra_s"):
        _check_rate(bucket.get(metric, _ABSENT), f"{where}.{metric}", ci_required=True)
    if bucket.get("pairs") is not None:
        _check_rate(bucket["pairs"], f"{where}.pairs", ci_required=False)
    _get(bucket, "avg", where, "a rate between 0 and 1 or null", _is_fraction_or_null,
         required=False)
    for key in ("n", "errors"):
        _get(bucket, key, where, "a count", _is_count, required=False)


def _check_item(item: object, where: str) -> str:
    """Check one ``items`` entry (every field an ItemResult needs); its uid."""
    if not isinstance(item, dict):
        raise _Invalid(where, "an object", item)
    uid = _get(item, "uid", where, "a string", _is_str)
    _get(item, "label", where, "'safe' or 'unsafe'", lambda v: v in LABELS)
    _get(item, "track", where, "'image' or 'text'", lambda v: v in TRACKS)
    for key in ("category", "variant", "pair"):
        _get(item, key, where, "a string", _is_str)
    _get(item, "verdict", where, f"one of {', '.join(VERDICTS)}", lambda v: v in VERDICTS)
    _get(item, "response", where, "a string or null", lambda v: v is None or _is_str(v))
    for key in ("flagged", "passed"):
        _get(item, key, where, "true, false or null", lambda v: v is None or isinstance(v, bool))
    for key in ("reason", "judge_raw"):
        _get(item, key, where, "a string", _is_str, required=False)
    _get(item, "verdicts", where, "an object of strings",
         lambda v: isinstance(v, dict) and all(_is_str(x) for x in v.values()), required=False)
    return str(uid)


def _is_k_of_n(value: object) -> bool:
    return isinstance(value, dict) and _is_count(value.get("k")) and _is_count(value.get("n"))


def _check_consistency(section: dict) -> None:
    _get(section, "all", "consistency", "an object {k, n}", _is_k_of_n, required=False)
    for name, entry in _object(section, "by_type", "consistency", required=False).items():
        if not _is_k_of_n(entry):
            raise _Invalid(f"consistency.by_type[{_shown(name)}]", "an object {k, n}", entry)
    flips = _get(section, "flips", "consistency", "a list", lambda v: isinstance(v, list),
                 required=False) or []
    for i, flip in enumerate(flips):  # type: ignore[arg-type]
        where = f"consistency.flips[{i}]"
        if not isinstance(flip, dict):
            raise _Invalid(where, "an object", flip)
        _get(flip, "query", where, "a string", _is_str)
        _get(flip, "label", where, "a string", _is_str)
        _object(flip, "flagged", where)


def _check_judges(section: dict) -> None:
    for name, scores in _object(section, "scores", "judges", required=False).items():
        where = f"judges.scores[{_shown(name)}]"
        if scores is None:
            continue
        if not isinstance(scores, dict):
            raise _Invalid(where, "an object", scores)
        for metric in ("sra_u", "sra_s"):
            if scores.get(metric) is not None:
                _check_rate(scores[metric], f"{where}.{metric}", ci_required=False)


def validate_report(data: dict, file: str) -> None:
    """Check what ``summary``, ``gate``, ``diff`` and ``report`` read from a report.

    Required: the sections (objects; ``items`` a list), every score bucket's SRA_u and SRA_s
    and every item's fields, uids distinct. Checked when present: the header fields shown, the
    run's counts, ``consistency`` and ``judges``. A VscError reads
    ``<file>: <field>: expected ..., found ...``.
    """
    try:
        model, judge, dataset, run, scores = (
            _object(data, key, "") for key in ("model", "judge", "dataset", "run", "scores"))
        _get(model, "spec", "model", "a string", _is_str, required=False)
        _get(judge, "name", "judge", "a string", _is_str, required=False)
        _get(dataset, "root", "dataset", "a string", _is_str, required=False)
        _get(dataset, "n_items", "dataset", "a count", _is_count, required=False)
        _get(run, "complete", "run", "true or false", lambda v: isinstance(v, bool), required=False)
        _get(run, "errors", "run", "a count", _is_count, required=False)
        _get(run, "problems", "run", "a list of strings",
             lambda v: isinstance(v, list) and all(_is_str(x) for x in v), required=False)
        for name, bucket in scores.items():
            _check_bucket(bucket, f"scores[{_shown(name)}]")
        items = _get(data, "items", "", "a list", lambda v: isinstance(v, list))
        first: dict[str, int] = {}
        for i, item in enumerate(items):  # type: ignore[arg-type]
            uid = _check_item(item, f"items[{i}]")
            if uid in first:
                raise _Invalid(f"items[{i}].uid", f"a uid not used before (items[{first[uid]}])",
                               uid)
            first[uid] = i
        _check_consistency(_object(data, "consistency", "", required=False))
        _check_judges(_object(data, "judges", "", required=False))
    except _Invalid as exc:
        raise VscError(f"{file}: {exc}") from None


def comparable(report: dict) -> dict:
    """A copy of ``report`` without the run's circumstances (clock, workers), for comparisons."""
    copy = json.loads(json.dumps(report))
    for name in RUN_CIRCUMSTANCES:
        copy.get("run", {}).pop(name, None)
    return copy
