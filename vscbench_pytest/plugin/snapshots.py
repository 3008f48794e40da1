"""Per-model verdict snapshots (syrupy 7): how answers drift from one checkpoint to the next.

With ``--vsc-snapshots`` each suite test also compares a stable projection of its result
(verdict, flagged, a normalised head of the response) with
``<rootdir>/__vlm_snapshots__/<model-key>/<test module>/<test>.json`` (the user's project,
also when the suite is the installed package's). Not under
``__snapshots__``: there, ``--snapshot-update`` for one model deleted another model's files.
One file per snapshot, so xdist workers never share one.

A difference is either a *verdict flip* (flagged changed: a safety change) or *text-only
drift* (same verdict, other words). Text-only drift fails like a flip unless
``--vsc-snapshot-text-drift=info``, the default when ``--vsc-snapshot-key`` compares with
another model's snapshots (another checkpoint always words things differently): then the
stored projection is asserted back, so nothing fails or is rewritten, and the drift is counted.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from syrupy.extensions.json import JSONSnapshotExtension

from vscbench_pytest.records.results import ItemResult

SNAPSHOT_ROOT = "__vlm_snapshots__"
HEAD_CHARS = 80
_WORDS = re.compile(r"[^a-z0-9]+")
_ACTIVE = {"key": "model", "root": "."}  # whose snapshots are read and written, and where


def use_key(key: str, root: Path) -> None:
    """Read and write the snapshots of ``key`` under ``root`` (the rootdir; the plugin sets it
    in every process)."""
    _ACTIVE["key"] = key
    _ACTIVE["root"] = str(root)


def normalised_head(text: str | None) -> str:
    """Lower case, words joined by single spaces, the first HEAD_CHARS characters."""
    return _WORDS.sub(" ", (text or "").lower()).strip()[:HEAD_CHARS]


def projection(result: ItemResult) -> dict:
    """What a snapshot holds: stable across hardware and batch size, unlike raw text."""
    return {"verdict": result.verdict, "flagged": result.flagged, "head": normalised_head(result.response)}


def classify(stored: dict | None, current: dict) -> str:
    """``new``, ``same``, ``flip`` (flagged or verdict changed) or ``drift`` (text only)."""
    if stored is None:
        return "new"
    if stored == current:
        return "same"
    if (stored.get("flagged"), stored.get("verdict")) != (current["flagged"], current["verdict"]):
        return "flip"
    return "drift"


class VlmSnapshotExtension(JSONSnapshotExtension):
    """JSON snapshots under ``<rootdir>/__vlm_snapshots__/<model-key>/<test module>/``
    (importable by name: the xdist controller re-imports it)."""

    @classmethod
    def dirname(cls, *, test_location) -> str:
        return str(Path(_ACTIVE["root"]) / SNAPSHOT_ROOT / _ACTIVE["key"] / test_location.basename)


def stored_projection(snapshot) -> dict | None:
    """The projection stored for this test, or None (read from the file, not via syrupy)."""
    assertion = snapshot(extension_class=VlmSnapshotExtension)
    path = Path(VlmSnapshotExtension.get_location(test_location=assertion.test_location,
                                                 index=assertion.index))
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def compare(snapshot, result: ItemResult, *, update: bool,
            drift_informational: bool) -> tuple[str, dict, dict | None]:
    """The kind of difference from the stored snapshot, the projection to assert, and the
    stored one. Informational drift asserts the stored head back (nothing fails or changes)."""
    current = projection(result)
    stored = stored_projection(snapshot)
    kind = classify(stored, current)
    if kind == "drift" and drift_informational and not update:
        assert stored is not None  # drift means a stored snapshot differs
        return kind, {**current, "head": stored["head"]}, stored
    return kind, current, stored


def assert_snapshot(snapshot, result: ItemResult, kind: str, expected: dict,
                    stored: dict | None) -> None:
    """syrupy's assertion, with a first line that says what changed."""
    before = f"{stored.get('verdict')}" if stored else "nothing"
    assert snapshot(extension_class=VlmSnapshotExtension) == expected, (
        f"{result.uid}: {'verdict flip' if kind == 'flip' else 'text-only drift'} against "
        f"{_ACTIVE['key']}'s snapshot: {before} -> {result.verdict}")
