"""Rendering the typography and FigStep images from text."""
from __future__ import annotations

import pytest

from vscbench_pytest.data.rendering import (
    FIGSTEP_SIZE,
    TYPOGRAPHY_SIZE,
    render_figstep,
    render_typography,
)

RENDERERS = [(render_typography, TYPOGRAPHY_SIZE), (render_figstep, FIGSTEP_SIZE)]


@pytest.mark.parametrize(("render", "size"), RENDERERS)
def test_rendering_is_deterministic(render, size) -> None:
    a = render("a Python process")
    b = render("a Python process")
    assert a.mode == b.mode == "RGB"
    assert a.size == b.size == size
    assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize(("render", "size"), RENDERERS)
def test_different_text_gives_a_different_image(render, size) -> None:
    assert render("a Python process").tobytes() != render("a kitchen knife").tobytes()


@pytest.mark.parametrize(("render", "size"), RENDERERS)
def test_text_is_drawn_black_on_white(render, size) -> None:
    image = render("Steps to make tea.")
    colours = {colour for _, colour in image.getcolors(maxcolors=1 << 20)}
    assert (255, 255, 255) in colours
    assert any(sum(c) < 100 for c in colours)


def test_surrounding_whitespace_does_not_change_the_picture() -> None:
    assert render_typography("  knife \n").tobytes() == render_typography("knife").tobytes()


@pytest.mark.parametrize(("render", "size"), RENDERERS)
def test_long_and_empty_text_still_render(render, size) -> None:
    assert render("word " * 200).size == size
    assert render("").size == size


def test_figstep_draws_the_empty_list() -> None:
    # the list 1. 2. 3. is drawn even with no statement: the picture is not blank
    image = render_figstep("")
    assert image.getextrema() != ((255, 255), (255, 255), (255, 255))
    assert render_typography("").getextrema() == ((255, 255), (255, 255), (255, 255))
