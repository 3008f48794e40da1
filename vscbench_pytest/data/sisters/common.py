"""What the sister-benchmark loaders share: the item collector, the JSON and CSV readers, and
the helpers that turn the data's ids and fields into uids and prompts.

A whole file that cannot be read (missing, not CSV/JSON, wrong shape, missing columns) is a
DatasetError naming it; a bad row or entry is left out and listed in ``Dataset.skipped`` with
its reason.
"""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from vscbench_pytest.data.release import SkippedRow
from vscbench_pytest.errors import DatasetError
from vscbench_pytest.records.items import Item
from vscbench_pytest.util.files import read_utf8


def slug(value: str) -> str:
    """A uid-safe form of an id from the data: ``[A-Za-z0-9_]`` only."""
    return re.sub(r"[^A-Za-z0-9]+", "_", value).strip("_") or "x"


def text_field(value: object) -> str | None:
    """A string field, stripped; "" when absent; None when present but not a string."""
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else None


def read_json(path: Path, what: str) -> object:
    """The JSON document in ``path``; a DatasetError names ``--vsc-data <what>`` and the file."""
    text = read_utf8(path, f"--vsc-data {what}")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise DatasetError(f"--vsc-data {what}: {path} is not JSON ({exc})") from None


def read_csv(path: Path, required: tuple[str, ...], what: str) -> list[dict[str, str]]:
    """Data rows as dicts (row i is spreadsheet row i + 2); checks the header."""
    text = read_utf8(path, f"--vsc-data {what}")
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [name for name in required if name not in header]
        if missing:
            raise DatasetError(
                f"--vsc-data {what}: {path}: missing column(s) {', '.join(missing)} in the header "
                f"row (found: {', '.join(h for h in header if h) or 'nothing'})"
            )
        reader.fieldnames = header
        return [{k: (v if isinstance(v, str) else "") for k, v in row.items() if k is not None}
                for row in reader]
    except csv.Error as exc:
        raise DatasetError(f"--vsc-data {what}: {path} is not CSV ({exc})") from None


class ItemCollector:
    """Items of one loader; a second item with a uid already used is skipped, not renamed."""

    def __init__(self) -> None:
        self.items: list[Item] = []
        self.skipped: list[SkippedRow] = []
        self._sources: dict[str, str] = {}

    def skip(self, file: str, row: int, reason: str) -> None:
        """Leave out row ``row`` of ``file``, saying why."""
        self.skipped.append(SkippedRow(file, row, reason))

    def add(self, item: Item, file: str, row: int) -> None:
        """Keep ``item`` (read from row ``row`` of ``file``) unless its uid is taken."""
        if item.uid in self._sources:
            self.skip(file, row, f"uid {item.uid} is already used by {self._sources[item.uid]}")
            return
        self._sources[item.uid] = item.source
        self.items.append(item)
