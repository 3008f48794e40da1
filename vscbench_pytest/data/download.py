"""Downloading a file from Google Drive over HTTP, stdlib only (urllib).

For a large file Drive answers an HTML page ("can't scan this file for viruses") instead of the
file: its confirm form (modern Drive: a GET form to ``drive.usercontent.google.com/download``
with hidden ``id``, ``export``, ``confirm``, ``uuid``), or in older pages a ``confirm=XXXX``
link or a ``download_warning`` cookie, gives the URL to ask next. The file streams to
``DIR/.vscbench-download.part`` with a progress line; a ``.part`` left by an interrupted run is
resumed with ``Range: bytes=N-`` (a server that answers 200 instead of 206 restarts it), and
dropped connections are retried that way too.
"""
from __future__ import annotations

import html.parser
import http.client
import http.cookiejar
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import TextIO

from vscbench_pytest.data.progress import Progress, format_size, say
from vscbench_pytest.errors import VscError

PART_NAME = ".vscbench-download.part"
ARCHIVE_NAME = ".vscbench-download.zip"  # a complete download, kept until it is unpacked
CHUNK = 1 << 20
MAX_PAGE = 2 << 20  # the most of an HTML answer read when looking for the confirm form
MAX_PAGES = 3  # confirmation pages followed before giving up
USER_AGENT = "vscbench-pytest (python urllib)"


class DownloadInterrupted(VscError):
    """The connection broke or timed out mid-download; the ``.part`` file can be resumed."""


def require_http(url: str) -> None:
    """A VscError unless ``url`` is http or https."""
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
            pairs = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k != "confirm"]
            pairs.append(("confirm", cookie.value or ""))
            return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(pairs)))
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
                    say(progress, f"{part.name}: the server cannot resume at byte {offset}; "
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
            require_http(following)
            say(progress, "Drive asked to confirm the download (file too large to scan "
                          "for viruses); confirming")
            current = following
        else:
            raise VscError(f"{url}: Google Drive kept answering confirmation pages")
        with response:
            first, total = _content_range(response.headers.get("Content-Range"))
            header = response.headers.get("Content-Length")
            length = int(header) if header and header.isdigit() else None
            if response.status == 206 and first == offset:
                mode = "ab"
            else:
                if offset:
                    say(progress, f"{part.name}: the server sent the whole file "
                                  f"(HTTP {response.status}); starting again")
                offset, mode = 0, "wb"
                total = length
            if total is None and length is not None:
                total = offset + length
            expected = total
            if offset:
                say(progress, f"resuming at {format_size(offset)}")
            meter = Progress(progress, expected, offset)
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
        note = f"; {format_size(kept)} kept in {part}" if kept else ""
        raise DownloadInterrupted(f"{current}: {what} ({type(reason).__name__}: {reason}){note}") from None


def download(url: str, dest: Path, *, timeout: float = 60.0, retries: int = 3,
             retry_wait: float = 2.0, progress: TextIO | None = None) -> tuple[Path, int, int]:
    """Download ``url`` (following Drive's confirmation page) to ``dest/.vscbench-download.zip``,
    resuming a ``.part`` file and retrying an interrupted download ``retries`` times.
    Returns (archive path, bytes resumed from in the last attempt, attempts made)."""
    require_http(url)
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
            say(progress, f"{exc}; retrying in {wait:g} s")
            time.sleep(wait)
    os.replace(part, archive)
    return archive, resumed, attempt
