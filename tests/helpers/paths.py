"""Where this repository's own parts are, for the tests: the checkout, the generators, the
test-only models, and the benchmark's published sheets beside the project (when present)."""
from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"  # generators and test-only models (not shipped)
SUITE = REPO / "tests_safety"
PACKAGE = REPO / "vscbench_pytest"
UPSTREAM = REPO.parent / "shared" / "upstream"
