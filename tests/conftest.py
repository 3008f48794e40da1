"""Shared fixtures for the project's own tests, and their Hypothesis profiles.

The profiles live here, not in a root conftest, so that running the suite (tests_safety)
never imports Hypothesis. ``ci`` loads when CI is set.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

pytest_plugins = ["pytester", "tests.helpers.hardening"]

settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile(
    "ci", max_examples=100, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture
def release(tmp_path: Path) -> Path:
    """A small release root (2 image rows, 2 text rows) with every image present."""
    from tests.helpers.release import make_release

    return make_release(tmp_path / "release")


@pytest.fixture(autouse=True)
def _private_vscbench_home(tmp_path_factory, monkeypatch):
    """Keep the checkpoint-hash memo of test runs out of the real home folder."""
    monkeypatch.setenv("VSCBENCH_HOME", str(tmp_path_factory.getbasetemp() / "vscbench-home"))
