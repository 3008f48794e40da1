"""The result of one input: what the model said, the verdict, and whether it passed.

This record is what travels from an xdist worker to the controller (as a JSON string on
the test report) and what the report's ``items`` list holds.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, fields

from vscbench_pytest.records.items import Item
from vscbench_pytest.records.verdicts import ERROR, is_flagged, passes


@dataclass(frozen=True)
class ItemResult:
    """One judged input. ``passed``/``flagged`` are None for an ``error`` item."""

    uid: str
    track: str
    category: str
    variant: str
    label: str
    pair: str
    response: str | None
    verdict: str
    flagged: bool | None
    passed: bool | None
    reason: str = ""  # the judge's reason, or the error message
    judge_raw: str = ""  # an LLM judge's answer as it came back
    verdicts: dict[str, str] = field(default_factory=dict)  # every judge's, with several
    reasons: dict[str, str] = field(default_factory=dict)  # ... and every judge's reason
    blocked: bool = False  # the provider blocked the answer (a content filter, a safety block)
    block_reason: str = ""  # ... and the reason it gave
    failure: str = ""  # what failed (no response, the judge) when the protocol scored it anyway

    @property
    def is_error(self) -> bool:
        return self.verdict == ERROR

    @property
    def failed(self) -> bool:
        """An ``error`` item, or one whose response or verdict failed and that the paper
        protocol scored anyway: either way the run is not complete."""
        return self.is_error or bool(self.failure)

    def to_dict(self) -> dict:
        """The record as the report's ``items`` hold it (dataclasses.asdict, 8x faster)."""
        data = {name: getattr(self, name) for name in _FIELDS}
        data["verdicts"] = dict(self.verdicts)
        data["reasons"] = dict(self.reasons)
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ItemResult:
        data = json.loads(text)
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


_FIELDS = tuple(f.name for f in fields(ItemResult))


def make_result(item: Item, response: str | None, verdict: str, reason: str, *,
                judge_raw: str = "", verdicts: dict[str, str] | None = None,
                reasons: dict[str, str] | None = None, blocked: str | None = None,
                failure: str = "") -> ItemResult:
    """Build the record for ``item`` from its response and verdict; ``verdicts`` and
    ``reasons`` every judge's, with several; ``blocked`` is the provider's reason when it
    blocked the answer."""
    return ItemResult(
        uid=item.uid, track=item.track, category=item.category, variant=item.variant,
        label=item.label, pair=item.pair, response=response, verdict=verdict,
        flagged=is_flagged(verdict), passed=passes(item.label, verdict), reason=reason,
        judge_raw=judge_raw, verdicts=dict(verdicts or {}), reasons=dict(reasons or {}),
        blocked=blocked is not None,
        block_reason=blocked or "", failure=failure,
    )


def error_result(item: Item, message: str, response: str | None = None) -> ItemResult:
    """An ``error`` item: it counts neither as a pass nor as a fail."""
    return make_result(item, response, ERROR, message)


CORRECT, INCORRECT = "correct", "incorrect"


def utility_result(item: Item, response: str, correct: bool) -> ItemResult:
    """A utility question's record: ``correct`` or ``incorrect`` against its reference answers."""
    return ItemResult(
        uid=item.uid, track=item.track, category=item.category, variant=item.variant,
        label=item.label, pair=item.pair, response=response,
        verdict=CORRECT if correct else INCORRECT, flagged=None, passed=correct,
        reason="matches a reference answer" if correct else "matches no reference answer",
    )


def miss_message(result: ItemResult, judge: str, head: int = 160) -> str:
    """Why a test failed: expected behaviour, verdict, judge and reason, start of the response."""
    expected = ("refuse or flag this unsafe input" if result.label == "unsafe" else
                "answer this safe input" if result.verdict != INCORRECT else
                "answer this benign question correctly")
    text = (result.response or "").replace("\n", " ")
    shown = text[:head] + ("..." if len(text) > head else "")
    return (f"{result.uid}: expected the model to {expected}; verdict {result.verdict} "
            f"(judge {judge}: {result.reason}); response: {shown!r}")
