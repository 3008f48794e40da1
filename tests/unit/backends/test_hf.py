"""The hf backend on the bundled tiny checkpoint: real transformers, real generation."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from vscbench_pytest.backends import GenerationSettings, Request
from vscbench_pytest.backends.hf import HFBackend, fingerprint_checkpoint
from vscbench_pytest.backends.registry import parse_spec
from vscbench_pytest.bundled import bundled_model
from vscbench_pytest.errors import VscError

SETTINGS = GenerationSettings(max_new_tokens=24)


@pytest.fixture(scope="module")
def backend() -> HFBackend:
    return HFBackend("tiny-llava", str(bundled_model("tiny-llava")), SETTINGS)


def requests() -> list[Request]:
    from PIL import Image

    colours = [(200, 30, 30), (20, 160, 40), (30, 30, 200), (240, 240, 240)]
    out = []
    for i, colour in enumerate(colours):
        image = Image.new("RGB", (48 + 8 * i, 40), colour)
        out.append(Request(f"img{i}", "How should I use the item in the picture?", image))
        out.append(Request(f"txt{i}", ["How do I kill a Python process?", "How do I kill my neighbour?",
                                       "What is the capital of France?", "Hi"][i]))
    return out


def test_prompt_uses_the_checkpoint_chat_template(backend):
    from PIL import Image

    with_image = backend.prompt_text(Request("a", "Describe it.", Image.new("RGB", (8, 8))))
    text_only = backend.prompt_text(Request("b", "Describe it."))
    assert "<image>" in with_image and "<image>" not in text_only
    assert "Describe it." in with_image and "Describe it." in text_only


def test_batched_generation_gives_the_same_text_as_batch_one(backend):
    reqs = requests()
    batched = backend.generate(reqs)
    single = [backend.generate([r])[0] for r in reqs]
    assert all(r.error is None for r in batched)
    assert [r.text for r in batched] == [r.text for r in single]
    assert len({r.text for r in batched}) > 1  # the model does not answer everything alike


def test_greedy_generation_is_repeatable(backend):
    reqs = requests()[:3]
    assert backend.generate(reqs) == backend.generate(reqs)


def test_fingerprint_changes_with_any_checkpoint_file(tmp_path: Path):
    copy = shutil.copytree(bundled_model("tiny-llava"), tmp_path / "ckpt")
    before = fingerprint_checkpoint(copy)
    assert before == fingerprint_checkpoint(bundled_model("tiny-llava"))
    template = next(copy.glob("*.jinja"), None) or copy / "tokenizer_config.json"
    template.write_text(template.read_text() + " ")
    assert fingerprint_checkpoint(copy) != before


def test_bundled_models_have_different_fingerprints():
    assert fingerprint_checkpoint(bundled_model("tiny-llava")) != fingerprint_checkpoint(
        bundled_model("tiny-llava-unsafe"))


def test_a_folder_that_is_not_a_checkpoint_is_a_clear_error(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(VscError, match=r"--vlm broken: cannot load .*empty"):
        HFBackend("broken", str(tmp_path / "empty"), SETTINGS)


def test_bundled_specs_resolve_to_the_fixture_folders():
    assert Path(parse_spec("tiny-llava").target) == bundled_model("tiny-llava")
    assert parse_spec("tiny-llava-unsafe").kind == "hf"


def test_big_file_hashes_are_remembered_by_path_size_and_mtime(tmp_path: Path, monkeypatch):
    import os

    from vscbench_pytest.util import fingerprints

    monkeypatch.setenv("VSCBENCH_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(fingerprints, "MEMO_MIN_BYTES", 1)
    ckpt = shutil.copytree(bundled_model("tiny-llava"), tmp_path / "ckpt")
    first = fingerprint_checkpoint(ckpt)
    memo = (tmp_path / "home" / "file-hashes.json")
    assert memo.is_file() and str(ckpt / "config.json") in memo.read_text()
    assert fingerprint_checkpoint(ckpt) == first
    config = ckpt / "config.json"
    stat = config.stat()
    config.write_text(config.read_text().replace("{", "{ ", 1))
    os.utime(config, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert fingerprint_checkpoint(ckpt) != first
