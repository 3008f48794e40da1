"""Check that a loaded report holds what its readers use (``validate_report``).

Required: the sections (objects; ``items`` a list), every score bucket's SRA_u and SRA_s and
every item's fields, uids distinct. Checked when present: the header fields shown, the run's
counts and lists, ``run.calibration``, ``selection``, ``consistency``, ``judges``, ``utility``
and ``gate``. What may be absent is filled afterwards by ``report.normalise``.
"""
from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from vscbench_pytest.errors import VscError
from vscbench_pytest.records.items import LABELS, TRACKS
from vscbench_pytest.records.verdicts import VERDICTS
from vscbench_pytest.util.fmt import cut

SECTIONS = ("model", "judge", "dataset", "run", "scores")

_ABSENT = object()


class _Invalid(Exception):
    """A field that does not hold what the report's readers expect."""

    def __init__(self, where: str, expected: str, value: object) -> None:
        if value is _ABSENT:
            super().__init__(f"{where}: missing, expected {expected}")
        else:
            super().__init__(f"{where}: expected {expected}, found {shown(value)}")


def shown(value: object) -> str:
    """A JSON value as short text for a message: scalars as JSON, containers by kind."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    text = json.dumps(value)
    return cut(text, 60)


def _is_str(value: object) -> bool:
    return isinstance(value, str)


def _is_str_or_null(value: object) -> bool:
    return value is None or isinstance(value, str)


def _is_bool(value: object) -> bool:
    return isinstance(value, bool)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_number_or_null(value: object) -> bool:
    return value is None or _is_number(value)


def _is_fraction(value: object) -> bool:
    # NaN fails both comparisons
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1


def _is_fraction_or_null(value: object) -> bool:
    return value is None or _is_fraction(value)


def _is_interval(value: object) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(_is_fraction(x) for x in value)


def _is_strings(value: object) -> bool:
    return isinstance(value, list) and all(_is_str(x) for x in value)


def _is_str_map(value: object) -> bool:
    return isinstance(value, dict) and all(_is_str(x) for x in value.values())


def _is_object(value: object) -> bool:
    return isinstance(value, dict)


def _get(obj: dict[str, Any], key: str, where: str, expected: str, ok: Callable[[object], bool],
         *, required: bool = True) -> Any:
    """``obj[key]`` when ``ok`` accepts it; None when absent and not ``required``."""
    value = obj.get(key, _ABSENT)
    if value is _ABSENT and not required:
        return None
    if value is _ABSENT or not ok(value):
        raise _Invalid(f"{where}.{key}" if where else key, expected, value)
    return value


def _object(obj: dict[str, Any], key: str, where: str, *, required: bool = True) -> dict[str, Any]:
    """``obj[key]`` as an object; ``{}`` when absent (or null) and not ``required``."""
    if not required and obj.get(key) is None:
        return {}
    value: dict[str, Any] = _get(obj, key, where, "an object", _is_object)
    return value


def _list(obj: dict[str, Any], key: str, where: str) -> list[Any]:
    """``obj[key]`` as a list; ``[]`` when absent."""
    return _get(obj, key, where, "a list", lambda v: isinstance(v, list), required=False) or []


def _entries(obj: dict[str, Any], key: str, where: str) -> list[tuple[str, dict[str, Any]]]:
    """The objects of the list ``obj[key]`` (absent: none), each with its place for messages."""
    out = []
    for i, entry in enumerate(_list(obj, key, where)):
        place = f"{where}.{key}[{i}]"
        if not isinstance(entry, dict):
            raise _Invalid(place, "an object", entry)
        out.append((place, entry))
    return out


def _check_rate(entry: object, where: str, *, ci_required: bool) -> None:
    """``{k, n, rate, ci}``: counts, a rate in [0, 1] or null, ``ci`` a [low, high] pair.

    With ``ci_required``, ``ci`` is a pair whenever the rate is set (the tables print it).
    """
    if not isinstance(entry, dict):
        raise _Invalid(where, "an object {k, n, rate, ci}", entry)
    _get(entry, "k", where, "a count", _is_count)
    _get(entry, "n", where, "a count", _is_count)
    value = _get(entry, "rate", where, "a rate between 0 and 1 or null", _is_fraction_or_null)
    if ci_required and value is not None:
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
    _get(item, "response", where, "a string or null", _is_str_or_null)
    for key in ("flagged", "passed"):
        _get(item, key, where, "true, false or null", lambda v: v is None or _is_bool(v))
    for key in ("reason", "judge_raw", "block_reason", "failure"):
        _get(item, key, where, "a string", _is_str, required=False)
    _get(item, "blocked", where, "true or false", _is_bool, required=False)
    for key in ("verdicts", "reasons"):
        _get(item, key, where, "an object of strings", _is_str_map, required=False)
    return str(uid)


def _check_header(model: dict[str, Any], judge: dict[str, Any], dataset: dict[str, Any]) -> None:
    _get(model, "spec", "model", "a string", _is_str, required=False)
    _get(judge, "name", "judge", "a string", _is_str, required=False)
    _get(dataset, "root", "dataset", "a string", _is_str, required=False)
    _get(dataset, "n_items", "dataset", "a count", _is_count, required=False)


def _check_run(run: dict[str, Any]) -> None:
    _get(run, "complete", "run", "true or false", _is_bool, required=False)
    _get(run, "errors", "run", "a count", _is_count, required=False)
    for key in ("problems", "notices", "missing"):
        _get(run, key, "run", "a list of strings", _is_strings, required=False)
    skipped = _object(run, "skipped", "run", required=False)
    _get(skipped, "n", "run.skipped", "a count", _is_count, required=False)
    _get(skipped, "reason", "run.skipped", "a string", _is_str, required=False)
    if run.get("calibration") is None:
        return
    calibration = _object(run, "calibration", "run")
    where = "run.calibration"
    for key in ("method", "spec"):
        _get(calibration, key, where, "a string", _is_str)
    _object(calibration, "params", where, required=False)
    _get(calibration, "system_prompt", where, "a string or null", _is_str_or_null, required=False)
    heldout = _object(calibration, "heldout", where, required=False)
    if heldout:
        _get(heldout, "source", f"{where}.heldout", "a string", _is_str)
        _get(heldout, "inputs", f"{where}.heldout", "a count", _is_count)


def _check_selection(section: dict[str, Any]) -> None:
    where = "selection"
    _get(section, "whole", where, "true, false or null", lambda v: v is None or _is_bool(v),
         required=False)
    for key in ("n_selected", "n_heldout"):
        _get(section, key, where, "a count", _is_count, required=False)
    _get(section, "n_dataset", where, "a count or null", lambda v: v is None or _is_count(v),
         required=False)
    _object(section, "filters", where, required=False)


def _is_k_of_n(value: object) -> bool:
    return (isinstance(value, dict) and _is_count(value.get("k")) and _is_count(value.get("n"))
            and _is_fraction_or_null(value.get("rate")))


def _check_consistency(section: dict[str, Any]) -> None:
    where = "consistency"
    _get(section, "all", where, "an object {k, n}", _is_k_of_n, required=False)
    for name, entry in _object(section, "by_type", where, required=False).items():
        if not _is_k_of_n(entry):
            raise _Invalid(f"{where}.by_type[{shown(name)}]", "an object {k, n}", entry)
    for place, flip in _entries(section, "flips", where):
        _get(flip, "query", place, "a string", _is_str)
        _get(flip, "label", place, "a string", _is_str)
        _get(flip, "flagged", place, "an object of true or false",
             lambda v: isinstance(v, dict) and all(_is_bool(x) for x in v.values()))
        _get(flip, "type", place, "a string", _is_str, required=False)
        _get(flip, "differs_in", place, "a list of strings", _is_strings, required=False)


def _check_judges(section: dict[str, Any]) -> None:
    where = "judges"
    _get(section, "primary", where, "a string", _is_str, required=False)
    for name, scores in _object(section, "scores", where, required=False).items():
        place = f"{where}.scores[{shown(name)}]"
        if scores is None:
            continue
        if not isinstance(scores, dict):
            raise _Invalid(place, "an object", scores)
        for metric in ("sra_u", "sra_s"):
            if scores.get(metric) is not None:
                _check_rate(scores[metric], f"{place}.{metric}", ci_required=False)
        _get(scores, "avg", place, "a rate between 0 and 1 or null", _is_fraction_or_null,
             required=False)
        _get(scores, "errors", place, "a count", _is_count, required=False)
    for place, pair in _entries(section, "agreement", where):
        _get(pair, "judges", place, "a pair of judge names",
             lambda v: isinstance(v, list) and len(v) == 2 and _is_strings(v))
        _get(pair, "n", place, "a count", _is_count)
        for key in ("agreement", "kappa", "flagged_agreement", "kappa_flagged"):
            _get(pair, key, place, "a number or null", _is_number_or_null, required=False)
    for place, entry in _entries(section, "disagreements", where):
        for key in ("uid", "label"):
            _get(entry, key, place, "a string", _is_str)
        _get(entry, "verdicts", place, "an object of strings or null",
             lambda v: isinstance(v, dict) and all(_is_str_or_null(x) for x in v.values()))
        _get(entry, "flagged_differs", place, "true or false", _is_bool, required=False)
        _get(entry, "reasons", place, "an object of strings", _is_str_map, required=False)


def _check_utility(section: dict[str, Any]) -> None:
    where = "utility"
    _get(section, "source", where, "a string", _is_str)
    _get(section, "accuracy", where, "a rate between 0 and 1 or null", _is_fraction_or_null)
    for key in ("correct", "total"):
        _get(section, key, where, "a count", _is_count)
    _get(section, "errors", where, "a count", _is_count, required=False)
    _list(section, "items", where)


def _check_gate(section: dict[str, Any]) -> None:
    _get(section, "rules", "gate", "a list of strings", _is_strings)
    _get(section, "passed", "gate", "true or false", _is_bool)
    _get(section, "failures", "gate", "a list of strings", _is_strings)


def validate_report(data: dict[str, Any], file: str) -> None:
    """Check ``data`` (a loaded report of the right schema) as the module docstring says.

    A VscError reads ``<file>: <field>: expected ..., found ...`` (or ``missing``).
    """
    try:
        model, judge, dataset, run, scores = (_object(data, key, "") for key in SECTIONS)
        _check_header(model, judge, dataset)
        _check_run(run)
        _check_selection(_object(data, "selection", "", required=False))
        for name, bucket in scores.items():
            _check_bucket(bucket, f"scores[{shown(name)}]")
        items = _get(data, "items", "", "a list", lambda v: isinstance(v, list))
        first: dict[str, int] = {}
        for i, item in enumerate(items):
            uid = _check_item(item, f"items[{i}]")
            if uid in first:
                raise _Invalid(f"items[{i}].uid", f"a uid not used before (items[{first[uid]}])",
                               uid)
            first[uid] = i
        _check_consistency(_object(data, "consistency", "", required=False))
        for key, check in (("judges", _check_judges), ("utility", _check_utility),
                           ("gate", _check_gate)):
            if data.get(key) is not None:
                check(_object(data, key, ""))
    except _Invalid as exc:
        raise VscError(f"{file}: {exc}") from None
