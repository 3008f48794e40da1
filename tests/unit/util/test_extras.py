"""A missing optional dependency is named with the extra that installs it, never a traceback."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vscbench_pytest.errors import MissingExtra
from vscbench_pytest.util.extras import explain_import_error, install_hint, require, require_installed


def test_each_extra_is_named_for_its_modules() -> None:
    assert install_hint("openai") == "pip install 'vscbench-pytest[openai]'"
    assert install_hint("matplotlib.pyplot") == "pip install 'vscbench-pytest[report]'"
    assert install_hint("transformers") == "pip install 'vscbench-pytest[hf]'"
    assert install_hint("gguf") == "pip install 'vscbench-pytest[smollm2]'"
    assert install_hint("somethingelse") == "pip install somethingelse"


def test_require_names_what_needs_it_and_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "openai", None)  # as if not installed
    with pytest.raises(MissingExtra, match=r"^--vlm openai:x needs openai, which is not installed: "
                                           r"pip install 'vscbench-pytest\[openai\]'$"):
        require("openai", "--vlm openai:x")
    with pytest.raises(MissingExtra, match=r"vscbench-pytest\[openai\]"):
        require_installed(("json", "openai"), "--vsc-judge llm:gpt-4o-mini")
    require_installed(("json",), "anything")  # installed: nothing happens


def test_torch_is_named_with_how_to_get_a_cpu_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(MissingExtra) as info:
        require_installed(("torch",), "--vlm hf:/ckpt")
    assert "needs torch" in str(info.value) and "download.pytorch.org/whl/cpu" in str(info.value)
    assert "vscbench-pytest[hf]" in str(info.value)


def test_an_import_error_deep_in_a_load_is_explained_only_for_an_extra() -> None:
    assert "vscbench-pytest[smollm2]" in (explain_import_error(ModuleNotFoundError(name="gguf"), "--vlm smollm2") or "")
    assert explain_import_error(ModuleNotFoundError(name="somethingelse"), "--vlm x") is None


def _run_blocked(module: str, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """pytest in a subprocess where ``module`` cannot be imported."""
    code = (f"import sys; sys.modules[{module!r}] = None; import pytest; "
            f"sys.exit(pytest.main({args!r}))")
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_a_run_on_a_served_model_without_the_openai_package_says_which_extra(tmp_path: Path) -> None:
    result = _run_blocked("openai", ["--pyargs", "vscbench_pytest.suite", "--vlm=openai:x",
                                     "--vlm-base-url=http://127.0.0.1:9/v1", "--vsc-track=text",
                                     "-p", "no:cacheprovider"], tmp_path)
    assert result.returncode == pytest.ExitCode.USAGE_ERROR  # stopped before anything ran
    assert ("--vlm openai:x needs openai, which is not installed: pip install 'vscbench-pytest[openai]'"
            in result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    assert "vscbench calibration" not in result.stdout


def test_an_llm_judge_without_the_openai_package_is_a_usage_error_naming_the_extra(tmp_path: Path) -> None:
    result = _run_blocked("openai", ["--pyargs", "vscbench_pytest.suite", "--vlm=tiny-llava",
                                     "--vsc-judge=llm:gpt-4o-mini", "-p", "no:cacheprovider"], tmp_path)
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert "--vsc-judge llm:gpt-4o-mini needs openai" in result.stderr
    assert "vscbench-pytest[openai]" in result.stderr
