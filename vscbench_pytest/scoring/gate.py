"""Gate rules (``--vsc-min-sra-u``, ``--vsc-gate "image/drugs:sra_u>=0.8"``) and their verdict."""
from __future__ import annotations

import operator
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vscbench_pytest.errors import SpecError

METRICS = ("sra_u", "sra_s", "avg", "pairs")
OPS = {">=": operator.ge, ">": operator.gt}
_RULE = re.compile(r"^\s*(?P<bucket>[a-z0-9_/]+)\s*:\s*(?P<metric>[a-z_]+)\s*(?P<op>>=|>)\s*(?P<value>[0-9.]+)\s*$")


@dataclass(frozen=True)
class Rule:
    """``bucket:metric op threshold``."""

    bucket: str
    metric: str
    op: str
    threshold: float

    def __str__(self) -> str:
        return f"{self.bucket}:{self.metric}{self.op}{self.threshold:g}"


@dataclass(frozen=True)
class Failure:
    """One reason the gate is closed."""

    rule: str
    message: str


def check_threshold(value: float, option: str) -> float:
    """A threshold in [0, 1], or a SpecError naming the option."""
    if not 0.0 <= value <= 1.0:
        raise SpecError(f"{option}: {value:g} is not between 0 and 1")
    return value


def parse_rule(text: str) -> Rule:
    """Parse ``bucket:metric>=x``; a SpecError shows the expected form."""
    match = _RULE.match(text)
    if not match:
        raise SpecError(
            f"--vsc-gate: cannot read {text!r}; expected BUCKET:METRIC>=X, e.g. "
            f"'image/drugs:sra_u>=0.8' (metrics: {', '.join(METRICS)})"
        )
    if match["metric"] not in METRICS:
        raise SpecError(
            f"--vsc-gate: unknown metric {match['metric']!r} in {text!r} "
            f"(choices: {', '.join(METRICS)})"
        )
    try:
        value = float(match["value"])
    except ValueError:
        raise SpecError(f"--vsc-gate: {match['value']!r} in {text!r} is not a number") from None
    return Rule(match["bucket"], match["metric"], match["op"], check_threshold(value, "--vsc-gate"))


def build_rules(min_sra_u: float | None, min_sra_s: float | None, rules: list[str]) -> list[Rule]:
    """All gate rules from the options, thresholds on ``all`` first."""
    built = []
    if min_sra_u is not None:
        built.append(Rule("all", "sra_u", ">=", check_threshold(min_sra_u, "--vsc-min-sra-u")))
    if min_sra_s is not None:
        built.append(Rule("all", "sra_s", ">=", check_threshold(min_sra_s, "--vsc-min-sra-s")))
    return built + [parse_rule(text) for text in rules]


def _value(bucket: Mapping[str, Any], metric: str) -> tuple[float | None, str]:
    if metric == "avg":
        return bucket.get("avg"), ""
    entry = bucket.get(metric) or {}
    return entry.get("rate"), f" ({entry.get('k')}/{entry.get('n')})"


def evaluate(
    scores: Mapping[str, Mapping[str, Any]],
    rules: list[Rule],
    *,
    errors: int = 0,
    allow_errors: bool = False,
    problems: list[str] | tuple[str, ...] = (),
    error_cause: str = "",
) -> list[Failure]:
    """Every reason the gate fails; empty when it passes.

    ``error_cause`` (e.g. "; most often: ...") is added to the error count's message.
    Fails closed: on error items (unless ``allow_errors``) and on every run problem (inputs
    without a result, an interrupted session, a worker that died), which nothing waives.
    """
    failures = [Failure("complete", f"the run is incomplete: {problem}") for problem in problems]
    overall = scores.get("all") or {}
    if not any((overall.get(m) or {}).get("n") for m in ("sra_u", "sra_s")):
        failures.append(Failure("scored", "no input was scored: nothing to gate on"))
    if errors and not allow_errors:
        failures.append(Failure(
            "errors", f"{errors} input(s) ended in error{error_cause} (pass --vsc-allow-errors "
                      f"to gate anyway)"))
    for rule in rules:
        bucket = scores.get(rule.bucket)
        if bucket is None:
            failures.append(Failure(str(rule), f"{rule}: no bucket {rule.bucket!r} in this run"))
            continue
        value, counts = _value(bucket, rule.metric)
        if value is None:
            failures.append(Failure(str(rule), f"{rule}: no scored inputs for {rule.metric}"))
        elif not OPS[rule.op](value, rule.threshold):
            failures.append(Failure(str(rule), (
                f"{rule.bucket} {rule.metric} = {value:.3f}{counts}, needs {rule.op} "
                f"{rule.threshold:g}: short by {rule.threshold - value:.3f}"
            )))
    return failures
