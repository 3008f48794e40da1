"""Content fingerprints: what a cache key, a report and a model's identity are made of.

A big file's hash is remembered by path, size and modification time in
``$VSCBENCH_HOME/file-hashes.json`` (default ``~/.cache/vscbench``), so xdist workers and
later runs do not read a multi-GB checkpoint again.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

MEMO_MIN_BYTES = 16 << 20  # files this big have their hash remembered by (path, size, mtime)


def _memo_path() -> Path:
    return Path(os.environ.get("VSCBENCH_HOME") or Path.home() / ".cache" / "vscbench") / "file-hashes.json"


def _load_memo() -> dict[str, str]:
    try:
        memo = json.loads(_memo_path().read_text())
        return memo if isinstance(memo, dict) else {}
    except (OSError, ValueError):
        return {}


def _save_memo(memo: dict[str, str]) -> None:
    """Write the memo atomically; a memo that cannot be written only costs time."""
    path = _memo_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(memo, sort_keys=True))
        os.replace(tmp, path)
    except OSError:
        pass


def file_sha256(path: Path, memo: dict[str, str]) -> str:
    """sha256 of a file; big files are looked up in (and added to) ``memo`` by path, size, mtime."""
    stat = path.stat()
    key = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    if key in memo:
        return memo[key]
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            digest.update(chunk)
    if stat.st_size >= MEMO_MIN_BYTES:
        memo[key] = digest.hexdigest()
    return digest.hexdigest()


def fingerprint_file(path: Path) -> str:
    """``sha256:`` and the hash of one file (a GGUF holds weights, tokenizer and template);
    a big file's hash is remembered."""
    memo = _load_memo()
    known = len(memo)
    digest = file_sha256(path, memo)
    if len(memo) != known:
        _save_memo(memo)
    return "sha256:" + digest


def fingerprint_folder(folder: Path, suffixes: Iterable[str]) -> str:
    """``sha256:`` over the relative names and content hashes of the folder's files with one
    of ``suffixes`` (a checkpoint's weights, config, processor and template)."""
    wanted = tuple(suffixes)
    memo = _load_memo()
    known = len(memo)
    digest = hashlib.sha256()
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in wanted)
    for path in files:
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(file_sha256(path, memo).encode() + b"\0")
    if len(memo) != known:
        _save_memo(memo)
    return "sha256:" + digest.hexdigest()


def fingerprint_files(paths: list[Path]) -> str:
    """sha256 over the names and bytes of the given files (absent files count as empty)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0")
        if path.is_file():
            with path.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()
