"""Unpacking the release archive safely, and finding the release root inside it.

Every member is checked (no absolute path, no ``..``, no symlink or special file, nothing
resolving outside the destination, no encryption, a compression Python reads, enough free
disk) before any is written.
"""
from __future__ import annotations

import re
import shutil
import stat
import zipfile
from pathlib import Path
from typing import TextIO

from vscbench_pytest.data.progress import format_size, say
from vscbench_pytest.data.release import IMAGE_DIR, IMAGE_SHEET, TEXT_DIR, TEXT_SHEET
from vscbench_pytest.errors import VscError

RELEASE_MARKERS = (IMAGE_SHEET, TEXT_SHEET, IMAGE_DIR, TEXT_DIR)
COPY_BUFFER = 1 << 20


class ArchiveRefused(VscError):
    """The download is not a zip, is damaged, holds an unsafe member or no release."""


def _member_target(info: zipfile.ZipInfo, dest: Path) -> Path | None:
    """Where a member goes under ``dest`` (None: skipped); a VscError naming it when unsafe."""
    name = info.filename
    mode = info.external_attr >> 16
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        raise VscError(f"member {name!r} has an absolute path")
    parts = [p for p in re.split(r"[\\/]+", name) if p not in ("", ".")]
    if ".." in parts:
        raise VscError(f"member {name!r} climbs out with '..'")
    if stat.S_ISLNK(mode):
        raise VscError(f"member {name!r} is a symbolic link")
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):  # 0: no type recorded
        raise VscError(f"member {name!r} is a special file (mode {oct(mode)})")
    if not parts or parts[0] == "__MACOSX":  # macOS Finder metadata, not part of the release
        return None
    target = dest.joinpath(*parts).resolve()
    if not target.is_relative_to(dest) or target == dest:
        raise VscError(f"member {name!r} resolves to {target}, outside {dest}")
    return target


def safe_unpack(archive: Path, dest: Path, progress: TextIO | None = None) -> list[str]:
    """Unpack ``archive`` into ``dest`` after checking every member; nothing is written when one
    is unsafe. Returns the names of the files unpacked."""
    dest = dest.resolve()
    if not zipfile.is_zipfile(archive):
        head = b""
        if archive.is_file():
            with archive.open("rb") as handle:
                head = handle.read(16)
        raise ArchiveRefused(f"{archive}: not a zip archive (starts with {head!r})")
    try:
        with zipfile.ZipFile(archive) as zf:
            plan: list[tuple[zipfile.ZipInfo, Path]] = []
            for info in zf.infolist():
                try:
                    target = _member_target(info, dest)
                except VscError as exc:
                    raise ArchiveRefused(f"{archive}: refused, nothing unpacked: {exc}") from None
                if info.flag_bits & 0x1:
                    raise ArchiveRefused(f"{archive}: refused, nothing unpacked: member "
                                         f"{info.filename!r} is encrypted")
                if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED,
                                              zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA):
                    raise ArchiveRefused(f"{archive}: refused, nothing unpacked: member "
                                         f"{info.filename!r} uses compression method "
                                         f"{info.compress_type}, which Python cannot unpack "
                                         f"(unzip it with another tool and run data check)")
                if target is not None:
                    plan.append((info, target))
            needed = sum(info.file_size for info, _ in plan)
            free = shutil.disk_usage(dest).free
            if needed > free:
                raise VscError(f"{archive}: unpacking needs {format_size(needed)}, {dest} has "
                               f"{format_size(free)} free")
            files = []
            for info, target in plan:
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    with zf.open(info) as src, target.open("wb") as out:
                        shutil.copyfileobj(src, out, COPY_BUFFER)
                except (zipfile.BadZipFile, EOFError) as exc:
                    raise ArchiveRefused(f"{archive}: damaged member {info.filename!r}: {exc}") from None
                except OSError as exc:
                    raise VscError(f"{archive}: cannot unpack member {info.filename!r} to "
                                   f"{target}: {exc}") from None
                files.append(info.filename)
            say(progress, f"unpacked {len(files)} file(s), {format_size(needed)}, into {dest}")
            return files
    except (zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
        raise ArchiveRefused(f"{archive}: damaged zip archive: {exc}") from None


def find_release_root(dest: Path, names: list[str]) -> Path:
    """The folder holding the release (its sheets or image trees): ``dest`` or the shallowest
    folder inside it that the unpacked ``names`` put them in."""
    candidates = set()
    for name in names:
        parts = [p for p in re.split(r"[\\/]+", name) if p]
        for i, part in enumerate(parts):
            if part in RELEASE_MARKERS:
                candidates.add(tuple(parts[:i]))
                break
    if not candidates:
        raise ArchiveRefused(f"the archive unpacked into {dest} holds no VSCBench release (none of "
                             f"{', '.join(RELEASE_MARKERS)})")
    top = min(candidates, key=lambda c: (len(c), c))
    return dest.joinpath(*top)
