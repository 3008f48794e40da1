"""Answer text normalised the VQA way, so a reference answer is found in a response whatever
its case, punctuation, articles or number words (the utility set's loader and scorer)."""
from __future__ import annotations

import re
import unicodedata

ARTICLES = frozenset({"a", "an", "the"})
NUMBERS = {"none": "0", "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4",
           "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10"}
_APOSTROPHES = re.compile(r"['\u2018\u2019`]")
_DIGIT_COMMA = re.compile(r"(?<=\d),(?=\d)")
_WORDS = re.compile(r"\d+(?:\.\d+)*|[^\W_]+")  # numbers keep their decimal points


def normalise(text: str) -> str:
    """VQA-style: lower-case, apostrophes dropped, other punctuation a space, articles
    dropped, number words as digits, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _DIGIT_COMMA.sub("", _APOSTROPHES.sub("", text))
    words = (NUMBERS.get(w, w) for w in _WORDS.findall(text) if w not in ARTICLES)
    return " ".join(words)
