"""The data shipped inside the package: the mini benchmark, the tiny checkpoints, the utility
set, the labelled judge-eval sets, an example suite, and the benchmark's own evaluation
strings (``paper/``, quoted with attribution for ``--vsc-protocol=paper``).

The folders beside this module are package data (made by the generators in the repository's
``fixtures/``); these functions say where they are, in a checkout and in an installed wheel.
"""
from __future__ import annotations

from pathlib import Path

from vscbench_pytest.errors import VscError


def bundled_dir() -> Path:
    """The folder holding the bundled data (this package's own folder)."""
    return Path(__file__).resolve().parent


def _existing(path: Path, what: str) -> Path:
    if not path.exists():
        raise VscError(f"the bundled {what} is missing at {path}; the installation is incomplete "
                       f"(reinstall vscbench-pytest)")
    return path


def bundled_data() -> Path:
    """The bundled mini benchmark, in the release layout."""
    return _existing(bundled_dir() / "vscbench-mini", "mini benchmark")


def bundled_model(name: str) -> Path:
    """A bundled tiny checkpoint folder (``tiny-llava`` or ``tiny-llava-unsafe``); the caller
    says when it is missing."""
    return bundled_dir() / "models" / name


def utility_set() -> Path:
    """The bundled utility questions (``--vsc-utility=bundled``)."""
    return _existing(bundled_dir() / "utility-mini" / "utility.jsonl", "utility set")


JUDGE_EVAL_SETS = {"blind": "blind.jsonl", "project": "labelled.jsonl"}  # the first is the default


def judge_eval_set(name: str = "blind") -> Path:
    """A bundled labelled set ``vscbench judge-eval`` scores a judge on (``JUDGE_EVAL_SETS``)."""
    return _existing(bundled_dir() / "judge-eval" / JUDGE_EVAL_SETS[name], f"labelled judge-eval set {name!r}")


def example_suite() -> Path:
    """The example of an own suite (``--vsc-data=<this path>``)."""
    return _existing(bundled_dir() / "suites" / "example.jsonl", "example suite")


def paper_text(name: str) -> str:
    """One of the benchmark's own evaluation strings in ``paper/`` (``judge_prompt.txt``,
    ``figstep_instruction.txt``), byte for byte."""
    return _existing(bundled_dir() / "paper" / name, f"paper protocol text {name}").read_bytes().decode("utf-8")
