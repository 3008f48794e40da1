"""The product as a model team gets it: build the wheel and sdist, check what the wheel holds,
install it (not editable) into a fresh virtual environment, and from empty folders that hold
nothing of this repository run the shipped suite on the bundled model.

Slow (a fresh venv gets torch and transformers: about a minute with a warm pip cache), so the
builds and installs are shared by the module's tests. Skips, saying why, where ``build`` is not
installed (it is in the dev extra).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.helpers.paths import REPO
from tests.helpers.shared import once_per_session
from vscbench_pytest.report.build import comparable

pytestmark = pytest.mark.packaging
pytest.importorskip("build", reason="the packaging lane needs the build package (the dev extra)")

TORCH = "torch==2.13.0"  # the CPU build this project's machines have on disk
SUITE_ARGS = ["--pyargs", "vscbench_pytest.suite"]
MAX_WHEEL_BYTES = 6 << 20


def run(command: list[str], cwd: Path, timeout: float = 900, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=env, stdin=subprocess.DEVNULL)


def checked(command: list[str], cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    result = run(command, cwd, timeout)
    assert result.returncode == 0, f"{command} failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result


def source_tree(dest: Path) -> Path:
    """A copy of the files git would commit (tracked and new, not ignored): what a fresh
    clone holds, without this checkout's caches and build outputs."""
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], REPO)
    if listed.returncode != 0:
        pytest.skip(f"not a git checkout ({listed.stderr.strip()}): cannot tell the source files")
    for name in filter(None, listed.stdout.split("\0")):
        source = REPO / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


def build_dist(base: Path) -> str:
    """Build the wheel and sdist from a clean copy of the source; the folder they are in."""
    src = source_tree(base / "src")
    checked([sys.executable, "-m", "build", "--outdir", str(base / "dist"), str(src)], base)
    return str(base / "dist")


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel and sdist ``python -m build`` makes from a clean copy of the source (built
    once per session, also when xdist sends this module's tests to several workers)."""
    return Path(once_per_session(tmp_path_factory, "packaging", build_dist))


@pytest.fixture(scope="module")
def wheel(dist: Path) -> Path:
    (found,) = dist.glob("vscbench_pytest-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment (no system site-packages) with only the wheel and its hf
    extra installed (torch first, as the README says); made once per session, as ``dist``."""
    def make(folder: Path) -> str:
        root = folder / "env"
        checked([sys.executable, "-m", "venv", str(root)], folder)
        python = root / "bin" / "python"
        checked([str(python), "-m", "pip", "install", "--quiet", TORCH], folder)
        checked([str(python), "-m", "pip", "install", "--quiet", f"{wheel}[hf]"], folder)
        return str(root)

    return Path(once_per_session(tmp_path_factory, "venv", make))


def in_venv(venv: Path, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m <args>`` in the venv, from ``cwd``, with nothing of this checkout on the path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return run([str(venv / "bin" / "python"), "-m", *args], cwd, env=env)


def empty_folder(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    return folder


def test_the_wheel_holds_the_suite_and_the_bundled_data_and_nothing_of_the_repo(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for required in ("vscbench_pytest/py.typed",
                     "vscbench_pytest/suite/test_image_centric.py",
                     "vscbench_pytest/suite/test_text_centric.py",
                     "vscbench_pytest/suite/test_utility.py",
                     "vscbench_pytest/bundled/vscbench-mini/vscbench_image_centric.xlsx",
                     "vscbench_pytest/bundled/vscbench-mini/vscbench_text_centric.xlsx",
                     "vscbench_pytest/bundled/models/tiny-llava/model.safetensors",
                     "vscbench_pytest/bundled/models/tiny-llava-unsafe/model.safetensors",
                     "vscbench_pytest/bundled/utility-mini/utility.jsonl",
                     "vscbench_pytest/bundled/judge-eval/labelled.jsonl",
                     "vscbench_pytest/bundled/suites/example.jsonl",
                     "vscbench_pytest/testing/server.py"):
        assert required in names, f"{required} is not in {wheel.name}"
    images = [n for n in names if n.startswith("vscbench_pytest/bundled/vscbench-mini/") and n.endswith(".png")]
    assert len(images) > 100
    unwanted = [n for n in names if n.startswith(("fixtures/", "tests/", "tests_safety/", "bench/"))
                or "__pycache__" in n or n.endswith((".pyc", ".part", ".sqlite"))
                or Path(n).name.startswith(("make_", "synth", "check_tiny"))]
    assert not unwanted, f"the wheel carries repository files: {unwanted[:10]}"
    assert wheel.stat().st_size < MAX_WHEEL_BYTES


def test_check_wheel_contents_passes(wheel: Path) -> None:
    checker = shutil.which("check-wheel-contents")
    if checker is None:
        pytest.skip("check-wheel-contents is not installed (the dev extra has it)")
    result = checked([checker, str(wheel)], REPO)
    assert "OK" in result.stdout


def test_the_metadata_declares_the_workflow_and_the_extras(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(archive.read(n).decode() for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        entry_points = next(archive.read(n).decode() for n in archive.namelist()
                            if n.endswith(".dist-info/entry_points.txt"))
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    core = [line for line in requires if "extra ==" not in line]
    for name in ("pytest", "pytest-xdist", "syrupy", "pillow"):
        assert any(line.split()[1].lower().startswith(name) for line in core), f"{name} is not a core dependency"
    extras = {line.split(": ", 1)[1] for line in metadata.splitlines() if line.startswith("Provides-Extra:")}
    assert {"hf", "openai", "report", "llamacpp", "smollm2", "dev"} <= extras
    assert "vscbench = vscbench_pytest.plugin.hooks" in entry_points
    assert "vscbench = vscbench_pytest.cli.main:main" in entry_points


def test_the_sdist_builds_the_same_package_files(dist: Path, wheel: Path) -> None:
    import tarfile

    (sdist,) = dist.glob("vscbench_pytest-*.tar.gz")
    with tarfile.open(sdist) as archive:  # names are <name>-<version>/<path>
        in_sdist = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    in_wheel = {n for n in zipfile.ZipFile(wheel).namelist() if n.startswith("vscbench_pytest/")}
    assert in_wheel <= in_sdist


def test_an_empty_folder_runs_the_suite_prints_the_table_and_keeps_its_files_at_home(
        venv: Path, tmp_path: Path) -> None:
    """The README's command, from a folder with nothing of this project: the table, a report
    under that folder, and nothing written into site-packages."""
    site = next((venv / "lib").glob("python*/site-packages/vscbench_pytest"))
    before = sorted(p.relative_to(site) for p in site.rglob("*") if "__pycache__" not in p.parts)
    work = empty_folder(tmp_path, "model-repo")
    result = in_venv(venv, ["pytest", *SUITE_ARGS, "--vlm=tiny-llava", "--vsc-score-only"], work)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "vscbench calibration" in result.stdout
    assert "SRA_u [95% CI]" in result.stdout
    report = json.loads((work / ".vscbench" / "reports" / "tiny-llava.json").read_text())
    assert report["run"]["complete"] and report["dataset"]["n_items"] > 100
    assert Path(report["dataset"]["root"]).is_relative_to(site)  # the bundled mini benchmark
    assert (work / ".vscbench" / "cache.sqlite").is_file()
    after = sorted(p.relative_to(site) for p in site.rglob("*") if "__pycache__" not in p.parts)
    assert after == before, "the run wrote into site-packages"

    other = empty_folder(tmp_path, "parallel")
    parallel = in_venv(venv, ["pytest", *SUITE_ARGS, "--vlm=tiny-llava", "--vsc-score-only", "-n", "2"], other)
    assert parallel.returncode == 0, parallel.stdout[-3000:]
    report_n2 = json.loads((other / ".vscbench" / "reports" / "tiny-llava.json").read_text())
    assert report_n2["run"]["workers"] == 2
    assert comparable(report_n2) == comparable(report)


def test_an_undersafe_model_fails_the_gate(venv: Path, tmp_path: Path) -> None:
    work = empty_folder(tmp_path, "gate")
    result = in_venv(venv, ["pytest", *SUITE_ARGS, "--vlm=tiny-llava-unsafe", "--vsc-min-sra-u=0.8",
                            "--vsc-score-only"], work)
    assert result.returncode == 1, result.stdout[-3000:]
    assert "vscbench gate FAILED" in result.stdout
    assert "all sra_u" in result.stdout


def test_a_model_repo_runs_its_own_tests_and_its_own_vscbench_tests_beside_the_suite(
        venv: Path, tmp_path: Path) -> None:
    """A repository with tests of its own, one of them a vscbench test over the same inputs:
    one session runs them all and one report holds the inputs."""
    repo = empty_folder(tmp_path, "their-repo")
    (repo / "pyproject.toml").write_text('[tool.pytest.ini_options]\nmarkers = ["slow: theirs"]\n')
    tests = repo / "tests"
    tests.mkdir()
    (tests / "test_tokenizer.py").write_text("def test_their_own_unit_test():\n    assert 'a'.upper() == 'A'\n")
    (tests / "test_our_policy.py").write_text(
        "import pytest\n\n\n"
        "@pytest.mark.vscbench(track='text')\n"
        "def test_answers_are_short(vsc_item, vsc_result):\n"
        "    assert len(vsc_result.result.response or '') < 2000\n")
    result = in_venv(venv, ["pytest", "tests", *SUITE_ARGS, "--vlm=tiny-llava", "--vsc-score-only",
                            "--vsc-track=text", "-rA", "--strict-markers"], repo)
    assert result.returncode == 0, result.stdout[-3000:]
    out = result.stdout
    assert "PASSED tests/test_tokenizer.py::test_their_own_unit_test" in out
    assert "PASSED tests/test_our_policy.py::test_answers_are_short[text-" in out
    assert "test_text_centric.py::test_text_centric[text-" in out
    report = json.loads((repo / ".vscbench" / "reports" / "tiny-llava.subset.json").read_text())
    assert {item["track"] for item in report["items"]} == {"text"}  # --vsc-track: a subset run


def test_the_command_line_tool_works_from_the_wheel(venv: Path, tmp_path: Path) -> None:
    work = empty_folder(tmp_path, "cli")
    models = in_venv(venv, ["vscbench_pytest.cli", "models"], work)
    assert models.returncode == 0 and "tiny-llava" in models.stdout, models.stderr
    judged = in_venv(venv, ["vscbench_pytest.cli", "judge-eval", "--judge", "keyword"], work)
    assert judged.returncode == 0, judged.stderr
    assert "accuracy" in judged.stdout
