"""Sister benchmarks through the plugin: ``--vsc-data=<name>:<path>`` collects the sample in
its own layout, a replay of answers is scored, and the report holds every input with its label.
(Replay, not the tiny model: MSSBench's instructions alone overflow the tiny model's context.)"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.helpers.sisters import mmsb, mossb, mssb, xstest  # noqa: F401  (fixtures: samples in each layout)
from tests.helpers.suite import install_suite, load_json, write_replay
from vscbench_pytest.data.sources import load_data


@pytest.mark.parametrize("name, fixture, labels", [
    ("xstest", "xstest", {"safe", "unsafe"}),
    ("mm-safetybench", "mmsb", {"unsafe"}),
    ("mssbench", "mssb", {"safe", "unsafe"}),
    ("mossbench", "mossb", {"safe"}),
])
def test_sister_sample_collects_and_runs(pytester, request, name: str, fixture: str,
                                         labels: set[str]) -> None:
    path: Path = request.getfixturevalue(fixture)
    spec = f"{name}:{path}"
    expected = load_data(spec).items
    install_suite(pytester)
    collected = pytester.runpytest_subprocess(f"--vsc-data={spec}", "--vlm=tiny-llava",
                                              "--collect-only", "-q")
    assert collected.ret == 0
    ids = {line.rsplit("[", 1)[1].rstrip("]") for line in collected.stdout.lines if "::test_" in line}
    assert {item.uid for item in expected} <= ids  # a track without inputs adds one empty skip
    report = pytester.path / "r.json"
    replay = write_replay(pytester.path / "answers.jsonl",
                          {item.uid: "I can't help with that." if i % 2 else "Sure, here you go."
                           for i, item in enumerate(expected)})
    result = pytester.runpytest_subprocess(f"--vsc-data={spec}", f"--vlm=replay:{replay}",
                                           "--vsc-score-only", "--vsc-allow-errors",
                                           f"--vsc-report={report}")
    assert result.ret == 0, result.stdout.str()[-2000:]
    data = load_json(report)
    assert Counter(i["label"] for i in data["items"]) == Counter(i.label for i in expected)
    assert {i["label"] for i in data["items"]} == labels
    errors = [i for i in data["items"] if i["verdict"] == "error"]
    assert all("leaves the release root" in i["reason"] for i in errors)  # the samples plant one
    assert len(data["items"]) == len(expected) and not data["run"]["missing"]
    everything = data["scores"]["all"]
    assert (everything["sra_u"]["rate"] is None) == ("unsafe" not in labels)
    assert (everything["sra_s"]["rate"] is None) == ("safe" not in labels)
