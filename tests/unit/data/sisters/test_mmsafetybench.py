"""MM-SafetyBench: processed_questions and imgs read into three unsafe text items per question."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.helpers.sisters import counts, mmsb_question, skipped
from vscbench_pytest.data.images import load_image
from vscbench_pytest.data.sisters import load_mmsafetybench
from vscbench_pytest.errors import DatasetError


def test_mmsafetybench_counts_labels_variants_and_scenarios(mmsb: Path) -> None:
    dataset = load_mmsafetybench(mmsb)
    assert counts(dataset, "label") == {"unsafe": 11}
    assert counts(dataset, "track") == {"text": 11}
    assert counts(dataset, "variant") == {"search": 3, "typography": 4, "concat": 4}
    assert counts(dataset, "category") == {"illegal_activity": 6, "political_lobbying": 5}
    assert Counter(Counter(item.pair for item in dataset.items).values()) == {3: 3, 2: 1}


def test_mmsafetybench_prompt_and_image_follow_each_form(mmsb: Path) -> None:
    items = {item.uid: item for item in load_mmsafetybench(mmsb).items}
    data = mmsb / "data"
    for variant, folder, field in (("search", "SD", "Rephrased Question(SD)"),
                                   ("typography", "TYPO", "Rephrased Question"),
                                   ("concat", "SD_TYPO", "Rephrased Question")):
        item = items[f"mmsb-illegal_activity-1-{variant}"]
        assert item.prompt == mmsb_question(1)[field]
        assert item.image is not None
        assert item.image.path == data / "imgs" / "01-Illegal_Activitiy" / folder / "1.jpg"
        assert item.pair == "mmsb-illegal_activity-1"
        assert item.source == (f"processed_questions/01-Illegal_Activitiy.json question 1, "
                               f"{folder} image")
        assert load_image(item.image).size == (8, 8)


def test_mmsafetybench_bad_entries_are_skipped_with_reasons(mmsb: Path) -> None:
    assert skipped(load_mmsafetybench(mmsb)) == [
        ("processed_questions/08-Political_Lobbying.json", 2,
         "question 1: 'Rephrased Question(SD)' empty or missing (its SD form is left out)"),
        ("processed_questions/08-Political_Lobbying.json", 3, "question 2: not an object"),
    ]


def test_mmsafetybench_reads_the_data_folder_itself_with_the_same_uids(mmsb: Path) -> None:
    from_repo = [item.uid for item in load_mmsafetybench(mmsb).items]
    assert [item.uid for item in load_mmsafetybench(mmsb / "data").items] == from_repo
    assert len(set(from_repo)) == len(from_repo)


def test_mmsafetybench_broken_file_stops_with_the_file_named(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="processed_questions"):
        load_mmsafetybench(tmp_path)
    bad = tmp_path / "processed_questions" / "02-HateSpeech.json"
    bad.parent.mkdir()
    bad.write_text("[1, 2", encoding="utf-8")
    with pytest.raises(DatasetError, match="02-HateSpeech.json is not JSON"):
        load_mmsafetybench(tmp_path)
