"""Shared fixtures for the project's own tests, and their Hypothesis profiles.

The profiles live here, not in a root conftest, so that running the suite (tests_safety)
never imports Hypothesis. ``ci`` loads when CI is set.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from vscbench_pytest.util.cores import share_of_cores

pytest_plugins = ["pytester", "tests.helpers.hardening"]

settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile(
    "ci", max_examples=100, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def _share_the_cores_among_xdist_workers() -> None:
    """Under ``pytest tests -n N``, give torch in each worker (and in the runs it starts) its
    share of the cores, as the plugin does for its own workers. Without it every process
    starts one OpenMP thread per core, and on a busy machine those threads wait on each other:
    the models then run many times slower (tests that run them took 10 to 60 times as long as
    alone). A value already set is kept."""
    workers = os.environ.get("PYTEST_XDIST_WORKER_COUNT")
    if workers and workers.isdigit() and int(workers) > 0:
        os.environ.setdefault("OMP_NUM_THREADS", str(share_of_cores(int(workers))))


_share_the_cores_among_xdist_workers()


@pytest.fixture
def release(tmp_path: Path) -> Path:
    """A small release root (2 image rows, 2 text rows) with every image present."""
    from tests.helpers.release import make_release

    return make_release(tmp_path / "release")


@pytest.fixture(autouse=True)
def _private_vscbench_home(tmp_path_factory, monkeypatch):
    """Keep the checkpoint-hash memo of test runs out of the real home folder."""
    monkeypatch.setenv("VSCBENCH_HOME", str(tmp_path_factory.getbasetemp() / "vscbench-home"))
