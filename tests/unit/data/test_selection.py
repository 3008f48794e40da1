"""Narrowing the items: filters, the seeded stratified sample and the held-out split."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers.release import image_row, make_release, text_row
from vscbench_pytest.bundled import bundled_data
from vscbench_pytest.data.release import load_release
from vscbench_pytest.data.selection import Sample, draw_sample, sample_items, select, split_heldout
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


def pair_sizes(items: list[Item]) -> Counter:
    return Counter(i.pair for i in items)


def check_sample(items: list[Item], n: int, seed: int) -> Sample:
    """The promises of draw_sample, asserted: whole pairs in their original order, one pair of
    every stratum at least, within half of the largest pair of ``n`` (or the floor, with a
    notice naming the count), no stratum a pair or more over its proportional share (unless
    it has only one pair)."""
    drawn = draw_sample(items, n, seed)
    chosen = drawn.items
    assert drawn == draw_sample(list(items), n, seed)  # deterministic
    sizes = pair_sizes(items)
    assert pair_sizes(chosen) == {p: sizes[p] for p in {i.pair for i in chosen}}  # whole pairs
    position = {i.uid: k for k, i in enumerate(items)}
    assert [position[i.uid] for i in chosen] == sorted(position[i.uid] for i in chosen)
    strata = {(i.track, i.category) for i in items}
    assert {(i.track, i.category) for i in chosen} == strata  # one pair each at least
    if n >= len(items):
        assert chosen == items
        assert (drawn.notice is None) == (n == len(items))
        return drawn
    largest = max(sizes.values())
    pairs_of = {s: {i.pair for i in chosen if (i.track, i.category) == s} for s in strata}
    smallest_floor = sum(min(sizes[i.pair] for i in items if (i.track, i.category) == s) for s in strata)
    if drawn.notice is not None:  # the floor of one pair per stratum is more than n
        assert all(len(pairs) == 1 for pairs in pairs_of.values()) and len(chosen) > n
        assert drawn.notice.startswith(f"--vsc-sample={n}: {len(chosen)} inputs run, the fewest ")
    else:
        assert n >= smallest_floor
        assert abs(len(chosen) - n) <= largest / 2, (len(chosen), n)
        for stratum in strata:
            share = n * sum(1 for i in items if (i.track, i.category) == stratum) / len(items)
            got = sum(1 for i in chosen if (i.track, i.category) == stratum)
            assert got < share + largest or len(pairs_of[stratum]) == 1, (stratum, got, share)
    return drawn


@given(st.integers(1, len(ITEMS) - 1), st.integers(0, 10_000))
def test_sample_keeps_whole_pairs_order_and_size(n: int, seed: int) -> None:
    check_sample(ITEMS, n, seed)


BUNDLED = load_release(bundled_data(), ("image", "text")).items


@pytest.mark.parametrize("n", range(1, len(BUNDLED) + 2))
def test_sample_of_the_bundled_data(n: int) -> None:
    """The issue's case: 10, 20 and 30 gave 52 inputs with no word said; 52 (one image pair of
    each of 6 categories, one text query with its 5 variants of each of 8) is the floor."""
    drawn = check_sample(BUNDLED, n, seed=0)
    if n < 52:
        assert len(drawn.items) == 52
        assert drawn.notice == (
            f"--vsc-sample={n}: 52 inputs run, the fewest that keep one whole pair of each of the "
            f"14 tracks and categories selected; narrow them with --vsc-track, --vsc-category or "
            f"--vsc-variant for fewer")
    elif n <= len(BUNDLED):
        assert abs(len(drawn.items) - n) <= 2.5


def test_different_sizes_give_different_samples_on_the_bundled_data() -> None:
    sizes = [len(sample_items(BUNDLED, n, 0)) for n in (60, 80, 100, 150)]
    assert sizes == sorted(set(sizes)) and all(abs(s - n) <= 2.5 for s, n in zip(sizes, (60, 80, 100, 150)))
    text_only = select(BUNDLED, variants=("text",), sample=10)  # one item per text query
    assert len(text_only) == 10


@st.composite
def datasets(draw: st.DrawFn) -> list[Item]:
    """Any mix of strata: image categories of sheet rows of 1-3 safe/unsafe pairs, text types
    of queries with 1-5 variants (a filter may have taken some)."""
    items: list[Item] = []
    for c in range(draw(st.integers(0, 4))):
        category = f"cat{c}"
        for row in range(draw(st.integers(1, 5))):
            for j in range(draw(st.integers(1, 3))):
                for label in ("safe", "unsafe"):
                    items.append(Item(image_uid(category, row, label, j), "image", category, "image",
                                      label, image_pair(category, row, j), "p", None))
    for c in range(draw(st.integers(0 if items else 1, 4))):
        kind = f"{'contrast_' if c % 2 else ''}type{c}"
        label = "unsafe" if "contrast" in kind else "safe"
        for row in range(draw(st.integers(1, 5))):
            variants = draw(st.lists(st.sampled_from(TEXT_VARIANTS), min_size=1, max_size=5, unique=True))
            for variant in variants:
                items.append(Item(text_uid(kind, row, variant), "text", kind, variant, label,
                                  text_pair(kind, row), "p", None))
    return draw(st.permutations(items))


@given(datasets(), st.integers(1, 200), st.integers(0, 1000))
def test_sample_of_any_dataset(items: list[Item], n: int, seed: int) -> None:
    check_sample(items, n, seed)


# -- the held-out split -----------------------------------------------------------------------

def rows(items: list[Item]) -> dict[tuple[str, str], set[str]]:
    """Each stratum's held-out units: pairs, or image-centric sheet rows."""
    found: dict[tuple[str, str], set[str]] = {}
    for item in items:
        unit = item.pair.rsplit("-", 1)[0] if item.track == "image" else item.pair
        found.setdefault((item.track, item.category), set()).add(unit)
    return found


@given(datasets(), st.floats(0.01, 0.99))
def test_heldout_keeps_its_promise_or_refuses(items: list[Item], fraction: float) -> None:
    """At least one row of each track and category held out, at least one left to score,
    whole rows, about the fraction; or a SpecError naming every stratum with a lone row."""
    strata = rows(items)
    lone = sorted(f"{t}/{c}" for (t, c), units in strata.items() if len(units) < 2)
    if lone:
        with pytest.raises(SpecError) as info:
            split_heldout(items, fraction)
        message = str(info.value)
        assert message.startswith(f"--vsc-heldout={fraction:g}: ")
        assert all(name in message for name in lone[:8])
        assert "--vsc-category" in message and "--vsc-heldout=PATH" in message
        return
    heldout, scored = split_heldout(items, fraction)
    assert sorted(i.uid for i in heldout + scored) == sorted(i.uid for i in items)
    held, kept = rows(heldout), rows(scored)
    assert set(held) == set(kept) == set(strata)  # >= 1 held out and >= 1 scored per stratum
    for stratum, units in strata.items():
        assert not held[stratum] & kept[stratum]  # whole rows
        expected = min(len(units) - 1, max(1, round(fraction * len(units))))
        assert len(held[stratum]) == expected
    again, rest = split_heldout(list(reversed(items)), fraction)  # order-independent
    assert again == heldout and rest == scored[::-1]


def test_heldout_of_the_bundled_data_covers_every_stratum_and_both_labels() -> None:
    heldout, scored = split_heldout(BUNDLED, 0.2)
    strata = {(i.track, i.category) for i in BUNDLED}
    assert {(i.track, i.category) for i in heldout} == strata == {(i.track, i.category) for i in scored}
    assert {i.label for i in heldout} == {"safe", "unsafe"}
    assert (len(heldout), len(scored)) == (76, 152)  # one of the three rows of each stratum


def test_heldout_refuses_a_lone_row_naming_it() -> None:
    items = [i for i in BUNDLED if i.pair.startswith(("image-drugs-000", "text-homonyms-000"))]
    items += [i for i in BUNDLED if i.category == "violence"]
    with pytest.raises(SpecError) as info:
        split_heldout(items, 0.2)
    assert str(info.value) == (
        "--vsc-heldout=0.2: the held-out split takes at least one pair (a sheet row for "
        "image-centric inputs) of each track and category and leaves one to score, but "
        "image/drugs, text/homonyms have only one; select more data, leave them out with "
        "--vsc-category, or give the held-out inputs as a data source (--vsc-heldout=PATH)")
