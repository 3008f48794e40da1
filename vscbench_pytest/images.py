"""Open an item's image when its test runs: inside the release root, decoded, RGB."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ItemError
from .items import ImageSource
from .render import RENDER_VERSION, render_figstep, render_typography

if TYPE_CHECKING:
    from PIL import Image


def resolve_inside_root(source: ImageSource) -> Path:
    """The image path, resolved; an ItemError when it leaves the release root."""
    root = source.root.resolve()
    path = source.path.resolve()
    if path == root or not path.is_relative_to(root):
        raise ItemError(f"image path {source.name!r} leaves the release root {root}")
    return path


def load_image(source: ImageSource) -> Image.Image:
    """Decode the image (or render it from the sheet's text when the file is absent)."""
    from PIL import Image, UnidentifiedImageError

    if not source.name:
        if source.render:
            return _render(source)
        raise ItemError("the sheet names no image file")
    path = resolve_inside_root(source)
    if not path.exists():
        if source.render:
            return _render(source)
        raise ItemError(f"missing image {path}")
    try:
        with Image.open(path) as image:
            image.load()
            return image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ItemError(f"unreadable image {path}: {exc}") from exc


def _render(source: ImageSource) -> Image.Image:
    if source.render == "figstep":
        return render_figstep(source.render_text)
    return render_typography(source.render_text)


def image_digest(source: ImageSource) -> str:
    """sha256 of the image file's bytes, or of the text it is rendered from when absent."""
    import hashlib

    digest = hashlib.sha256()
    path = resolve_inside_root(source) if source.name else None
    if path is not None and path.is_file():
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    else:
        digest.update(f"render{RENDER_VERSION}:{source.render}:{source.render_text}".encode())
    return digest.hexdigest()
