"""Narrow the items: by track, category and variant, and a seeded stratified sample."""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable

from vscbench_pytest.errors import SpecError
from vscbench_pytest.records.items import Item, normalise_category


def _rank(seed: int, pair: str) -> str:
    return hashlib.sha256(f"{seed}:{pair}".encode()).hexdigest()


def _strata(items: list[Item], unit: Callable[[Item], str] = lambda item: item.pair
            ) -> dict[tuple[str, str], list[str]]:
    """The unit ids (pairs by default) of each (track, category), in first-seen order."""
    strata: dict[tuple[str, str], list[str]] = defaultdict(list)
    for item in items:
        units = strata[(item.track, item.category)]
        if unit(item) not in units:
            units.append(unit(item))
    return strata


def sample_items(items: list[Item], n: int, seed: int) -> list[Item]:
    """About ``n`` items, whole pairs, allocated to each (track, category) in proportion.

    Pairs are ranked by a hash of the seed and the pair id, so the same seed picks the same
    inputs on every process and machine; the original order is kept.
    """
    if n >= len(items):
        return list(items)
    fraction = n / len(items)
    keep: set[str] = set()
    for pairs in _strata(items).values():
        count = max(1, round(fraction * len(pairs)))
        keep.update(sorted(pairs, key=lambda p: _rank(seed, p))[:count])
    return [item for item in items if item.pair in keep]


_IMAGE_ROW = re.compile(r"^(image-.+-\d{3})-\d+$")  # image_pair(category, row, j)


def _row(item: Item) -> str:
    """The unit that is held out whole: a pair, or for the image-centric track a sheet row
    (its three pairs share one prompt, so none of them may be scored while another is shown)."""
    match = _IMAGE_ROW.match(item.pair) if item.track == "image" else None
    return match.group(1) if match else item.pair


def split_heldout(items: list[Item], fraction: float) -> tuple[list[Item], list[Item]]:
    """(held out, scored): about ``fraction`` of each (track, category)'s rows (whole pairs,
    whole image-centric rows), ranked by a hash of the row id (at least one where there are
    two or more; a lone row stays scored). Held-out items come in rank order, the scored ones
    in their own."""
    rank = {}
    for rows in _strata(items, _row).values():
        count = max(1, round(fraction * len(rows))) if len(rows) > 1 else 0
        for row in sorted(rows, key=lambda r: _rank(-1, r))[:count]:
            rank[row] = _rank(-1, row)
    heldout = sorted((i for i in items if _row(i) in rank), key=lambda i: (rank[_row(i)], i.uid))
    return heldout, [item for item in items if _row(item) not in rank]


def select(
    items: list[Item],
    *,
    tracks: tuple[str, ...] = (),
    categories: tuple[str, ...] = (),
    variants: tuple[str, ...] = (),
    sample: int | None = None,
    seed: int = 0,
) -> list[Item]:
    """Items matching every given filter; a SpecError when a category matches nothing."""
    wanted = {normalise_category(c) for c in categories}
    known = {item.category for item in items}
    unknown = sorted(wanted - known)
    if unknown:
        raise SpecError(
            f"--vsc-category: no inputs in category {', '.join(unknown)} "
            f"(categories here: {', '.join(sorted(known))})"
        )
    chosen = [
        item for item in items
        if (not tracks or item.track in tracks)
        and (not wanted or item.category in wanted)
        and (not variants or item.variant in variants)
    ]
    return sample_items(chosen, sample, seed) if sample else chosen
