"""The request sent for an input: what the engine asks the model and ``vscbench export``
writes out, built in one place so the two cannot differ."""
from __future__ import annotations

from vscbench_pytest.backends.base import Request
from vscbench_pytest.calibration.methods import Prompting
from vscbench_pytest.data.images import load_image
from vscbench_pytest.records.items import Item


def build_request(item: Item, prompting: Prompting | None = None) -> Request:
    """The request sent for ``item``: its prompt, its image decoded (or rendered from the sheet's
    text), a calibration's system prompt and demonstrations. The engine and ``vscbench export``
    both build requests here; an ItemError when the image cannot be had."""
    image = load_image(item.image) if item.image is not None else None
    system, shots = (prompting.system(), prompting.shots(item.track)) if prompting is not None else (None, ())
    return Request(uid=item.uid, prompt=item.prompt, image=image, system=system, shots=shots)
