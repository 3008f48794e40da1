"""Open an item's image when its test runs: inside the release root, decoded, RGB."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from vscbench_pytest.data.rendering import RENDER_VERSION, render_figstep, render_typography
from vscbench_pytest.errors import ItemError
from vscbench_pytest.records.items import ImageSource

if TYPE_CHECKING:
    from PIL import Image

MAX_PIXELS = 40_000_000  # far above any benchmark photo; a bigger one would take GBs to decode


def resolve_inside_root(source: ImageSource) -> Path:
    """The image path, resolved; an ItemError when it leaves the release root."""
    root = source.root.resolve()
    path = source.path.resolve()
    if path == root or not path.is_relative_to(root):
        raise ItemError(f"image path {source.name!r} leaves the release root {root}")
    return path


def _file_to_read(source: ImageSource) -> Path | None:
    """The image file to decode, or None when the image is rendered from the sheet's text;
    an ItemError when there is neither (no name, a missing file, a folder)."""
    if not source.name:
        if source.render:
            return None
        raise ItemError("the sheet names no image file")
    path = resolve_inside_root(source)
    if path.is_file():
        return path
    if path.exists():
        raise ItemError(f"image {path} is not a file")
    if source.render:
        return None
    raise ItemError(f"missing image {path}")


def load_image(source: ImageSource) -> Image.Image:
    """Decode the image (or render it from the sheet's text when the file is absent)."""
    from PIL import Image, UnidentifiedImageError

    path = _file_to_read(source)
    if path is None:
        return _render(source)
    try:
        with Image.open(path) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:  # checked from the header, before decoding
                raise ItemError(f"image {path} is {width} x {height} pixels, more than the "
                                f"{MAX_PIXELS:,} allowed (a decompression bomb?)")
            image.load()
            return image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ItemError(f"unreadable image {path}: {exc}") from exc


def _render(source: ImageSource) -> Image.Image:
    if source.render == "figstep":
        return render_figstep(source.render_text)
    return render_typography(source.render_text)


def image_digest(source: ImageSource) -> str:
    """sha256 of the image file's bytes, or of the text it is rendered from when absent; an
    ItemError when there is neither (so two different missing files never share a key)."""
    import hashlib

    digest = hashlib.sha256()
    path = _file_to_read(source)
    if path is not None:
        try:
            with path.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
        except OSError as exc:
            raise ItemError(f"unreadable image {path}: {exc}") from exc
    else:
        digest.update(f"render{RENDER_VERSION}:{source.render}:{source.render_text}".encode())
    return digest.hexdigest()


def image_file(source: ImageSource) -> Path | None:
    """The file the image is read from (inside the release root), or None when it is rendered
    from the sheet's text; an ItemError when there is neither (``vscbench export`` names it)."""
    return _file_to_read(source)
