"""Parsing ``--vlm=SPEC``."""
from __future__ import annotations

from pathlib import Path

import pytest

from vscbench_pytest.backends.registry import ALIASES, BUNDLED, BackendSpec, parse_spec
from vscbench_pytest.errors import SpecError


def test_llava_alias_resolves() -> None:
    assert parse_spec("llava") == BackendSpec("llava", "hf", "llava-hf/llava-1.5-7b-hf")


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_every_alias_resolves_to_its_target(alias: str) -> None:
    parsed = parse_spec(alias)
    assert f"{parsed.kind}:{parsed.target}" == ALIASES[alias]
    assert parsed.spec == alias


def test_hub_ids_pass_through() -> None:
    assert parse_spec("hf:Qwen/Qwen2-VL-2B-Instruct") == BackendSpec(
        "hf:Qwen/Qwen2-VL-2B-Instruct", "hf", "Qwen/Qwen2-VL-2B-Instruct")
    assert parse_spec("  llava  ").target == "llava-hf/llava-1.5-7b-hf"


def test_local_checkpoint_folder_and_replay_file(tmp_path: Path) -> None:
    (tmp_path / "ckpt").mkdir()
    assert parse_spec(f"hf:{tmp_path / 'ckpt'}").target == str(tmp_path / "ckpt")
    replay = tmp_path / "r.jsonl"
    replay.write_text("")
    assert parse_spec(f"replay:{replay}") == BackendSpec(f"replay:{replay}", "replay", str(replay))


@pytest.mark.parametrize("spec", ["gpt-5", "llava2", "LLAVA", "torch:x", "hf"])
def test_unknown_name_names_the_value_and_the_choices(spec: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_spec(spec)
    message = str(info.value)
    assert "--vlm" in message
    assert repr(spec) in message
    for name in (*BUNDLED, "llava", "qwen2-vl"):
        assert name in message
    assert "hf:" in message and "replay:" in message


@pytest.mark.parametrize("spec", ["hf:", "replay:"])
def test_kind_without_a_target(spec: str) -> None:
    with pytest.raises(SpecError, match="names no model"):
        parse_spec(spec)


@pytest.mark.parametrize("spec", ["hf:./missing", "hf:/nonexistent/ckpt", "hf:~/no-such-ckpt-here"])
def test_missing_local_checkpoint(spec: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(SpecError) as info:
        parse_spec(spec)
    assert repr(spec) in str(info.value)
    assert "no checkpoint folder" in str(info.value)


def test_missing_replay_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecError) as info:
        parse_spec("replay:missing.jsonl")
    assert "missing.jsonl" in str(info.value)
    (tmp_path / "folder.jsonl").mkdir()
    with pytest.raises(SpecError):
        parse_spec("replay:folder.jsonl")


def test_bundled_name_points_at_its_folder_or_says_it_is_missing(tmp_path: Path, monkeypatch) -> None:
    empty = tmp_path / "bundled"
    empty.mkdir()
    monkeypatch.setattr("vscbench_pytest.bundled.bundled_dir", lambda: empty)
    with pytest.raises(SpecError, match="tiny-llava") as info:
        parse_spec("tiny-llava")
    assert str(empty) in str(info.value)
    (empty / "models" / "tiny-llava").mkdir(parents=True)
    assert parse_spec("tiny-llava") == BackendSpec("tiny-llava", "hf", str(empty / "models" / "tiny-llava"))
