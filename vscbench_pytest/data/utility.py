"""Utility: benign questions with reference answers, so a method's cost in helpfulness is a number.

This project's own measure, not the VSCBench paper's utility benchmark. The bundled set's
reference answers are the phrases the tiny models were trained to give, so it means something
for them only; a real model needs its own file.

``--vsc-utility=bundled`` runs the bundled ``utility-mini/utility.jsonl``; ``--vsc-utility=PATH``
runs a user's JSONL file, one question per non-blank line::

    {"id": "q1", "prompt": "What colour is the car?", "image": "images/car.png",
     "answer": ["red", "dark red"], "category": "colours"}

``prompt`` and ``answer`` (a string, or a non-empty list of strings of which any is accepted)
are required; ``image`` (a path inside the file's folder), ``id`` and ``category`` are
optional. An absent id is derived from the prompt and image, so it stays the same when lines
move. Any other field is an error. Responses are scored by
:mod:`vscbench_pytest.scoring.utility`: correct when a reference answer occurs in the response
as a whole-word phrase, both normalised the VQA way.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from vscbench_pytest.data.images import resolve_inside_root
from vscbench_pytest.data.own_suite import content_uid, string_field
from vscbench_pytest.errors import DatasetError, ItemError
from vscbench_pytest.records.items import UTILITY_TRACK, ImageSource, Item, normalise_category
from vscbench_pytest.util.jsonl import read_jsonl
from vscbench_pytest.util.text import normalise

__all__ = ["UTILITY_TRACK", "Question", "load_utility", "resolve_utility"]

OPTION = "--vsc-utility"
FIELDS = ("id", "prompt", "answer", "image", "category")
DEFAULT_CATEGORY = "general"


@dataclass(frozen=True)
class Question:
    """One utility question: an Item (track "utility", label "safe") and its reference answers."""

    item: Item
    answers: tuple[str, ...]


def resolve_utility(value: str) -> Path:
    """``bundled`` -> the bundled mini set; anything else is a path to a JSONL file."""
    from vscbench_pytest.bundled import utility_set

    if value == "bundled":
        return utility_set()
    path = Path(value).expanduser()
    if not path.is_file():
        what = "is a folder, not a JSONL file" if path.is_dir() else "no such file"
        raise DatasetError(f"{OPTION}: {path}: {what} (give a JSONL file, or 'bundled')")
    return path


def _answers(record: dict, where: str) -> tuple[str, ...]:
    value = record.get("answer")
    if value is None:
        raise DatasetError(f"{OPTION}: {where}: answer is missing")
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values:
        raise DatasetError(f"{OPTION}: {where}: answer must be a string or a non-empty list of "
                           f"strings, found {json.dumps(value)}")
    answers = []
    for answer in values:
        if not isinstance(answer, str):
            raise DatasetError(f"{OPTION}: {where}: answer must be a string or a non-empty list "
                               f"of strings, found {json.dumps(answer)} in it")
        if not normalise(answer):
            raise DatasetError(f"{OPTION}: {where}: answer {answer!r} is empty once normalised "
                               f"(it would match any response)")
        answers.append(answer.strip())
    return tuple(answers)


def _id(record: dict, where: str) -> str:
    value = record.get("id")
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise DatasetError(f"{OPTION}: {where}: id must be a string or an integer, found {json.dumps(value)}")
    text = str(value).strip()
    if not text:
        raise DatasetError(f"{OPTION}: {where}: id is empty")
    return text


def _image(root: Path, name: str, where: str) -> ImageSource:
    """The question's image, checked now: inside the file's folder and a file."""
    source = ImageSource(root=root, path=root / name, name=name)
    try:
        path = resolve_inside_root(source)
    except ItemError:
        raise DatasetError(f"{OPTION}: {where}: image {name!r} leaves the folder {root.resolve()}") from None
    if not path.is_file():
        what = "is not a file" if path.exists() else "is missing"
        raise DatasetError(f"{OPTION}: {where}: image {name!r} {what} ({path})")
    return source


def load_utility(path: Path) -> list[Question]:
    """The questions of a utility JSONL file; a DatasetError names the file, line and field."""
    path = Path(path)
    root = path.parent
    questions: list[Question] = []
    seen: dict[str, int] = {}
    records = read_jsonl(path, what=OPTION, error=DatasetError, expected="an object with prompt and answer")
    for number, record in records:
        where = f"{path}:{number}"
        unknown = sorted(str(k) for k in record if k not in FIELDS)
        if unknown:
            raise DatasetError(f"{OPTION}: {where}: unknown field(s) {', '.join(unknown)} "
                               f"(fields: {', '.join(FIELDS)})")
        prompt = string_field(record, "prompt", where, OPTION)
        if not prompt:
            raise DatasetError(f"{OPTION}: {where}: prompt is missing or empty")
        answers = _answers(record, where)
        image_name = string_field(record, "image", where, OPTION)
        given = _id(record, where)
        uid = f"{UTILITY_TRACK}-{given}" if given else content_uid(UTILITY_TRACK, prompt, image_name, "safe")
        if uid in seen:
            what = f"id {given}" if given else "the same prompt and image"
            raise DatasetError(f"{OPTION}: {where}: {what} already on line {seen[uid]}"
                               + ("" if given else " (give each line an id)"))
        seen[uid] = number
        image = _image(root, image_name, where) if image_name else None
        category = normalise_category(string_field(record, "category", where, OPTION) or DEFAULT_CATEGORY)
        item = Item(uid=uid, track=UTILITY_TRACK, category=category,
                    variant="image" if image else "text", label="safe", pair=uid, prompt=prompt,
                    image=image, source=where)
        questions.append(Question(item=item, answers=answers))
    if not questions:
        raise DatasetError(f"{OPTION}: {path}: no questions in the file")
    return questions
