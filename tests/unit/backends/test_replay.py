"""``replay:<file.jsonl>``: responses produced elsewhere."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from vscbench_pytest.backends.base import Request, Response
from vscbench_pytest.backends.replay import ReplayBackend, read_replay
from vscbench_pytest.errors import SpecError


def jsonl(path: Path, *records, raw: str = "") -> Path:
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n" + raw, encoding="utf-8")
    return path


def test_read_good_file(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "r.jsonl",
                 {"uid": "a", "response": "I cannot help."},
                 {"uid": "b", "response": "Sure, caf\u00e9 \u2603", "extra": 1},
                 {"uid": "c", "error": "timeout"},
                 {"uid": "d", "response": ""})
    responses = read_replay(path)
    assert responses == {
        "a": Response("I cannot help.", attempts=0),
        "b": Response("Sure, caf\u00e9 \u2603", attempts=0),
        "c": Response(None, "timeout", attempts=0),
        "d": Response("", attempts=0),
    }


def test_blank_lines_and_crlf_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(b'\r\n{"uid": "a", "response": "x"}\r\n\r\n  \n{"uid": "b", "response": "y"}')
    assert read_replay(path) == {"a": Response("x", attempts=0), "b": Response("y", attempts=0)}


def test_identical_duplicates_are_allowed(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "r.jsonl", {"uid": "a", "response": "x"}, {"uid": "a", "response": "x"})
    assert read_replay(path) == {"a": Response("x", attempts=0)}


def test_bad_json_line_names_file_and_line(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "r.jsonl", {"uid": "a", "response": "x"}, raw='{"uid": "b", "resp\n')
    with pytest.raises(SpecError, match="not JSON") as info:
        read_replay(path)
    assert f"{path}:2" in str(info.value)


@pytest.mark.parametrize("line", [
    '{"response": "x"}', '{"uid": 3, "response": "x"}', '["a", "x"]', '"just a string"',
])
def test_line_without_a_uid_names_file_and_line(tmp_path: Path, line: str) -> None:
    path = jsonl(tmp_path / "r.jsonl", {"uid": "a", "response": "x"}, raw="\n" + line + "\n")
    with pytest.raises(SpecError, match="uid") as info:
        read_replay(path)
    assert f"{path}:3" in str(info.value)


@pytest.mark.parametrize("record", [{"uid": "a"}, {"uid": "a", "response": 42},
                                    {"uid": "a", "response": None}])
def test_line_without_a_string_response_is_named(tmp_path: Path, record: dict) -> None:
    path = jsonl(tmp_path / "r.jsonl", record)
    with pytest.raises(SpecError, match="response") as info:
        read_replay(path)
    assert f"{path}:1" in str(info.value)


def test_conflicting_duplicate_names_both_lines(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "r.jsonl",
                 {"uid": "z", "response": "other"},
                 {"uid": "a", "response": "x"},
                 {"uid": "b", "response": "q"},
                 {"uid": "a", "response": "y"})
    with pytest.raises(SpecError) as info:
        read_replay(path)
    message = str(info.value)
    assert f"{path}:4" in message
    assert "line 2" in message
    assert "a" in message


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes('{"uid": "a", "response": "caf\u00e9"}\n'.encode("latin-1"))
    with pytest.raises(SpecError, match="UTF-8") as info:
        read_replay(path)
    assert str(path) in str(info.value)


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        read_replay(tmp_path / "absent.jsonl")
    assert "absent.jsonl" in str(info.value)
    with pytest.raises(SpecError):
        read_replay(tmp_path)  # a folder


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\x85"])
def test_line_separators_inside_a_response_are_kept(tmp_path: Path, char: str) -> None:
    path = jsonl(tmp_path / "r.jsonl", {"uid": "a", "response": f"one{char}two"},
                 {"uid": "b", "response": "x"})
    assert read_replay(path) == {"a": Response(f"one{char}two", attempts=0), "b": Response("x", attempts=0)}


def test_backend_answers_in_order_and_errors_for_unknown_uids(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "r.jsonl", {"uid": "a", "response": "x"}, {"uid": "c", "error": "boom"})
    backend = ReplayBackend("replay:r.jsonl", path)
    assert backend.kind == "replay" and backend.spec == "replay:r.jsonl"
    answers = backend.generate([Request("b", "p"), Request("a", "p"), Request("c", "p")])
    assert answers[1] == Response("x", attempts=0)
    assert answers[0].text is None and answers[0].error and str(path) in answers[0].error
    assert answers[2] == Response(None, "boom", attempts=0)
    assert backend.generate([]) == []


def test_backend_fingerprint_follows_the_file(tmp_path: Path) -> None:
    a = ReplayBackend("s", jsonl(tmp_path / "a.jsonl", {"uid": "a", "response": "x"}))
    b = ReplayBackend("s", jsonl(tmp_path / "b.jsonl", {"uid": "a", "response": "x"}))
    c = ReplayBackend("s", jsonl(tmp_path / "c.jsonl", {"uid": "a", "response": "y"}))
    assert a.fingerprint.startswith("sha256:")
    assert a.fingerprint != c.fingerprint
    # the fingerprint hashes the file name too; same name and bytes give the same print
    d = tmp_path / "d"
    d.mkdir()
    assert ReplayBackend("s", jsonl(d / "a.jsonl", {"uid": "a", "response": "x"})).fingerprint == a.fingerprint
    assert b.fingerprint != c.fingerprint


def test_a_block_is_read_with_its_reason_and_must_name_one(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"uid": "a", "response": "", "blocked": "openai finish_reason=content_filter"}\n'
                    '{"uid": "b", "response": "Sure."}\n')
    responses = read_replay(path)
    assert (responses["a"].text, responses["a"].blocked) == ("", "openai finish_reason=content_filter")
    assert responses["b"].blocked is None
    path.write_text('{"uid": "a", "response": "", "blocked": true}\n')
    with pytest.raises(SpecError, match=r"a.jsonl:1: 'blocked' must be the provider's reason"):
        read_replay(path)
