"""``vscbench data check``: counts of a good release, missing and corrupt files named with the
rows that name them, skipped rows, and a folder that is no release."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.helpers.release import image_row, make_release, text_row
from vscbench_pytest.cli.main import main
from vscbench_pytest.data.release import IMAGE_DIR, TEXT_DIR


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A small release in the real layout (sheets and both image trees)."""
    return make_release(tmp_path / "src" / "VSCBench")


def test_check_passes_on_a_good_release_with_counts(source: Path, capsys) -> None:
    assert main(["data", "check", str(source)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"image/drugs\s+safe\s+3\s+unsafe\s+3", out)
    assert re.search(r"image/pornography\s+safe\s+3\s+unsafe\s+3", out)
    assert re.search(r"text/figstep\s+safe\s+1\s+unsafe\s+1", out)
    assert "image files named 20: 20 ok" in out
    assert main(["data", "check", str(source), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True and data["n_items"] == 22
    assert data["by_variant"]["text/search"] == {"safe": 1, "unsafe": 1}
    assert data["by_category"]["text/contrast_homonyms"] == {"safe": 0, "unsafe": 5}


def test_check_lists_missing_and_corrupt_files_with_their_rows(source: Path, tmp_path: Path,
                                                               capsys) -> None:
    root = shutil.copytree(source, tmp_path / "damaged")
    (root / IMAGE_DIR / "drugs" / "safe_drugs_0_1.png").unlink()
    corrupt = root / TEXT_DIR / "search" / "d_1_0.png"
    corrupt.write_bytes(corrupt.read_bytes()[:20])
    (root / TEXT_DIR / "typography" / "0_a_Python_process.png").unlink()  # rendered: allowed
    assert main(["data", "check", str(root)]) == 1
    out = capsys.readouterr().out
    assert "missing files (1):" in out
    assert "  vscbench_image_centric_images/drugs/safe_drugs_0_1.png: missing image\n" in out
    assert "    named in vscbench_image_centric.xlsx row 2, column safe_img_1" in out
    assert "unreadable files (1):" in out
    assert "  vscbench_text_centric_images/search/d_1_0.png: unreadable image: " in out
    assert "    named in vscbench_text_centric.xlsx row 3, column search_img" in out
    assert "1 absent but rendered from the sheet's text" in out
    assert "PROBLEMS: 1 missing, 1 unreadable" in out

    assert main(["data", "check", str(root), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False
    assert [(p["path"], p["rows"]) for p in data["missing"]] == [
        ("vscbench_image_centric_images/drugs/safe_drugs_0_1.png",
         ["vscbench_image_centric.xlsx row 2, column safe_img_1"])]
    assert [(p["path"], p["rows"]) for p in data["unreadable"]] == [
        ("vscbench_text_centric_images/search/d_1_0.png",
         ["vscbench_text_centric.xlsx row 3, column search_img"])]


def test_check_lists_skipped_rows_without_failing(tmp_path: Path, capsys) -> None:
    root = make_release(tmp_path / "r", [image_row("drugs", "Why?", 0), image_row("drugs", None, 1)],
                        [text_row("homonyms", 0)])
    assert main(["data", "check", str(root)]) == 0
    out = capsys.readouterr().out
    assert "vscbench_image_centric.xlsx row 3: empty Prompt" in out


def test_check_of_a_folder_that_is_no_release_exits_2(tmp_path: Path, capsys) -> None:
    assert main(["data", "check", str(tmp_path)]) == 2
    assert "is not a VSCBench release root" in capsys.readouterr().err


def test_the_old_data_command_still_counts(source: Path, capsys) -> None:
    assert main(["data", str(source), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_items"] == 22
    assert main(["data", "counts", str(source)]) == 0
    assert "items 22 " in capsys.readouterr().out
