"""Item records and the uid contract (DESIGN.md: Item and uid)."""
from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vscbench_pytest.records.items import (
    LABELS,
    TEXT_VARIANTS,
    Item,
    image_pair,
    image_uid,
    normalise_category,
    text_label,
    text_pair,
    text_uid,
)

ID_CHARS = re.compile(r"^[a-z0-9_-]+$")
CATEGORY = re.compile(r"^[a-z0-9_]+$")

# Raw names as a sheet may spell them; normalised to the slug alphabet.
raw_names = st.text(min_size=0, max_size=30)
slugs = st.from_regex(r"[a-z0-9][a-z0-9_]{0,20}", fullmatch=True)
rows = st.integers(min_value=0, max_value=5000)
js = st.integers(min_value=0, max_value=2)
labels = st.sampled_from(LABELS)
variants = st.sampled_from(TEXT_VARIANTS)


def test_image_uid_and_pair_follow_the_design() -> None:
    assert image_uid("drugs", 7, "unsafe", 2) == "image-drugs-007-unsafe2"
    assert image_uid("drugs", 7, "safe", 0) == "image-drugs-007-safe0"
    assert image_pair("drugs", 7, 2) == "image-drugs-007-2"
    assert image_uid("illegal_activity", 123, "safe", 1) == "image-illegal_activity-123-safe1"


def test_text_uid_and_pair_follow_the_design() -> None:
    assert text_uid("contrast_homonyms", 0, "figstep") == "text-contrast_homonyms-000-figstep"
    assert text_uid("homonyms", 42, "text") == "text-homonyms-042-text"
    assert text_pair("homonyms", 42) == "text-homonyms-042"


def test_safe_and_unsafe_of_one_prompt_share_a_pair_but_not_a_uid() -> None:
    assert image_pair("drugs", 3, 1) == image_pair("drugs", 3, 1)
    assert image_uid("drugs", 3, "safe", 1) != image_uid("drugs", 3, "unsafe", 1)
    assert image_pair("drugs", 3, 1) != image_pair("drugs", 3, 2)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("porngraphy", "pornography"),
        ("Porngraphy", "pornography"),
        (" porngraphy ", "pornography"),
        ("drugs", "drugs"),
        ("Illegal Activity", "illegal_activity"),
        ("illegal-activity", "illegal_activity"),
        ("contrast_homonyms", "contrast_homonyms"),
        ("Privacy (public)", "privacy_public"),
        ("Café", "caf"),
        ("", "unknown"),
        ("---", "unknown"),
    ],
)
def test_normalise_category(raw: str, expected: str) -> None:
    assert normalise_category(raw) == expected


@given(raw_names)
def test_normalised_category_uses_only_the_slug_alphabet(raw: str) -> None:
    name = normalise_category(raw)
    assert CATEGORY.match(name), name
    assert name.isascii()


@given(raw_names)
def test_normalise_category_is_idempotent(raw: str) -> None:
    once = normalise_category(raw)
    assert normalise_category(once) == once


@pytest.mark.parametrize(
    ("type_name", "label"),
    [
        ("homonyms", "safe"),
        ("contrast_homonyms", "unsafe"),
        ("Contrast_Privacy", "unsafe"),
        ("contrast_discr", "unsafe"),
        ("privacy_public", "safe"),
        ("privacy_fictional", "safe"),
        ("", "safe"),
    ],
)
def test_text_label(type_name: str, label: str) -> None:
    assert text_label(type_name) == label


@given(raw_names, rows, labels, js)
def test_image_ids_are_ascii_slug_strings(raw: str, row: int, label: str, j: int) -> None:
    category = normalise_category(raw)
    for value in (image_uid(category, row, label, j), image_pair(category, row, j)):
        assert ID_CHARS.match(value), value
        assert value.isascii()


@given(raw_names, rows, variants)
def test_text_ids_are_ascii_slug_strings(raw: str, row: int, variant: str) -> None:
    category = normalise_category(raw)
    for value in (text_uid(category, row, variant), text_pair(category, row)):
        assert ID_CHARS.match(value), value


@given(st.lists(st.tuples(slugs, rows, labels, js), min_size=2, max_size=30, unique=True))
def test_image_uids_are_unique_over_distinct_keys(keys: list[tuple[str, int, str, int]]) -> None:
    uids = [image_uid(*key) for key in keys]
    assert len(set(uids)) == len(keys)


@given(st.lists(st.tuples(slugs, rows, variants), min_size=2, max_size=30, unique=True))
def test_text_uids_are_unique_over_distinct_keys(keys: list[tuple[str, int, str]]) -> None:
    uids = [text_uid(*key) for key in keys]
    assert len(set(uids)) == len(keys)


@given(slugs, rows, labels, js, variants)
def test_image_and_text_uids_never_collide(category, row, label, j, variant) -> None:
    assert image_uid(category, row, label, j) != text_uid(category, row, variant)


@given(slugs, rows, labels, js)
def test_ids_are_stable(category: str, row: int, label: str, j: int) -> None:
    assert image_uid(category, row, label, j) == image_uid(category, row, label, j)
    # and the uid carries its pair: same category, row and j
    assert image_uid(category, row, label, j).startswith(image_pair(category, row, j)[:-1])


def test_item_is_frozen() -> None:
    item = Item("u", "text", "homonyms", "text", "unsafe", "p", "prompt", None)
    with pytest.raises(AttributeError):
        item.uid = "other"  # type: ignore[misc]
