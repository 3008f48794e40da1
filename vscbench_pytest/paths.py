"""Where the bundled mini benchmark and tiny checkpoints live."""
from __future__ import annotations

import os
from pathlib import Path

from .errors import VscError


def fixtures_dir() -> Path:
    """``$VSCBENCH_FIXTURES``, else the ``fixtures/`` folder beside the package."""
    env = os.environ.get("VSCBENCH_FIXTURES")
    path = Path(env) if env else Path(__file__).resolve().parent.parent / "fixtures"
    if not path.is_dir():
        raise VscError(
            f"bundled fixtures not found at {path}; install from a checkout "
            f"(pip install -e .) or set VSCBENCH_FIXTURES"
        )
    return path


def bundled_data() -> Path:
    """The bundled mini benchmark, in the release layout."""
    return fixtures_dir() / "vscbench-mini"


def bundled_model(name: str) -> Path:
    """A bundled tiny checkpoint folder (``tiny-llava`` or ``tiny-llava-unsafe``)."""
    return fixtures_dir() / "models" / name
