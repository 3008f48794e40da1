"""Narrow the items: by track, category and variant, and a seeded stratified sample."""
from __future__ import annotations

import hashlib
from collections import defaultdict

from .errors import SpecError
from .items import Item, normalise_category


def _rank(seed: int, pair: str) -> str:
    return hashlib.sha256(f"{seed}:{pair}".encode()).hexdigest()


def _strata(items: list[Item]) -> dict[tuple[str, str], list[str]]:
    """The pair ids of each (track, category), in first-seen order."""
    strata: dict[tuple[str, str], list[str]] = defaultdict(list)
    for item in items:
        pairs = strata[(item.track, item.category)]
        if item.pair not in pairs:
            pairs.append(item.pair)
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


def split_heldout(items: list[Item], fraction: float) -> tuple[list[Item], list[Item]]:
    """(held out, scored): about ``fraction`` of each (track, category)'s pairs, whole pairs,
    ranked by a hash of the pair id (at least one pair where there are two or more; a lone
    pair stays scored). Held-out items come in rank order, the scored ones in their own."""
    rank = {}
    for pairs in _strata(items).values():
        count = max(1, round(fraction * len(pairs))) if len(pairs) > 1 else 0
        for n, pair in enumerate(sorted(pairs, key=lambda p: _rank(-1, p))[:count]):
            rank[pair] = (_rank(-1, pair), n)
    heldout = sorted((i for i in items if i.pair in rank), key=lambda i: (rank[i.pair], i.uid))
    return heldout, [item for item in items if item.pair not in rank]


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
