"""Activation steering for HF backends: a safety direction and a hook that adds it.

This project's own design (``--vsc-calibration=steer|adasteer``), not the VSCBench paper's
activation-based methods. The direction at one decoder block (default the middle one) is the
mean output at the last prompt token of held-out unsafe inputs minus that of held-out safe
inputs, not normalised. ``steer`` adds ``alpha`` times it to the block's output at every
position; ``adasteer`` adds ``alpha * clip((p - safe_mean) / (unsafe_mean - safe_mean), 0, 1)``
times it per row, ``p`` being the row's own unsteered last-prompt-token projection on the unit
direction.
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

from vscbench_pytest.errors import VscError

MODES = ("steer", "adasteer")

# Attribute paths (from the top-level model) that may hold the language model's decoder blocks.
LAYER_PATHS = (
    "model.language_model.layers",  # LLaVA-style, transformers 5
    "language_model.model.layers",  # LLaVA-style, transformers 4
    "model.language_model.model.layers",
    "language_model.layers",
    "model.layers",  # plain causal LMs (Llama, Qwen, Mistral, ...)
    "model.decoder.layers",  # OPT-style
    "transformer.h",  # GPT-2 style
    "gpt_neox.layers",
)


def _lookup(obj: Any, path: str) -> Any:
    for name in path.split("."):
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj


def decoder_layers(model: Any) -> list:
    """The language model's decoder blocks, first to last (the vision tower's are skipped)."""
    import torch

    for path in LAYER_PATHS:
        found = _lookup(model, path)
        if isinstance(found, (torch.nn.ModuleList, list, tuple)) and len(found) > 0:
            return list(found)
    raise VscError(
        f"activation steering: cannot find the decoder blocks of {type(model).__name__} "
        f"(searched {', '.join(LAYER_PATHS)})"
    )


def check_layer(layer: int, count: int, context: str, model: str) -> int:
    """``layer`` as an index into ``count`` decoder blocks (negative counts from the end); a
    VscError starting with ``context`` and naming ``model`` when there is no such block."""
    if not -count <= layer < count:
        raise VscError(f"{context}: layer {layer} does not exist: {model} has {count} decoder "
                       f"blocks (0 to {count - 1}, or negative from the end)")
    return layer % count


def _block(model: Any, layer: int):
    blocks = decoder_layers(model)
    return blocks[check_layer(layer, len(blocks), "activation steering", type(model).__name__)]


def _hidden(output: Any):
    """The hidden-state tensor of a block's output (a tensor, or the first item of a tuple)."""
    return output[0] if isinstance(output, (tuple, list)) else output


def _replace_hidden(output: Any, hidden: Any) -> Any:
    if isinstance(output, tuple):
        return (hidden, *output[1:])
    if isinstance(output, list):
        return [hidden, *output[1:]]
    return hidden


def last_token_states(model: Any, inputs: Any, layer: int):
    """Output of decoder block ``layer`` at the last position, ``[batch, hidden]``, float32.

    ``inputs`` are encoded, LEFT-padded processor inputs on the model's device, so position
    -1 is every row's last prompt token. One forward pass, under inference mode.
    """
    import torch

    block = _block(model, layer)
    captured: list = []

    def hook(_module, _args, output):
        captured.append(_hidden(output)[:, -1, :].detach().float().clone())

    handle = block.register_forward_hook(hook)
    try:
        with torch.inference_mode():
            model(**inputs)
    finally:
        handle.remove()
    if not captured:
        raise VscError(f"activation steering: decoder block {layer} never ran")
    return captured[0]


@dataclass(frozen=True)
class Direction:
    """A steering direction at one decoder block (``vector`` = unsafe mean - safe mean) and
    the mean projections of the held-out safe and unsafe states onto its unit vector."""

    layer: int
    vector: list[float]
    safe_mean: float
    unsafe_mean: float
    n_safe: int
    n_unsafe: int

    def unit(self) -> list[float]:
        """The vector scaled to length 1."""
        norm = math.sqrt(sum(v * v for v in self.vector)) or 1.0
        return [v / norm for v in self.vector]

    def to_json(self) -> str:
        """A JSON object with every field."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Direction:
        """Read what ``to_json`` wrote."""
        try:
            data = json.loads(text)
            return cls(layer=int(data["layer"]), vector=[float(v) for v in data["vector"]],
                       safe_mean=float(data["safe_mean"]), unsafe_mean=float(data["unsafe_mean"]),
                       n_safe=int(data["n_safe"]), n_unsafe=int(data["n_unsafe"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise VscError(f"activation steering: not a steering direction ({exc})") from None


def compute_direction(unsafe_states, safe_states, layer: int) -> Direction:
    """The direction from held-out states (``[n, hidden]`` each): difference of the means."""
    import torch

    unsafe = torch.as_tensor(unsafe_states).float()
    safe = torch.as_tensor(safe_states).float()
    if unsafe.ndim != 2 or safe.ndim != 2 or unsafe.shape[1] != safe.shape[1]:
        raise VscError(f"activation steering: states must be [n, hidden] with the same hidden "
                       f"size (got {tuple(unsafe.shape)} and {tuple(safe.shape)})")
    if len(unsafe) == 0 or len(safe) == 0:
        raise VscError("activation steering: the held-out inputs need both safe and unsafe "
                       f"examples (got {len(safe)} safe, {len(unsafe)} unsafe)")
    vector = unsafe.mean(0) - safe.mean(0)
    unit = vector / vector.norm().clamp_min(1e-12)
    return Direction(
        layer=layer, vector=vector.tolist(),
        safe_mean=float((safe @ unit).mean()), unsafe_mean=float((unsafe @ unit).mean()),
        n_safe=len(safe), n_unsafe=len(unsafe),
    )


def adaptive_coefficients(projections, direction: Direction, alpha: float):
    """Per-row ``alpha * clip((p - safe_mean) / (unsafe_mean - safe_mean), 0, 1)``."""
    span = direction.unsafe_mean - direction.safe_mean
    if span <= 0:
        return projections * 0.0
    return alpha * ((projections - direction.safe_mean) / span).clamp(0.0, 1.0)


@contextmanager
def steering(model: Any, direction: Direction, mode: str, alpha: float) -> Iterator[None]:
    """Steer the model for the calls made inside (meant for one ``model.generate``).

    ``steer`` adds ``alpha * vector`` to block ``direction.layer``'s output at every position.
    ``adasteer`` adds ``c * vector`` per row, ``c`` from ``adaptive_coefficients`` on the row's
    own unsteered last-prompt-token projection, measured on the first (prefill) call and kept
    for the decode calls. The hook is removed on leaving, also after an exception.
    """
    import torch

    if mode not in MODES:
        raise VscError(f"activation steering: unknown mode {mode!r} ({', '.join(MODES)})")
    block = _block(model, direction.layer)
    base = torch.tensor(direction.vector, dtype=torch.float32)
    unit = torch.tensor(direction.unit(), dtype=torch.float32)
    state: dict[str, Any] = {}

    def hook(_module, _args, output):
        hidden = _hidden(output)
        vector = base.to(device=hidden.device, dtype=hidden.dtype)
        if mode == "steer":
            return _replace_hidden(output, hidden + alpha * vector)
        if "coef" not in state:
            projections = hidden[:, -1, :].float() @ unit.to(hidden.device)
            state["coef"] = adaptive_coefficients(projections, direction, alpha)
        coef = state["coef"].to(dtype=hidden.dtype)
        if coef.shape[0] != hidden.shape[0]:
            raise VscError("activation steering: the batch size changed during one generation; "
                           "use one steering context per generate call")
        return _replace_hidden(output, hidden + coef[:, None, None] * vector)

    handle = block.register_forward_hook(hook)
    try:
        yield
    finally:
        handle.remove()
