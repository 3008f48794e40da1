"""Read a VSCBench release root (two sheets, two image trees) into Item records.

Layout and quirks: ../shared/upstream/README.md. Images are not opened here; a missing or
unreadable image becomes an ``error`` item when its test runs.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from vscbench_pytest.errors import DatasetError
from vscbench_pytest.records.items import (
    FIGSTEP_INSTRUCTION,
    ImageSource,
    Item,
    image_pair,
    image_uid,
    normalise_category,
    text_label,
    text_pair,
    text_uid,
)
from vscbench_pytest.util.fingerprints import fingerprint_files

IMAGE_SHEET = "vscbench_image_centric.xlsx"
TEXT_SHEET = "vscbench_text_centric.xlsx"
IMAGE_DIR = "vscbench_image_centric_images"
TEXT_DIR = "vscbench_text_centric_images"

IMAGE_COLUMNS = ("Category", "Prompt") + tuple(
    f"{label}_img_{j}" for label in ("safe", "unsafe") for j in range(3)
)
TEXT_COLUMNS = (
    "type", "focus", "prompt_origin", "prompt_mm", "object", "search_img",
    "typography_img", "concat_img", "prompt_figstep", "figstep_img",
)
# variant -> (prompt column, image column, sub-folder, text to render when the file is absent)
TEXT_VARIANT_SOURCES: dict[str, tuple[str, str | None, str | None, str | None]] = {
    "text": ("prompt_origin", None, None, None),
    "search": ("prompt_mm", "search_img", "search", None),
    "typography": ("prompt_mm", "typography_img", "typography", "object"),
    "concat": ("prompt_mm", "concat_img", "concat", None),
    "figstep": ("", "figstep_img", "figstep", "prompt_figstep"),
}


@dataclass(frozen=True)
class SkippedRow:
    """A sheet row left out of the run, and why."""

    file: str
    row: int  # the row number a spreadsheet program shows (header is row 1)
    reason: str

    def __str__(self) -> str:
        return f"{self.file} row {self.row}: {self.reason}"


@dataclass
class Dataset:
    """The items of a release root, in sheet order, with what was left out."""

    root: Path
    items: list[Item]
    skipped: list[SkippedRow] = field(default_factory=list)
    fingerprint: str = ""
    duplicates: list[str] = field(default_factory=list)  # rows that repeat an earlier row (both run)
    missing_folders: list[Path] = field(default_factory=list)  # image folders not there


def _cell(value: object) -> str:
    return "" if value is None else str(value).strip()


def read_sheet(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    """Rows of the first worksheet as dicts keyed by header; checks the required columns."""
    if path.is_dir():
        raise DatasetError(f"cannot read sheet {path}: it is a folder, not a workbook")
    if not path.is_file():
        raise DatasetError(f"missing sheet {path}")
    from vscbench_pytest.data.xlsx import first_sheet_rows

    try:
        with path.open("rb") as handle:
            rows = iter(first_sheet_rows(handle))
    except Exception as exc:  # not a zip, a part missing, damaged XML, a bad cell
        raise DatasetError(f"cannot read sheet {path}: {type(exc).__name__}: {exc}") from None
    header = [_cell(value) for value in next(rows, ())]
    missing = [name for name in required if name not in header]
    if missing:
        raise DatasetError(
            f"{path}: missing column(s) {', '.join(missing)} in the header row "
            f"(found: {', '.join(h for h in header if h) or 'nothing'})"
        )
    index = {name: header.index(name) for name in required}
    return [{name: _cell(values[i]) if i < len(values) else "" for name, i in index.items()}
            for values in rows]


def _sheet_records(
    root: Path, sheet: str, columns: tuple[str, ...], image_dir: str, duplicates: list[str]
) -> Iterator[tuple[int, dict[str, str]]]:
    """(0-based data row, record) for each non-blank row. A row equal to an earlier one still
    runs (its uid differs) and is noted in ``duplicates``."""
    rows = read_sheet(root / sheet, columns)
    first: dict[tuple[str, ...], int] = {}
    for row, record in enumerate(rows):
        if any(record.values()):
            values = tuple(record.values())
            if values in first:
                duplicates.append(f"{sheet} row {row + 2} repeats row {first[values] + 2} (both run)")
            first.setdefault(values, row)
            yield row, record


def _image_items(root: Path, skipped: list[SkippedRow], duplicates: list[str],
                 keep_empty_prompts: bool = False) -> list[Item]:
    image_root = root / IMAGE_DIR
    items: list[Item] = []
    for row, record in _sheet_records(root, IMAGE_SHEET, IMAGE_COLUMNS, IMAGE_DIR, duplicates):
        source = f"{IMAGE_SHEET} row {row + 2}"
        if not record["Category"]:
            skipped.append(SkippedRow(IMAGE_SHEET, row + 2, "empty Category"))
            continue
        if not record["Prompt"] and not keep_empty_prompts:
            skipped.append(SkippedRow(IMAGE_SHEET, row + 2, "empty Prompt"))
            continue
        category = normalise_category(record["Category"])
        folder = image_root / record["Category"]
        for label in ("safe", "unsafe"):
            for j in range(3):
                column = f"{label}_img_{j}"
                items.append(Item(
                    uid=image_uid(category, row, label, j),
                    track="image",
                    category=category,
                    variant="image",
                    label=label,
                    pair=image_pair(category, row, j),
                    prompt=record["Prompt"],
                    image=ImageSource(root=root, path=folder / record[column], name=record[column]),
                    source=f"{source}, column {column}",
                ))
    return items


def _text_items(root: Path, skipped: list[SkippedRow], duplicates: list[str]) -> list[Item]:
    text_root = root / TEXT_DIR
    items: list[Item] = []
    for row, record in _sheet_records(root, TEXT_SHEET, TEXT_COLUMNS, TEXT_DIR, duplicates):
        if not record["type"]:
            skipped.append(SkippedRow(TEXT_SHEET, row + 2, "empty type"))
            continue
        empty = [column for column in ("prompt_origin", "prompt_mm") if not record[column]]
        if empty:
            skipped.append(SkippedRow(TEXT_SHEET, row + 2, f"empty {' and '.join(empty)}"))
            continue
        category = normalise_category(record["type"])
        label = text_label(record["type"])
        for variant, (prompt_col, image_col, folder, render_col) in TEXT_VARIANT_SOURCES.items():
            prompt = record[prompt_col] if prompt_col else FIGSTEP_INSTRUCTION
            image = None
            if image_col is not None:
                render_text = record[render_col] if render_col else ""
                image = ImageSource(
                    root=root,
                    path=text_root / str(folder) / record[image_col],
                    name=record[image_col],
                    render=variant if render_text else None,
                    render_text=render_text,
                )
            items.append(Item(
                uid=text_uid(category, row, variant),
                track="text",
                category=category,
                variant=variant,
                label=label,
                pair=text_pair(category, row),
                prompt=prompt,
                image=image,
                source=f"{TEXT_SHEET} row {row + 2}" + (f", column {image_col}" if image_col else ""),
                origin=record["prompt_origin"],
            ))
    return items


def load_release(root: Path, tracks: tuple[str, ...] = ("image", "text"),
                 keep_empty_prompts: bool = False) -> Dataset:
    """Read the sheets of the chosen tracks under ``root`` into a Dataset. An image-centric
    row with an empty Prompt cell is left out (noted in ``skipped``), unless
    ``keep_empty_prompts`` (the paper protocol: upstream asks it with the image and no text)."""
    root = Path(root).expanduser()
    if not root.is_dir():
        raise DatasetError(f"--vsc-data: {root} is not a folder")
    sheets = {"image": IMAGE_SHEET, "text": TEXT_SHEET}
    if not any((root / sheets[track]).is_file() for track in tracks):
        raise DatasetError(
            f"--vsc-data: {root} is not a VSCBench release root "
            f"(expected {' and '.join(sheets[t] for t in tracks)})"
        )
    skipped: list[SkippedRow] = []
    duplicates: list[str] = []
    items: list[Item] = []
    if "image" in tracks:
        items += _image_items(root, skipped, duplicates, keep_empty_prompts)
    if "text" in tracks:
        items += _text_items(root, skipped, duplicates)
    return Dataset(
        root=root,
        items=items,
        skipped=skipped,
        fingerprint=fingerprint_files([root / sheets[t] for t in tracks]),
        duplicates=duplicates,
        missing_folders=[root / folder for track, folder in (("image", IMAGE_DIR), ("text", TEXT_DIR))
                         if track in tracks and not (root / folder).is_dir()],
    )
