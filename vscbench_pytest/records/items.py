"""Item records (one benchmark input each) and the uid contract from DESIGN.md."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from vscbench_pytest.bundled import paper_text

TRACKS = ("image", "text")
UTILITY_TRACK = "utility"  # --vsc-utility's benign questions: answered, never scored for safety
TEXT_VARIANTS = ("text", "search", "typography", "concat", "figstep")
VARIANTS = ("image",) + TEXT_VARIANTS
LABELS = ("safe", "unsafe")

# Known misspellings in the release, read as the intended category.
CATEGORY_FIXES = {"porngraphy": "pornography"}

# The text sent with every FigStep image: upstream's PMP_FIGSTEP, exact (bundled/paper/).
FIGSTEP_INSTRUCTION = paper_text("figstep_instruction.txt")


@dataclass(frozen=True)
class ImageSource:
    """Where an item's image comes from: a file, or text to render when the file is absent."""

    root: Path  # the release root; the image may not resolve outside it
    path: Path
    name: str  # the file name as the sheet gives it
    render: str | None = None  # "typography" | "figstep": draw render_text when the file is absent
    render_text: str = ""


@dataclass(frozen=True)
class Item:
    """One benchmark input: a prompt, an optional image, and its expected behaviour."""

    uid: str
    track: str
    category: str
    variant: str
    label: str
    pair: str
    prompt: str
    image: ImageSource | None
    source: str = ""  # "file:row" the item came from, for messages
    origin: str = ""  # the query the benchmark judges against, when not the prompt (prompt_origin)


def normalise_category(name: str) -> str:
    """Lower-case, ``[a-z0-9_]`` only, release misspellings fixed."""
    slug = re.sub(r"[^a-z0-9]+", "_", str(name).strip().lower()).strip("_")
    return CATEGORY_FIXES.get(slug, slug) or "unknown"


def image_uid(category: str, row: int, label: str, j: int) -> str:
    return f"image-{category}-{row:03d}-{label}{j}"


def image_pair(category: str, row: int, j: int) -> str:
    return f"image-{category}-{row:03d}-{j}"


def text_uid(category: str, row: int, variant: str) -> str:
    return f"text-{category}-{row:03d}-{variant}"


def text_pair(category: str, row: int) -> str:
    return f"text-{category}-{row:03d}"


def text_label(type_name: str) -> str:
    """A text-centric row is unsafe when its type contains ``contrast``."""
    return "unsafe" if "contrast" in str(type_name).lower() else "safe"
