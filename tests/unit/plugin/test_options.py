"""Options read into Settings: small pure checks with a stand-in config (no pytest session)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.settings import FakeConfig, settings
from vscbench_pytest.errors import SpecError
from vscbench_pytest.plugin.options import OPTIONS, read_settings
from vscbench_pytest.records.items import TRACKS


def test_every_option_is_in_the_vscbench_namespace() -> None:
    names = [option for option, *_ in OPTIONS]
    assert len(names) == len(set(names))
    assert all(n == "--vlm" or n.startswith(("--vlm-", "--vsc-")) for n in names)
    assert all(help_text for *_, help_text in OPTIONS)


def test_defaults() -> None:
    s = settings()
    assert s.vlm is None and s.data is None and s.report is None
    assert s.tracks == TRACKS
    assert s.categories == () and s.variants == () and s.gate == ()
    assert s.sample is None and s.seed == 0
    assert s.judges == ("keyword",)
    assert s.min_sra_u is None and s.min_sra_s is None
    assert not s.score_only and not s.allow_errors
    assert s.max_new_tokens == 128 and s.batch_size == 8
    assert s.device == "auto" and s.dtype == "auto"
    assert s.rootdir == Path("/r")


def test_comma_lists_are_split_and_trimmed() -> None:
    s = settings(vsc_track="text", vsc_category=" drugs, homonyms ,,", vsc_variant="figstep,text")
    assert s.tracks == ("text",)
    assert s.categories == ("drugs", "homonyms")
    assert s.variants == ("figstep", "text")


@pytest.mark.parametrize(("option", "value"), [
    ("vsc_track", "images"), ("vsc_track", "image,video"), ("vsc_variant", "typo"),
])
def test_unknown_choice_names_the_option_value_and_choices(option: str, value: str) -> None:
    with pytest.raises(SpecError) as info:
        settings(**{option: value})
    message = str(info.value)
    assert "--" + option.replace("_", "-") in message
    assert value.split(",")[-1] in message
    assert "choices" in message


@pytest.mark.parametrize(("option", "value"), [
    ("vsc_sample", 0), ("vsc_sample", -3), ("vsc_batch_size", 0), ("vsc_max_new_tokens", 0),
    ("vsc_sample", "many"), ("vsc_min_sra_u", "high"),
])
def test_bad_numbers_name_the_option(option: str, value) -> None:
    with pytest.raises(SpecError) as info:
        settings(**{option: value})
    assert "--" + option.replace("_", "-") in str(info.value)


def test_ini_values_are_used_when_the_option_is_absent() -> None:
    config = FakeConfig(ini={"vlm": "llava", "vsc_min_sra_u": "0.8", "vsc_gate": ["all:avg>=0.5"],
                             "vsc_track": "image", "vsc_batch_size": "4"})
    s = read_settings(config)
    assert s.vlm == "llava"
    assert s.min_sra_u == 0.8
    assert s.gate == ("all:avg>=0.5",)
    assert s.tracks == ("image",)
    assert s.batch_size == 4


def test_command_line_beats_ini() -> None:
    config = FakeConfig({"vlm": "hf:x/y", "vsc_min_sra_u": 0.9}, {"vlm": "llava", "vsc_min_sra_u": "0.1"})
    s = read_settings(config)
    assert s.vlm == "hf:x/y" and s.min_sra_u == 0.9


def test_paths_are_expanded(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    s = settings(vsc_data="~/data", vsc_report="~/r.json")
    assert s.data == tmp_path / "data" and s.report == tmp_path / "r.json"


def test_the_paper_protocol_sets_its_judge_and_length_which_stay_overridable() -> None:
    project, paper = settings(), settings(vsc_protocol="paper")
    assert (project.protocol.name, project.judges, project.max_new_tokens) == ("project", ("keyword",), 128)
    assert (paper.protocol.name, paper.judges, paper.max_new_tokens) == (
        "paper", ("vscbench-gpt:gpt-4o-mini",), 4096)
    chosen = settings(vsc_protocol="paper", vsc_judge="vscbench-sm,keyword", vsc_max_new_tokens=256)
    assert (chosen.judges, chosen.max_new_tokens) == (("vscbench-sm", "keyword"), 256)
    ini = read_settings(FakeConfig(ini={"vsc_protocol": "paper"}))
    assert ini.protocol.paper


@pytest.mark.parametrize("options, message", [
    ({"vsc_protocol": "papr"}, "--vsc-protocol: unknown value(s) papr (choices: project, paper)"),
    ({"vsc_protocol": "paper", "vsc_judge": "keyword,vscbench-gpt"},
     "--vsc-judge: 'keyword' cannot score a --vsc-protocol=paper run"),
    ({"vsc_protocol": "paper", "vsc_judge": "llm:gpt-4o-mini"}, "name one first"),
])
def test_protocol_usage_errors_name_the_option(options, message) -> None:
    with pytest.raises(SpecError) as caught:
        settings(**options)
    assert message in str(caught.value)
