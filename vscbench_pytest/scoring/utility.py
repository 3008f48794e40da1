"""Utility scoring: whether a response holds a reference answer, and the accuracy of a run.

A response is correct when a reference answer occurs in it as a whole-word phrase after
VQA-style normalisation (see ``normalise``). The questions are loaded by
:mod:`vscbench_pytest.data.utility`; this module only needs their uid and answers.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from vscbench_pytest.records.items import Item
from vscbench_pytest.util.text import normalise


class ScoredQuestion(Protocol):
    """What scoring needs of a utility question (``data.utility.Question`` is one)."""

    @property
    def item(self) -> Item: ...

    @property
    def answers(self) -> tuple[str, ...]: ...


def is_correct(response: str | None, answers: tuple[str, ...]) -> bool:
    """Whether any reference answer occurs in the response as a whole-word phrase (after
    ``normalise``); a missing response (an error) is never correct."""
    if response is None:
        return False
    padded = f" {normalise(response)} "
    return any(f" {ref} " in padded for ref in map(normalise, answers) if ref)


def score_utility(questions: Iterable[ScoredQuestion], responses: dict[str, str | None], source: str) -> dict:
    """``report["utility"]``: accuracy over the questions that got a response.

    ``responses`` maps uid -> text, or None when the question errored: an error counts in
    ``errors``, never in ``total`` (so in neither side of accuracy). A question whose uid is
    absent from ``responses`` was not run (deselected) and is not counted at all. ``accuracy``
    is ``correct / total``, None when nothing was scored.
    """
    correct = total = errors = 0
    for question in questions:
        uid = question.item.uid
        if uid not in responses:
            continue
        response = responses[uid]
        if response is None:
            errors += 1
            continue
        total += 1
        correct += is_correct(response, question.answers)
    return {"source": source, "accuracy": (correct / total) if total else None,
            "correct": correct, "total": total, "errors": errors}
