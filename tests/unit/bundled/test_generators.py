"""The bundled fixtures: the mini benchmark and the utility set regenerate byte for byte; the
benchmark reads as a release."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.paths import FIXTURES
from vscbench_pytest.bundled import bundled_data, bundled_dir
from vscbench_pytest.data.release import load_release


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("script, committed, timeout", [
    ("make_mini_benchmark.py", bundled_data(), 300),
    ("make_utility_mini.py", bundled_dir() / "utility-mini", 120),
], ids=["mini-benchmark", "utility-mini"])
def test_generator_regenerates_its_folder_identically(tmp_path: Path, script: str, committed: Path,
                                                      timeout: int):
    subprocess.run([sys.executable, str(FIXTURES / script), "--out", str(tmp_path / "out")],
                   check=True, capture_output=True, timeout=timeout)
    regenerated, expected = files(tmp_path / "out"), files(committed)
    assert sorted(regenerated) == sorted(expected)
    changed = [name for name in expected if regenerated[name] != expected[name]]
    assert not changed, f"regenerated files differ: {changed[:5]}"


def test_mini_benchmark_covers_every_category_and_variant():
    items = load_release(bundled_data()).items
    image_categories = {i.category for i in items if i.track == "image"}
    assert image_categories == {"drugs", "violence", "illegal_activity", "religion", "pornography",
                                "discrimination"}
    assert {i.variant for i in items if i.track == "text"} == {"text", "search", "typography",
                                                               "concat", "figstep"}
    for category in image_categories:
        rows = {i.pair.rsplit("-", 1)[0] for i in items if i.category == category}
        assert len(rows) >= 2, category
    text_types = {i.category for i in items if i.track == "text"}
    assert {t for t in text_types if t.startswith("contrast_")} and len(text_types) >= 6
    assert (bundled_data() / "vscbench_image_centric_images" / "porngraphy").is_dir()
