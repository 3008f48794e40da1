"""The small ``vscbench`` commands: ``--version``, ``models``, ``cache stats|clear`` and
``data [counts]`` next to ``data check`` (real files, a real cache, a real tiny-model run)."""
from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

from tests.helpers.paths import SUITE
from tests.helpers.release import make_release
from vscbench_pytest import __version__
from vscbench_pytest.cli.main import main
from vscbench_pytest.runtime.cache import ResponseCache

ROOT = Path(__file__).resolve().parents[3]


def vscbench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vscbench_pytest.cli", *args],
                          capture_output=True, text=True, timeout=120)


# --- --version -----------------------------------------------------------------------------------

def test_version_prints_the_package_version() -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    proc = vscbench("--version")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, f"vscbench {version}\n", "")
    assert __version__ == version
    assert "--version" in vscbench("--help").stdout


# --- models ------------------------------------------------------------------------------------------

def test_models_columns_line_up() -> None:
    from vscbench_pytest.backends.registry import ALIASES, BUNDLED, PACKAGED

    proc = vscbench("models")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["name", "kind", "what"]
    assert len(lines) == 1 + len(BUNDLED) + len(PACKAGED) + len(ALIASES)
    kind_at, what_at = lines[0].index("kind"), lines[0].index("what")
    for line in lines[1:]:  # every second and third column starts under its header
        assert line[kind_at - 2:kind_at] == "  " and line[kind_at] != " ", line
        assert line[what_at - 2:what_at] == "  " and line[what_at] != " ", line
    assert "tiny-llava-unsafe  bundled" in proc.stdout  # the longest name no longer pushes its row


# --- cache ------------------------------------------------------------------------------------------

OLD_SCHEMA = """
CREATE TABLE responses (
    key TEXT PRIMARY KEY, backend TEXT NOT NULL, model TEXT NOT NULL, uid TEXT NOT NULL,
    text TEXT, error TEXT, attempts INTEGER NOT NULL, run TEXT NOT NULL, created REAL NOT NULL
);
CREATE TABLE verdicts (
    key TEXT PRIMARY KEY, judge TEXT NOT NULL, verdict TEXT NOT NULL, reason TEXT NOT NULL,
    raw TEXT NOT NULL, created REAL NOT NULL
);
CREATE TABLE claims (
    key TEXT PRIMARY KEY, run TEXT NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL,
    claimed REAL NOT NULL
);
PRAGMA user_version=2;
"""


def old_cache(path: Path) -> Path:
    """A cache as the previous release wrote it: no model name column; two answers, one error."""
    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMA)
    for key, error in (("k1", None), ("k2", None), ("k3", "boom")):
        db.execute("INSERT INTO responses VALUES (?, 'hf', 'sha256:old', 'u', 'ok', ?, 1, 'r0', 0)",
                   (key, error))
    db.commit()
    db.close()
    return path


def test_an_old_cache_stays_readable_and_gains_model_names(tmp_path: Path, capsys) -> None:
    path = old_cache(tmp_path / "cache.sqlite")
    cache = ResponseCache(path, run="r1")
    assert cache.get("k1") is not None and cache.get("k1").text == "ok"  # type: ignore[union-attr]
    cache.put("k4", backend="hf", model="sha256:new", uid="u4", text="hi", error=None, attempts=1,
              spec="tiny-llava")
    cache.close()
    assert main(["cache", "stats", "--path", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{path}: 4 response(s) (3 answers a run can reuse, 1 error(s)), "
                             f"0 judge verdict(s), ")
    assert out[1].split() == ["model", "answers", "errors", "fingerprint"]
    assert out[2].split() == ["tiny-llava", "1", "0", "sha256:new"]  # by fingerprint
    assert out[3].split() == ["(not", "recorded)", "2", "1", "sha256:old"]
    assert len({line.index("sha256") for line in out[2:]}) == 1  # aligned
    # what clear removes is what stats counts: every row of the model, answers and errors
    assert main(["cache", "clear", "--path", str(path), "--model", "sha256:old"]) == 0
    assert capsys.readouterr().out == (f"removed 3 response(s) of model sha256:old (answers and "
                                       f"errors) from {path}\n")
    assert main(["cache", "clear", "--path", str(path), "--model", "tiny-llava"]) == 0  # by name
    assert "removed 1 response(s)" in capsys.readouterr().out


def test_a_newer_cache_format_is_refused_naming_the_fix(tmp_path: Path, capsys) -> None:
    path = tmp_path / "cache.sqlite"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version=99")
    db.close()
    assert main(["cache", "stats", "--path", str(path)]) == 2
    assert "has cache format 99" in capsys.readouterr().err


def test_a_run_records_its_model_name_in_the_cache(tmp_path: Path) -> None:
    """A real tiny-llava run of 8 inputs; ``cache stats`` names the model beside the
    fingerprint, and ``cache clear`` removes as many rows as stats counted."""
    cache = tmp_path / "cache.sqlite"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", str(SUITE), "-p", "no:cacheprovider", "-q",
         "--vlm=tiny-llava", "--vsc-score-only", "--vsc-max-new-tokens=8", "--vsc-track=text",
         "--vsc-variant=text", f"--vsc-cache={cache}", f"--vsc-report={tmp_path / 'r.json'}",
         "--rootdir", str(tmp_path)], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert run.returncode in (0, 1), run.stdout[-2000:] + run.stderr[-2000:]
    stats = json.loads(vscbench("cache", "stats", "--path", str(cache), "--json").stdout)
    assert [m["specs"] for m in stats["models"]] == [["tiny-llava"]]
    assert stats["responses"] == 24  # 8 types x 3 queries, plain-text variant
    table = vscbench("cache", "stats", "--path", str(cache)).stdout
    assert re.search(r"^tiny-llava +24 +0 +sha256:[0-9a-f]{64}$", table, re.M), table
    cleared = vscbench("cache", "clear", "--path", str(cache))
    assert cleared.stdout.startswith(f"removed {stats['responses']} response(s)")


def test_cache_on_a_missing_file_exits_2_with_one_line(tmp_path: Path) -> None:
    proc = vscbench("cache", "stats", "--path", str(tmp_path / "nope.sqlite"))
    assert proc.returncode == 2
    assert proc.stderr == (f"vscbench: {tmp_path / 'nope.sqlite'}: no response cache here "
                           f"(pytest writes .vscbench/cache.sqlite)\n")


# --- data counts and data check -------------------------------------------------------------------

def test_data_counts_prints_the_table_data_check_prints(tmp_path: Path) -> None:
    root = make_release(tmp_path / "r")
    counts, check = vscbench("data", str(root)), vscbench("data", "check", str(root))
    assert counts.returncode == check.returncode == 0
    table = [line for line in check.stdout.splitlines() if line.startswith(("counts per", "  "))]
    assert table and [line for line in counts.stdout.splitlines()
                      if line.startswith(("counts per", "  "))] == table
    assert counts.stdout.splitlines()[0] == check.stdout.splitlines()[0]  # "release ROOT (sheets ...)"
    assert vscbench("data", "counts", str(root)).stdout == counts.stdout


def test_data_counts_and_check_share_their_json(tmp_path: Path) -> None:
    root = make_release(tmp_path / "r")
    counts = json.loads(vscbench("data", str(root), "--json").stdout)
    check = json.loads(vscbench("data", "check", str(root), "--json").stdout)
    for key in ("root", "fingerprint", "n_items", "skipped", "duplicates", "by_category", "by_variant"):
        assert counts[key] == check[key], key
    assert sum(counts["counts"].values()) == counts["n_items"]


@pytest.mark.parametrize("command", [["data"], ["data", "counts"], ["data", "check"]])
def test_data_on_a_bad_root_names_the_command_not_the_pytest_flag(tmp_path: Path, command: list[str]) -> None:
    proc = vscbench(*command, str(tmp_path / "nowhere"))
    assert proc.returncode == 2
    name = "check" if "check" in command else "counts"
    assert proc.stderr == f"vscbench: data {name}: {tmp_path / 'nowhere'} is not a folder\n"


def test_data_check_finding_a_problem_exits_1(tmp_path: Path) -> None:
    root = make_release(tmp_path / "r")
    next((root / "vscbench_image_centric_images").rglob("*.png")).unlink()
    proc = vscbench("data", "check", str(root))
    assert proc.returncode == 1 and "PROBLEMS: 1 missing" in proc.stdout
    assert vscbench("data", str(root)).returncode == 0  # counting opens no image
