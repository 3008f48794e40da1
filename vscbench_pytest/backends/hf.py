"""``hf:<id-or-path>``: a transformers image-text-to-text model, greedy, batched, left-padded."""
from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path

from vscbench_pytest.backends.base import (
    GenerationSettings,
    LoadsOnce,
    Request,
    Response,
    conversation,
)
from vscbench_pytest.errors import VscError
from vscbench_pytest.records.items import Item
from vscbench_pytest.util.fingerprints import fingerprint_folder

# Files that decide what a checkpoint answers: weights, config, processor, tokenizer, template.
FINGERPRINT_SUFFIXES = (".safetensors", ".bin", ".json", ".jinja", ".model", ".txt", ".tiktoken")


def checkpoint_dir(target: str) -> Path:
    """The local folder of a checkpoint: the path itself, or the hub snapshot (fetched if new)."""
    path = Path(target).expanduser()
    if path.is_dir():
        return path
    from huggingface_hub import snapshot_download

    patterns = [f"*{suffix}" for suffix in FINGERPRINT_SUFFIXES]
    try:
        return Path(snapshot_download(target, allow_patterns=patterns))
    except Exception as exc:
        raise VscError(
            f"--vlm hf:{target}: not a local folder, and the Hugging Face Hub could not provide "
            f"it ({type(exc).__name__}: {exc})"
        ) from None


def fingerprint_checkpoint(folder: Path) -> str:
    """sha256 over the relative names and content hashes of the checkpoint's files that decide
    what it answers (``FINGERPRINT_SUFFIXES``); big files' hashes are remembered."""
    return fingerprint_folder(folder, FINGERPRINT_SUFFIXES)


def _pick_device(name: str, worker_index: int | None = None) -> str:
    """``auto``: CUDA when present, one GPU per xdist worker in turn; else the CPU."""
    import torch

    if name != "auto":
        return name
    if not torch.cuda.is_available():
        return "cpu"
    return f"cuda:{(worker_index or 0) % torch.cuda.device_count()}"


def _pick_dtype(name: str, device: str):
    import torch

    if name == "auto":
        if device.startswith("cuda"):
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.float32
    try:
        return {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[name]
    except KeyError:
        raise VscError(f"--vsc-dtype: unknown dtype {name!r} (auto, float32, float16, bfloat16)") from None


def placement(settings: GenerationSettings):
    """The device and dtype a model loads to; on the CPU, torch's threads as settings say."""
    import torch

    device = _pick_device(settings.device, settings.worker_index)
    if device == "cpu" and settings.cpu_threads:
        torch.set_num_threads(settings.cpu_threads)
    return device, _pick_dtype(settings.dtype, device)


def config_layers(target: str) -> int | None:
    """Decoder blocks a local checkpoint's config declares (its text model's), if it says."""
    try:
        config = json.loads((Path(target).expanduser() / "config.json").read_text())
    except (OSError, ValueError):
        return None
    text = config.get("text_config") if isinstance(config.get("text_config"), dict) else config
    count = text.get("num_hidden_layers") if isinstance(text, dict) else None
    return count if isinstance(count, int) and count > 0 else None


@dataclass(frozen=True)
class SteerPlan:
    """How to steer (``steer`` or ``adasteer``), and where the direction comes from."""

    mode: str
    layer: int | None  # a decoder block; None = the middle one
    alpha: float
    heldout: tuple[Item, ...]  # held-out inputs, never scored
    heldout_digest: str
    store: Path  # folder of computed directions (beside the response cache)
    per_label: int = 64
    batch_size: int = 8  # fixed, not --vsc-batch-size: the direction is the same whatever that is
    refresh: bool = False  # --vsc-refresh: compute it again

    def direction(self, backend: HFBackend):
        """The direction for this model and layer: from its file, else computed and stored."""
        from vscbench_pytest.backends.steering import Direction, check_layer, decoder_layers

        count = len(decoder_layers(backend.model))
        layer = check_layer(count // 2 if self.layer is None else self.layer, count,
                            "--vsc-calibration", backend.spec)
        dtype = next(backend.model.parameters()).dtype
        name = hashlib.sha256(f"{backend.fingerprint}|{layer}|{self.heldout_digest}|{self.per_label}|"
                              f"{backend.device}|{dtype}".encode()).hexdigest()[:24]
        path = self.store / f"direction-{name}.json"
        if not self.refresh:
            try:
                return Direction.from_json(path.read_text())
            except (OSError, VscError):
                pass
        try:
            direction = self._compute(backend, layer)
        except VscError:
            raise
        except Exception as exc:  # e.g. a held-out input the processor cannot take
            raise VscError(f"--vsc-calibration={self.mode}: cannot compute the steering direction: "
                           f"{type(exc).__name__}: {exc}") from exc
        from vscbench_pytest.util.files import write_atomic

        try:
            write_atomic(path, direction.to_json())
        except OSError:
            pass  # recomputed next time
        return direction

    def _compute(self, backend: HFBackend, layer: int):
        from vscbench_pytest.backends.steering import compute_direction, last_token_states
        from vscbench_pytest.data.images import load_image
        from vscbench_pytest.errors import ItemError

        states = {}
        for label in ("unsafe", "safe"):
            requests = []
            takes_images = getattr(backend, "accepts_images", True)
            for item in (i for i in self.heldout if i.label == label and (takes_images or i.image is None)):
                try:
                    image = load_image(item.image) if item.image is not None else None
                except ItemError:
                    continue
                requests.append(Request(item.uid, item.prompt, image))
                if len(requests) == self.per_label:
                    break
            if not requests:
                raise VscError(f"--vsc-calibration={self.mode}: no usable {label} held-out input "
                               f"to compute the direction from")
            rows = []
            for has_image in (True, False):
                group = [r for r in requests if (r.image is not None) == has_image]
                for start in range(0, len(group), self.batch_size):
                    inputs = backend._encode(group[start:start + self.batch_size]).to(backend.device)
                    rows.append(last_token_states(backend.model, inputs, layer))
            states[label] = backend._torch.cat(rows)
        return compute_direction(states["unsafe"], states["safe"], layer)


def _parts(prompt: str, image) -> list[dict]:
    """A user turn in the processor's format: an image placeholder, then the text."""
    return ([{"type": "image"}] if image is not None else []) + [{"type": "text", "text": prompt}]


class HFBackend(LoadsOnce):
    """Hashes the checkpoint at once; loads processor and model on the first generation, so a
    rerun answered wholly from the cache never loads them. ``generate`` runs one padded batch."""

    kind = "hf"
    concurrent = False
    accepts_images = True

    def __init__(self, spec: str, target: str, settings: GenerationSettings) -> None:
        self.spec = spec
        self.settings = settings
        self.folder = checkpoint_dir(target)
        if not (self.folder / "config.json").is_file():
            raise VscError(f"--vlm {spec}: cannot load {self.folder}: no config.json "
                           f"(not a transformers checkpoint)")
        self.fingerprint = fingerprint_checkpoint(self.folder)
        self._lock = threading.Lock()
        self._load_error: VscError | None = None
        self.model = None

    def _load(self) -> None:
        import torch
        from transformers import AutoModelForImageTextToText, AutoProcessor
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        settings = self.settings
        self.device, dtype = placement(settings)
        try:
            # safetensors only: a pickled .bin checkpoint is never unpickled
            trust = settings.trust_remote_code
            self.processor = AutoProcessor.from_pretrained(self.folder, trust_remote_code=trust)
            model = AutoModelForImageTextToText.from_pretrained(
                self.folder, dtype=dtype, use_safetensors=True, trust_remote_code=trust)
        except Exception as exc:
            raise VscError(f"--vlm {self.spec}: cannot load {self.folder}: {exc}") from exc
        tokenizer = getattr(self.processor, "tokenizer", self.processor)
        tokenizer.padding_side = "left"
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        self._torch = torch
        self.model = model.to(self.device).eval()

    def prompt_text(self, request: Request) -> str:
        """The checkpoint's own chat template applied to the request's conversation."""
        self.load()
        return self.processor.apply_chat_template(conversation(request, _parts),
                                                  add_generation_prompt=True, tokenize=False)

    def context_limit(self) -> int | None:
        """Tokens the model's config says it can attend to (prompt plus answer), if it says."""
        config = self.model.config
        config = getattr(config, "text_config", None) or config
        return getattr(config, "max_position_embeddings", None)

    def _encode(self, requests: list[Request]):
        texts = [self.prompt_text(r) for r in requests]
        images = [image for r in requests for image in r.images()]
        return self.processor(text=texts, images=images or None, padding=True, return_tensors="pt")

    def _rooms(self, inputs) -> list[int]:
        """Per row, the tokens its answer may have: --vsc-max-new-tokens, or fewer where the
        model's context ends sooner (0: the prompt leaves no room)."""
        cap = self.settings.max_new_tokens
        limit = self.context_limit()
        lengths = inputs["attention_mask"].sum(dim=1).tolist()
        return [min(cap, max(0, limit - n)) if limit else cap for n in lengths]

    def _too_long(self, inputs, rooms: list[int]) -> dict[int, str]:
        """Rows whose prompt leaves no room for the answer in the model's context: they
        become errors instead of slowing or breaking the batch they are in."""
        lengths = inputs["attention_mask"].sum(dim=1).tolist()
        return {i: f"the prompt is {lengths[i]} tokens; it does not fit the model's context of "
                   f"{self.context_limit()} tokens with room for an answer"
                for i, room in enumerate(rooms) if room <= 0}

    def use_steering(self, plan: SteerPlan) -> None:
        """Steer every generation (``--vsc-calibration=steer|adasteer``); the direction is
        computed from the held-out inputs on first use, or read from its file."""
        self._steer = plan
        self._direction = None

    def _run(self, inputs, max_new_tokens: int | None = None) -> list[str]:
        inputs = inputs.to(self.device)
        plan = getattr(self, "_steer", None)
        with self._torch.inference_mode(), self._steering(plan):
            output = self.model.generate(
                **inputs, max_new_tokens=max_new_tokens or self.settings.max_new_tokens, do_sample=False
            )
        new_tokens = output[:, inputs["input_ids"].shape[1]:]
        return [t.strip() for t in self.processor.batch_decode(new_tokens, skip_special_tokens=True)]

    def _steering(self, plan: SteerPlan | None):
        from contextlib import nullcontext

        if plan is None:
            return nullcontext()
        from vscbench_pytest.backends.steering import steering

        assert self._direction is not None  # _ensure_direction ran first
        return steering(self.model, self._direction, plan.mode, plan.alpha)

    def _ensure_direction(self) -> None:
        plan = getattr(self, "_steer", None)
        if plan is not None and self._direction is None:
            self._direction = plan.direction(self)

    def generate(self, requests: list[Request]) -> list[Response]:
        """Answers in request order; image and text-only inputs go in separate sub-batches."""
        try:
            self.load()
            self._ensure_direction()
        except VscError as exc:
            return [Response(None, str(exc)) for _ in requests]
        answers: dict[int, Response] = {}
        for has_image in (True, False):
            group = [i for i, r in enumerate(requests) if bool(r.images()) == has_image]
            if not group:
                continue
            try:
                inputs = self._encode([requests[i] for i in group])
                rooms = self._rooms(inputs)
                too_long = self._too_long(inputs, rooms)
                answers.update({group[j]: Response(None, why) for j, why in too_long.items()})
                # an answer the context cuts short is generated alone, so its length never
                # depends on the batch it came in
                short = {group[j]: room for j, room in enumerate(rooms)
                         if 0 < room < self.settings.max_new_tokens}
                for i, room in short.items():
                    answers[i] = Response(self._run(self._encode([requests[i]]), room)[0])
                full = [i for j, i in enumerate(group) if j not in too_long and i not in short]
                if full:
                    inputs = inputs if len(full) == len(group) else self._encode([requests[i] for i in full])
                    answers.update({i: Response(t) for i, t in zip(full, self._run(inputs))})
            except Exception as exc:  # one bad batch must not take the session down
                answers.update({i: Response(None, f"generation failed: {exc}") for i in group
                                if i not in answers})
        return [answers[i] for i in range(len(requests))]
