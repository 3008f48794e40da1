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
