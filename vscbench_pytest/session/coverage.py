"""Which inputs of its data source a run covers: the options that narrow it (known before
collection, so a narrowed run writes its own default report), the report's ``selection``
(computed at the end, when -k, --lf and deselection are known), the data source's
fingerprint whatever --vsc-track loaded, and the --vsc-baseline check before any request.

"Same dataset" (for --vsc-baseline): the same data source content, i.e. equal fingerprints
of its sheets (or suite file) over the whole source, whatever either run selected from it. A
baseline that was a subset run, or a subset run against a full baseline, is accepted: the
comparison takes the inputs both scored, and says so first. A baseline of another source
(other sheets, another --vsc-data) is a usage error, and so is one that shares no input with
this run's selection.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from vscbench_pytest.calibration.methods import heldout_source
from vscbench_pytest.errors import VscError
from vscbench_pytest.records.items import TRACKS, UTILITY_TRACK
from vscbench_pytest.session.settings import Settings

if TYPE_CHECKING:
    from vscbench_pytest.data.release import Dataset
    from vscbench_pytest.records.results import ItemResult
    from vscbench_pytest.report.schema import Report
    from vscbench_pytest.session.plan import Plan

BASELINE_HINT = ("a report of an earlier run of the same data, e.g. "
                 ".vscbench/reports/<model-key>.json")


def _all_tracks(settings: Settings) -> bool:
    return set(settings.tracks) >= set(TRACKS)


def filters(settings: Settings) -> dict[str, Any]:
    """The options that select inputs, as given: pytest's (-k, -m, --lf, --ff, --sw,
    --deselect, test paths and ids) and ours (--vsc-track, -category, -variant, -sample
    with its seed)."""
    given = settings.pytest_selection.filters()
    if not _all_tracks(settings):
        given["--vsc-track"] = ",".join(settings.tracks)
    if settings.categories:
        given["--vsc-category"] = ",".join(settings.categories)
    if settings.variants:
        given["--vsc-variant"] = ",".join(settings.variants)
    if settings.sample is not None:
        given["--vsc-sample"] = settings.sample
        given["--vsc-seed"] = settings.seed
    return given


def narrowed(settings: Settings) -> bool:
    """Whether the options alone make this run a subset of its data source (so its default
    report is ``<model-key>.subset.json``): -k, -m, --lf, --sw, --deselect, a test id,
    --vsc-track (not every track), --vsc-category, --vsc-variant or --vsc-sample."""
    return (settings.pytest_selection.narrows or not _all_tracks(settings)
            or bool(settings.categories) or bool(settings.variants) or settings.sample is not None)


def _is_release(plan: Plan) -> bool:
    """Whether --vsc-data names a VSCBench release folder (whose tracks load apart)."""
    from vscbench_pytest.data.sources import SISTER_NAMES

    data = plan.settings.data
    if data is None:
        return True
    name, colon, _ = str(data).partition(":")
    return not (colon and name in SISTER_NAMES) and Path(data).expanduser().is_dir()


def whole_fingerprint(plan: Plan) -> str:
    """The data source's fingerprint over every track, whatever --vsc-track loaded (a
    release's two sheets; a suite file or sister benchmark loads whole anyway)."""
    if tuple(plan.settings.tracks) == TRACKS or not _is_release(plan):
        return plan.dataset.fingerprint
    from vscbench_pytest.data.release import IMAGE_SHEET, TEXT_SHEET
    from vscbench_pytest.util.fingerprints import fingerprint_files

    root = plan.dataset.root
    return fingerprint_files([root / IMAGE_SHEET, root / TEXT_SHEET])


def _fingerprints(plan: Plan) -> set[str]:
    """The fingerprints a report of this data source may record: the whole source's, and
    (reports from before the selection was recorded) one track's sheet."""
    known = {whole_fingerprint(plan), plan.dataset.fingerprint}
    if _is_release(plan):
        from vscbench_pytest.data.release import IMAGE_SHEET, TEXT_SHEET
        from vscbench_pytest.util.fingerprints import fingerprint_files

        known |= {fingerprint_files([plan.dataset.root / sheet]) for sheet in (IMAGE_SHEET, TEXT_SHEET)}
    return known


def _full_dataset(plan: Plan) -> Dataset | None:
    """Every input of the data source, whatever --vsc-track loaded; None when the other
    track's sheet cannot be read."""
    if _all_tracks(plan.settings) or not _is_release(plan):
        return plan.dataset
    from vscbench_pytest.data.sources import load_data

    try:
        return load_data(plan.settings.data, TRACKS)
    except VscError:
        return None


def _heldout_uids(plan: Plan) -> set[str]:
    """The inputs the calibration held out of this selection (not another source's)."""
    calibration = plan.settings.calibration
    heldout = plan.heldout()
    if heldout is None or not isinstance(heldout_source(calibration.heldout), float):
        return set()
    return {item.uid for item in heldout.items}


def selection_section(plan: Plan, results: list[ItemResult], missing: list[str]) -> dict[str, Any]:
    """The report's ``selection`` (``report.schema.Selection``): the inputs the run covered
    (scored with a result that arrived, skipped for the model, or held out), of how many, and
    whether that is the whole data source."""
    full = _full_dataset(plan)
    heldout = _heldout_uids(plan)
    covered = ({r.uid for r in results if r.track != UTILITY_TRACK} - set(missing)
               | {item.uid for item in plan.skipped_inputs()} | heldout)
    if full is None:
        return {"whole": False, "n_selected": len(covered), "n_dataset": None,
                "n_heldout": len(heldout & covered), "filters": filters(plan.settings)}
    everything = {item.uid for item in full.items}
    covered &= everything
    return {"whole": covered == everything, "n_selected": len(covered),
            "n_dataset": len(everything), "n_heldout": len(heldout & covered),
            "filters": filters(plan.settings)}


def read_baseline(plan: Plan) -> Report | None:
    """--vsc-baseline, read and checked before any request: readable, of this data source,
    sharing inputs with this run's selection; a VscError names the file and what differs."""
    path = plan.settings.baseline
    if path is None:
        return None
    from vscbench_pytest.report.io import read_report

    try:
        baseline = read_report(path)
    except VscError as exc:
        raise VscError(f"--vsc-baseline: {exc} (give {BASELINE_HINT})") from None
    theirs = baseline["dataset"].get("fingerprint")
    if theirs and theirs not in _fingerprints(plan):
        ours = whole_fingerprint(plan)
        raise VscError(
            f"--vsc-baseline: {path} is a report of another dataset: {baseline['dataset']['root']} "
            f"(sheets sha256 {theirs[:12]}), this run's is {plan.dataset.root} (sha256 "
            f"{ours[:12]}); compare runs of the same data: make the baseline with this "
            f"--vsc-data, or run this one with the baseline's")
    selected = {item.uid for item in plan.selected()}
    if selected and not selected & {item["uid"] for item in baseline["items"]}:
        raise VscError(
            f"--vsc-baseline: {path} shares no input with this run's selection ({len(selected)} "
            f"input(s) selected, {len(baseline['items'])} in the baseline): nothing to compare; "
            f"select inputs the baseline scored, or give {BASELINE_HINT}")
    return baseline
