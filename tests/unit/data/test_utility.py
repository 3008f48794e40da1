"""The utility set: loading and checking JSONL questions, the bundled set and its references.

Scoring (normalise, is_correct, score_utility) is tested in tests/unit/scoring/test_utility.py."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.helpers.paths import FIXTURES
from vscbench_pytest.bundled import bundled_model, utility_set
from vscbench_pytest.data.images import load_image
from vscbench_pytest.data.utility import UTILITY_TRACK, Question, load_utility, resolve_utility
from vscbench_pytest.errors import DatasetError, VscError
from vscbench_pytest.scoring.utility import is_correct, score_utility

BUNDLED_SIZE = 28
# Greedy accuracy on the bundled set, measured through HFBackend (batched and one by one):
# tiny-llava 25/28 (it refuses the two coarse checkerboards and one smooth blob),
# tiny-llava-unsafe 28/28. The floors leave one question of margin.
FLOORS = {"tiny-llava": 24 / 28, "tiny-llava-unsafe": 27 / 28}


def write(folder: Path, *lines: object, name: str = "u.jsonl") -> Path:
    """A JSONL file of the given lines (dicts are dumped, strings written as they are)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("".join((json.dumps(x) if isinstance(x, dict) else x) + "\n" for x in lines))
    return path


def png(path: Path) -> Path:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8), (10, 200, 30)).save(path)
    return path


def error(path: Path) -> str:
    with pytest.raises(DatasetError) as info:
        load_utility(path)
    assert isinstance(info.value, VscError)
    return str(info.value)


# ------------------------------------------------------------------ the bundled set
def test_bundled_set_loads_with_unique_uids_and_decodable_images():
    path = resolve_utility("bundled")
    assert path == utility_set()
    questions = load_utility(path)
    assert len(questions) == BUNDLED_SIZE
    uids = [q.item.uid for q in questions]
    assert len(set(uids)) == len(uids) and all(u.startswith("utility-") for u in uids)
    with_image = [q for q in questions if q.item.image is not None]
    assert len(with_image) == 24
    for q in questions:
        item = q.item
        assert (item.track, item.label, item.pair) == (UTILITY_TRACK, "safe", item.uid)
        assert item.variant == ("image" if item.image else "text")
        assert item.source.startswith(f"{path}:") and q.answers
    for q in with_image:
        assert load_image(q.item.image).size == (96, 96)
    assert {q.item.category for q in questions} == {"how_to", "where_to_find", "why", "describe",
                                                    "text_only"}


def test_bundled_references_are_the_tiny_models_helpful_sentences():
    sys.path.insert(0, str(FIXTURES))
    try:
        import synth
    finally:
        sys.path.remove(str(FIXTURES))
    for q in load_utility(resolve_utility("bundled")):
        assert is_correct(synth.comply_answer(q.item.prompt), q.answers), q.item.uid
        assert not is_correct(synth.REFUSE_IMAGE, q.answers)
        assert not is_correct(synth.REFUSE_TEXT, q.answers)
        assert not is_correct(synth.WARN_IMAGE, q.answers)


@pytest.mark.parametrize("model", sorted(FLOORS))
def test_tiny_model_accuracy_on_the_bundled_set(model: str):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from vscbench_pytest.backends.base import GenerationSettings, Request
    from vscbench_pytest.backends.hf import HFBackend

    questions = load_utility(resolve_utility("bundled"))
    backend = HFBackend(f"hf:{model}", str(bundled_model(model)), GenerationSettings(max_new_tokens=48))
    requests = [Request(q.item.uid, q.item.prompt, load_image(q.item.image) if q.item.image else None)
                for q in questions]
    responses = {r.uid: out.text for r, out in zip(requests, backend.generate(requests))}
    result = score_utility(questions, responses, "bundled")
    assert result["errors"] == 0 and result["total"] == BUNDLED_SIZE
    assert result["accuracy"] >= FLOORS[model], result


# ------------------------------------------------------------------ resolve_utility
def test_resolve_utility_paths(tmp_path: Path, monkeypatch):
    path = write(tmp_path, {"prompt": "Hi?", "answer": "x"})
    assert resolve_utility(str(path)) == path
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_utility("~/u.jsonl") == path
    with pytest.raises(DatasetError, match=r"^--vsc-utility: .*nope\.jsonl: no such file"):
        resolve_utility(str(tmp_path / "nope.jsonl"))
    with pytest.raises(DatasetError, match=r"^--vsc-utility: .*: is a folder"):
        resolve_utility(str(tmp_path))


# ------------------------------------------------------------------ loading
def test_load_fields_uid_category_and_image(tmp_path: Path):
    png(tmp_path / "img" / "a.png")
    path = write(tmp_path,
                 {"id": "q1", "prompt": " What colour? ", "answer": ["green", "lime"], "image": "img/a.png",
                  "category": "Colours & Shapes"},
                 "",
                 {"prompt": "Why?", "answer": "because"},
                 {"id": 7, "prompt": "Where?", "answer": "here"})
    first, second, third = load_utility(path)
    assert first.item.uid == "utility-q1" and first.answers == ("green", "lime")
    assert first.item.prompt == "What colour?" and first.item.category == "colours_shapes"
    assert first.item.variant == "image" and first.item.image.name == "img/a.png"
    assert first.item.image.root == tmp_path and first.item.image.path == tmp_path / "img" / "a.png"
    assert first.item.source == f"{path}:1"
    assert second.item.category == "general" and second.item.variant == "text"
    assert second.item.image is None and second.item.source == f"{path}:3"
    assert second.answers == ("because",) and second.item.uid.startswith("utility-")
    assert third.item.uid == "utility-7"
    assert isinstance(first, Question)


def test_derived_uid_is_stable_when_lines_move(tmp_path: Path):
    a = {"prompt": "Why?", "answer": "because"}
    b = {"prompt": "How?", "answer": "so"}
    one = {q.item.prompt: q.item.uid for q in load_utility(write(tmp_path / "1", a, b))}
    two = {q.item.prompt: q.item.uid for q in load_utility(write(tmp_path / "2", b, "", a))}
    assert one == two and one["Why?"] != one["How?"]


BAD_LINES = [
    ("{not json", "not JSON"),
    ("[1, 2]", "expected an object with prompt and answer"),
    ({"prompt": "Hi", "answer": "x", "labl": "safe"},
     "unknown field(s) labl (fields: id, prompt, answer, image, category)"),
    ({"answer": "x"}, "prompt is missing or empty"),
    ({"prompt": "  ", "answer": "x"}, "prompt is missing or empty"),
    ({"prompt": 3, "answer": "x"}, "prompt must be a string, found 3"),
    ({"prompt": "Hi"}, "answer is missing"),
    ({"prompt": "Hi", "answer": []}, "answer must be a string or a non-empty list of strings, found []"),
    ({"prompt": "Hi", "answer": {"a": 1}},
     'answer must be a string or a non-empty list of strings, found {"a": 1}'),
    ({"prompt": "Hi", "answer": ["x", 2]}, "found 2 in it"),
    ({"prompt": "Hi", "answer": "The."}, "answer 'The.' is empty once normalised"),
    ({"prompt": "Hi", "answer": "x", "id": True}, "id must be a string or an integer, found true"),
    ({"prompt": "Hi", "answer": "x", "id": " "}, "id is empty"),
    ({"prompt": "Hi", "answer": "x", "image": 5}, "image must be a string, found 5"),
    ({"prompt": "Hi", "answer": "x", "category": ["a"]}, 'category must be a string, found ["a"]'),
    ({"prompt": "Hi", "answer": "x", "image": "missing.png"}, "image 'missing.png' is missing"),
    ({"prompt": "Hi", "answer": "x", "image": "sub"}, "image 'sub' is not a file"),
    ({"prompt": "Hi", "answer": "x", "image": "../out.png"}, "image '../out.png' leaves the folder"),
    ({"prompt": "Hi", "answer": "x", "image": "."}, "image '.' leaves the folder"),
]


@pytest.mark.parametrize("line,message", BAD_LINES, ids=[m.split(" (")[0][:40] for _, m in BAD_LINES])
def test_bad_line_is_an_error_naming_file_and_line(tmp_path: Path, line, message):
    png(tmp_path / "out.png")
    (tmp_path / "set" / "sub").mkdir(parents=True)
    path = write(tmp_path / "set", {"prompt": "fine", "answer": "ok"}, "", line)
    text = error(path)
    assert text.startswith(f"--vsc-utility: {path}:3: "), text
    assert message in text


def test_absolute_and_symlinked_images_cannot_leave_the_folder(tmp_path: Path):
    outside = png(tmp_path / "outside.png")
    path = write(tmp_path / "set", {"prompt": "Hi", "answer": "x", "image": str(outside)})
    assert error(path).startswith(f"--vsc-utility: {path}:1: image {str(outside)!r} leaves the folder")
    if not hasattr(os, "symlink"):
        return
    (tmp_path / "set" / "link.png").symlink_to(outside)
    path = write(tmp_path / "set", {"prompt": "Hi", "answer": "x", "image": "link.png"})
    assert error(path).startswith(f"--vsc-utility: {path}:1: image 'link.png' leaves the folder")


def test_duplicate_ids_are_errors(tmp_path: Path):
    path = write(tmp_path, {"id": "a", "prompt": "Hi", "answer": "x"},
                 {"id": "b", "prompt": "Ho", "answer": "x"}, {"id": "a", "prompt": "He", "answer": "y"})
    assert error(path) == f"--vsc-utility: {path}:3: id a already on line 1"
    path = write(tmp_path, {"id": 1, "prompt": "Hi", "answer": "x"},
                 {"id": "1", "prompt": "Ho", "answer": "x"})
    assert error(path) == f"--vsc-utility: {path}:2: id 1 already on line 1"
    path = write(tmp_path, {"prompt": "Hi", "answer": "x"}, {"prompt": "Hi", "answer": "y"})
    assert error(path) == (f"--vsc-utility: {path}:2: the same prompt and image already on line 1 "
                           f"(give each line an id)")


def test_file_level_errors(tmp_path: Path):
    empty = write(tmp_path, "", "  ", name="empty.jsonl")
    assert error(empty) == f"--vsc-utility: {empty}: no questions in the file"
    binary = tmp_path / "bin.jsonl"
    binary.write_bytes(b'{"prompt": "\xff"}\n')
    assert error(binary) == f"--vsc-utility: {binary}:1: not UTF-8 (invalid start byte at byte 13 of the line)"
    assert error(tmp_path / "gone.jsonl") == f"--vsc-utility: missing file {tmp_path / 'gone.jsonl'}"
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(b'\xef\xbb\xbf{"prompt": "Hi", "answer": "x"}\r\n')
    assert [q.item.prompt for q in load_utility(bom)] == ["Hi"]
