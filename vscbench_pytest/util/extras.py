"""Optional dependencies: import one, or say which extra of vscbench-pytest installs it."""
from __future__ import annotations

import importlib
from types import ModuleType

from vscbench_pytest.errors import MissingExtra

# top-level module -> the extra that installs it (pip install "vscbench-pytest[<extra>]")
EXTRAS = {
    "torch": "hf",
    "transformers": "hf",
    "tokenizers": "hf",
    "safetensors": "hf",
    "openai": "openai",
    "anthropic": "anthropic",
    "google": "gemini",
    "matplotlib": "report",
    "gguf": "smollm2",
    "accelerate": "smollm2",
    "llama_cpp": "llamacpp",
}


def install_hint(module: str) -> str:
    """``pip install 'vscbench-pytest[<extra>]'`` for a module an extra installs, else the module."""
    extra = EXTRAS.get(module.partition(".")[0])
    return f"pip install 'vscbench-pytest[{extra}]'" if extra else f"pip install {module.partition('.')[0]}"


def missing_message(what: str, module: str) -> str:
    """The message for ``what`` (a command or option) needing ``module``, which is not installed."""
    top = module.partition(".")[0]
    if top == "torch":  # a bare torch requirement pulls a multi-GB CUDA build
        return (f"{what} needs torch, which is not installed: pip install torch (on a CPU-only "
                f"machine: pip install torch --index-url https://download.pytorch.org/whl/cpu), "
                f"then {install_hint(top)}")
    return f"{what} needs {top}, which is not installed: {install_hint(top)}"


def require(module: str, what: str) -> ModuleType:
    """Import ``module``; a MissingExtra names ``what`` needs it and the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        missing = exc.name or module
        if missing.partition(".")[0] not in EXTRAS and missing != module:
            raise  # the module is there but broken: its own error says more
        raise MissingExtra(missing_message(what, missing)) from None


def require_installed(modules: tuple[str, ...], what: str) -> None:
    """Check, without importing them, that ``modules`` are installed; a MissingExtra names the
    first one missing and the extra that installs it."""
    import importlib.util

    for module in modules:
        if importlib.util.find_spec(module) is None:
            raise MissingExtra(missing_message(what, module))


def explain_import_error(exc: ImportError, what: str) -> str | None:
    """For an ImportError raised deep inside a load: the extra to install, when one provides
    the missing module; None for anything else."""
    name = (exc.name or "").partition(".")[0]
    if name in EXTRAS:
        return missing_message(what, name)
    return None
