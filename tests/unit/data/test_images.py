"""Opening an item's image: inside the release root, decoded to RGB, or rendered."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers.release import write_png
from vscbench_pytest.data.images import load_image, resolve_inside_root
from vscbench_pytest.errors import ItemError
from vscbench_pytest.records.items import ImageSource


def source(root: Path, name: str, folder: str = "imgs", **kwargs) -> ImageSource:
    return ImageSource(root=root, path=root / folder / name, name=name, **kwargs)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "root"
    (path / "imgs").mkdir(parents=True)
    return path


def test_present_file_is_decoded_to_rgb(root: Path) -> None:
    from PIL import Image

    Image.new("L", (5, 3), 128).save(root / "imgs" / "grey.png")
    Image.new("RGBA", (4, 4), (10, 20, 30, 40)).save(root / "imgs" / "alpha.png")
    Image.new("RGB", (6, 2), (200, 10, 10)).save(root / "imgs" / "photo.jpg", format="JPEG")
    for name, size in (("grey.png", (5, 3)), ("alpha.png", (4, 4)), ("photo.jpg", (6, 2))):
        image = load_image(source(root, name))
        assert image.mode == "RGB"
        assert image.size == size
    assert load_image(source(root, "grey.png")).getpixel((0, 0)) == (128, 128, 128)


def test_present_file_wins_over_rendering(root: Path) -> None:
    write_png(root / "imgs" / "typo.png", (1, 2, 3), size=7)
    image = load_image(source(root, "typo.png", render="typography", render_text="a knife"))
    assert image.size == (7, 7)
    assert image.getpixel((3, 3)) == (1, 2, 3)


def test_missing_file_is_an_item_error_with_the_path(root: Path) -> None:
    with pytest.raises(ItemError, match="missing image") as info:
        load_image(source(root, "absent.png"))
    assert str((root / "imgs" / "absent.png").resolve()) in str(info.value)


@pytest.mark.parametrize("payload", [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n" + b"\0" * 20])
def test_corrupt_file_is_unreadable_with_the_path(root: Path, payload: bytes) -> None:
    (root / "imgs" / "bad.png").write_bytes(payload)
    with pytest.raises(ItemError, match="unreadable") as info:
        load_image(source(root, "bad.png"))
    assert str((root / "imgs" / "bad.png").resolve()) in str(info.value)


def test_truncated_png_is_unreadable(root: Path) -> None:
    path = write_png(root / "imgs" / "whole.png", size=64)
    data = path.read_bytes()
    (root / "imgs" / "cut.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(ItemError, match="unreadable"):
        load_image(source(root, "cut.png"))


def test_a_folder_named_as_the_image_is_unreadable(root: Path) -> None:
    (root / "imgs" / "dir.png").mkdir()
    with pytest.raises(ItemError):
        load_image(source(root, "dir.png"))


def test_dotdot_path_leaving_the_root_is_refused(root: Path, tmp_path: Path) -> None:
    write_png(tmp_path / "outside.png")
    src = source(root, "../../outside.png")
    with pytest.raises(ItemError, match="leaves the release root") as info:
        load_image(src)
    assert "../../outside.png" in str(info.value)
    with pytest.raises(ItemError):
        resolve_inside_root(src)


def test_dotdot_to_the_root_itself_is_refused(root: Path) -> None:
    with pytest.raises(ItemError, match="leaves the release root"):
        resolve_inside_root(source(root, ".."))


def test_absolute_name_outside_the_root_is_refused(root: Path, tmp_path: Path) -> None:
    outside = write_png(tmp_path / "abs.png")
    src = ImageSource(root=root, path=root / "imgs" / str(outside), name=str(outside))
    with pytest.raises(ItemError, match="leaves the release root"):
        load_image(src)


def test_dotdot_that_stays_inside_the_root_is_allowed(root: Path) -> None:
    write_png(root / "other" / "x.png")
    assert load_image(source(root, "../other/x.png")).mode == "RGB"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_symlink_pointing_outside_the_root_is_refused(root: Path, tmp_path: Path) -> None:
    outside = write_png(tmp_path / "secret.png")
    try:
        (root / "imgs" / "link.png").symlink_to(outside)
    except OSError:
        pytest.skip("cannot create symlinks here")
    with pytest.raises(ItemError, match="leaves the release root"):
        load_image(source(root, "link.png"))


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_symlink_inside_the_root_is_followed(root: Path) -> None:
    target = write_png(root / "imgs" / "real.png")
    try:
        (root / "imgs" / "alias.png").symlink_to(target)
    except OSError:
        pytest.skip("cannot create symlinks here")
    assert load_image(source(root, "alias.png")).size == (8, 8)


@pytest.mark.parametrize("kind", ["typography", "figstep"])
def test_absent_render_file_is_rendered(root: Path, kind: str) -> None:
    image = load_image(source(root, "absent.png", render=kind, render_text="a Python process"))
    assert image.mode == "RGB"
    assert image.size[0] > 100 and image.size[1] > 100
    # not a blank canvas: the text was drawn
    assert image.getextrema() != ((255, 255), (255, 255), (255, 255))


def test_render_kind_decides_the_picture(root: Path) -> None:
    typo = load_image(source(root, "a.png", render="typography", render_text="knife"))
    fig = load_image(source(root, "b.png", render="figstep", render_text="knife"))
    assert typo.tobytes() != fig.tobytes()


def test_no_file_name_renders_or_errors(root: Path) -> None:
    nameless = ImageSource(root=root, path=root / "imgs", name="")
    with pytest.raises(ItemError, match="names no image"):
        load_image(nameless)
    rendered = ImageSource(root=root, path=root / "imgs", name="", render="figstep",
                           render_text="Steps to do it.")
    assert load_image(rendered).mode == "RGB"
