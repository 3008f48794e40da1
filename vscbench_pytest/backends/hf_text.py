"""Text-only transformers models: a causal LM (``smollm2``, a ``.gguf`` file, or an ``hf:`` folder
whose config is a ``*ForCausalLM`` without a vision tower), greedy, batched, left-padded.

Such a model takes no images (``accepts_images = False``): the plugin skips image inputs
before they reach it, and an image request that reaches it anyway is answered with an error.
Batching, the context-limit check and decoding are ``HFBackend``'s.
"""
from __future__ import annotations

import json
import threading
from pathlib import Path

from vscbench_pytest.backends.base import GenerationSettings, Request, Response, conversation
from vscbench_pytest.backends.hf import HFBackend, placement
from vscbench_pytest.errors import VscError
from vscbench_pytest.util.fingerprints import fingerprint_file

GGUF_SUFFIX = ".gguf"


def is_gguf(target: str) -> bool:
    """Whether an ``hf:`` target names a GGUF file (by its suffix)."""
    return target.lower().endswith(GGUF_SUFFIX)


def text_only_config(config_path: Path) -> bool:
    """Whether a transformers ``config.json`` describes a text-only causal LM: no
    ``vision_config`` and every listed architecture a ``*ForCausalLM``. Unreadable: False."""
    try:
        config = json.loads(Path(config_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(config, dict) or "vision_config" in config:
        return False
    architectures = config.get("architectures") or []
    return (isinstance(architectures, list) and bool(architectures)
            and all(isinstance(a, str) and a.endswith("ForCausalLM") for a in architectures))


def _cached_config(target: str) -> Path | None:
    """``config.json`` of a checkpoint without fetching anything: a local folder's, or a hub
    id's when it is already in the local hub cache; else None."""
    path = Path(target).expanduser()
    if path.is_dir():
        return path / "config.json"
    if target.startswith((".", "/", "~")) or target.count("/") != 1:
        return None
    try:
        from huggingface_hub import try_to_load_from_cache

        found = try_to_load_from_cache(target, "config.json")
    except Exception:  # a malformed id, or no huggingface_hub: nothing known
        return None
    return Path(found) if isinstance(found, str) else None


def is_text_only_target(target: str) -> bool:
    """Whether an ``hf:`` target is a text-only model, decided from files alone (no model is
    loaded, nothing is fetched): a ``.gguf`` file, or a checkpoint whose config is text-only."""
    if is_gguf(target):
        return True
    config = _cached_config(target)
    return config is not None and text_only_config(config)


class HFTextBackend(HFBackend):
    """Hashes the model at once (a GGUF: the file; a folder: as ``HFBackend``); loads tokenizer
    and model on the first generation. The prompt is the tokenizer's own chat template."""

    kind = "hf"
    concurrent = False
    accepts_images = False

    def __init__(self, spec: str, target: str, settings: GenerationSettings) -> None:
        self.gguf_file: str | None = None
        if not is_gguf(target):
            super().__init__(spec, target, settings)  # a checkpoint folder, hashed the same way
            return
        path = Path(target).expanduser()
        if not path.is_file():
            raise VscError(f"--vlm {spec}: no GGUF file at {path}")
        self.spec = spec
        self.settings = settings
        self.folder, self.gguf_file = path.parent, path.name
        self.fingerprint = fingerprint_file(path)
        self._lock = threading.Lock()
        self._load_error: VscError | None = None
        self.model = None

    @property
    def source(self) -> Path:
        """The file or folder the model loads from."""
        return self.folder / self.gguf_file if self.gguf_file else self.folder

    def _load(self) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        settings = self.settings
        self.device, dtype = placement(settings)
        if self.gguf_file:
            # a GGUF is data (tensors and metadata), never code or a pickle
            kwargs: dict = {"gguf_file": self.gguf_file, "trust_remote_code": False}
        else:
            # safetensors only: a pickled .bin checkpoint is never unpickled
            kwargs = {"trust_remote_code": settings.trust_remote_code}
        try:
            tokenizer = AutoTokenizer.from_pretrained(self.folder, **kwargs)
            model = AutoModelForCausalLM.from_pretrained(
                self.folder, dtype=dtype, use_safetensors=True if not self.gguf_file else None,
                **kwargs)
        except Exception as exc:
            raise VscError(f"--vlm {self.spec}: cannot load {self.source}: {exc}") from exc
        if not getattr(tokenizer, "chat_template", None):
            raise VscError(f"--vlm {self.spec}: {self.source} has no chat template "
                           f"(an instruction-tuned model is needed)")
        tokenizer.padding_side = "left"
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        model.generation_config.pad_token_id = tokenizer.pad_token_id
        self.tokenizer = tokenizer
        self.processor = tokenizer  # HFBackend's batching decodes with self.processor
        self._torch = torch
        self.model = model.to(self.device).eval()

    def prompt_text(self, request: Request) -> str:
        """The model's own chat template applied to the conversation (prompts as plain text)."""
        self.load()
        return str(self.tokenizer.apply_chat_template(conversation(request, lambda prompt, _: prompt),
                                                      add_generation_prompt=True, tokenize=False))

    def _encode(self, requests: list[Request]):
        texts = [self.prompt_text(r) for r in requests]
        # the template already holds the special tokens
        return self.tokenizer(texts, padding=True, return_tensors="pt", add_special_tokens=False)

    def generate(self, requests: list[Request]) -> list[Response]:
        """Answers in request order; a request with an image gets an error response (the
        plugin skips image inputs for a text-only model, so none should arrive)."""
        refused = Response(None, f"{self.spec} is text-only: it takes no image inputs")
        text = [i for i, r in enumerate(requests) if not r.images()]
        answers = dict(zip(text, super().generate([requests[i] for i in text]) if text else []))
        return [answers.get(i, refused) for i in range(len(requests))]
