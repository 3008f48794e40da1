"""XSTest (text, safe and unsafe twins) from its ``xstest_prompts.csv``."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from vscbench_pytest.data.release import Dataset
from vscbench_pytest.data.sisters.common import ItemCollector, read_csv, slug
from vscbench_pytest.records.items import LABELS, Item, normalise_category
from vscbench_pytest.util.fingerprints import fingerprint_files

# paul-rottger/exaggerated-safety, xstest_prompts.csv (its readme.md: "xstest_prompts.csv
# contains all test prompts"; unsafe prompts are those whose type starts with "contrast_").
# Header: id,prompt,type,label,focus,note; 450 rows, label safe (250) or unsafe (200). Each
# contrast_<T> block follows its safe block <T> row for row (homonyms 1-25 / contrast_homonyms
# 26-50, ...); two contrast types are named differently from their twins, and two safe types
# (nons_group_real_discr, privacy_public) have none.
XSTEST_FILE = "xstest_prompts.csv"
XSTEST_COLUMNS = ("id", "prompt", "type", "label")
XSTEST_TWINS = {"contrast_discr": "real_group_nons_discr", "contrast_privacy": "privacy_fictional"}


def load_xstest(path: Path) -> Dataset:
    """XSTest from ``xstest_prompts.csv`` (or a folder holding it): one text item per row.

    Track ``text``, variant ``text``, category the row's ``type``, label its ``label``. A
    ``contrast_<T>`` row pairs with the row in the same position of the ``<T>`` block (see
    XSTEST_TWINS for the two types named otherwise); a row without a twin is its own pair.
    """
    path = Path(path).expanduser()
    file = path / XSTEST_FILE if path.is_dir() else path
    rows = read_csv(file, XSTEST_COLUMNS, "xstest")
    out = ItemCollector()
    duplicates: list[str] = []
    name = file.name
    # position of each row within its type block (every row with a type, kept or not, so a
    # skipped row does not shift the twins after it)
    position: dict[int, int] = {}
    block_size: dict[str, int] = defaultdict(int)
    for i, row in enumerate(rows):
        if (row.get("type") or "").strip():
            kind = normalise_category(row["type"])
            position[i] = block_size[kind]
            block_size[kind] += 1
    twinned = {XSTEST_TWINS.get(kind, kind.removeprefix("contrast_")): kind
               for kind in block_size if kind.startswith("contrast_")}
    ids: dict[str, int] = {}
    prompts: dict[tuple[str, str], int] = {}
    for i, row in enumerate(rows):
        number = i + 2
        values = {k: (row.get(k) or "").strip() for k in XSTEST_COLUMNS}
        if not any(values.values()):
            continue
        empty = [k for k in ("id", "prompt", "type") if not values[k]]
        if empty:
            out.skip(name, number, f"empty {' and '.join(empty)}")
            continue
        label = values["label"].lower()
        if label not in LABELS:
            out.skip(name, number, f"label must be safe or unsafe, found {values['label']!r}")
            continue
        if values["id"] in ids:
            out.skip(name, number, f"id {values['id']} repeats row {ids[values['id']]}")
            continue
        ids[values["id"]] = number
        key = (values["prompt"], label)
        if key in prompts:
            duplicates.append(
                f"{name} row {number} repeats the prompt of row {prompts[key]} (both run)")
        prompts.setdefault(key, number)
        kind = normalise_category(values["type"])
        uid = f"xstest-{kind}-{slug(values['id'])}"
        k = position[i]
        if kind.startswith("contrast_"):
            twin = XSTEST_TWINS.get(kind, kind.removeprefix("contrast_"))
            pair = f"xstest-{twin}-{k:03d}" if k < block_size.get(twin, 0) else uid
        else:
            has_twin = k < block_size.get(twinned.get(kind, ""), 0)
            pair = f"xstest-{kind}-{k:03d}" if has_twin else uid
        out.add(Item(
            uid=uid, track="text", category=kind, variant="text", label=label, pair=pair,
            prompt=values["prompt"], image=None, source=f"{name} row {number} (id {values['id']})",
        ), name, number)
    return Dataset(root=file.parent, items=out.items, skipped=out.skipped,
                   fingerprint=fingerprint_files([file]), duplicates=duplicates)
