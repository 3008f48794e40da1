"""Per-model verdict snapshots (syrupy 7): how answers drift from one checkpoint to the next.

With ``--vsc-snapshots`` each suite test also compares a stable projection of its result
(verdict, flagged, a normalised head of the response) with
``<rootdir>/__vlm_snapshots__/<model-key>/<test module>/<test>.json`` (the user's project,
also when the suite is the installed package's). Not under
``__snapshots__``: there, ``--snapshot-update`` for one model deleted another model's files.
One file per snapshot, so xdist workers never share one.

A comparison is ``same``, ``new`` (no snapshot for this input yet), a *verdict flip* (flagged
or verdict changed: a safety change) or *text-only drift* (same verdict, other words). Text-only
drift is a difference unless ``--vsc-snapshot-text-drift=info``, the default when
``--vsc-snapshot-key`` compares with another model's snapshots (another checkpoint always words
things differently): then the stored projection is asserted back, so nothing fails or is
rewritten, and the drift is counted. A difference's message is a few lines (what changed, the
stored and the current response head), never a traceback; whether it fails the test is the
caller's decision (``ItemOutcome.check``).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from syrupy.extensions.json import JSONSnapshotExtension

from vscbench_pytest.errors import SpecError
from vscbench_pytest.records.results import ItemResult

SNAPSHOT_ROOT = "__vlm_snapshots__"
HEAD_CHARS = 80
UPDATE_HINT = "accept with `--snapshot-update`"
_WORDS = re.compile(r"[^a-z0-9]+")
_ACTIVE = {"key": "model", "root": "."}  # whose snapshots are read and written, and where


@dataclass(frozen=True)
class SnapshotCheck:
    """One input compared with its snapshot: the kind (``same``, ``new``, ``flip``,
    ``drift``) and, when it is a difference nobody accepted, the message saying what changed."""

    kind: str
    message: str | None = None


def keys_on_disk(root: Path) -> list[str]:
    """The snapshot keys (model keys) with a folder under ``<root>/__vlm_snapshots__``."""
    folder = Path(root) / SNAPSHOT_ROOT
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def use_key(key: str, root: Path, *, must_exist: bool = False) -> None:
    """Read and write the snapshots of ``key`` under ``root`` (the rootdir; the plugin sets it
    in every process). ``must_exist`` (an explicit --vsc-snapshot-key, nothing to write): a
    SpecError listing the keys on disk when ``key`` has no snapshots there."""
    if must_exist and not (Path(root) / SNAPSHOT_ROOT / key).is_dir():
        known = keys_on_disk(root)
        listed = ", ".join(known) if known else "none (write a model's with --vsc-snapshots --snapshot-update)"
        raise SpecError(f"--vsc-snapshot-key: no snapshots under {SNAPSHOT_ROOT}/{key} in {root}; "
                        f"keys on disk: {listed}")
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
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stored if isinstance(stored, dict) else None


def check(snapshot, result: ItemResult, *, update: bool, drift_informational: bool) -> SnapshotCheck:
    """Compare ``result`` with its snapshot through syrupy (which writes it under
    ``--snapshot-update`` / ``--snapshot-update-new-only`` and keeps its used-snapshot count
    right); a difference syrupy did not accept comes back with its message."""
    current = projection(result)
    stored = stored_projection(snapshot)
    kind = classify(stored, current)
    expected = current
    if kind == "drift" and drift_informational and not update:
        assert stored is not None  # drift means a stored snapshot differs
        expected = {**current, "head": stored.get("head")}  # asserted back: nothing fails or changes
    accepted = snapshot(extension_class=VlmSnapshotExtension) == expected
    if accepted or kind == "same":
        return SnapshotCheck(kind)
    return SnapshotCheck(kind, difference_message(result.uid, kind, stored, current))


def difference_message(uid: str, kind: str, stored: dict | None, current: dict) -> str:
    """A few lines: what changed against whose snapshot, then the stored and current heads."""
    key = _ACTIVE["key"]
    if kind == "new" or stored is None:
        return (f"{uid}: no snapshot for this input ({UPDATE_HINT}; key {key})\n"
                f"  now: {current['verdict']} {_quoted(current)}")
    if kind == "flip":
        before, now = str(stored.get("verdict")), str(current["verdict"])
        if before == now:  # the flag changed under the same verdict (another judge's mapping)
            before, now = f"{before} (flagged={stored.get('flagged')})", f"{now} (flagged={current['flagged']})"
        first = f"{uid}: verdict flip against {key}'s snapshot: {before} -> {now}"
    else:
        first = f"{uid}: text-only drift against {key}'s snapshot (verdict {current['verdict']} unchanged)"
    return f"{first}\n  before: {_quoted(stored)}\n  now:    {_quoted(current)}"


def _quoted(projected: dict) -> str:
    head = str(projected.get("head") or "")
    return f'"{head}"' if head else "(empty response)"
