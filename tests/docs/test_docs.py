"""The manual cannot drift from the code: the generated pages (options, the ``vscbench``
command, exit codes) are what ``docs/generate.py`` makes now, every option ``pytest --help``
lists and every ``vscbench`` subcommand has its place, the README stays short and keeps the
commands others rely on, and ``mkdocs build --strict`` passes (built into a temporary folder).
"""
from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.helpers.paths import REPO
from vscbench_pytest.exit_codes import exit_code_table

DOCS = REPO / "docs"
README = REPO / "README.md"
README_MAX_BYTES = 10_000
HELP_GROUP = "VSCBench safety calibration:"


def generator() -> ModuleType:
    """``docs/generate.py``, imported from its file (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("vscbench_docs_generate", DOCS / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # mkdocs-material's banner, not ours
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL, env=env)


@pytest.mark.parametrize("name", ["options.md", "cli.md", "exit-codes.md", "README.md"])
def test_generated_text_is_current(name: str) -> None:
    pages = {path.name: text for path, text in generator().pages().items()}
    path = README if name == "README.md" else DOCS / name
    assert path.read_text(encoding="utf-8") == pages[name], (
        f"{path.relative_to(REPO)} differs from what its source gives: run `python docs/generate.py`")


def test_the_check_fails_on_a_stale_page_and_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    gen = generator()
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text(README.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(gen, "ROOT", tmp_path)
    monkeypatch.setattr(gen, "DOCS", tmp_path / "docs")
    monkeypatch.setattr(gen, "README", tmp_path / "README.md")
    assert gen.main(["--check"]) == 1  # the pages are missing
    assert gen.main([]) == 0 and gen.main(["--check"]) == 0
    stale = (tmp_path / "docs" / "options.md")
    stale.write_text(stale.read_text(encoding="utf-8").replace("`--vsc-timeout`", "`--vsc-wait`"), encoding="utf-8")
    assert gen.main(["--check"]) == 1
    assert "docs/options.md" in capsys.readouterr().err
    assert gen.main([]) == 0 and gen.main(["--check"]) == 0  # rewritten
    assert "`--vsc-timeout`" in stale.read_text(encoding="utf-8")


def test_readme_and_exit_code_page_carry_exactly_the_table() -> None:
    table = "\n".join(exit_code_table())
    for path in (README, DOCS / "exit-codes.md"):
        text = path.read_text(encoding="utf-8")
        assert text.count(table) == 1, f"{path.name}: the exit-code table of vscbench_pytest/exit_codes.py"
        assert text.count("| program | exit |") == 1, f"{path.name}: a second exit-code table"


def pytest_help_options(cwd: Path) -> list[str]:
    """The options ``pytest --help`` lists in the plugin's group."""
    done = run([sys.executable, "-m", "pytest", "--help", "-p", "no:cacheprovider"], cwd)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    start = lines.index(HELP_GROUP) + 1
    options = []
    for line in lines[start:]:
        if line and not line.startswith(" "):  # the next group
            break
        match = re.match(r"^\s{2}(--[a-z0-9-]+)", line)
        if match:
            options.append(match.group(1))
    return options


def test_the_options_page_has_every_option_pytest_help_lists(tmp_path: Path) -> None:
    options = pytest_help_options(tmp_path)
    assert "--vlm" in options and "--vsc-min-sra-u" in options and len(options) > 30
    page = (DOCS / "options.md").read_text(encoding="utf-8")
    missing = [option for option in options if f"| `{option}` |" not in page]
    assert not missing, f"docs/options.md lacks {missing}: run `python docs/generate.py`"


def test_every_vscbench_subcommand_has_its_section(tmp_path: Path) -> None:
    done = run([sys.executable, "-m", "vscbench_pytest.cli", "-h"], tmp_path)
    listed = re.search(r"\{([a-z,-]+)\}", done.stdout)
    assert done.returncode == 0 and listed, done.stdout + done.stderr
    names = generator().subcommand_names()
    assert set(listed.group(1).split(",")) <= set(names)
    assert {"data check", "data fetch", "data counts"} <= set(names)
    page = (DOCS / "cli.md").read_text(encoding="utf-8")
    for name in names:
        assert f"## `vscbench {name}`" in page, f"docs/cli.md has no section for `vscbench {name}`"
        assert f"usage: vscbench {name}" in page


def test_readme_is_short_and_keeps_the_commands_others_rely_on() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.encode()) <= README_MAX_BYTES, f"README.md is {len(text.encode())} bytes: move text to docs/"
    ci_command = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()
                  if line.strip().startswith("python -m pytest")]
    assert ci_command and ci_command[-1] in text, ".ci/run must call the README's test command"
    assert "pytest --pyargs vscbench_pytest.suite --vlm=" in text  # running from your own repository
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if not target.startswith(("http://", "https://")):
            assert (REPO / target).exists(), f"README.md links to {target}, which does not exist"
    workflow = (DOCS / "examples" / "vscbench-gate.yml").read_text(encoding="utf-8")
    for block in re.findall(r"```yaml\n(.*?)```", text, flags=re.S):
        assert block in workflow, "the README's workflow excerpt must be a slice of docs/examples/vscbench-gate.yml"


def test_every_page_is_in_the_nav() -> None:
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    pages = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))
    assert pages and all(f": {page}" in config for page in pages), (
        f"mkdocs.yml nav lacks {[p for p in pages if f': {p}' not in config]}")


def test_mkdocs_build_strict(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (it comes with the dev extra): "
                        "the manual's strict build is not checked")
    pytest.importorskip("material", reason="mkdocs-material is not installed (the dev extra): "
                        "the manual's theme is missing")
    site = tmp_path / "site"
    done = run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
                str(REPO / "mkdocs.yml"), "--site-dir", str(site)], tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for page in ("index.html", "options/index.html", "ci/index.html", "exit-codes/index.html"):
        assert (site / page).is_file(), page
    assert "--vsc-min-sra-u" in (site / "options" / "index.html").read_text(encoding="utf-8")
