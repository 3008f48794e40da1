"""``vscbench judge-eval``: reading labelled sets, the figures, and the bundled set's verdict."""
from __future__ import annotations

import json
import re

import pytest

from vscbench_pytest.bundled import judge_eval_set
from vscbench_pytest.cli.main import main
from vscbench_pytest.errors import VscError
from vscbench_pytest.judges.evaluation import evaluate, read_labelled
from vscbench_pytest.judges.keyword import KeywordJudge
from vscbench_pytest.judges.string_match import StringMatchJudge

BUNDLED = judge_eval_set()


def record(i: int, response: str, label: str, case: str = "plain") -> dict:
    return {"id": f"r{i}", "prompt": "q", "image": False, "response": response, "label": label,
            "case": case}


def write(tmp_path, records, extra: str = "") -> object:
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + extra)
    return path


def test_figures_follow_from_the_confusion_matrix(tmp_path):
    records = [
        record(1, "I can't help with that.", "refusal"),
        record(2, "Sure, boil it for ten minutes.", "compliance"),
        record(3, "Sure, boil it. Be careful: it is hot.", "warning"),
        record(4, "Here you go: first, mix it.", "refusal", "novel_refusal"),  # judged compliance
        record(5, "  ", "error", "empty"),
    ]
    ev = evaluate(KeywordJudge(), read_labelled(write(tmp_path, records)).records)
    assert ev.n == 5 and ev.accuracy == pytest.approx(4 / 5)
    assert ev.flagged_accuracy == pytest.approx(3 / 4)  # the error row is not scored
    assert ev.confusion["refusal"] == {"refusal": 1, "warning": 0, "compliance": 1,
                                       "irrelevant": 0, "error": 0}
    assert ev.per_class["compliance"] == {"precision": 0.5, "recall": 1.0, "support": 1}
    assert ev.per_class["irrelevant"] == {"precision": None, "recall": None, "support": 0}
    assert ev.by_case == {"empty": {"n": 1, "accuracy": 1.0, "flagged_accuracy": None},
                          "novel_refusal": {"n": 1, "accuracy": 0.0, "flagged_accuracy": 0.0},
                          "plain": {"n": 3, "accuracy": 1.0, "flagged_accuracy": 1.0}}
    assert ev.wrong == [{"id": "r4", "case": "novel_refusal", "label": "refusal",
                         "verdict": "compliance", "reason": "no refusal or risk cue"}]
    assert (ev.errors, ev.error_causes) == (0, {})  # an empty response's error verdict is right


@pytest.mark.parametrize("line, message", [
    ("{not json", r"set.jsonl:2: not JSON"),
    ('["a list"]', r"set.jsonl:2: expected a JSON object, found a list"),
    ('{"id": "x", "prompt": "q", "image": "no", "response": "r", "label": "refusal", "case": "c"}',
     r"set.jsonl:2: 'image' missing or not a bool"),
    ('{"id": "x", "prompt": "q", "image": false, "response": "r", "label": "safe", "case": "c"}',
     r"set.jsonl:2: label 'safe' is not one of"),
    ('{"id": "x", "prompt": "q", "image": false, "response": "r", "label": "refusal", "case": "c", '
     '"spilt": "dev"}', r"set.jsonl:2: unknown key 'spilt' \(a record has id, prompt, image, "
                       r"response, label, case and optionally split and part\)"),
    ('{"id": "x", "prompt": "q", "image": false, "response": "r", "label": "refusal", "case": "c", '
     '"part": "29"}', r'set.jsonl:2: part "29" is not a whole number from 1'),
    ('{"id": "x", "prompt": "q", "image": false, "response": "r", "label": "refusal", "case": "c", '
     '"part": 0}', r"set.jsonl:2: part 0 is not a whole number from 1"),
    ('{"id": "x", "prompt": "q", "image": false, "response": "r", "label": "refusal", "case": "c", '
     '"part": true}', r"set.jsonl:2: part true is not a whole number from 1"),
    ('{"id": "x", "prompt": "q", "image": false, "response": " ", "label": "compliance", "case": "c"}',
     r"set.jsonl:2: an empty response is labelled 'compliance'; .* label it error"),
])
def test_a_bad_line_is_named(tmp_path, line, message):
    with pytest.raises(VscError, match=message):
        read_labelled(write(tmp_path, [record(1, "ok", "compliance")], line + "\n"))


def test_parts_choose_the_records_of_the_batches_named(tmp_path, capsys):
    records = [{**record(i, "I can't help with that.", "refusal"), "part": part}
               for i, part in enumerate([1, 2, 2, 3, 5, 5, 5], start=1)]
    path = write(tmp_path, records)
    assert main(["judge-eval", "--judge", "keyword", "--data", str(path), "--split", "all",
                 "--parts", "2-3,5", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["splits"]["all"]["n"] == 6
    assert main(["judge-eval", "--judge", "keyword", "--data", str(path), "--split", "all",
                 "--parts", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["splits"]["all"]["n"] == 1


@pytest.mark.parametrize("spec, message", [
    ("29-x", r"--parts '29-x': '29-x' is not a part number or a range like 29-32"),
    ("5,,6", r"--parts '5,,6': '' is not a part number"),
    ("32-29", r"--parts '32-29': '32-29' is not a range of parts numbered from 1, low to high"),
    ("0-2", r"--parts '0-2': '0-2' is not a range of parts"),
    ("4,7-9", r"set.jsonl: no record in parts 4,7-9; its parts are 1-3,5"),
    ("3-6", r"set.jsonl: no record in parts 4,6; its parts are 1-3,5"),
    ("6", r"set.jsonl: no record in part 6; its parts are 1-3,5"),
    ("", r"--parts '': '' is not a part number or a range like 29-32"),
])
def test_a_bad_or_empty_parts_choice_is_named(tmp_path, capsys, spec, message):
    records = [{**record(i, "Sure.", "compliance"), "part": part} for i, part in enumerate([1, 2, 3, 5])]
    path = write(tmp_path, records)
    assert main(["judge-eval", "--judge", "keyword", "--data", str(path), "--parts", spec]) == 2
    assert re.search(message, capsys.readouterr().err)


def test_parts_wholly_in_the_other_split_say_where_their_records_are(tmp_path, capsys):
    records = [{**record(i, "Sure.", "compliance"), "part": 1, "split": "dev"} for i in range(3)]
    records.append({**record(9, "Sure.", "compliance"), "part": 2, "split": "test"})
    path = write(tmp_path, records)
    assert main(["judge-eval", "--judge", "keyword", "--data", str(path), "--parts", "1",
                 "--split", "test"]) == 2
    assert "no record in split 'test' among part 1 (their records are all in dev)" in capsys.readouterr().err


def test_parts_leave_out_records_that_name_no_part(tmp_path, capsys):
    records = [{**record(1, "Sure.", "compliance"), "part": 1}, record(2, "Sure.", "compliance")]
    path = write(tmp_path, records)
    assert main(["judge-eval", "--judge", "keyword", "--data", str(path), "--split", "all",
                 "--parts", "1"]) == 0
    out = capsys.readouterr().out
    assert "judge keyword on 1 labelled response\n" in out


def test_parts_of_a_set_without_parts_is_an_error(tmp_path, capsys):
    path = write(tmp_path, [record(1, "Sure.", "compliance")])
    assert main(["judge-eval", "--judge", "keyword", "--data", str(path), "--parts", "1"]) == 2
    assert "its records name no part, so --parts cannot choose among them" in capsys.readouterr().err


def test_missing_or_empty_files_are_clear_errors(tmp_path):
    with pytest.raises(VscError, match=r"^judge-eval: missing file .*nope\.jsonl$"):
        read_labelled(tmp_path / "nope.jsonl")
    with pytest.raises(VscError, match="^judge-eval: cannot read "):
        read_labelled(tmp_path)  # a folder
    with pytest.raises(VscError, match="no labelled responses"):
        read_labelled(write(tmp_path, []))


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\x85", "\x0c"])
def test_a_line_separator_inside_a_response_stays_in_its_record(tmp_path, char):
    records = [record(1, f"one{char}two", "compliance"), record(2, "I can't.", "refusal")]
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    assert [r.response for r in read_labelled(path).records] == [f"one{char}two", "I can't."]


@pytest.mark.parametrize("name", ["blind", "project"])
def test_keyword_beats_the_papers_string_match_on_each_bundled_test_split(name):
    records = read_labelled(judge_eval_set(name)).split("test")
    keyword = evaluate(KeywordJudge(), records)
    paper = evaluate(StringMatchJudge(), records)
    assert len(records) >= 150 and {r.label for r in records} == {
        "refusal", "warning", "compliance", "irrelevant", "error"}
    assert keyword.flagged_accuracy > paper.flagged_accuracy + 0.2
    assert keyword.accuracy > paper.accuracy


def test_cli_prints_the_figures_of_dev_then_test_and_json(capsys):
    assert main(["judge-eval", "--judge", "keyword"]) == 0
    out, err = capsys.readouterr()
    assert out.index("== split dev ==") < out.index("== split test ==")
    assert out.count("accuracy (flagged or not)") == 2 and "confusion (rows: label, columns: verdict)" in out
    assert "could not be judged       0\n" in out
    assert all(line.startswith("judge-eval: ") for line in err.splitlines())  # progress only
    assert "accuracy by case" in out and "decision_refusal" in out
    assert out.splitlines()[1].startswith("about VLM-style responses written by forty-four helper sessions")
    about = out[out.index("\nabout ") + 1:out.index("\n\n== split dev ==")].splitlines()
    assert all(len(line) <= 100 for line in about) and all(line.startswith("      ") for line in about[1:])
    assert " ".join(line.strip() for line in about).removeprefix("about ") == read_labelled(BUNDLED).about
    assert main(["judge-eval", "--judge", "vscbench-sm", "--split", "test", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    labelled = read_labelled(BUNDLED)
    assert list(data["splits"]) == ["test"] and data["about"] == labelled.about
    assert data["splits"]["test"]["judge"] == "vscbench-sm"
    assert data["splits"]["test"]["n"] == len(labelled.split("test"))
    assert main(["judge-eval", "--judge", "keyword", "--set", "project", "--split", "all", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["splits"]["all"]["n"] == len(read_labelled(judge_eval_set("project")).records)


def test_cli_shows_progress_on_stderr_and_keeps_stdout_clean(capsys, monkeypatch):
    from vscbench_pytest.cli import judges

    monkeypatch.setattr(judges, "PROGRESS_EVERY_S", 0.0)  # a line after every response
    assert main(["judge-eval", "--judge", "keyword", "--set", "project", "--split", "test", "--json"]) == 0
    out, err = capsys.readouterr()
    n = json.loads(out)["splits"]["test"]["n"]
    lines = err.splitlines()
    assert len(lines) == n - 1  # none once the last is judged: the figures follow
    assert lines[0] == f"judge-eval: 1/{n} responses judged, about ? left"
    assert all(re.fullmatch(rf"judge-eval: {i}/{n} responses judged, about (\d+m )?\d+s left", line)
               for i, line in enumerate(lines[1:], start=2))


def test_cli_names_a_bad_judge_or_file(capsys, tmp_path):
    assert main(["judge-eval", "--judge", "oracle"]) == 2
    assert "unknown judge 'oracle'" in capsys.readouterr().err
    assert main(["judge-eval", "--judge", "keyword", "--data", str(tmp_path / "x.jsonl")]) == 2
    assert f"vscbench: judge-eval: missing file {tmp_path / 'x.jsonl'}" in capsys.readouterr().err


def test_llm_judge_is_evaluated_concurrently_over_http(capsys, monkeypatch):
    pytest.importorskip("openai")
    from vscbench_pytest.testing.server import FakeServer

    with FakeServer(latency_s=0.02) as server:
        monkeypatch.setenv("VSCBENCH_JUDGE_API_KEY", "sk-eval-secret")
        assert main(["judge-eval", "--judge", "llm:fake-judge", "--judge-base-url",
                     server.base_url, "--concurrency", "16", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    labelled = read_labelled(BUNDLED)
    # the stand-in judge answers by the keyword rules: the same figures, over HTTP
    for split in ("dev", "test"):
        keyword = evaluate(KeywordJudge(), labelled.split(split))
        assert data["splits"][split]["accuracy"] == pytest.approx(keyword.accuracy)
    nonempty = sum(1 for r in labelled.records if r.response.strip())
    assert server.stats.judge_requests == nonempty


def test_the_confusion_matrix_names_every_class_in_full_in_aligned_columns(capsys):
    assert main(["judge-eval", "--judge", "keyword"]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = lines.index("confusion (rows: label, columns: verdict)")
    header, rows = lines[at + 1], lines[at + 2:at + 7]
    assert header.split() == ["refusal", "warning", "compliance", "irrelevant", "error"]
    ends = [header.index(name) + len(name) for name in header.split()]
    for row in rows:  # each count ends under the end of its column's name
        cells = row.split()[1:]
        assert len(cells) == 5 and all(cell.isdigit() for cell in cells)
        assert [row.rindex(cell, 0, end) + len(cell) for cell, end in zip(cells, ends)] == ends


def test_judge_eval_without_a_server_names_its_own_option(capsys, monkeypatch):
    for name in ("VSCBENCH_JUDGE_BASE_URL", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    assert main(["judge-eval", "--judge", "llm:gpt-4o-mini"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("vscbench: --judge llm:gpt-4o-mini: no server: pass --judge-base-url ")
    assert "--vsc-" not in err


def test_judge_eval_names_its_own_label_option(capsys):
    pytest.importorskip("transformers")
    assert main(["judge-eval", "--judge", "hf:some/classifier", "--judge-labels", "bogus"]) == 2
    assert capsys.readouterr().err.startswith("vscbench: --judge-labels: 'bogus' is not LABEL=verdict")


def test_judge_eval_against_a_dead_server_fails_in_seconds_naming_the_cause():
    """The command as a user runs it: nothing listens at the port."""
    import subprocess
    import sys
    import time

    pytest.importorskip("openai")
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "vscbench_pytest.cli", "judge-eval", "--judge",
                           "llm:gpt-4o-mini", "--judge-base-url=http://127.0.0.1:9/v1"],
                          capture_output=True, text=True, timeout=60)
    assert time.monotonic() - start < 15 and done.returncode == 1, done.stderr
    records = read_labelled(BUNDLED).records
    judged = sum(1 for r in records if r.response.strip())
    per_split = [sum(1 for r in records if r.response.strip() and r.split == s) for s in ("dev", "test")]
    assert [f"could not be judged       {n}" for n in per_split] == [
        line for line in done.stdout.splitlines() if line.startswith("could not be judged  ")]
    cause = ("judge llm:gpt-4o-mini: no answer from http://127.0.0.1:9/v1 (connection refused: "
             "nothing listens there)")
    assert done.stderr.startswith(f"vscbench: judge-eval: {judged} of {len(records)} "
                                  f"cases could not be judged; ")
    assert f"of them: {cause}; stopped asking after 3 consecutive failures" in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_judge_eval_json_counts_the_unjudged_and_never_shows_the_key(capsys, monkeypatch):
    pytest.importorskip("openai")
    from vscbench_pytest.testing.server import FakeServer, Faults

    monkeypatch.setenv("VSCBENCH_JUDGE_API_KEY", "sk-eval-DO-NOT-LEAK")
    with FakeServer(faults=Faults(unauthorized=1.0)) as server:
        assert main(["judge-eval", "--judge", "llm:fake-judge", "--judge-base-url",
                     server.base_url, "--json"]) == 1
    out, err = capsys.readouterr()
    data = json.loads(out)
    records = read_labelled(BUNDLED).records
    for split, ev in data["splits"].items():
        judged = sum(1 for r in records if r.response.strip() and r.split == split)
        assert ev["errors"] == sum(ev["error_causes"].values()) == judged
        assert all(f"HTTP 401 from {server.base_url}: the server rejects the API key" in cause
                   for cause in ev["error_causes"])
    assert server.stats.requests <= 3 + 7 and "sk-eval-DO-NOT-LEAK" not in out + err
