"""Put the safety suite into a pytester folder and read back what a run wrote."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.helpers.paths import SUITE

XDIST_MODES = {"plain": [], "n0": ["-n", "0"], "n2": ["-n", "2"]}


def install_suite(pytester) -> Path:
    """Copy the suite's test modules into the pytester folder; returns the report path to use."""
    for module in sorted(SUITE.glob("test_*.py")):
        shutil.copy(module, pytester.path / module.name)
    return pytester.path / "report.json"


def write_replay(path: Path, responses: dict[str, str]) -> Path:
    path.write_text("".join(json.dumps({"uid": u, "response": r}) + "\n" for u, r in responses.items()))
    return path


def load_json(path: Path) -> dict:
    return json.loads(Path(path).read_text())
