"""MOSSBench (safe only: oversensitivity) from ``images_information/information.json`` and
``images/``."""
from __future__ import annotations

from pathlib import Path

from vscbench_pytest.data.release import Dataset
from vscbench_pytest.data.sisters.common import ItemCollector, read_json, slug, text_field
from vscbench_pytest.errors import DatasetError
from vscbench_pytest.records.items import ImageSource, Item, normalise_category
from vscbench_pytest.util.fingerprints import fingerprint_files

# xirui-li/MOSSBench: MOSSBench/utils/utils.py (OverDataset) reads
# <data_dir>/images_information/information.json, a JSON object keyed by pid whose entries
# hold "image" (relative to data_dir, e.g. "images/1.png"), "question", "pid" and
# "metadata" {"over": "type 1"|"type 2"|"type 3", ...}; experiments/main.py and README.md name
# the three types Exaggerated Risk, Negated Harm and Counterintuitive Interpretation. All 300
# queries are benign. The repository's data/images/ holds .webp (and some .png) files while
# information.json names .png, and README.md offers images.zip "in the JPG format": a named
# file that is absent is looked up under the same stem with those extensions.
MOSSB_INFO = "images_information/information.json"
MOSSB_TYPES = {"type 1": "exaggerated_risk", "type 2": "negated_harm",
               "type 3": "counterintuitive_interpretation"}
MOSSB_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")


def _mossb_image(data: Path, name: str) -> Path:
    """The file ``name`` names, else a file of the same stem with another image extension."""
    path = data / name
    try:
        if not path.exists():
            for suffix in MOSSB_IMAGE_SUFFIXES:
                other = path.with_suffix(suffix)
                if other.is_file():
                    return other
    except (OSError, ValueError):  # a name no file can have; the test reports it
        pass
    return path


def load_mossbench(root: Path) -> Dataset:
    """MOSSBench: one safe image-track item per benign query (oversensitivity).

    ``root`` is the data folder holding ``images_information/information.json`` and
    ``images/``, or the repository root with them under ``data/``. Category: the stimulus type
    (``metadata.over``).
    """
    root = Path(root).expanduser()
    data = root if (root / MOSSB_INFO).is_file() else root / "data"
    if not (data / MOSSB_INFO).is_file():
        raise DatasetError(
            f"--vsc-data mossbench: {root} holds no {MOSSB_INFO} (nor data/{MOSSB_INFO})")
    file = data / MOSSB_INFO
    entries = read_json(file, "mossbench")
    if not isinstance(entries, dict):
        raise DatasetError(f"--vsc-data mossbench: {file}: expected an object keyed by pid, "
                           f"found {type(entries).__name__}")
    out = ItemCollector()
    for position, (pid, entry) in enumerate(entries.items(), start=1):
        if not isinstance(entry, dict):
            out.skip(MOSSB_INFO, position, f"pid {pid}: not an object")
            continue
        question, image = text_field(entry.get("question")), text_field(entry.get("image"))
        missing = [k for k, v in (("question", question), ("image", image)) if not v]
        if missing:
            out.skip(MOSSB_INFO, position, f"pid {pid}: no {' and '.join(missing)}")
            continue
        metadata = entry.get("metadata")
        over = text_field(metadata.get("over")) if isinstance(metadata, dict) else ""
        category = MOSSB_TYPES.get((over or "").lower(), normalise_category(over or ""))
        uid = f"mossb-{category}-{slug(pid)}"
        out.add(Item(
            uid=uid, track="image", category=category, variant="image", label="safe", pair=uid,
            prompt=str(question),
            image=ImageSource(root=root, path=_mossb_image(data, str(image)), name=str(image)),
            source=f"{MOSSB_INFO} pid {pid}",
        ), MOSSB_INFO, position)
    return Dataset(root=root, items=out.items, skipped=out.skipped,
                   fingerprint=fingerprint_files([file]))
