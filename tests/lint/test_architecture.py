"""The architecture and style, checked: the import contracts (lint-imports), ruff and mypy pass
on the package, and a contract really fails on an upward import. Configured in pyproject.toml;
the tools come with the dev extra (a missing tool is a skip that says so)."""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.paths import PACKAGE, REPO

pytestmark = pytest.mark.lint
MAX_MODULE_LINES = 400
MAX_HOOK_LINES = 30
TOP_LEVEL_MODULES = {"__init__.py", "errors.py", "exit_codes.py"}


def tool(name: str) -> str:
    path = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if path is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[dev]')")
    return path


def run(command: list[str], cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)


def copy_code(dest: Path) -> None:
    """The package's code (not its bundled data) and pyproject.toml, into ``dest``."""
    def skip(folder: str, names: list[str]) -> set[str]:
        if Path(folder).name == "bundled":
            return {name for name in names if name != "__init__.py"}
        return {"__pycache__"} & set(names)

    shutil.copytree(PACKAGE, dest / "vscbench_pytest", ignore=skip)
    shutil.copy(REPO / "pyproject.toml", dest / "pyproject.toml")


def test_the_import_contracts_are_kept() -> None:
    result = run([tool("lint-imports")])
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Contracts: 2 kept, 0 broken" in result.stdout


def test_an_upward_import_breaks_the_layers_contract(tmp_path: Path) -> None:
    """A copy of the package where the records layer imports the session layer: lint-imports
    must fail and name both."""
    copy_code(tmp_path)
    items = tmp_path / "vscbench_pytest" / "records" / "items.py"
    items.write_text(items.read_text() + "\nfrom vscbench_pytest.session import state  # noqa: E402,F401\n")
    result = run([tool("lint-imports")], cwd=tmp_path)
    assert result.returncode == 1
    assert "vscbench_pytest.records is not allowed to import vscbench_pytest.session" in result.stdout
    assert "BROKEN" in result.stdout


def test_a_pytest_import_outside_the_plugin_breaks_its_contract(tmp_path: Path) -> None:
    copy_code(tmp_path)
    gate = tmp_path / "vscbench_pytest" / "scoring" / "gate.py"
    gate.write_text(gate.read_text() + "\nimport pytest  # noqa: E402,F401\n")
    result = run([tool("lint-imports")], cwd=tmp_path)
    assert result.returncode == 1
    assert "vscbench_pytest.scoring.gate -> pytest" in result.stdout


def test_ruff_passes() -> None:
    result = run([tool("ruff"), "check", "vscbench_pytest", "tests", "tests_safety", "bench", "fixtures", "docs",
                  "conftest.py"])
    assert result.returncode == 0, result.stdout[-4000:]


def test_mypy_passes_on_the_package() -> None:
    tool("mypy")
    result = run([sys.executable, "-m", "mypy"])
    assert result.returncode == 0, result.stdout[-4000:]


def _python_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "bundled" not in p.relative_to(PACKAGE).parts)


def test_no_module_is_over_400_lines() -> None:
    long = {str(p.relative_to(REPO)): n for p in _python_modules()
            if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert not long


def test_the_package_top_holds_only_sub_packages_and_a_few_modules() -> None:
    modules = {p.name for p in PACKAGE.glob("*.py")}
    assert modules <= TOP_LEVEL_MODULES
    assert (PACKAGE / "py.typed").is_file()


def test_plugin_hooks_are_thin() -> None:
    tree = ast.parse((PACKAGE / "plugin" / "hooks.py").read_text())
    hooks = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("pytest_")]
    assert len(hooks) >= 10
    long = {h.name: h.end_lineno - h.lineno + 1 for h in hooks if h.end_lineno - h.lineno + 1 > MAX_HOOK_LINES}
    assert not long


def test_every_module_has_a_docstring_and_postponed_annotations() -> None:
    lacking = []
    for path in _python_modules():
        tree = ast.parse(path.read_text())
        future = any(isinstance(n, ast.ImportFrom) and n.module == "__future__" for n in tree.body)
        if ast.get_docstring(tree) is None or (tree.body[1:] and not future):
            lacking.append(str(path.relative_to(REPO)))
    assert not lacking


def test_no_private_name_is_imported_from_another_module() -> None:
    """A helper two modules need has one public home; ``_private`` names stay in their module."""
    found = []
    for path in _python_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("vscbench_pytest"):
                found += [f"{path.relative_to(REPO)}: {node.module}.{a.name}" for a in node.names
                          if a.name.startswith("_")]
    assert not found


def test_the_plugin_imports_nothing_heavy() -> None:
    """Every pytest run in an environment imports the pytest11 module: it must not pull in
    torch, transformers, PIL, openai, matplotlib or numpy (they load inside the functions)."""
    code = ("import sys, vscbench_pytest.plugin.hooks, vscbench_pytest.cli.main; "
            "print(sorted(m for m in ('torch', 'transformers', 'PIL', 'openai', 'matplotlib', 'numpy') "
            "if m in sys.modules))")
    result = run([sys.executable, "-c", code])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
