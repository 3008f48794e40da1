"""Untrusted content stays data: no checkpoint code runs unless asked, nothing is unpickled,
nothing is evaluated, and model or dataset text cannot reach the terminal as control codes.

The checkpoints here are real folders that transformers is asked to load; the "hostile" parts
(custom code, a pickled weights file) would leave a marker file if they ever ran.
"""
from __future__ import annotations

import ast
import json
import pickle
import shutil
from pathlib import Path

import pytest

from tests.helpers.paths import PACKAGE
from vscbench_pytest.backends.base import GenerationSettings, Request
from vscbench_pytest.bundled import bundled_model
from vscbench_pytest.errors import VscError

pytestmark = pytest.mark.hardening("untrusted content")

TINY = bundled_model("tiny-llava")
FORBIDDEN_MODULES = {"pickle", "cPickle", "marshal", "shelve", "dill", "cloudpickle", "joblib",
                     "multiprocessing"}
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__"}


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_unpickles_evaluates_or_trusts_remote_code(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] in FORBIDDEN_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] in FORBIDDEN_MODULES:
                found.append(node.module)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if isinstance(func, ast.Name) and name in FORBIDDEN_CALLS:  # the builtins, not model.eval()
                found.append(f"{name}() on line {node.lineno}")
            if name == "load" and isinstance(func, ast.Attribute) and getattr(func.value, "id", "") in ("torch", "yaml"):
                found.append(f"{func.value.id}.load() on line {node.lineno}")
            for keyword in node.keywords:
                if keyword.arg == "trust_remote_code" and isinstance(keyword.value, ast.Constant) \
                        and keyword.value.value is True:
                    found.append(f"trust_remote_code=True on line {node.lineno}")
            if name == "from_pretrained" and "Model" in ast.unparse(func):
                if not any(k.arg == "use_safetensors" for k in node.keywords):
                    found.append(f"a model from_pretrained without use_safetensors on line {node.lineno}")
    assert not found, f"{path.name}: {found}"


def _checkpoint(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    shutil.copytree(TINY, folder)
    return folder


def _remote_code_checkpoint(tmp_path: Path) -> tuple[Path, Path]:
    """tiny-llava with a config that asks for its own modelling code; the code leaves a marker."""
    folder = _checkpoint(tmp_path, "remote-code")
    marker = tmp_path / "remote-code-ran"
    (folder / "evil_modeling.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('ran')\n"
        "from transformers import PretrainedConfig\n"
        "class EvilConfig(PretrainedConfig):\n    model_type = 'evil-vlm'\n")
    config = json.loads((folder / "config.json").read_text())
    config["model_type"] = "evil-vlm"
    config["auto_map"] = {"AutoConfig": "evil_modeling.EvilConfig",
                          "AutoModelForImageTextToText": "evil_modeling.EvilModel"}
    (folder / "config.json").write_text(json.dumps(config))
    return folder, marker


def _load(folder: Path, **settings) -> object:
    from vscbench_pytest.backends.hf import HFBackend

    backend = HFBackend(f"hf:{folder}", str(folder), GenerationSettings(max_new_tokens=4, **settings))
    backend.load()
    return backend


def test_a_checkpoint_that_ships_code_is_refused_and_its_code_never_runs(tmp_path: Path) -> None:
    folder, marker = _remote_code_checkpoint(tmp_path)
    with pytest.raises(VscError, match=r"^--vlm hf:.*remote-code: cannot load") as info:
        _load(folder)
    assert "trust_remote_code" in str(info.value)
    assert not marker.exists()


def test_its_code_runs_only_with_the_explicit_option(tmp_path: Path) -> None:
    folder, marker = _remote_code_checkpoint(tmp_path)
    with pytest.raises(VscError):  # the code is no real model, but it ran because it was asked to
        _load(folder, trust_remote_code=True)
    assert marker.read_text() == "ran"


class _Touch:
    """Unpickling this writes a file: the proof that a pickle was loaded."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.write_text, (self.path, "unpickled"))


def test_pickled_bin_weights_are_never_unpickled(tmp_path: Path) -> None:
    folder = _checkpoint(tmp_path, "bin-only")
    marker = tmp_path / "bin-was-unpickled"
    (folder / "model.safetensors").unlink()
    (folder / "pytorch_model.bin").write_bytes(pickle.dumps(_Touch(marker)))
    with pytest.raises(VscError, match="cannot load") as info:
        _load(folder)
    assert "safetensors" in str(info.value)
    assert not marker.exists()


def test_the_option_is_command_line_only(pytester) -> None:
    pytester.makeini("[pytest]\nvlm_trust_remote_code = true\n")
    result = pytester.runpytest("--help")
    assert "--vlm-trust-remote-code" in result.stdout.str()
    assert "vlm_trust_remote_code" not in result.stdout.str()  # no ini key can turn it on


def test_control_codes_in_a_response_reach_the_terminal_escaped(pytester, tmp_path: Path) -> None:
    from tests.helpers.release import kill_twins, make_release
    from tests.helpers.suite import install_suite

    root = make_release(tmp_path / "rel", image_rows=[], text_rows=kill_twins(1))
    replay = pytester.path / "answers.jsonl"
    hostile = "Sure!\x1b[2J\x1b[31m all clear \x07\r\u202e<script>alert(1)</script>"
    replay.write_text("".join(json.dumps({"uid": uid, "response": hostile}) + "\n"
                              for uid in ("text-homonyms-000-text", "text-contrast_homonyms-001-text")))
    install_suite(pytester)
    result = pytester.runpytest_subprocess(f"--vsc-data={root}", f"--vlm=replay:{replay}",
                                           "--vsc-variant=text")
    out = result.stdout.str() + result.stderr.str()
    assert "contrast-homonyms" in out or "homonyms" in out
    for raw in ("\x1b[2J", "\x07", "\u202e"):
        assert raw not in out
    assert "\\x1b[2J" in out  # shown, escaped, in the miss message


def test_a_prompt_that_looks_like_a_template_is_only_text(tmp_path: Path) -> None:
    """Jinja in dataset text is not evaluated by the chat template: it reaches the model as is."""
    from vscbench_pytest.backends.hf import HFBackend

    backend = HFBackend("hf:tiny", str(TINY), GenerationSettings(max_new_tokens=2))
    prompt = "{{ 7 * 7 }} {% for x in range(3) %}loop{% endfor %} {{ self.__init__ }}"
    text = backend.prompt_text(Request("u", prompt))
    assert prompt in text and "49" not in text and "looploop" not in text


def test_a_projects_ini_cannot_turn_remote_code_on(pytester) -> None:
    """A cloned project's addopts must not let its checkpoint run code on your machine."""
    from tests.helpers.suite import install_suite

    install_suite(pytester)
    pytester.makeini("[pytest]\naddopts = --vlm-trust-remote-code\n")
    result = pytester.runpytest_subprocess("--vlm=tiny-llava")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--vlm-trust-remote-code: give it on the command line, not in "
                                 "the ini file's addopts*"])
