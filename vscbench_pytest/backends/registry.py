"""Parse ``--vlm=SPEC`` (aliases, ``hf:``, ``replay:``) and build the backend."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import SpecError
from ..paths import bundled_model
from .base import Backend, GenerationSettings
from .openai_api import ApiSettings

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
}
KINDS = ("hf", "openai", "replay")


@dataclass(frozen=True)
class BackendSpec:
    """A parsed ``--vlm`` value: the user's spec, the backend kind and its target."""

    spec: str
    kind: str
    target: str


def _choices() -> str:
    return (
        f"bundled: {', '.join(BUNDLED)}; aliases: {', '.join(sorted(ALIASES))}; "
        f"or hf:<id-or-path>, openai:<model>, replay:<file.jsonl>"
    )


def parse_spec(spec: str) -> BackendSpec:
    """Resolve aliases and check the form; a SpecError names the value and the choices."""
    spec = spec.strip()
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
    if kind == "hf" and target.startswith((".", "/", "~")) and not Path(target).expanduser().is_dir():
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
    if parsed.kind == "openai":
        from .openai_api import OpenAIBackend, api_fingerprint, check_api

        api = api or ApiSettings("", "")
        check_api(parsed.spec, api)
        if concurrency <= 0:
            return OpenAIBackend(parsed.spec, parsed.target, api, settings)
        from dataclasses import asdict

        from .child import ChildBackend

        child = ChildBackend("vscbench_pytest.backends.openai_api:backend_from_json",
                             {"spec": parsed.spec, "model": parsed.target, "api": asdict(api),
                              "settings": asdict(settings)},
                             spec=parsed.spec, kind="openai",
                             fingerprint=api_fingerprint(parsed.target, api.base_url),
                             concurrency=concurrency)
        return child.ready() if wait else child
    if parsed.kind == "replay":
        from .replay import ReplayBackend

        return ReplayBackend(parsed.spec, Path(parsed.target).expanduser())
    from .hf import HFBackend

    return HFBackend(parsed.spec, parsed.target, settings)


def fingerprint_for(parsed: BackendSpec, base_url: str = "") -> str:
    """The model fingerprint without loading the model (file hashes, or name and URL)."""
    if parsed.kind == "openai":
        from .openai_api import api_fingerprint

        return api_fingerprint(parsed.target, base_url)
    if parsed.kind == "replay":
        from ..dataset import fingerprint_files

        return "sha256:" + fingerprint_files([Path(parsed.target).expanduser()])
    from .hf import checkpoint_dir, fingerprint_checkpoint

    return fingerprint_checkpoint(checkpoint_dir(parsed.target))
