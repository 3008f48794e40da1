"""Shared fixtures for the project's own tests."""
from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]


@pytest.fixture
def release(tmp_path: Path) -> Path:
    """A small release root (2 image rows, 2 text rows) with every image present."""
    from release import make_release

    return make_release(tmp_path / "release")


@pytest.fixture(autouse=True)
def _private_vscbench_home(tmp_path_factory, monkeypatch):
    """Keep the checkpoint-hash memo of test runs out of the real home folder."""
    monkeypatch.setenv("VSCBENCH_HOME", str(tmp_path_factory.getbasetemp() / "vscbench-home"))
