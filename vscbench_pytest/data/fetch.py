"""``vscbench data fetch --to DIR``: download the VSCBench release archive from Google Drive
and unpack it safely.

1. GET ``<base>?export=download&id=<ID>`` (base ``https://drive.google.com/uc``, or ``--url`` /
   ``$VSCBENCH_DRIVE_URL``), following Drive's confirmation page and resuming an interrupted
   download (:mod:`vscbench_pytest.data.download`).
2. Check every member of the zip before writing any, unpack, and find the release root (the
   archive may have a top folder) (:mod:`vscbench_pytest.data.unpack`).
3. The caller checks the layout with :func:`vscbench_pytest.data.check.check_release`.
"""
from __future__ import annotations

import os
import urllib.parse
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from vscbench_pytest.data.download import ARCHIVE_NAME, download, require_http
from vscbench_pytest.data.progress import say
from vscbench_pytest.data.unpack import ArchiveRefused, find_release_root, safe_unpack
from vscbench_pytest.errors import VscError

RELEASE_FILE_ID = "1U6l3XvoInLJeQTMcmjySADvmwUs3ifnG"
DRIVE_URL = "https://drive.google.com/uc"
URL_ENV = "VSCBENCH_DRIVE_URL"


@dataclass
class FetchResult:
    """Where a fetch left the release, and what it took to get there."""

    root: Path  # the release root (DIR, or the archive's top folder inside it)
    url: str  # the URL first asked
    size: int  # archive bytes
    resumed_from: int  # bytes already on disk when the last download attempt started (0: fresh)
    attempts: int  # download attempts made (0 when a complete archive was already there)
    members: int  # files unpacked


def drive_url(file_id: str = RELEASE_FILE_ID, base: str | None = None) -> str:
    """The first URL asked for ``file_id``: ``base`` (default ``$VSCBENCH_DRIVE_URL``, else
    Drive's ``/uc``) with ``export=download&id=<file_id>`` added to its query."""
    base = base or os.environ.get(URL_ENV) or DRIVE_URL
    require_http(base)
    sep = "&" if urllib.parse.urlsplit(base).query else "?"
    return base + sep + urllib.parse.urlencode({"export": "download", "id": file_id})


def fetch_release(dest: Path, *, file_id: str = RELEASE_FILE_ID, url: str | None = None,
                  timeout: float = 60.0, retries: int = 3, retry_wait: float = 2.0,
                  progress: TextIO | None = None) -> FetchResult:
    """Download (or resume), verify and unpack the release into ``dest``; the layout check is
    left to the caller (:func:`vscbench_pytest.data.check.check_release` on ``result.root``)."""
    dest = Path(dest).expanduser()
    first = drive_url(file_id, url)
    archive = dest / ARCHIVE_NAME
    resumed, attempts = 0, 0
    if archive.is_file() and zipfile.is_zipfile(archive):
        say(progress, f"using the archive already downloaded: {archive}")
    else:
        say(progress, f"downloading {first}")
        archive, resumed, attempts = download(first, dest, timeout=timeout, retries=retries,
                                              retry_wait=retry_wait, progress=progress)
    size = archive.stat().st_size
    try:
        names = safe_unpack(archive, dest, progress)
        root = find_release_root(dest.resolve(), names)
    except ArchiveRefused as exc:
        archive.unlink(missing_ok=True)  # not worth resuming: the next run downloads afresh
        raise ArchiveRefused(f"{exc} (downloaded from {first}; the download is removed)") from None
    except VscError as exc:  # disk full, a folder not writable: the download is fine
        raise VscError(f"{exc} (downloaded from {first}; kept in {archive}: a rerun unpacks "
                       "it without downloading)") from None
    archive.unlink()
    return FetchResult(root=root, url=first, size=size, resumed_from=resumed,
                       attempts=attempts, members=len(names))
