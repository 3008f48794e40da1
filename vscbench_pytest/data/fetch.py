"""Download the VSCBench release archive from Google Drive and unpack it safely.

``vscbench data fetch --to DIR``: stdlib only (urllib). The flow:

1. GET ``<base>?export=download&id=<ID>`` (base ``https://drive.google.com/uc``, or ``--url`` /
   ``$VSCBENCH_DRIVE_URL``). For a large file Drive answers an HTML page ("can't scan this file
   for viruses") instead of the file: its confirm form (modern Drive: a GET form to
   ``drive.usercontent.google.com/download`` with hidden ``id``, ``export``, ``confirm``,
   ``uuid``), or in older pages a ``confirm=XXXX`` link or a ``download_warning`` cookie, gives
   the URL to ask next.
2. Stream the archive to ``DIR/.vscbench-download.part`` with a progress line on stderr. A
   ``.part`` left by an interrupted run is resumed with ``Range: bytes=N-`` (a server that
   answers 200 instead of 206 restarts it); dropped connections are retried that way too.
3. Check that it is a zip, check every member (no absolute path, no ``..``, no symlink or
   special file, nothing resolving outside DIR, enough free disk) before writing any, unpack,
   find the release root (the archive may have a top folder), and check the layout with
   :func:`vscbench_pytest.data.check.check_release`.
"""
from __future__ import annotations

import html.parser
import http.client
import http.cookiejar
import os
import re
import shutil
import stat
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from vscbench_pytest.data.release import IMAGE_DIR, IMAGE_SHEET, TEXT_DIR, TEXT_SHEET
from vscbench_pytest.errors import VscError

RELEASE_FILE_ID = "1U6l3XvoInLJeQTMcmjySADvmwUs3ifnG"
DRIVE_URL = "https://drive.google.com/uc"
URL_ENV = "VSCBENCH_DRIVE_URL"
PART_NAME = ".vscbench-download.part"
ARCHIVE_NAME = ".vscbench-download.zip"  # a complete download, kept until it is unpacked
CHUNK = 1 << 20
MAX_PAGE = 2 << 20  # the most of an HTML answer read when looking for the confirm form
MAX_PAGES = 3  # confirmation pages followed before giving up
USER_AGENT = "vscbench-pytest (python urllib)"
RELEASE_MARKERS = (IMAGE_SHEET, TEXT_SHEET, IMAGE_DIR, TEXT_DIR)


class DownloadInterrupted(VscError):
    """The connection broke or timed out mid-download; the ``.part`` file can be resumed."""


class ArchiveRefused(VscError):
    """The download is not a zip, is damaged, holds an unsafe member or no release."""


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
    _require_http(base)
    sep = "&" if urllib.parse.urlsplit(base).query else "?"
    return base + sep + urllib.parse.urlencode({"export": "download", "id": file_id})


def _require_http(url: str) -> None:
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise VscError(f"{url}: only http and https URLs can be fetched")


# --- the Drive confirmation page ---------------------------------------------------------------

class _PageParser(html.parser.HTMLParser):
    """The forms (action, method, inputs), link targets and title of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.links: list[str] = []
        self.title = ""
        self._in_title = False
        self._form: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {"id": a.get("id", ""), "action": a.get("action", ""),
                          "method": a.get("method", "get").lower(), "inputs": {}}
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None and a.get("name"):
            if a.get("type", "text").lower() in ("hidden", "text"):
                self._form["inputs"][a["name"]] = a.get("value", "")
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def confirm_url(page: str, page_url: str, cookies: http.cookiejar.CookieJar | None = None) -> str | None:
    """The URL a Drive "can't scan for viruses" page sends the download to, or None when the
    page has no way on (quota exceeded, sign-in required, a wrong id)."""
    parser = _PageParser()
    parser.feed(page)
    forms = sorted(parser.forms, key=lambda f: f["id"] != "download-form")
    for form in forms:
        if form["id"] == "download-form" or "confirm" in form["inputs"]:
            action = urllib.parse.urljoin(page_url, form["action"] or page_url)
            sep = "&" if urllib.parse.urlsplit(action).query else "?"
            return action + sep + urllib.parse.urlencode(form["inputs"])
    for href in parser.links:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)
        if query.get("confirm"):
            return urllib.parse.urljoin(page_url, href)
    for cookie in cookies or ():
        if cookie.name.startswith("download_warning"):
            parts = urllib.parse.urlsplit(page_url)
            query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k != "confirm"]
            query.append(("confirm", cookie.value or ""))
            return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
    return None


def _page_title(page: str) -> str:
    parser = _PageParser()
    parser.feed(page)
    title = " ".join(parser.title.split())
    text = " ".join(re.sub(r"<[^>]*>", " ", page).split())
    for hint in ("Quota exceeded", "Too many users", "Sign in", "not found", "does not exist",
                 "access denied", "Access denied"):
        if hint.lower() in text.lower():
            return f"{title!r} ({hint})" if title else hint
    return repr(title) if title else "no title"


# --- downloading --------------------------------------------------------------------------------

class _Progress:
    """A progress line on ``stream`` at most once a second: bytes, percent, rate."""

    def __init__(self, stream: TextIO | None, total: int | None, start: int) -> None:
        self.stream = stream
        self.total = total
        self.start = start
        self.began = time.monotonic()
        self.last = 0.0
        self.shown = -1
        self.tty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())

    def update(self, done: int, final: bool = False) -> None:
        now = time.monotonic()
        if self.stream is None or done == self.shown or (not final and now - self.last < 1.0):
            return
        self.last, self.shown = now, done
        rate = (done - self.start) / max(now - self.began, 1e-6)
        line = f"  {_size(done)}"
        if self.total:
            line += f" / {_size(self.total)} ({100 * done / self.total:5.1f}%)"
        line += f"  {_size(rate)}/s"
        end = "\n" if final or not self.tty else ""
        self.stream.write(("\r" if self.tty else "") + line + end)
        self.stream.flush()


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def _say(stream: TextIO | None, text: str) -> None:
    if stream is not None:
        stream.write(text + "\n")
        stream.flush()


def _open(opener: urllib.request.OpenerDirector, url: str, offset: int,
          timeout: float) -> http.client.HTTPResponse:
    headers = {"User-Agent": USER_AGENT}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    return opener.open(urllib.request.Request(url, headers=headers), timeout=timeout)


def _is_html(response: http.client.HTTPResponse) -> bool:
    return response.headers.get_content_type() in ("text/html", "application/xhtml+xml")


def _content_range(value: str | None) -> tuple[int | None, int | None]:
    """(first byte, total) of a Content-Range header; None where absent or ``*``."""
    match = re.fullmatch(r"\s*bytes\s+(?:(\d+)-\d+|\*)/(\d+|\*)\s*", value or "")
    if not match:
        return None, None
    first, total = match.groups()
    return (int(first) if first else None), (int(total) if total and total != "*" else None)


def _http_error(url: str, exc: urllib.error.HTTPError) -> VscError:
    hint = {403: " (the file is not public, or Drive refused the download)",
            404: " (no such file: check the --id)",
            429: " (Drive's download quota: try again later)"}.get(exc.code, "")
    error_class = DownloadInterrupted if exc.code >= 500 else VscError
    return error_class(f"{url}: HTTP {exc.code} {exc.reason}{hint}")


def _local(call, path: Path, *args, **kwargs):
    """``call(*args, **kwargs)``, a local file operation: an OSError (disk full, no permission)
    is a VscError naming ``path``, not a network fault to retry."""
    try:
        return call(*args, **kwargs)
    except OSError as exc:
        raise VscError(f"{path}: {exc.strerror or exc}") from None


def _download_once(opener: urllib.request.OpenerDirector, cookies: http.cookiejar.CookieJar,
                   url: str, part: Path, timeout: float,
                   progress: TextIO | None) -> tuple[int, int]:
    """One attempt: append to (or restart) ``part``; (bytes on disk before, bytes after)."""
    offset = part.stat().st_size if part.is_file() else 0
    current = url
    try:
        for _ in range(MAX_PAGES + 1):
            try:
                response = _open(opener, current, offset, timeout)
            except urllib.error.HTTPError as exc:
                if exc.code == 416 and offset:  # nothing after byte N: complete, or stale
                    _, total = _content_range(exc.headers.get("Content-Range"))
                    exc.close()
                    if total == offset:
                        return offset, offset
                    _say(progress, f"{part.name}: the server cannot resume at byte {offset}; "
                                   "starting again")
                    part.unlink()
                    offset = 0
                    continue
                raise _http_error(current, exc) from None
            if not _is_html(response):
                break
            page = response.read(MAX_PAGE).decode("utf-8", "replace")
            response.close()
            following = confirm_url(page, response.url, cookies)
            if following is None:
                raise VscError(f"{current}: Google Drive answered a web page, not the archive: "
                               f"{_page_title(page)}")
            _require_http(following)
            _say(progress, "Drive asked to confirm the download (file too large to scan "
                           "for viruses); confirming")
            current = following
        else:
            raise VscError(f"{url}: Google Drive kept answering confirmation pages")
        with response:
            first, total = _content_range(response.headers.get("Content-Range"))
            length = response.headers.get("Content-Length")
            length = int(length) if length and length.isdigit() else None
            if response.status == 206 and first == offset:
                mode = "ab"
            else:
                if offset:
                    _say(progress, f"{part.name}: the server sent the whole file "
                                   f"(HTTP {response.status}); starting again")
                offset, mode = 0, "wb"
                total = length
            if total is None and length is not None:
                total = offset + length
            expected = total
            if offset:
                _say(progress, f"resuming at {_size(offset)}")
            meter = _Progress(progress, expected, offset)
            done = offset
            out = _local(part.open, part, mode)
            with out:
                while True:
                    chunk = response.read1(CHUNK)  # what has arrived: kept even if the rest stalls
                    if not chunk:
                        break
                    _local(out.write, part, chunk)
                    done += len(chunk)
                    meter.update(done)
            meter.update(done, final=True)
            if expected is not None and done < expected:
                raise DownloadInterrupted(f"{current}: connection closed at {done} of {expected} "
                                          f"bytes; {part} is kept and the next attempt resumes it")
            return offset, done
    except (http.client.HTTPException, OSError) as exc:  # resets, timeouts, refused connections
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        if not isinstance(reason, BaseException):
            raise VscError(f"{current}: cannot download ({reason})") from None
        kept = part.stat().st_size if part.is_file() else 0
        what = "cannot connect" if isinstance(exc, urllib.error.URLError) else "download interrupted"
        note = f"; {_size(kept)} kept in {part}" if kept else ""
        raise DownloadInterrupted(f"{current}: {what} ({type(reason).__name__}: {reason}){note}") from None


def download(url: str, dest: Path, *, timeout: float = 60.0, retries: int = 3,
             retry_wait: float = 2.0, progress: TextIO | None = None) -> tuple[Path, int, int]:
    """Download ``url`` (following Drive's confirmation page) to ``dest/.vscbench-download.zip``,
    resuming a ``.part`` file and retrying an interrupted download ``retries`` times.
    Returns (archive path, bytes resumed from in the last attempt, attempts made)."""
    _require_http(url)
    _local(dest.mkdir, dest, parents=True, exist_ok=True)
    part, archive = dest / PART_NAME, dest / ARCHIVE_NAME
    cookies = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
    attempt = 0
    while True:
        attempt += 1
        try:
            resumed, _ = _download_once(opener, cookies, url, part, timeout, progress)
            break
        except DownloadInterrupted as exc:
            if attempt > retries:
                again = " to resume" if part.is_file() and part.stat().st_size else ""
                raise DownloadInterrupted(f"{exc} (gave up after {attempt} attempt(s); run the "
                                          f"same command again{again})") from None
            wait = retry_wait * 2 ** (attempt - 1)
            _say(progress, f"{exc}; retrying in {wait:g} s")
            time.sleep(wait)
    os.replace(part, archive)
    return archive, resumed, attempt


# --- unpacking ----------------------------------------------------------------------------------

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
                raise VscError(f"{archive}: unpacking needs {_size(needed)}, {dest} has "
                               f"{_size(free)} free")
            files = []
            for info, target in plan:
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    with zf.open(info) as src, target.open("wb") as out:
                        shutil.copyfileobj(src, out, CHUNK)
                except (zipfile.BadZipFile, EOFError) as exc:
                    raise ArchiveRefused(f"{archive}: damaged member {info.filename!r}: {exc}") from None
                except OSError as exc:
                    raise VscError(f"{archive}: cannot unpack member {info.filename!r} to "
                                   f"{target}: {exc}") from None
                files.append(info.filename)
            _say(progress, f"unpacked {len(files)} file(s), {_size(needed)}, into {dest}")
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
        _say(progress, f"using the archive already downloaded: {archive}")
    else:
        _say(progress, f"downloading {first}")
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
