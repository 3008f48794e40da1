"""Make an expensive result once per test session, also under xdist.

A module-scoped fixture runs again on every xdist worker that gets one of its tests. With
``once_per_session`` the first worker to need the result makes it, under a file lock in the
folder all workers share, and the others read what it wrote (pytest-xdist's documented recipe
for session data).
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


def once_per_session(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], Any]) -> Any:
    """``make(folder)``'s JSON value, made once per session: ``folder`` is a new temporary folder,
    kept for the session, so the value may name files in it."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # not under xdist: nothing to share
        return make(tmp_path_factory.mktemp(name))
    from filelock import FileLock  # in the dev extra (and a dependency of torch)

    shared = tmp_path_factory.getbasetemp().parent  # the session's folder, above each worker's
    value = shared / f"{name}.json"
    with FileLock(str(shared / f"{name}.lock")):
        if not value.is_file():
            value.write_text(json.dumps(make(tmp_path_factory.mktemp(name))))
    return json.loads(value.read_text())
