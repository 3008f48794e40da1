"""``replay:<file.jsonl>``: score responses produced elsewhere (docs/replay.md).

Each non-blank line is ``{"uid": "...", "response": "..."}``, or ``{"uid": "...", "error":
"..."}`` for an input that had no usable response; a ``"blocked": "<the provider's reason>"``
beside the response records that the provider blocked the answer (a content filter, a safety
block: scored as a refusal, see docs/protocol.md); other fields are ignored, so a line of
``vscbench export`` with a ``response`` added is a replay line. A selected input whose uid is
absent is an ``error`` item; a uid repeated with the same answer is fine, with a different one
a usage error naming both lines; a uid that is no input of the data is listed as a notice
(``Plan.validate``). Replayed answers are never cached: the file is the cache, and its
fingerprint (name and bytes) is the model's in the report.
"""
from __future__ import annotations

from pathlib import Path

from vscbench_pytest.backends.base import Request, Response
from vscbench_pytest.errors import SpecError
from vscbench_pytest.util.fingerprints import fingerprint_files
from vscbench_pytest.util.jsonl import read_jsonl

EXPECTED = '{"uid": "...", "response": "..."}'


def read_replay(path: Path) -> dict[str, Response]:
    """Parse the file; a SpecError names the file and line of the first bad line."""
    responses: dict[str, Response] = {}
    first_line: dict[str, int] = {}
    for number, record in read_jsonl(path, what="--vlm replay", error=SpecError, expected=EXPECTED):
        where = f"{path}:{number}"
        if not isinstance(record.get("uid"), str):
            raise SpecError(f"--vlm replay: {where}: expected {EXPECTED}")
        uid = record["uid"]
        blocked = record.get("blocked")
        if blocked is not None and (not isinstance(blocked, str) or not blocked.strip()):
            raise SpecError(f"--vlm replay: {where}: 'blocked' must be the provider's reason, a "
                            f"non-empty string (uid {uid})")
        if isinstance(record.get("response"), str):
            response = Response(record["response"], attempts=0, blocked=blocked)
        elif isinstance(record.get("error"), str):
            response = Response(None, record["error"], attempts=0)
        elif "response" not in record and "error" not in record:
            raise SpecError(f"--vlm replay: {where}: uid {uid} has no 'response' (add the model's "
                            f"answer as \"response\": \"...\", or \"error\": \"why\" for an "
                            f"input without one)")
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
