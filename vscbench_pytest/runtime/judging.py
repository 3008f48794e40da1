"""A response turned into an input's result: an error, a utility question checked against its
reference answers, or the verdict of every judge (the first one scores)."""
from __future__ import annotations

from collections.abc import Sequence

from vscbench_pytest.backends.base import Response
from vscbench_pytest.judges.base import Judge
from vscbench_pytest.records.items import UTILITY_TRACK, Item
from vscbench_pytest.records.results import ItemResult, error_result, make_result, utility_result


def judged(item: Item, response: Response, judges: Sequence[Judge],
           references: tuple[str, ...] | None = None) -> ItemResult:
    """The result of ``item`` given its ``response``; ``references`` for a utility question."""
    if response.error is not None or response.text is None:
        return error_result(item, response.error or "no response", response.text)
    if item.track == UTILITY_TRACK and references is not None:
        from vscbench_pytest.scoring.utility import is_correct

        return utility_result(item, response.text, is_correct(response.text, references))
    image = item.image is not None
    judgements = [judge.judge(item.prompt, response.text, image) for judge in judges]
    first = judgements[0]
    verdicts = ({judge.name: j.verdict for judge, j in zip(judges, judgements)}
                if len(judges) > 1 else None)
    return make_result(item, response.text, first.verdict, first.reason, judge_raw=first.raw,
                       verdicts=verdicts)
