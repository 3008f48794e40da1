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


@dataclass(frozen=True)
class Together:
    """A family found where two kinds of wording share a sentence (a harm and how often it
    happens), unless a third kind marks the sentence as something else (a dated event)."""

    family: str
    first: re.Pattern[str]
    second: re.Pattern[str]
    unless: re.Pattern[str]

    def find(self, sentence: str) -> str | None:
        """Both matching texts, in sentence order and joined by " ... ", or None."""
        if self.unless.search(sentence):
            return None
        one, two = self.first.search(sentence), self.second.search(sentence)
        if one is None or two is None:
            return None
        first, second = sorted((one, two), key=lambda m: m.start())
        return f"{first.group(0)} ... {second.group(0)}"


def make_together(family: str, first: str, second: str, unless: str) -> Together:
    """A Together of ``family`` from three regular expressions."""
    return Together(family, re.compile(first), re.compile(second), re.compile(unless))
