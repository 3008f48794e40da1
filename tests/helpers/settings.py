"""Settings read from a stand-in pytest config (no session): what the option tests use."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from vscbench_pytest.plugin.options import read_settings
from vscbench_pytest.session.settings import Settings


class FakeConfig:
    """Just what read_settings uses: getoption, getini, rootpath."""

    def __init__(self, options: dict | None = None, ini: dict | None = None, root: Path = Path("/r")):
        self.options = options or {}
        self.ini = ini or {}
        self.rootpath = root

    def getoption(self, name: str):
        return self.options.get(name)

    def getini(self, name: str):
        return self.ini.get(name, [] if name == "vsc_gate" else "")


def settings(**options: Any) -> Settings:
    return read_settings(FakeConfig({k.replace("-", "_"): v for k, v in options.items()}))
