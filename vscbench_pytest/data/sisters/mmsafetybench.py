"""MM-SafetyBench (unsafe only; its SD, TYPO and SD_TYPO image forms as the variants ``search``,
``typography`` and ``concat``) from ``processed_questions/*.json`` and ``imgs/``."""
from __future__ import annotations

import re
from pathlib import Path

from vscbench_pytest.data.release import Dataset
from vscbench_pytest.data.sisters.common import ItemCollector, read_json, slug, text_field
from vscbench_pytest.errors import DatasetError
from vscbench_pytest.records.items import ImageSource, Item, normalise_category
from vscbench_pytest.util.fingerprints import fingerprint_files

# The official repository (isXinLiu/MM-SafetyBench) is not in the stored index; the layout is
# read from code that loads the release: syk1052/MM-SafetyBench, add_model_responses.py
# (data/MM-SafetyBench/processed_questions/<scenario>.json; imgs/<scenario>/{SD,SD_TYPO,TYPO}/
# <question_id>.jpg; SD images with "Rephrased Question(SD)", SD_TYPO and TYPO images with
# "Rephrased Question"). Each processed_questions file is a JSON object keyed by question id
# ("0", "1", ...) with "Question", "Changed Question", "Key Phrase", "Phrase Type",
# "Rephrased Question" and "Rephrased Question(SD)".
MMSB_QUESTIONS = "processed_questions"
MMSB_IMAGES = "imgs"
# (image folder, VSCBench variant, prompt field), in VSCBench's variant order
MMSB_VARIANTS = (
    ("SD", "search", "Rephrased Question(SD)"),
    ("TYPO", "typography", "Rephrased Question"),
    ("SD_TYPO", "concat", "Rephrased Question"),
)
MMSB_CATEGORY_FIXES = {"illegal_activitiy": "illegal_activity"}  # the release's file name


def _mmsb_category(stem: str) -> str:
    """``01-Illegal_Activitiy`` -> ``illegal_activity``: the scenario without its number."""
    name = normalise_category(re.sub(r"^\d+[-_ ]*", "", stem) or stem)
    return MMSB_CATEGORY_FIXES.get(name, name)


def load_mmsafetybench(root: Path) -> Dataset:
    """MM-SafetyBench: three unsafe text-track items per question, one per image form.

    ``root`` holds ``processed_questions/`` and ``imgs/`` (the repository's ``data/`` folder),
    or is the repository root with them under ``data/``. Category: the scenario (file name
    without its number); label ``unsafe``; pair: the question's three forms.
    """
    root = Path(root).expanduser()
    data = root if (root / MMSB_QUESTIONS).is_dir() else root / "data"
    if not (data / MMSB_QUESTIONS).is_dir():
        raise DatasetError(f"--vsc-data mm-safetybench: {root} holds no {MMSB_QUESTIONS}/ folder "
                           f"(nor data/{MMSB_QUESTIONS}/)")
    files = sorted(p for p in (data / MMSB_QUESTIONS).glob("*.json") if p.is_file())
    if not files:
        raise DatasetError(f"--vsc-data mm-safetybench: no .json files in {data / MMSB_QUESTIONS}")
    out = ItemCollector()
    for file in files:
        questions = read_json(file, "mm-safetybench")
        if not isinstance(questions, dict):
            raise DatasetError(f"--vsc-data mm-safetybench: {file}: expected an object keyed by "
                               f"question id, found {type(questions).__name__}")
        name = f"{MMSB_QUESTIONS}/{file.name}"
        category = _mmsb_category(file.stem)
        for position, (qid, record) in enumerate(questions.items(), start=1):
            if not isinstance(record, dict):
                out.skip(name, position, f"question {qid}: not an object")
                continue
            for folder, variant, field in MMSB_VARIANTS:
                prompt = text_field(record.get(field))
                if not prompt:
                    problem = "not a string" if prompt is None else "empty or missing"
                    out.skip(name, position, f"question {qid}: {field!r} {problem} "
                                             f"(its {folder} form is left out)")
                    continue
                image_name = f"{file.stem}/{folder}/{qid}.jpg"
                out.add(Item(
                    uid=f"mmsb-{category}-{slug(qid)}-{variant}", track="text", category=category,
                    variant=variant, label="unsafe", pair=f"mmsb-{category}-{slug(qid)}",
                    prompt=prompt,
                    image=ImageSource(root=root, path=data / MMSB_IMAGES / image_name,
                                      name=f"{MMSB_IMAGES}/{image_name}"),
                    source=f"{name} question {qid}, {folder} image",
                ), name, position)
    return Dataset(root=root, items=out.items, skipped=out.skipped,
                   fingerprint=fingerprint_files(files))
