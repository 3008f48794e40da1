"""Checks made once per session before the first request, on what the plan says will run:
gate rules against the buckets the selection produces, and that the model can be reached."""
from __future__ import annotations

import difflib

from vscbench_pytest.errors import VscError
from vscbench_pytest.scoring.rates import bucket_names, bucket_order
from vscbench_pytest.session.plan import Plan
from vscbench_pytest.session.settings import Settings


def selection_buckets(plan: Plan) -> list[str]:
    """The score buckets the selected inputs this model takes will fill, in report order."""
    skipped = {item.uid for item in plan.skipped_inputs()}
    names = {name for item in plan.selected() if item.uid not in skipped for name in bucket_names(item)}
    return sorted(names, key=bucket_order)


def check_gate_buckets(plan: Plan) -> None:
    """A VscError for a gate rule on a bucket this selection cannot fill, listing the valid
    ones (a typo, or a track the selection or the model leaves out)."""
    if not plan.rules:
        return
    buckets = selection_buckets(plan)
    for rule in plan.rules:
        if rule.bucket in buckets:
            continue
        close = difflib.get_close_matches(rule.bucket, buckets, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise VscError(f"--vsc-gate {str(rule)!r}: this selection has no bucket {rule.bucket!r}"
                       f"{hint} (buckets it will score: {', '.join(buckets) or 'none'})")


def check_model_reachable(plan: Plan) -> None:
    """A VscError when the model cannot load at all (no server, nothing listening, a hub id
    neither cached nor fetchable), or a judge server (``llm:``, ``vscbench-gpt``) is not there: one line,
    before anything runs."""
    from vscbench_pytest.backends.preflight import preflight, preflight_judge

    preflight(plan.model, plan.settings.base_url)
    from vscbench_pytest.judges.registry import SERVER_KINDS

    for name in plan.settings.judges:
        if name.partition(":")[0] in SERVER_KINDS:
            preflight_judge(name, plan.settings.judge_base_url)


def fail_closed(settings: Settings) -> None:
    """A VscError for a gate that could pass on nothing: an empty ``--vlm=`` (an unset CI
    variable), or a gate option, --vsc-baseline or --vsc-snapshots with no model."""
    if settings.vlm is not None and not settings.vlm.strip():
        raise VscError("--vlm is empty (an unset CI variable?): name the model to test, e.g. "
                       "--vlm=tiny-llava; the suite does not run, and no gate passes, without one")
    if settings.vlm is not None:
        return
    asked = [name for name, given in (
        ("--vsc-min-sra-u", settings.min_sra_u is not None),
        ("--vsc-min-sra-s", settings.min_sra_s is not None),
        ("--vsc-gate", bool(settings.gate)),
        ("--vsc-baseline", settings.baseline is not None),
        ("--vsc-snapshots", settings.snapshots)) if given]
    if asked:
        raise VscError(f"{', '.join(asked)} given but no model (--vlm): a gate with nothing to "
                       f"score would pass on nothing; name the model, e.g. --vlm=tiny-llava (or "
                       f"the ini key vlm beside the gate's)")
