"""The one JSONL reader of the package: replay files, own suites, utility sets and labelled
judge-eval sets all go through it.

A JSONL line ends at ``"\\n"`` only: U+2028, U+2029 and U+0085 may appear raw inside a JSON
string and do not end a record (nor does any other character ``str.splitlines()`` splits on,
such as ``\\x0c``); the ``"\\r"`` of a CRLF file is whitespace JSON accepts. Every error names
the file and the line: ``"<what>: <path>:<line>: <problem>"``.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from vscbench_pytest.errors import VscError

JSON_KINDS = {list: "a list", str: "a string", int: "a number", float: "a number", bool: "true or false",
              type(None): "null"}


def read_jsonl(path: Path, *, what: str, error: type[VscError] = VscError,
               expected: str = "a JSON object") -> Iterator[tuple[int, dict]]:
    """(1-based line number, record) for every non-blank line of the JSONL file ``path``.

    ``what`` starts every message (the option or command the file came from); ``error`` is the
    exception raised; ``expected`` says what a line must hold when it is not a JSON object. The
    file is read and decoded at once (a read or UTF-8 error is raised by this call); lines are
    parsed as they are iterated, so a caller that checks each record before taking the next
    reports the first bad line, whether JSON or the caller's check finds it.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error(f"{what}: missing file {path}") from None
    except OSError as exc:
        raise error(f"{what}: cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        data = exc.object  # the bytes after any BOM: positions count from there
        line_number = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise error(f"{what}: {path}:{line_number}: not UTF-8 ({exc.reason} at byte {column} of the "
                    f"line)") from None
    return _records(text, f"{what}: {path}", error, expected)


def _records(text: str, where_file: str, error: type[VscError], expected: str) -> Iterator[tuple[int, dict]]:
    """The records of ``text``, parsed one line at a time; ``where_file`` starts each message."""
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{where_file}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            reason = exc.msg.removesuffix(" at")  # "Unterminated string starting at", ...
            raise error(f"{where}: not JSON ({reason} at column {exc.colno})") from None
        except RecursionError:
            raise error(f"{where}: not JSON (nested too deeply)") from None
        except ValueError:  # an integer longer than Python's digit limit
            raise error(f"{where}: not JSON (a number too long to read)") from None
        if not isinstance(record, dict):
            found = JSON_KINDS.get(type(record), type(record).__name__)
            raise error(f"{where}: expected {expected}, found {found}")
        yield number, record
