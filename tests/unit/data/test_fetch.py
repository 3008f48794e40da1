"""``vscbench data fetch`` against a local imitation of Google Drive (``vscbench data check`` is in
test_check.py, unpacking on its own in test_unpack.py).

The imitation (``FakeDrive``) answers the first request with Drive's "can't scan this file for
viruses" page (the modern confirm form, an older ``confirm=`` link, or only a
``download_warning`` cookie), then serves a zip the test builds from a real-layout release,
with Content-Length and Range support; it can drop the connection halfway through the first
download, ignore Range, stall, or serve another body.
"""
from __future__ import annotations

import io
import re
import stat
import threading
import time
import urllib.parse
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.helpers.release import make_release
from vscbench_pytest.cli.main import main
from vscbench_pytest.data.check import check_release
from vscbench_pytest.data.download import ARCHIVE_NAME, PART_NAME, DownloadInterrupted, confirm_url
from vscbench_pytest.data.fetch import fetch_release
from vscbench_pytest.data.release import IMAGE_DIR

FILE_ID = "1FakeDriveFileId"
UUID = "7d9e2c5a-0000-4bbb-8ccc-123456789abc"
TOKEN = "Xy12"

WARNING_FORM = """<!DOCTYPE html><html><head><title>Google Drive - Virus scan warning</title></head>
<body><p>Google Drive can't scan this file for viruses.</p>
<form id="download-form" action="{base}/download" method="get">
<input type="submit" id="uc-download-link" value="Download anyway"/>
<input type="hidden" name="id" value="{id}"><input type="hidden" name="export" value="download">
<input type="hidden" name="confirm" value="t"><input type="hidden" name="uuid" value="{uuid}">
</form></body></html>"""
WARNING_LINK = """<html><head><title>Google Drive - Virus scan warning</title></head><body>
<a id="uc-download-link" href="/uc?export=download&amp;confirm={token}&amp;id={id}">Download anyway</a>
</body></html>"""
WARNING_COOKIE = """<html><head><title>Google Drive - Virus scan warning</title></head>
<body>Google Drive can't scan this file for viruses.</body></html>"""
QUOTA = """<html><head><title>Google Drive - Quota exceeded</title></head>
<body>Too many users have viewed or downloaded this file recently.</body></html>"""


class FakeDrive:
    """A local HTTP server that imitates Drive's download flow; ``requests`` logs every answer."""

    def __init__(self) -> None:
        self.body = b""
        self.mode = "form"  # form | link | cookie | direct | quota
        self.drop_first = False  # cut the first download of the file halfway
        self.ranges = True  # honour Range (False: always 200 with the whole file)
        self.stall = False  # send half, then hang until the test ends
        self.requests: list[dict] = []
        self.released = threading.Event()
        self._dropped = False
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return self.base + "/uc"

    def served(self) -> list[dict]:
        """The requests answered with (part of) the file, once their handlers have finished (the
        client can have read every byte before the server thread counts what it sent)."""
        deadline = time.monotonic() + 5
        while not all(r["done"] for r in self.requests) and time.monotonic() < deadline:
            time.sleep(0.005)
        return [r for r in self.requests if r["file"]]

    def close(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        drive = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parts.query))
                record = {"path": parts.path, "query": query, "range": self.headers.get("Range"),
                          "status": 0, "sent": 0, "file": False, "done": False}
                drive.requests.append(record)
                try:
                    self._answer(record, parts, query)
                finally:
                    record["done"] = True

            def _answer(self, record: dict, parts: urllib.parse.SplitResult, query: dict) -> None:
                if query.get("id") != FILE_ID:
                    return self._page(record, 404, "<html><title>Not Found</title>not found</html>")
                if parts.path == "/download":
                    if query.get("confirm") != "t" or query.get("uuid") != UUID:
                        return self._page(record, 400, "<html>bad confirm</html>")
                    return self._file(record)
                if parts.path != "/uc":
                    return self._page(record, 404, "<html>no such page</html>")
                if drive.mode == "direct" or query.get("confirm") == TOKEN:
                    return self._file(record)
                if drive.mode == "form":
                    page = WARNING_FORM.format(base=drive.base, id=FILE_ID, uuid=UUID)
                elif drive.mode == "link":
                    page = WARNING_LINK.format(token=TOKEN, id=FILE_ID)
                elif drive.mode == "cookie":
                    page = WARNING_COOKIE
                else:
                    page = QUOTA
                cookie = f"download_warning_13058876669334088843_{FILE_ID}={TOKEN}; Path=/"
                self._page(record, 200, page, cookie if drive.mode == "cookie" else None)

            def _page(self, record: dict, status: int, page: str, cookie: str | None = None) -> None:
                data = page.encode()
                record["status"] = status
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                if cookie:
                    self.send_header("Set-Cookie", cookie)
                self.end_headers()
                self.wfile.write(data)

            def _file(self, record: dict) -> None:
                body, size = drive.body, len(drive.body)
                record["file"] = True
                match = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
                start = int(match.group(1)) if match and drive.ranges else 0
                if start >= size > 0:
                    record["status"] = 416
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{size}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                record["status"] = 206 if start else 200
                self.send_response(record["status"])
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(size - start))
                self.send_header("Accept-Ranges", "bytes")
                if start:
                    self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
                self.end_headers()
                chunk = body[start:]
                if drive.stall or (drive.drop_first and not drive._dropped):
                    drive._dropped = True
                    chunk = chunk[: size // 2]
                    self.wfile.write(chunk)
                    self.wfile.flush()
                    record["sent"] = len(chunk)
                    if drive.stall:
                        drive.released.wait(30)
                    self.close_connection = True
                    return
                self.wfile.write(chunk)
                record["sent"] = len(chunk)

        return Handler


@pytest.fixture
def drive():
    server = FakeDrive()
    yield server
    server.close()


def zip_tree(top: Path, extra: list[tuple[zipfile.ZipInfo, bytes]] = ()) -> bytes:
    """The files under ``top``'s parent that lie in ``top``, as a zip with ``top`` as its top
    folder (as a release archive may have), plus ``extra`` members."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        for path in sorted(top.rglob("*")):
            zf.write(path, path.relative_to(top.parent).as_posix())
        for info, data in extra:
            zf.writestr(info, data)
    return buffer.getvalue()


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A small release in the real layout (sheets and both image trees)."""
    return make_release(tmp_path / "src" / "VSCBench")


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def fetch(dest: Path, drive: FakeDrive, *extra: str) -> int:
    return main(["data", "fetch", "--to", str(dest), "--url", drive.url, "--id", FILE_ID, *extra])


@pytest.mark.parametrize("mode", ["form", "link", "cookie", "direct"])
def test_fetch_unpacks_and_checks_the_release(drive: FakeDrive, source: Path, tmp_path: Path,
                                              capsys, mode: str) -> None:
    drive.body, drive.mode = zip_tree(source), mode
    dest = tmp_path / "data"
    assert fetch(dest, drive) == 0
    out, err = capsys.readouterr()
    assert tree(dest / "VSCBench") == tree(source)
    assert sorted(p.name for p in dest.iterdir()) == ["VSCBench"]  # no .part or archive left
    assert f"release root {dest.resolve() / 'VSCBench'}" in err
    assert "100.0%" in err
    assert "OK: every image the sheets name exists and decodes" in out
    served = drive.served()
    assert len(served) == 1 and served[0]["sent"] == len(drive.body)
    if mode == "form":
        assert "confirm the download" in err
        assert served[0]["path"] == "/download" and served[0]["query"]["uuid"] == UUID


def test_the_env_variable_sets_the_endpoint(drive: FakeDrive, source: Path, tmp_path: Path,
                                            monkeypatch, capsys) -> None:
    drive.body = zip_tree(source)
    monkeypatch.setenv("VSCBENCH_DRIVE_URL", drive.url)
    assert main(["data", "fetch", "--to", str(tmp_path / "data"), "--id", FILE_ID]) == 0
    assert drive.requests[0]["path"] == "/uc" and drive.requests[0]["query"]["id"] == FILE_ID


@pytest.mark.hardening("fault")
def test_interrupted_download_resumes_on_rerun(drive: FakeDrive, source: Path, tmp_path: Path,
                                               capsys) -> None:
    drive.body, drive.drop_first = zip_tree(source), True
    size, dest = len(drive.body), tmp_path / "data"
    assert fetch(dest, drive, "--retries", "0") == 2
    err = capsys.readouterr().err
    assert f"connection closed at {size // 2} of {size} bytes" in err
    assert "run the same command again to resume" in err
    assert (dest / PART_NAME).stat().st_size == size // 2
    assert not (dest / "VSCBench").exists()

    assert fetch(dest, drive, "--retries", "0") == 0
    err = capsys.readouterr().err
    served = drive.served()
    assert [r["range"] for r in served] == [None, f"bytes={size // 2}-"]
    assert [r["status"] for r in served] == [200, 206]
    assert sum(r["sent"] for r in served) < 2 * size
    assert f"resumed at byte {size // 2}" in err
    assert tree(dest / "VSCBench") == tree(source)


@pytest.mark.hardening("fault")
def test_a_dropped_connection_is_resumed_within_one_run(drive: FakeDrive, source: Path,
                                                        tmp_path: Path) -> None:
    drive.body, drive.drop_first = zip_tree(source), True
    result = fetch_release(tmp_path / "data", file_id=FILE_ID, url=drive.url, retries=2,
                           retry_wait=0, progress=None)
    assert result.attempts == 2 and result.resumed_from == len(drive.body) // 2
    assert sum(r["sent"] for r in drive.served()) == len(drive.body)
    assert check_release(result.root).ok


def test_a_server_ignoring_range_restarts_the_download(drive: FakeDrive, source: Path,
                                                       tmp_path: Path, capsys) -> None:
    drive.body, drive.ranges = zip_tree(source), False
    dest = tmp_path / "data"
    dest.mkdir()
    (dest / PART_NAME).write_bytes(b"stale bytes from another file")
    assert fetch(dest, drive) == 0
    assert "sent the whole file (HTTP 200); starting again" in capsys.readouterr().err
    assert tree(dest / "VSCBench") == tree(source)


def test_a_complete_part_file_is_not_downloaded_again(drive: FakeDrive, source: Path,
                                                      tmp_path: Path) -> None:
    drive.body = zip_tree(source)
    dest = tmp_path / "data"
    dest.mkdir()
    (dest / PART_NAME).write_bytes(drive.body)  # killed after the last byte, before the rename
    assert fetch(dest, drive) == 0
    assert [(r["status"], r["sent"]) for r in drive.served()] == [(416, 0)]
    assert tree(dest / "VSCBench") == tree(source)


@pytest.mark.hardening("fault")
def test_a_stalled_server_times_out_and_keeps_the_part(drive: FakeDrive, source: Path,
                                                       tmp_path: Path) -> None:
    drive.body, drive.stall = zip_tree(source), True
    with pytest.raises(DownloadInterrupted, match="timed out"):
        fetch_release(tmp_path / "data", file_id=FILE_ID, url=drive.url, timeout=0.5,
                      retries=0, progress=None)
    assert (tmp_path / "data" / PART_NAME).stat().st_size == len(drive.body) // 2


def unsafe_member(kind: str, outside: Path) -> tuple[zipfile.ZipInfo, bytes]:
    if kind == "dotdot":
        return zipfile.ZipInfo("VSCBench/../../evil.txt"), b"escaped"
    if kind == "absolute":
        return zipfile.ZipInfo(str(outside / "evil.txt")), b"escaped"
    info = zipfile.ZipInfo("VSCBench/vscbench_image_centric_images/link")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, str(outside).encode()


@pytest.mark.hardening("bad input")
@pytest.mark.parametrize("kind, message", [
    ("dotdot", "climbs out with '..'"),
    ("absolute", "has an absolute path"),
    ("symlink", "is a symbolic link"),
])
def test_an_unsafe_member_is_refused_and_nothing_is_written(
        drive: FakeDrive, source: Path, tmp_path: Path, capsys, kind: str, message: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    info, data = unsafe_member(kind, outside)
    drive.body = zip_tree(source, [(info, data)])
    dest = tmp_path / "box" / "data"
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert fetch(dest, drive) == 2
    err = capsys.readouterr().err
    assert f"vscbench: {dest.resolve() / ARCHIVE_NAME}: refused, nothing unpacked" in err
    assert f"member {info.filename!r} {message}" in err
    assert "the download is removed" in err
    assert list(dest.iterdir()) == []  # nothing unpacked, the refused archive removed
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert after == sorted(before + [Path("box"), Path("box/data")])


@pytest.mark.hardening("bad input")
@pytest.mark.parametrize("mode, body, message", [
    ("direct", b"<?php not a zip at all", "not a zip archive (starts with b'<?php not a zip ')"),
    ("direct", b"PK\x03\x04 truncated zip", "not a zip archive"),
    ("quota", b"", "Google Drive answered a web page, not the archive: 'Google Drive - "
                   "Quota exceeded' (Quota exceeded)"),
])
def test_an_answer_that_is_not_the_archive_is_refused(drive: FakeDrive, tmp_path: Path, capsys,
                                                      mode: str, body: bytes, message: str) -> None:
    drive.body, drive.mode = body, mode
    dest = tmp_path / "data"
    assert fetch(dest, drive) == 2
    err = capsys.readouterr().err
    assert message in err
    assert drive.url in err
    assert list(dest.iterdir()) == []


def test_a_wrong_id_names_the_url(drive: FakeDrive, tmp_path: Path, capsys) -> None:
    assert main(["data", "fetch", "--to", str(tmp_path / "d"), "--url", drive.url,
                 "--id", "nope"]) == 2
    assert f"{drive.url}?export=download&id=nope: HTTP 404" in capsys.readouterr().err


def test_an_archive_without_a_release_is_refused(drive: FakeDrive, tmp_path: Path, capsys) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("photos/cat.png", b"x")
    drive.body = buffer.getvalue()
    assert fetch(tmp_path / "data", drive) == 2
    assert "holds no VSCBench release" in capsys.readouterr().err


def test_an_archive_without_the_sheets_says_what_is_missing(drive: FakeDrive, source: Path,
                                                            tmp_path: Path, capsys) -> None:
    for sheet in source.glob("*.xlsx"):
        sheet.unlink()
    drive.body = zip_tree(source)
    dest = tmp_path / "data"
    assert fetch(dest, drive) == 2
    err = capsys.readouterr().err
    assert f"unpacked the release into {dest.resolve() / 'VSCBench'}, but it cannot be read" in err
    assert "expected vscbench_image_centric.xlsx and vscbench_text_centric.xlsx" in err
    assert (dest / "VSCBench" / IMAGE_DIR / "drugs" / "safe_drugs_0_0.png").is_file()


def test_confirm_url_reads_each_kind_of_warning_page() -> None:
    page = WARNING_FORM.format(base="https://drive.usercontent.google.com", id="F", uuid="U")
    assert confirm_url(page, "https://drive.google.com/uc?export=download&id=F") == (
        "https://drive.usercontent.google.com/download?id=F&export=download&confirm=t&uuid=U")
    assert confirm_url(WARNING_LINK.format(token="T", id="F"), "https://drive.google.com/uc?id=F") == (
        "https://drive.google.com/uc?export=download&confirm=T&id=F")
    assert confirm_url(QUOTA, "https://drive.google.com/uc?id=F") is None
