"""Reading data files and writing outputs atomically."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from vscbench_pytest.errors import DatasetError


def read_utf8(path: Path, option: str) -> str:
    """A data file's text (a BOM is dropped); a DatasetError names the option and the file."""
    if not path.is_file():
        raise DatasetError(f"{option}: missing file {path}")
    try:
        return path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise DatasetError(f"{option}: cannot read {path}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{option}: {path} is not UTF-8 ({exc.reason} at byte {exc.start})") from None


def write_atomic(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically: a temp file in the same folder, flushed to
    disk, then renamed over it; the temp file is removed when anything fails."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a report is an ordinary file
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
