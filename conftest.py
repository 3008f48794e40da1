"""This repository's root conftest: keep a checkout honest about what it tests.

- ``tests_safety/`` must collect every suite module the wheel ships (vscbench_pytest/suite/),
  so a checkout and an installed wheel run the same tests; a missing pointer stops the run.
- The header says which vscbench_pytest is under test, and warns when it is not this checkout
  (an installed wheel shadowing it, say).
- Generators, benchmarks and build outputs are never collected (``build/lib`` holds a copy of
  the suite after ``python -m build``).
"""
from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SUITE_POINTERS = HERE / "tests_safety"
collect_ignore = ["build", "dist", "fixtures", "bench", ".venv"]


def _shipped_suite_modules() -> list[str]:
    import vscbench_pytest.suite

    return sorted(p.name for p in Path(vscbench_pytest.suite.__file__).parent.glob("test_*.py"))


def pytest_configure(config: pytest.Config) -> None:
    """Stop when tests_safety/ lacks a pointer to a suite module the package ships."""
    missing = [name for name in _shipped_suite_modules() if not (SUITE_POINTERS / name).is_file()]
    if missing:
        raise pytest.UsageError(
            f"tests_safety/ has no pointer for {', '.join(missing)} (vscbench_pytest/suite/): add "
            f"a module importing its test, so this checkout runs what the wheel ships")


def pytest_report_header(config: pytest.Config) -> str:
    """Which vscbench_pytest this session tests."""
    import vscbench_pytest

    package = Path(vscbench_pytest.__file__).resolve().parent
    where = "this checkout" if package.parent == HERE else "NOT this checkout"
    return f"vscbench_pytest {vscbench_pytest.__version__} from {package} ({where})"
