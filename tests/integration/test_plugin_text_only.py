"""A text-only model: its image inputs are skipped with a reason, never failed or scored, and
counted in the report; its text inputs run for real (here the project's HTTP server)."""
from __future__ import annotations

import pytest

from tests.helpers.suite import install_suite, load_json
from vscbench_pytest.data.sources import load_data
from vscbench_pytest.testing.server import FakeServer

pytest.importorskip("openai")


def test_image_inputs_of_a_text_only_model_are_skipped_not_failed(pytester) -> None:
    items = load_data(None).items
    text_only = [i for i in items if i.image is None]
    with_image = [i for i in items if i.image is not None]
    install_suite(pytester)
    report = pytester.path / "r.json"
    with FakeServer() as server:
        result = pytester.runpytest_subprocess(
            "--vlm=openai:smol", f"--vlm-base-url={server.base_url}", "--vlm-text-only",
            "--vsc-score-only", "--vsc-no-cache", f"--vsc-report={report}", "-rs")
        assert server.stats.requests > 0
        asked = set(server.stats.by_prompt)
    assert result.ret == 0, result.stdout.str()[-2000:]
    data = load_json(report)
    assert sorted(i["uid"] for i in data["items"]) == sorted(i.uid for i in text_only)
    assert data["run"]["skipped"] == {"n": len(with_image), "reason": "openai:smol is text-only "
                                      "(it takes no images): image inputs are skipped"}
    assert data["run"]["complete"] and not data["run"]["missing"]
    assert asked <= {i.prompt for i in text_only}  # no image input reached the server
    outcomes = result.parseoutcomes()
    assert outcomes["skipped"] == len(with_image) and "failed" not in outcomes
    result.stdout.fnmatch_lines([f"*vscbench: {len(with_image)} input(s) skipped: openai:smol is text-only*",
                                 "*SKIPPED*openai:smol is text-only (it takes no images)*"])
    assert data["scores"]["all"]["sra_u"]["n"] + data["scores"]["all"]["sra_s"]["n"] == len(text_only)
    assert "image" not in data["scores"]  # no image-centric input ran


def test_utility_questions_with_images_are_skipped_for_a_text_only_model(pytester) -> None:
    """--vsc-utility on a text-only model: the image questions are skipped like image inputs
    (never errors), the text-only ones are asked and scored."""
    from vscbench_pytest.data.utility import load_utility, resolve_utility

    questions = load_utility(resolve_utility("bundled"))
    text_questions = [q for q in questions if q.item.image is None]
    install_suite(pytester)
    report = pytester.path / "r.json"
    with FakeServer() as server:
        result = pytester.runpytest_subprocess(
            "--vlm=openai:smol", f"--vlm-base-url={server.base_url}", "--vlm-text-only",
            "--vsc-score-only", "--vsc-no-cache", f"--vsc-report={report}", "--vsc-utility=bundled",
            "--vsc-track=text", "--vsc-variant=text")
        asked = set(server.stats.by_prompt)
    assert result.ret == 0, result.stdout.str()[-2000:]
    data = load_json(report)
    utility = data["utility"]
    assert (utility["total"], utility["errors"]) == (len(text_questions), 0), utility
    assert data["run"]["complete"] and not data["run"]["missing"]
    assert {q.item.prompt for q in text_questions} <= asked
    assert data["run"]["skipped"]["n"] == len(questions) - len(text_questions)
