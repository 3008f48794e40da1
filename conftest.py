"""Root conftest: Hypothesis profiles (``ci`` loads when CI is set) and little else."""
from __future__ import annotations

import os

try:
    from hypothesis import HealthCheck, settings
except ImportError:  # the suite runs without the dev extra
    settings = None

if settings is not None:
    settings.register_profile("dev", max_examples=60, deadline=None)
    settings.register_profile(
        "ci", max_examples=100, deadline=None, derandomize=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.load_profile("ci" if os.environ.get("CI") else "dev")
