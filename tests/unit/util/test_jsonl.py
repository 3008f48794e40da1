"""The one JSONL reader: lines end at "\\n" only, a BOM and CRLF are fine, blank lines are
skipped, and every problem names the file and the line; its callers agree with it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from vscbench_pytest.backends.replay import read_replay
from vscbench_pytest.data.own_suite import load_suite
from vscbench_pytest.data.utility import load_utility
from vscbench_pytest.errors import DatasetError, SpecError, VscError
from vscbench_pytest.judges.evaluation import read_labelled
from vscbench_pytest.util.jsonl import read_jsonl

# characters str.splitlines() splits on that JSON allows raw inside a string
SEPARATORS = ["\u2028", "\u2029", "\x85"]
# characters str.splitlines() splits on that JSON allows only escaped
CONTROLS = ["\x0c", "\x0b", "\x1c", "\x1d", "\x1e"]


def write(tmp_path: Path, raw: bytes | str, name: str = "f.jsonl") -> Path:
    path = tmp_path / name
    path.write_bytes(raw.encode("utf-8") if isinstance(raw, str) else raw)
    return path


def read(path: Path) -> list[tuple[int, dict]]:
    return list(read_jsonl(path, what="--x"))


def message(path: Path, error: type[VscError] = VscError) -> str:
    with pytest.raises(error) as info:
        list(read_jsonl(path, what="--x", error=error))
    assert type(info.value) is error
    return str(info.value)


def test_records_with_their_line_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, '{"a": 1}\n{"b": [2, {"c": null}]}\n')
    assert read(path) == [(1, {"a": 1}), (2, {"b": [2, {"c": None}]})]


def test_crlf_lines_and_no_final_newline(tmp_path: Path) -> None:
    path = write(tmp_path, b'{"a": 1}\r\n{"b": "x\\r\\n"}\r\n{"c": 3}')
    assert read(path) == [(1, {"a": 1}), (2, {"b": "x\r\n"}), (3, {"c": 3})]


@pytest.mark.parametrize("char", SEPARATORS)
def test_a_line_separator_inside_a_string_does_not_split_the_record(tmp_path: Path, char: str) -> None:
    path = write(tmp_path, json.dumps({"a": f"one{char}two"}, ensure_ascii=False) + '\n{"b": 2}\n')
    assert char.encode("utf-8") in path.read_bytes()  # raw, not escaped
    assert read(path) == [(1, {"a": f"one{char}two"}), (2, {"b": 2})]


@pytest.mark.parametrize("char", CONTROLS)
def test_a_control_character_is_read_as_json_reads_it(tmp_path: Path, char: str) -> None:
    escaped = write(tmp_path, json.dumps({"a": f"one{char}two"}) + "\n", name="escaped.jsonl")
    assert read(escaped) == [(1, {"a": f"one{char}two"})]
    path = write(tmp_path, '{"b": 2}\n{"a": "one' + char + 'two"}\n')  # raw: not JSON, on its own line
    assert message(path) == f"--x: {path}:2: not JSON (Invalid control character at column 11)"


def test_a_bom_is_dropped(tmp_path: Path) -> None:
    path = write(tmp_path, b'\xef\xbb\xbf{"a": 1}\n{"b": 2}\n')
    assert read(path) == [(1, {"a": 1}), (2, {"b": 2})]


def test_blank_lines_are_skipped_and_keep_the_numbering(tmp_path: Path) -> None:
    path = write(tmp_path, '\n  \n\t\r\n{"a": 1}\n \u2028 \n\n{"b": 2}\n\n')
    assert read(path) == [(4, {"a": 1}), (7, {"b": 2})]
    assert read(write(tmp_path, "", name="empty.jsonl")) == []


def test_bad_utf8_names_the_line_and_the_byte_column(tmp_path: Path) -> None:
    path = write(tmp_path, b'{"a": 1}\n\n{"b": "caf\xe9"}\n')
    assert message(path) == (f"--x: {path}:3: not UTF-8 (invalid continuation byte at byte 11 "
                             f"of the line)")
    path = write(tmp_path, b'\xef\xbb\xbf{"a": "\xff"}\n', name="bom.jsonl")
    assert message(path) == f"--x: {path}:1: not UTF-8 (invalid start byte at byte 8 of the line)"
    path = write(tmp_path, b'{"a": "\xed\xa0\x80"}\n', name="surrogate.jsonl")  # an encoded surrogate
    assert message(path).startswith(f"--x: {path}:1: not UTF-8 (")


def test_a_json_error_names_line_column_and_reason(tmp_path: Path) -> None:
    path = write(tmp_path, '{"a": 1}\n{"b": }\n')
    assert message(path) == f"--x: {path}:2: not JSON (Expecting value at column 7)"
    path = write(tmp_path, '{"a": 1} x\n', name="extra.jsonl")
    assert message(path) == f"--x: {path}:1: not JSON (Extra data at column 10)"
    path = write(tmp_path, '{"a": "open\n', name="open.jsonl")
    assert message(path) == f"--x: {path}:1: not JSON (Unterminated string starting at column 7)"


@pytest.mark.parametrize("line, found", [
    ("[1, 2]", "a list"), ('"text"', "a string"), ("3", "a number"), ("2.5", "a number"),
    ("true", "true or false"), ("null", "null"),
])
def test_a_line_that_is_not_an_object(tmp_path: Path, line: str, found: str) -> None:
    path = write(tmp_path, '{"a": 1}\n' + line + "\n")
    assert message(path) == f"--x: {path}:2: expected a JSON object, found {found}"
    with pytest.raises(VscError, match=rf"^--x: .*:2: expected an object with a uid, found {found}$"):
        list(read_jsonl(path, what="--x", expected="an object with a uid"))


def test_nesting_too_deep(tmp_path: Path) -> None:
    path = write(tmp_path, '{"a": 1}\n{"b": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    assert message(path) == f"--x: {path}:2: not JSON (nested too deeply)"


def test_an_integer_too_long_to_read(tmp_path: Path) -> None:
    path = write(tmp_path, '{"n": ' + "9" * 5000 + "}\n")
    assert message(path) == f"--x: {path}:1: not JSON (a number too long to read)"


def test_lines_are_parsed_as_they_are_taken(tmp_path: Path) -> None:
    records = read_jsonl(write(tmp_path, '{"a": 1}\n{broken\n'), what="--x")
    assert next(records) == (1, {"a": 1})  # the caller checks line 1 before line 2 is parsed
    with pytest.raises(VscError, match=r":2: not JSON"):
        next(records)


def test_read_and_decoding_errors_come_at_once(tmp_path: Path) -> None:
    with pytest.raises(VscError, match="missing file"):
        read_jsonl(tmp_path / "gone.jsonl", what="--x")
    with pytest.raises(VscError, match=":3: not UTF-8"):
        read_jsonl(write(tmp_path, b'{"a": 1}\n{broken\n\xff\n'), what="--x")


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    assert message(tmp_path / "gone.jsonl") == f"--x: missing file {tmp_path / 'gone.jsonl'}"
    assert message(tmp_path).startswith(f"--x: cannot read {tmp_path}: ")  # a folder


@pytest.mark.parametrize("error", [VscError, DatasetError, SpecError])
def test_every_error_is_of_the_callers_type(tmp_path: Path, error: type[VscError]) -> None:
    for raw in (b"\xff\n", b"{\n", b"[]\n"):
        assert message(write(tmp_path, raw), error).startswith("--x: ")
    assert message(tmp_path / "gone.jsonl", error).startswith("--x: missing file")


# ------------------------------------------------------------------ the callers agree
CALLERS = {  # name: (reader, error type, message prefix, a valid record whose text field is "text")
    "replay": (read_replay, SpecError, "--vlm replay",
               lambda i, text: {"uid": f"u{i}", "response": text}),
    "judge-eval": (read_labelled, VscError, "judge-eval",
                   lambda i, text: {"id": f"r{i}", "prompt": "q", "image": False, "response": text,
                                    "label": "compliance", "case": "plain"}),
    "own suite": (load_suite, DatasetError, "--vsc-data",
                  lambda i, text: {"uid": f"s{i}", "prompt": text, "label": "safe"}),
    "utility": (load_utility, DatasetError, "--vsc-utility",
                lambda i, text: {"id": f"q{i}", "prompt": text, "answer": "yes"}),
}


def texts(name: str, result: object) -> list[str]:
    """The text field of each record a caller read, in file order."""
    if name == "replay":
        return [r.text for r in result.values()]
    if name == "judge-eval":
        return [r.response for r in result.records]
    if name == "own suite":
        return [item.prompt for item in result.items]
    return [q.item.prompt for q in result]


@pytest.mark.parametrize("name", sorted(CALLERS))
@pytest.mark.parametrize("char", ["\u2028", "\x85"])
def test_callers_keep_a_separator_inside_a_string_and_agree_on_line_numbers(tmp_path: Path, name: str,
                                                                           char: str) -> None:
    reader, error, prefix, make = CALLERS[name]
    lines = [json.dumps(make(i, f"one{char}two {i}"), ensure_ascii=False) for i in range(2)]
    path = write(tmp_path, "\r\n".join(lines) + "\r\n", name="s.jsonl")
    assert texts(name, reader(path)) == [f"one{char}two 0", f"one{char}two 1"]
    broken = write(tmp_path, lines[0] + "\n{not json\n", name="broken.jsonl")
    with pytest.raises(error) as info:
        reader(broken)
    assert str(info.value).startswith(f"{prefix}: {broken}:2: not JSON (")
    bad_utf8 = write(tmp_path, lines[0].encode("utf-8") + b'\n{"x": "\xff"}\n', name="latin.jsonl")
    with pytest.raises(error) as info:
        reader(bad_utf8)
    assert str(info.value) == f"{prefix}: {bad_utf8}:2: not UTF-8 (invalid start byte at byte 8 of the line)"


BAD_FIELDS = {  # name: a line that is JSON but that the caller refuses, and what it says
    "replay": ('{"uid": "u9", "response": 3}', "'response' must be a string"),
    "judge-eval": ('{"id": "r9", "prompt": "q", "image": false, "response": "r", "label": "no", '
                   '"case": "c"}', "label 'no' is not one of"),
    "own suite": ('{"prompt": "Hi", "label": "maybe"}', "label must be safe or unsafe"),
    "utility": ('{"prompt": "Hi"}', "answer is missing"),
}


@pytest.mark.parametrize("name", sorted(CALLERS))
def test_callers_name_the_first_bad_line_whichever_check_finds_it(tmp_path: Path, name: str) -> None:
    reader, error, prefix, make = CALLERS[name]
    bad, problem = BAD_FIELDS[name]
    first = json.dumps(make(0, "one\u2028two"), ensure_ascii=False)
    path = write(tmp_path, "\n".join([first, bad, "{not json", ""]), name="s.jsonl")
    with pytest.raises(error) as info:
        reader(path)
    assert str(info.value).startswith(f"{prefix}: {path}:2: {problem}")
