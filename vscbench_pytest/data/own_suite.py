"""Your own suite: a JSONL or CSV file of safe/unsafe inputs, run like the benchmark.

One input per line (JSONL) or row (CSV, header first): ``prompt`` and ``label`` (safe|unsafe)
are required; ``image`` (a path relative to the file), ``category``, ``variant``, ``track``,
``pair`` and ``uid`` are optional. An absent uid is derived from the content, so it stays the
same when lines move. Any other field is an error (a typo must not fall back to a default).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable
from pathlib import Path

from vscbench_pytest.data.release import Dataset
from vscbench_pytest.errors import DatasetError
from vscbench_pytest.records.items import (
    LABELS,
    TRACKS,
    VARIANTS,
    ImageSource,
    Item,
    normalise_category,
)
from vscbench_pytest.util.files import read_utf8
from vscbench_pytest.util.fingerprints import fingerprint_files
from vscbench_pytest.util.jsonl import read_jsonl

OPTION = "--vsc-data"
FIELDS = ("prompt", "label", "image", "category", "variant", "track", "pair", "uid")
SUFFIXES = (".jsonl", ".csv")


def suite_records(path: Path) -> Iterable[tuple[int, dict]]:
    """(line number, record) for every non-blank line of a JSONL suite or row of a CSV suite
    (by its header); a DatasetError names the file and line."""
    if path.suffix != ".csv":
        return read_jsonl(path, what=OPTION, error=DatasetError, expected="an object with prompt and label")
    text = read_utf8(path, OPTION)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = []
    try:
        for row in reader:
            if None in row:  # DictReader's key for cells beyond the header
                raise DatasetError(f"{OPTION}: {path}:{reader.line_num}: {len(row[None])} "
                                   f"cell(s) beyond the header's {len(reader.fieldnames or [])}")
            if any((v or "").strip() for v in row.values() if isinstance(v, str)):
                rows.append((reader.line_num, dict(row)))
    except csv.Error as exc:
        raise DatasetError(f"{OPTION}: {path}:{reader.line_num + 1}: not CSV ({exc})") from None
    return rows


def string_field(record: dict, name: str, where: str, option: str = "--vsc-data") -> str:
    """A record's optional string field, stripped ("" when absent); a DatasetError otherwise."""
    value = record.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DatasetError(f"{option}: {where}: {name} must be a string, found {json.dumps(value)}")
    return value.strip()


def content_uid(stem: str, prompt: str, image: str, label: str) -> str:
    """``<stem>-<10 hex digits>`` from the content, so a derived uid stays when lines move."""
    digest = hashlib.sha256(f"{prompt}\0{image}\0{label}".encode("utf-8", "surrogatepass")).hexdigest()
    return f"{stem}-{digest[:10]}"


def load_suite(path: Path) -> Dataset:
    """Items from a JSONL or CSV suite; a DatasetError names the file, line and field."""
    path = Path(path)
    root = path.parent
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in path.stem) or "suite"
    items: list[Item] = []
    seen: dict[str, int] = {}
    duplicates: list[str] = []
    for number, record in suite_records(path):
        where = f"{path}:{number}"
        unknown = sorted(str(k) for k in record if k not in FIELDS)
        if unknown:
            raise DatasetError(f"--vsc-data: {where}: unknown field(s) {', '.join(unknown)} "
                               f"(fields: {', '.join(FIELDS)})")
        prompt = string_field(record, "prompt", where)
        label = string_field(record, "label", where).lower()
        if not prompt:
            raise DatasetError(f"--vsc-data: {where}: prompt is empty")
        if label not in LABELS:
            raise DatasetError(f"--vsc-data: {where}: label must be safe or unsafe, found {label!r}")
        image_name = string_field(record, "image", where)
        track = string_field(record, "track", where) or ("image" if image_name else "text")
        variant = string_field(record, "variant", where) or ("image" if image_name else "text")
        if track not in TRACKS:
            raise DatasetError(f"--vsc-data: {where}: track must be one of {', '.join(TRACKS)}")
        if variant not in VARIANTS:
            raise DatasetError(f"--vsc-data: {where}: variant must be one of {', '.join(VARIANTS)}")
        if variant == "text" and image_name:
            raise DatasetError(f"--vsc-data: {where}: variant text takes no image")
        uid = string_field(record, "uid", where) or content_uid(stem, prompt, image_name, label)
        if uid in seen:
            if string_field(record, "uid", where):
                raise DatasetError(f"--vsc-data: {where}: uid {uid} is already used on line {seen[uid]}")
            duplicates.append(f"{path.name} line {number} repeats line {seen[uid]} (both run)")
            uid = f"{uid}-{number}"
        seen.setdefault(uid, number)
        image = ImageSource(root=root, path=root / image_name, name=image_name) if image_name else None
        items.append(Item(
            uid=uid, track=track, category=normalise_category(string_field(record, "category", where) or "custom"),
            variant=variant, label=label, pair=string_field(record, "pair", where) or uid, prompt=prompt,
            image=image, source=f"{path.name} line {number}",
        ))
    return Dataset(root=root, items=items, fingerprint=fingerprint_files([path]), duplicates=duplicates)
