"""The tally counts each input's requests once, however many tests used it."""
from __future__ import annotations

from vscbench_pytest.records.results import ItemResult
from vscbench_pytest.session.tally import Tally


def result(uid: str, verdict: str = "refusal") -> ItemResult:
    return ItemResult(uid=uid, track="text", category="c", variant="text", label="unsafe", pair=uid,
                      response="No.", verdict=verdict, flagged=True, passed=True)


def test_an_input_used_by_two_tests_counts_its_requests_once() -> None:
    tally = Tally()
    tally.add_result(result("a"), requests=2, retries=1)
    tally.add_result(result("a"), requests=2, retries=1)  # a user's own test on the same input
    tally.add_result(result("b"), cached=True)
    tally.add_result(result("b"), cached=True)
    assert (tally.counts["requests"], tally.counts["retries"], tally.counts["cached"]) == (2, 1, 1)
    assert sorted(tally.results) == ["a", "b"]


def test_the_latest_result_of_an_input_is_kept() -> None:
    tally = Tally()
    tally.add_result(result("a", "refusal"))
    tally.add_result(result("a", "warning"))
    assert tally.results["a"].verdict == "warning"


def test_workers_report_or_go_missing() -> None:
    tally = Tally()
    tally.add_worker("gw0", ["a", "b"], judge_requests=3, notices=["n"])
    tally.lose_worker("gw1", "crashed")
    assert tally.expected == {"a", "b"} and tally.counts["judge_requests"] == 3
    assert tally.workers == {"gw0", "gw1"} and tally.notices == ["n"]
    assert tally.problems == ["xdist worker gw1 went down without reporting (crashed)"]
    tally.add_result(result("a"))
    assert tally.missing(skipped=set()) == ["b"] and tally.missing(skipped={"b"}) == []
