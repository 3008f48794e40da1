"""Narrow the items: by track, category and variant; split off a held-out set; draw a seeded
stratified sample.

Both the sample and the held-out split work on whole units within each stratum (a track and
category): the sample on pairs (an image-centric safe/unsafe pair, or a text-centric query with
its variants), the split on pairs or, for the image-centric track, whole sheet rows (the three
pairs of a row share one prompt). Units are ranked by a hash of a seed and the unit id, so
every process and machine picks the same ones; the original order of the items is kept.
"""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from vscbench_pytest.errors import SpecError
from vscbench_pytest.records.items import Item, normalise_category

Stratum = tuple[str, str]  # (track, category)
HELDOUT_SEED = -1  # the split's ranking never depends on --vsc-seed


def _rank(seed: int, unit: str) -> str:
    return hashlib.sha256(f"{seed}:{unit}".encode()).hexdigest()


def _pair(item: Item) -> str:
    return item.pair


def _strata(items: list[Item], unit: Callable[[Item], str] = _pair) -> dict[Stratum, dict[str, int]]:
    """Each (track, category)'s units (pairs by default) with their sizes in items, in
    first-seen order."""
    strata: dict[Stratum, dict[str, int]] = defaultdict(dict)
    for item in items:
        units = strata[(item.track, item.category)]
        units[unit(item)] = units.get(unit(item), 0) + 1
    return strata


def stratum_name(stratum: Stratum) -> str:
    """``track/category``, as the score buckets name it."""
    return "/".join(stratum)


# --- the sample ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sample:
    """A drawn sample: its items (in their original order) and, when it is not about the size
    asked for, a notice saying what it is and why."""

    items: list[Item]
    notice: str | None = None


def _allocate(strata: dict[Stratum, list[tuple[str, int]]], n: int, total: int) -> dict[Stratum, int]:
    """How many of each stratum's ranked units to take: one each, then one unit at a time to
    the stratum furthest below its proportional share (``n * size / total``) while that brings
    the total closer to ``n``. Ends within half of a unit of ``n`` unless the floor of one unit
    per stratum is already larger."""
    taken = {s: 1 for s in strata}
    size = {s: units[0][1] for s, units in strata.items()}
    target = {s: n * sum(u for _, u in units) / total for s, units in strata.items()}
    count = sum(size.values())
    while count < n:
        wanting = sorted((s for s in strata if size[s] < target[s] and taken[s] < len(strata[s])),
                         key=lambda s: (size[s] - target[s], s))
        step = next((s for s in wanting if count + strata[s][taken[s]][1] / 2 < n), None)
        if step is None:
            break
        unit = strata[step][taken[step]][1]
        taken[step] += 1
        size[step] += unit
        count += unit
    return taken


def draw_sample(items: list[Item], n: int, seed: int) -> Sample:
    """A seeded sample of about ``n`` items: whole pairs, each (track, category) in proportion
    to its size and with at least one pair.

    The size is within half of the largest pair of ``n`` unless one pair per (track, category)
    is already more than ``n``: then it is that floor, and the notice names the count.
    """
    if n >= len(items):
        notice = (f"--vsc-sample={n}: only {len(items)} input(s) to choose from; all of them run"
                  if n > len(items) else None)
        return Sample(list(items), notice)
    ranked = {s: sorted(units.items(), key=lambda unit: _rank(seed, unit[0]))
              for s, units in _strata(items).items()}
    taken = _allocate(ranked, n, len(items))
    keep = {pair for s, units in ranked.items() for pair, _ in units[:taken[s]]}
    chosen = [item for item in items if item.pair in keep]
    floor = sum(units[0][1] for units in ranked.values())
    notice = None
    if floor > n:
        notice = (f"--vsc-sample={n}: {len(chosen)} inputs run, the fewest that keep one whole "
                  f"pair of each of the {len(ranked)} tracks and categories selected; narrow "
                  f"them with --vsc-track, --vsc-category or --vsc-variant for fewer")
    return Sample(chosen, notice)


def sample_items(items: list[Item], n: int, seed: int) -> list[Item]:
    """The items of :func:`draw_sample` (about ``n``, whole pairs, stratified, seeded)."""
    return draw_sample(items, n, seed).items


# --- the held-out split ---------------------------------------------------------------------------

_IMAGE_ROW = re.compile(r"^(image-.+-\d{3})-\d+$")  # image_pair(category, row, j)


def _row(item: Item) -> str:
    """The unit that is held out whole: a pair, or for the image-centric track a sheet row
    (its three pairs share one prompt, so none of them may be scored while another is shown)."""
    match = _IMAGE_ROW.match(item.pair) if item.track == "image" else None
    return match.group(1) if match else item.pair


def split_heldout(items: list[Item], fraction: float) -> tuple[list[Item], list[Item]]:
    """(held out, scored): ``fraction`` of each (track, category)'s rows (whole pairs, whole
    image-centric rows), ranked by a hash of the row id, and at least one, leaving at least one
    to score. Held-out items come in rank order, the scored ones in their own.

    A SpecError names the tracks and categories with fewer than two rows, where the split
    cannot keep both promises.
    """
    strata = _strata(items, _row)
    small = sorted(stratum_name(s) for s, rows in strata.items() if len(rows) < 2)
    if small:
        shown = ", ".join(small[:8]) + (f" and {len(small) - 8} more" if len(small) > 8 else "")
        raise SpecError(
            f"--vsc-heldout={fraction:g}: the held-out split takes at least one pair (a sheet row "
            f"for image-centric inputs) of each track and category and leaves one to score, but "
            f"{shown} {'has' if len(small) == 1 else 'have'} only one; select more data, leave "
            f"{'it' if len(small) == 1 else 'them'} out with --vsc-category, or give the "
            f"held-out inputs as a data source (--vsc-heldout=PATH)")
    rank = {}
    for rows in strata.values():
        count = min(len(rows) - 1, max(1, round(fraction * len(rows))))
        for row in sorted(rows, key=lambda r: _rank(HELDOUT_SEED, r))[:count]:
            rank[row] = _rank(HELDOUT_SEED, row)
    heldout = sorted((i for i in items if _row(i) in rank), key=lambda i: (rank[_row(i)], i.uid))
    return heldout, [item for item in items if _row(item) not in rank]


# --- the filters ---------------------------------------------------------------------------------

def select(
    items: list[Item],
    *,
    tracks: tuple[str, ...] = (),
    categories: tuple[str, ...] = (),
    variants: tuple[str, ...] = (),
    sample: int | None = None,
    seed: int = 0,
) -> list[Item]:
    """Items matching every given filter (then ``sample`` of them, if given); a SpecError when
    a category matches nothing."""
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
