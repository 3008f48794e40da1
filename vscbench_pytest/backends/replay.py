"""``replay:<file.jsonl>``: score responses produced elsewhere.

Each non-empty line is ``{"uid": "...", "response": "..."}`` (or ``"error": "..."`` for an
input that had no usable response). A uid absent from the file is an ``error`` item.
"""
from __future__ import annotations

import json
from pathlib import Path

from vscbench_pytest.backends.base import Request, Response
from vscbench_pytest.errors import SpecError
from vscbench_pytest.util.fingerprints import fingerprint_files


def read_replay(path: Path) -> dict[str, Response]:
    """Parse the file; a SpecError names the file and line of the first bad line."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except OSError as exc:
        raise SpecError(f"--vlm replay: cannot read {path}: {exc}") from None
    except UnicodeDecodeError as exc:
        data = exc.object  # the bytes after any BOM
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SpecError(f"--vlm replay: {path}:{line}: not UTF-8 ({exc.reason} at byte "
                        f"{column} of the line)") from None
    responses: dict[str, Response] = {}
    first_line: dict[str, int] = {}
    # JSONL lines end at "\n" only: U+2028 and friends may appear raw inside a string.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SpecError(f"--vlm replay: {where}: not JSON ({exc.msg})") from None
        except RecursionError:
            raise SpecError(f"--vlm replay: {where}: not JSON (nested too deeply)") from None
        except ValueError:  # an integer longer than Python's digit limit
            raise SpecError(f"--vlm replay: {where}: not JSON (a number too long to read)") from None
        if not isinstance(record, dict) or not isinstance(record.get("uid"), str):
            raise SpecError(f'--vlm replay: {where}: expected {{"uid": "...", "response": "..."}}')
        uid = record["uid"]
        if isinstance(record.get("response"), str):
            response = Response(record["response"], attempts=0)
        elif isinstance(record.get("error"), str):
            response = Response(None, record["error"], attempts=0)
        else:
            raise SpecError(f"--vlm replay: {where}: 'response' must be a string (uid {uid})")
        if uid in responses and responses[uid] != response:
            raise SpecError(
                f"--vlm replay: {where}: uid {uid} already has a different response "
                f"on line {first_line[uid]}"
            )
        responses[uid] = response
        first_line.setdefault(uid, number)
    return responses


class ReplayBackend:
    """Answers from a file; never runs a model."""

    kind = "replay"
    concurrent = False
    cacheable = False  # answers go by uid, not by content; the file is the cache

    def __init__(self, spec: str, path: Path) -> None:
        self.spec = spec
        self.path = path
        self.responses = read_replay(path)
        self.fingerprint = "sha256:" + fingerprint_files([path])

    def generate(self, requests: list[Request]) -> list[Response]:
        missing = f"uid not in replay file {self.path}"
        return [self.responses.get(r.uid, Response(None, missing, attempts=0)) for r in requests]
