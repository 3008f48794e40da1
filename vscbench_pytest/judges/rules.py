"""A rule of the string judges: one family of wording and the patterns that find it."""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """One family of wording and the patterns that find it in a lower-cased sentence."""

    family: str
    patterns: tuple[re.Pattern[str], ...]

    def find(self, sentence: str) -> str | None:
        """The first matching text, or None."""
        for pattern in self.patterns:
            found = pattern.search(sentence)
            if found:
                return found.group(0)
        return None


def make_rule(family: str, *patterns: str) -> Rule:
    """A Rule of ``family`` from regular expressions."""
    return Rule(family, tuple(re.compile(p) for p in patterns))
