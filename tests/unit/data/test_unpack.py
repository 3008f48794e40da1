"""Unpacking the release archive: members that would write outside the destination, or that
Python cannot unpack, are refused before anything is written. (Unsafe members in a fetched
archive, end to end, are in test_fetch.py.)"""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from vscbench_pytest.data.unpack import ArchiveRefused, find_release_root, safe_unpack
from vscbench_pytest.errors import VscError


@pytest.mark.hardening("bad input")
def test_a_member_resolving_outside_through_a_symlink_is_refused(tmp_path: Path) -> None:
    outside, dest = tmp_path / "outside", tmp_path / "data"
    outside.mkdir()
    dest.mkdir()
    (dest / "VSCBench").symlink_to(outside)  # left by someone else in DIR
    archive = tmp_path / "release.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("VSCBench/vscbench_image_centric.xlsx", b"sheet")
    with pytest.raises(VscError, match=r"member 'VSCBench/\S+' resolves to .*outside"):
        safe_unpack(archive, dest)
    assert list(outside.iterdir()) == []


@pytest.mark.hardening("bad input")
@pytest.mark.parametrize("kind", ["encrypted", "deflate64"])
def test_a_member_python_cannot_unpack_is_refused_before_anything_is_written(tmp_path: Path,
                                                                              kind: str) -> None:
    """An encrypted member, or one compressed with Deflate64 (Windows' big-archive method)."""
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("VSCBench/ok.txt", "fine")
        zf.writestr("VSCBench/odd.bin", "payload")
    raw = bytearray(archive.read_bytes())
    name = b"VSCBench/odd.bin"
    for signature, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        start = 0
        while (start := raw.find(signature, start)) != -1:
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if raw[name_at:name_at + len(name)] == name:
                if kind == "encrypted":
                    raw[start + flag_at] |= 0x1
                else:
                    raw[start + method_at:start + method_at + 2] = (9).to_bytes(2, "little")
            start += 4
    archive.write_bytes(bytes(raw))
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(ArchiveRefused, match=r"refused, nothing unpacked: member 'VSCBench/odd.bin' "
                                             + ("is encrypted" if kind == "encrypted" else "uses compression method 9")):
        safe_unpack(archive, dest)
    assert list(dest.iterdir()) == []


def test_the_release_root_is_the_shallowest_folder_holding_a_sheet_or_image_tree(tmp_path: Path) -> None:
    names = ["top/VSCBench/vscbench_text_centric.xlsx", "top/VSCBench/vscbench_image_centric_images/a.png",
             "top/other/deeper/vscbench_image_centric.xlsx", "readme.txt"]
    assert find_release_root(tmp_path, names) == tmp_path / "top" / "VSCBench"
    assert find_release_root(tmp_path, ["vscbench_image_centric.xlsx"]) == tmp_path
    with pytest.raises(ArchiveRefused, match="holds no VSCBench release"):
        find_release_root(tmp_path, ["photos/cat.png"])
