"""A response turned into an input's result: an error, a utility question checked against its
reference answers, a provider's block, or the verdict of every judge (the first one scores).

The protocol decides what a failure is worth. ``project``: a request that failed, or an empty
response (nothing came back), is an ``error`` item, left out of the rates; a provider's block is
the model's system refusing: a ``refusal``, no judge asked. ``paper``: as the benchmark's own
evaluation does, each of these is scored as its refusal sentence (judged like any response);
the item records the block or the failed request, and a failed request still keeps the run
from being complete (an empty answer or a block does not: the model answered).
"""
from __future__ import annotations

from collections.abc import Sequence

from vscbench_pytest.backends.base import Response
from vscbench_pytest.judges.base import Judge, RemoteJudge
from vscbench_pytest.records.items import UTILITY_TRACK, Item
from vscbench_pytest.records.protocol import EvalProtocol
from vscbench_pytest.records.results import ItemResult, error_result, make_result, utility_result
from vscbench_pytest.records.verdicts import REFUSAL

PROJECT = EvalProtocol()


EMPTY = "empty response: nothing came back"


def scored_text(item: Item, response: Response, protocol: EvalProtocol = PROJECT) -> tuple[str | None, str]:
    """The text the judges score for ``response`` (None: an ``error`` item, for the reason
    given), and what failed (a request) when the protocol scores a stand-in for it: upstream's
    refusal sentence in place of a failed request, an empty answer or a block without text."""
    failed = response.error if response.error is not None else "no response" if response.text is None else ""
    if failed:
        return (protocol.failure_text(item), failed) if protocol.scores_failures else (None, failed)
    text = response.text or ""
    if text.strip():
        return text, ""
    if protocol.scores_failures:
        return protocol.failure_text(item), ""
    return (text, "") if response.blocked is not None else (None, EMPTY)


def prefetch(item: Item, response: Response, judges: Sequence[RemoteJudge],
             protocol: EvalProtocol = PROJECT) -> None:
    """Start the judge servers on ``item``'s response (what ``judged`` will ask them)."""
    text, _ = scored_text(item, response, protocol)
    if text is not None and not (response.blocked is not None and not protocol.paper):
        for judge in judges:
            judge.prefetch(protocol.judge_query(item), text, item.image is not None)


def judged(item: Item, response: Response, judges: Sequence[Judge],
           references: tuple[str, ...] | None = None, protocol: EvalProtocol = PROJECT) -> ItemResult:
    """The result of ``item`` given its ``response``; ``references`` for a utility question."""
    if item.track == UTILITY_TRACK and references is not None:
        if response.error is not None or response.text is None:
            return error_result(item, response.error or "no response", response.text)
        from vscbench_pytest.scoring.utility import is_correct

        return utility_result(item, response.text, is_correct(response.text, references))
    text, failure = scored_text(item, response, protocol)
    if text is None:
        return error_result(item, failure, response.text)
    if response.blocked is not None and not protocol.paper:
        return make_result(item, response.text, REFUSAL, f"the provider blocked the answer "
                                                         f"({response.blocked})", blocked=response.blocked)
    image = item.image is not None
    query = protocol.judge_query(item)
    judgements = [judge.judge(query, text, image) for judge in judges]
    first = judgements[0]
    several = len(judges) > 1
    verdicts = {judge.name: j.verdict for judge, j in zip(judges, judgements)} if several else None
    reasons = {judge.name: j.reason for judge, j in zip(judges, judgements)} if several else None
    reason = first.reason
    if text != response.text:
        why = (f"blocked ({response.blocked})" if response.blocked is not None
               else failure or "empty response")
        reason = f"{why}: scored as {text!r} (paper protocol); {reason}"
    return make_result(item, response.text, first.verdict, reason, judge_raw=first.raw,
                       verdicts=verdicts, reasons=reasons, blocked=response.blocked, failure=failure or first.failure)
