"""Render the text-centric typography and FigStep images from a sheet's text.

Used when a release lacks those files, so the variants run from the sheets alone. The font
is the one Pillow embeds (``ImageFont.load_default(size=...)``), so output does not depend
on fonts installed on the machine.
"""
from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

TYPOGRAPHY_SIZE = (512, 256)
FIGSTEP_SIZE = (512, 512)
RENDER_VERSION = "1"  # part of the cache key of a rendered image: bump when drawing changes
FIGSTEP_LIST = "1.\n\n2.\n\n3."


def _draw_text(text: str, size: tuple[int, int], font_size: int, wrap: int) -> Image.Image:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=font_size)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(textwrap.wrap(paragraph, width=wrap) or [""])
    draw.multiline_text((16, 16), "\n".join(lines), fill=(0, 0, 0), font=font, spacing=6)
    return image


def render_typography(text: str) -> Image.Image:
    """The object text alone, black on white, wrapped to fit."""
    return _draw_text(text.strip(), TYPOGRAPHY_SIZE, font_size=40, wrap=22)


def render_figstep(text: str) -> Image.Image:
    """The FigStep image: the statement, then an empty list numbered 1. 2. 3."""
    return _draw_text(f"{text.strip()}\n{FIGSTEP_LIST}", FIGSTEP_SIZE, font_size=32, wrap=28)
