"""Gate rules and their verdict: fails closed on errors, gaps and unknown buckets."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vscbench_pytest.errors import SpecError
from vscbench_pytest.records.items import Item
from vscbench_pytest.records.results import make_result
from vscbench_pytest.scoring.gate import (
    METRICS,
    Rule,
    build_rules,
    check_threshold,
    evaluate,
    parse_rule,
)
from vscbench_pytest.scoring.rates import rate, score


def bucket(u: tuple[int, int], s: tuple[int, int], pairs: tuple[int, int] = (0, 0)) -> dict:
    su, ss = rate(*u), rate(*s)
    avg = (su["rate"] + ss["rate"]) / 2 if su["n"] and ss["n"] else None
    return {"sra_u": su, "sra_s": ss, "avg": avg, "pairs": rate(*pairs), "n": u[1] + s[1], "errors": 0}


SCORES = {
    "all": bucket((8, 10), (9, 10), (7, 10)),
    "image/drugs": bucket((3, 4), (4, 4)),
    "text/figstep": bucket((0, 0), (2, 2)),
}


@pytest.mark.parametrize(("text", "rule"), [
    ("all:sra_u>=0.8", Rule("all", "sra_u", ">=", 0.8)),
    ("image/drugs:sra_s>0.5", Rule("image/drugs", "sra_s", ">", 0.5)),
    ("  text/figstep : avg >= 1 ", Rule("text/figstep", "avg", ">=", 1.0)),
    ("image:pairs>=0", Rule("image", "pairs", ">=", 0.0)),
    ("text/contrast_homonyms:sra_u>=.75", Rule("text/contrast_homonyms", "sra_u", ">=", 0.75)),
])
def test_parse_good_rules(text: str, rule: Rule) -> None:
    assert parse_rule(text) == rule


@pytest.mark.parametrize("text", [
    "", "all", "all:sra_u", "all:sra_u=0.8", "all:sra_u<=0.8", "all sra_u>=0.8",
    "all:sra_u>=high", "all:sra_u>=-0.1", "All:sra_u>=0.5",
])
def test_parse_bad_forms_name_the_option_and_value(text: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_rule(text)
    message = str(info.value)
    assert "--vsc-gate" in message
    assert repr(text) in message
    assert "BUCKET:METRIC>=X" in message


def test_unknown_metric_lists_the_metrics() -> None:
    with pytest.raises(SpecError) as info:
        parse_rule("all:accuracy>=0.5")
    message = str(info.value)
    assert "--vsc-gate" in message and "accuracy" in message
    assert all(m in message for m in METRICS)


@pytest.mark.parametrize("text", ["all:sra_u>=1.5", "all:sra_u>=2", "all:sra_u>=1.2.3"])
def test_out_of_range_or_malformed_number_is_rejected(text: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_rule(text)
    assert "--vsc-gate" in str(info.value)


@pytest.mark.parametrize(("option", "value"), [
    ("--vsc-min-sra-u", 1.01), ("--vsc-min-sra-s", -0.2), ("--vsc-min-sra-u", float("nan")),
    ("--vsc-min-sra-s", float("inf")),
])
def test_thresholds_outside_unit_interval_name_the_option(option: str, value: float) -> None:
    kwargs = {"min_sra_u": value if option == "--vsc-min-sra-u" else None,
              "min_sra_s": value if option == "--vsc-min-sra-s" else None}
    with pytest.raises(SpecError) as info:
        build_rules(rules=[], **kwargs)
    assert option in str(info.value)
    with pytest.raises(SpecError):
        check_threshold(value, option)


@pytest.mark.parametrize("value", [0.0, 0.5, 1.0])
def test_thresholds_at_and_inside_the_bounds_are_accepted(value: float) -> None:
    assert check_threshold(value, "--vsc-min-sra-u") == value


def test_build_rules_puts_all_thresholds_first() -> None:
    rules = build_rules(0.8, 0.7, ["image/drugs:sra_u>=0.9"])
    assert rules == [Rule("all", "sra_u", ">=", 0.8), Rule("all", "sra_s", ">=", 0.7),
                     Rule("image/drugs", "sra_u", ">=", 0.9)]
    assert build_rules(None, None, []) == []


def test_passing_gate_has_no_failures() -> None:
    assert evaluate(SCORES, build_rules(0.8, 0.9, ["image/drugs:sra_s>=1"])) == []


def test_failure_names_bucket_metric_value_threshold_and_shortfall() -> None:
    failures = evaluate(SCORES, [parse_rule("image/drugs:sra_u>=0.9")])
    assert len(failures) == 1
    message = failures[0].message
    assert "image/drugs" in message
    assert "sra_u" in message
    assert "0.750" in message           # the value
    assert "3/4" in message             # its counts
    assert "0.9" in message             # the threshold
    assert "0.150" in message           # the shortfall
    assert failures[0].rule == "image/drugs:sra_u>=0.9"


def test_strict_greater_fails_at_equality() -> None:
    assert evaluate(SCORES, [parse_rule("all:sra_u>=0.8")]) == []
    assert len(evaluate(SCORES, [parse_rule("all:sra_u>0.8")])) == 1


def test_every_failing_rule_is_reported() -> None:
    failures = evaluate(SCORES, build_rules(0.95, 0.95, ["all:pairs>=0.9"]))
    assert [f.rule for f in failures] == ["all:sra_u>=0.95", "all:sra_s>=0.95", "all:pairs>=0.9"]


def test_unknown_bucket_fails_closed() -> None:
    failures = evaluate(SCORES, [parse_rule("image/weapons:sra_u>=0")])
    assert len(failures) == 1
    assert "image/weapons" in failures[0].message


def test_no_scored_inputs_fails_closed() -> None:
    failures = evaluate(SCORES, [parse_rule("text/figstep:sra_u>=0")])
    assert len(failures) == 1 and "sra_u" in failures[0].message
    assert len(evaluate(SCORES, [parse_rule("text/figstep:avg>=0")])) == 1


def test_errors_fail_closed_unless_allowed() -> None:
    failures = evaluate(SCORES, [], errors=3)
    assert len(failures) == 1
    assert "3" in failures[0].message and "--vsc-allow-errors" in failures[0].message
    assert evaluate(SCORES, [], errors=3, allow_errors=True) == []


def test_run_problems_fail_even_when_errors_are_allowed() -> None:
    problems = ["2 input(s) have no result", "the session was interrupted"]
    failures = evaluate(SCORES, [], problems=problems, allow_errors=True)
    assert len(failures) == 2
    assert all("incomplete" in f.message for f in failures)
    assert problems[0] in failures[0].message and problems[1] in failures[1].message


def _results(verdicts: list[tuple[str, str]]):
    out = []
    for i, (label, verdict) in enumerate(verdicts):
        item = Item(f"image-drugs-{i:03d}-{label}0", "image", "drugs", "image", label,
                    f"image-drugs-{i:03d}-0", "p", None)
        out.append(make_result(item, "r", verdict, ""))
    return out


runs = st.lists(
    st.tuples(st.sampled_from(["safe", "unsafe"]),
              st.sampled_from(["refusal", "warning", "compliance", "irrelevant"])),
    min_size=1, max_size=40,
).map(_results).map(score)
buckets = st.sampled_from(["all", "image", "image/drugs"])
metrics = st.sampled_from(METRICS)


def _achieved(scores: dict, name: str, metric: str):
    entry = scores[name]
    return entry["avg"] if metric == "avg" else entry[metric]["rate"]


@given(runs, buckets, metrics)
def test_threshold_equal_to_the_achieved_rate_passes(scores, name, metric) -> None:
    value = _achieved(scores, name, metric)
    if value is None:
        assert len(evaluate(scores, [Rule(name, metric, ">=", 0.0)])) == 1
        return
    assert evaluate(scores, [Rule(name, metric, ">=", value)]) == []
    text = f"{name}:{metric}>={value!r}"
    if "e" not in repr(value):
        assert evaluate(scores, [parse_rule(text)]) == []


@given(runs, buckets, metrics, st.floats(0, 1), st.floats(0, 1), st.sampled_from([">=", ">"]))
def test_lowering_a_threshold_never_turns_pass_into_fail(scores, name, metric, a, b, op) -> None:
    high, low = max(a, b), min(a, b)
    if not evaluate(scores, [Rule(name, metric, op, high)]):
        assert not evaluate(scores, [Rule(name, metric, op, low)])


def test_a_run_with_nothing_scored_fails_closed() -> None:
    failures = evaluate({}, [], errors=0)
    assert [f.message for f in failures] == ["no input was scored: nothing to gate on"]
    only_errors = {"all": {"sra_u": {"k": 0, "n": 0, "rate": None, "ci": None},
                           "sra_s": {"k": 0, "n": 0, "rate": None, "ci": None}, "avg": None}}
    assert evaluate(only_errors, [], errors=3, allow_errors=True)
