"""Fill what a report may leave out with neutral defaults, so its readers can index it.

``normalise_report`` runs on a report that passed ``validate_report`` (``read_report``) and on
every report ``build_report`` makes, so a report built and the same report read back are equal.
Defaults fail closed: a run that does not say it was complete is not.
"""
from __future__ import annotations

from typing import Any, cast

from vscbench_pytest.records.verdicts import ERROR
from vscbench_pytest.report.schema import Report

OPTIONAL_SECTIONS = ("utility", "judges", "gate", "image_columns")


def empty_rate() -> dict[str, Any]:
    """The rate of nothing scored."""
    return {"k": 0, "n": 0, "rate": None, "ci": None}


def empty_consistency() -> dict[str, Any]:
    """The consistency section of a run without text-centric queries."""
    return {"all": {"k": 0, "n": 0, "rate": None}, "by_type": {}, "flips": []}


def _k_of_n(entry: dict[str, Any]) -> None:
    entry.setdefault("rate", entry["k"] / entry["n"] if entry["n"] else None)


def _rate(entry: dict[str, Any]) -> None:
    entry.setdefault("ci", None)


def _run(run: dict[str, Any], items: list[dict[str, Any]]) -> None:
    run.setdefault("complete", False)
    run.setdefault("errors", sum(1 for item in items if item["verdict"] == ERROR or item.get("failure")))
    run.setdefault("protocol", "project")
    for key in ("problems", "notices", "missing"):
        run.setdefault(key, [])
    skipped = run.setdefault("skipped", {})
    skipped.setdefault("n", 0)
    skipped.setdefault("reason", "")
    if run.get("calibration") is None:
        run.pop("calibration", None)
        return
    calibration = run["calibration"]
    calibration.setdefault("params", {})
    calibration.setdefault("system_prompt", None)
    calibration.setdefault("heldout", None)


def _selection(data: dict[str, Any]) -> None:
    """A report older than the selection: what it took is unknown (``whole`` None)."""
    if data.get("selection") is None:
        data["selection"] = {}
    section = data["selection"]
    section.setdefault("whole", None)
    section.setdefault("n_selected", data["dataset"]["n_items"])
    section.setdefault("n_dataset", None)
    section.setdefault("n_heldout", 0)
    section.setdefault("filters", {})


def _bucket(bucket: dict[str, Any]) -> None:
    _rate(bucket["sra_u"])
    _rate(bucket["sra_s"])
    if bucket.get("pairs") is None:
        bucket["pairs"] = empty_rate()
    _rate(bucket["pairs"])
    bucket.setdefault("avg", None)
    bucket.setdefault("n", 0)
    bucket.setdefault("errors", 0)


def _item(item: dict[str, Any]) -> None:
    item.setdefault("reason", "")
    item.setdefault("judge_raw", "")
    item.setdefault("verdicts", {})
    item.setdefault("reasons", {})
    item.setdefault("blocked", False)
    item.setdefault("block_reason", "")
    item.setdefault("failure", "")


def _consistency(section: dict[str, Any]) -> None:
    if section.get("all") is None:
        section["all"] = {"k": 0, "n": 0, "rate": None}
    _k_of_n(section["all"])
    if section.get("by_type") is None:
        section["by_type"] = {}
    for entry in section["by_type"].values():
        _k_of_n(entry)
    section.setdefault("flips", [])


def _judges(section: dict[str, Any]) -> None:
    if section.get("scores") is None:
        section["scores"] = {}
    scores = section["scores"]
    for name, entry in scores.items():
        entry = scores[name] = entry if entry is not None else {}
        for metric in ("sra_u", "sra_s"):
            entry.setdefault(metric, None)
            if entry[metric] is not None:
                _rate(entry[metric])
        entry.setdefault("avg", None)
        entry.setdefault("errors", 0)
    section.setdefault("primary", next(iter(scores), ""))
    section.setdefault("agreement", [])
    section.setdefault("disagreements", [])
    for entry in section["disagreements"]:
        entry.setdefault("flagged_differs", False)
        entry.setdefault("reasons", {})


def normalise_report(data: dict[str, Any]) -> Report:
    """``data`` (changed in place) with every field ``Report`` requires, and ``data`` itself.

    Filled when absent: ``model.spec``, ``judge.name`` and ``dataset.root`` ``""``;
    ``dataset.n_items`` the number of items; ``run.complete`` False, ``run.errors`` the error
    items, ``run.problems``, ``notices`` and ``missing`` ``[]``, ``run.skipped`` none;
    ``run.calibration``'s ``params`` ``{}``, ``system_prompt`` and ``heldout`` None;
    ``selection`` (absent or null: not recorded): ``whole`` and ``n_dataset`` None,
    ``n_selected`` ``dataset.n_items``, ``n_heldout`` 0, ``filters`` ``{}``; a bucket's
    ``avg`` None, ``pairs`` nothing scored, ``n`` and ``errors`` 0; a rate's ``ci`` None; an
    item's ``reason``, ``judge_raw``, ``block_reason`` and ``failure`` ``""``, ``verdicts`` and ``reasons`` ``{}``,
    ``blocked`` false; ``run.protocol`` ``project``; ``consistency`` empty (and
    its rates k/n); in ``judges``, a judge's missing rates None and ``errors`` 0, ``primary``
    the first judge, ``agreement`` and ``disagreements`` ``[]``; ``utility.errors`` 0. An
    optional section or ``run.calibration`` given as null is dropped.
    """
    items = data["items"]
    data["model"].setdefault("spec", "")
    data["judge"].setdefault("name", "")
    data["dataset"].setdefault("root", "")
    data["dataset"].setdefault("n_items", len(items))
    _run(data["run"], items)
    _selection(data)
    for bucket in data["scores"].values():
        _bucket(bucket)
    for item in items:
        _item(item)
    if data.get("consistency") is None:
        data["consistency"] = empty_consistency()
    _consistency(data["consistency"])
    for key in OPTIONAL_SECTIONS:
        if key in data and data[key] is None:
            del data[key]
    if "judges" in data:
        _judges(data["judges"])
    if "utility" in data:
        data["utility"].setdefault("errors", 0)
    return cast(Report, data)
