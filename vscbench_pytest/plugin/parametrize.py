"""One test per input: the suite tests are parametrized with the inputs of their track, ids
the uids; ``-k`` also matches an input's track, category, variant and label."""
from __future__ import annotations

import pytest

from vscbench_pytest.plugin.keys import state_of
from vscbench_pytest.records.items import TRACKS, UTILITY_TRACK, Item

NO_MODEL = (
    "no model chosen: run `pytest --vlm=tiny-llava` (bundled), `--vlm=hf:<id-or-path>`, "
    "`--vlm=openai:<model>` (a served model), `--vlm=anthropic:<model>` / `--vlm=gemini:<model>` "
    "(Claude / Gemini APIs), `--vlm=replay:<file.jsonl>` or an alias such as "
    "`--vlm=llava` (`pytest --help`: the VSCBench options)"
)
UNUSED_MARK = "vsc_unused"  # a suite test with nothing to run: deselected


def parametrize(metafunc: pytest.Metafunc) -> None:
    """Parametrize ``vsc_item`` with the items of the test's track (its ``vscbench`` mark)."""
    state = state_of(metafunc.config)
    marker = metafunc.definition.get_closest_marker("vscbench")
    track = marker.kwargs.get("track") if marker else None
    if track not in (*TRACKS, UTILITY_TRACK, None):
        pytest.fail(
            f"{metafunc.definition.nodeid}: @pytest.mark.vscbench(track={track!r}): the track is "
            f"one of {', '.join((*TRACKS, UTILITY_TRACK))} (or no track: every input)", pytrace=False)
    if not state.active and track != UTILITY_TRACK:
        skip = pytest.param(None, marks=pytest.mark.skip(reason=NO_MODEL))
        metafunc.parametrize("vsc_item", [skip], ids=["no-model-chosen"])
        return
    items = state.plan.items_for(track) if state.active else []
    if track == UTILITY_TRACK and not items:  # deselected: no --vsc-utility, no test
        metafunc.parametrize("vsc_item", [pytest.param(None, marks=getattr(pytest.mark, UNUSED_MARK))],
                             ids=["no-utility-set"])
        return
    reason = state.plan.image_skip_reason()
    params = [pytest.param(item, marks=pytest.mark.skip(reason=reason))
              if reason and item.image is not None else item for item in items]
    metafunc.parametrize("vsc_item", params, ids=[item.uid for item in items])


def item_of(node: pytest.Item) -> Item | None:
    """The input a collected test runs, if it is a vscbench test."""
    callspec = getattr(node, "callspec", None)
    value = callspec.params.get("vsc_item") if callspec else None
    return value if isinstance(value, Item) else None


def add_keywords(node: pytest.Item) -> None:
    """Let ``-k`` select on track, category, variant and label words."""
    record = item_of(node)
    if record is not None:
        node.extra_keyword_matches.update({record.track, record.category, record.variant, record.label})


def deselect_unused(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Drop the utility test when no --vsc-utility questions were asked for: it has nothing
    to run, and reporting it as deselected on every run would only be noise."""
    items[:] = [item for item in items if item.get_closest_marker(UNUSED_MARK) is None]


def remember_expected(session: pytest.Session) -> None:
    """Which inputs this process is expected to report (not the ones skipped for the model)."""
    state = state_of(session.config)
    skipped = {item.uid for item in state.plan.skipped_inputs()} if state.active else set()
    records = [record for record in map(item_of, session.items) if record is not None]
    # suite tests, with those of a selection that matched nothing (an empty parameter set)
    state.tally.collected = sum("vsc_item" in getattr(node, "fixturenames", ()) for node in session.items)
    state.tally.expected = {record.uid for record in records if record.uid not in skipped}
