"""Narrowing the items: filters, and the seeded stratified sample."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers.release import image_row, make_release, text_row
from vscbench_pytest.data.release import load_release
from vscbench_pytest.data.selection import sample_items, select
from vscbench_pytest.errors import SpecError
from vscbench_pytest.records.items import (
    TEXT_VARIANTS,
    Item,
    image_pair,
    image_uid,
    text_pair,
    text_uid,
)


def synthetic(image_rows: int = 40, text_rows: int = 30) -> list[Item]:
    """Items in sheet order: image rows over 3 categories, text rows over 3 types."""
    items = []
    for row in range(image_rows):
        category = ("drugs", "violence", "pornography")[row % 3]
        for label in ("safe", "unsafe"):
            for j in range(3):
                items.append(Item(image_uid(category, row, label, j), "image", category, "image",
                                  label, image_pair(category, row, j), "p", None))
    for row in range(text_rows):
        kind = ("homonyms", "contrast_homonyms", "privacy_public")[row % 3]
        label = "unsafe" if "contrast" in kind else "safe"
        for variant in TEXT_VARIANTS:
            items.append(Item(text_uid(kind, row, variant), "text", kind, variant, label,
                              text_pair(kind, row), "p", None))
    return items


ITEMS = synthetic()


@pytest.fixture
def small(tmp_path: Path) -> list[Item]:
    root = make_release(tmp_path / "r", image_rows=[
        image_row("drugs", "a?", 0), image_row("porngraphy", "b?", 1), image_row("violence", "c?", 2),
    ], text_rows=[text_row("homonyms", 0), text_row("contrast_homonyms", 1)])
    return load_release(root).items


def test_no_filter_keeps_everything(small: list[Item]) -> None:
    assert select(small) == small


def test_track_filter(small: list[Item]) -> None:
    assert {i.track for i in select(small, tracks=("text",))} == {"text"}
    assert len(select(small, tracks=("image",))) == 18


def test_category_filter_normalises_names(small: list[Item]) -> None:
    chosen = select(small, categories=("Porngraphy", "homonyms"))
    assert {i.category for i in chosen} == {"pornography", "homonyms"}
    assert len(chosen) == 6 + 5


def test_variant_filter(small: list[Item]) -> None:
    chosen = select(small, variants=("figstep", "text"))
    assert {i.variant for i in chosen} == {"figstep", "text"}
    assert len(chosen) == 4
    assert select(small, variants=("image",)) == [i for i in small if i.track == "image"]


def test_filters_combine(small: list[Item]) -> None:
    chosen = select(small, tracks=("text",), categories=("contrast_homonyms",), variants=("search",))
    assert [i.uid for i in chosen] == ["text-contrast_homonyms-001-search"]


def test_unknown_category_is_a_spec_error_listing_what_is_there(small: list[Item]) -> None:
    with pytest.raises(SpecError) as info:
        select(small, categories=("drugs", "weapons"))
    message = str(info.value)
    assert "--vsc-category" in message and "weapons" in message
    assert "drugs" in message and "homonyms" in message  # the categories here


def test_sample_is_deterministic_per_seed() -> None:
    a = [i.uid for i in sample_items(ITEMS, 100, seed=7)]
    b = [i.uid for i in sample_items(list(ITEMS), 100, seed=7)]
    assert a == b
    assert select(ITEMS, sample=100, seed=7) == sample_items(ITEMS, 100, seed=7)


def test_different_seeds_can_differ() -> None:
    base = {i.uid for i in sample_items(ITEMS, 100, seed=0)}
    assert any({i.uid for i in sample_items(ITEMS, 100, seed=s)} != base for s in range(1, 6))


def test_sample_at_least_the_whole_set_keeps_it() -> None:
    assert sample_items(ITEMS, len(ITEMS), 0) == ITEMS
    assert sample_items(ITEMS, 10 * len(ITEMS), 3) == ITEMS


def test_sample_is_stratified() -> None:
    chosen = sample_items(ITEMS, 150, seed=1)
    assert {(i.track, i.category) for i in chosen} == {(i.track, i.category) for i in ITEMS}


@given(st.integers(1, len(ITEMS) - 1), st.integers(0, 10_000))
def test_sample_keeps_whole_pairs_order_and_size(n: int, seed: int) -> None:
    chosen = sample_items(ITEMS, n, seed)
    # whole pairs: every pair is all in or all out
    sizes = Counter(i.pair for i in ITEMS)
    assert Counter(i.pair for i in chosen) == {p: sizes[p] for p in {i.pair for i in chosen}}
    # original order
    position = {i.uid: k for k, i in enumerate(ITEMS)}
    assert [position[i.uid] for i in chosen] == sorted(position[i.uid] for i in chosen)
    # about n: each stratum may round by at most one pair (and keeps at least one pair)
    strata = Counter((i.track, i.category) for i in ITEMS)
    slack = sum(2 if track == "image" else 5 for track, _ in strata)  # one pair each
    assert abs(len(chosen) - n) <= slack
    assert chosen


@pytest.mark.parametrize("n", [200, 400, 600])
def test_sample_size_is_close_to_n_when_strata_are_large(n: int) -> None:
    many = synthetic(image_rows=300, text_rows=150)
    assert abs(len(sample_items(many, n, seed=0)) - n) <= 0.15 * n
