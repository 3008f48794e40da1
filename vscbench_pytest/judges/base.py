"""What every judge is: a name, a version, and a verdict for a response."""
from __future__ import annotations

from typing import Any, Protocol

from vscbench_pytest.records.verdicts import Judgement


class Judge(Protocol):
    """Anything with a name, a version and a ``judge(prompt, response, image)`` method.

    A judge that calls a server also has ``prefetch`` (start judging now), ``use_cache`` and
    ``close`` (drop the work not started, wait for the work under way).
    """

    name: str
    version: str

    def judge(self, prompt: str, response: str, image: bool = False) -> Judgement: ...


class RemoteJudge(Judge, Protocol):
    """A judge that asks a server: it judges ahead of the tests and caches its verdicts."""

    calls: int

    def prefetch(self, query: str, response: str, image: bool = False) -> None: ...

    def use_cache(self, cache: Any) -> None: ...

    def close(self) -> None: ...
