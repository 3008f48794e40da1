"""``vscbench sweep``: the method list, the table, the page and the command (no model runs)."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.helpers.reports import image, report
from vscbench_pytest.cli import sweep
from vscbench_pytest.cli.main import main
from vscbench_pytest.errors import VscError
from vscbench_pytest.render import sweep as sweep_render
from vscbench_pytest.report.build import write_report
from vscbench_pytest.report.io import read_report


def scored(unsafe: int, safe: int, n: int = 10, *, spec: str | None = None,
           utility: dict | None = None) -> dict:
    """A report with ``unsafe``/n unsafe inputs refused and ``safe``/n safe inputs answered."""
    results = [image(i, "unsafe", "refusal" if i < unsafe else "compliance") for i in range(n)]
    results += [image(i, "safe", "compliance" if i < safe else "refusal") for i in range(n)]
    data = report(results, spec="tiny-llava")
    if spec is not None:
        method = spec.partition(":")[0]
        data["run"]["calibration"] = {"method": method, "spec": spec, "params": {},
                                      "system_prompt": None, "heldout": None}
    if utility is not None:
        data["utility"] = utility
    return data


# --- the method list ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("none", ["none"]),
    ("none,reminder,fewshot,steer,adasteer", list(sweep.METHODS)),
    ("steer:1,4.0,adasteer", ["steer:1,4.0", "adasteer"]),
    ("none, fewshot:4 ,steer:2,-0.5", ["none", "fewshot:4", "steer:2,-0.5"]),
    ("steer:1,1e1,adasteer:,8", ["steer:1,1e1", "adasteer:,8"]),
    ("steer:1,4.0,steer:2,4.0", ["steer:1,4.0", "steer:2,4.0"]),
])
def test_methods_split_at_commas_before_a_name(text: str, expected: list[str]) -> None:
    assert sweep.parse_methods(text) == expected


@pytest.mark.parametrize("text, message", [
    ("", "empty entry"),
    ("none,,steer", "empty entry"),
    ("none,", "empty entry"),
    ("none,bogus", "unknown method 'bogus'"),
    ("Stir:1", "unknown method 'Stir'"),
    ("fewshot:99", "'fewshot:99': fewshot:99: K must be 1 to 16"),
    ("steer:x,1", "'steer:x,1': 'x,1': expected steer[:LAYER,ALPHA]"),
    ("reminder:1", "'reminder:1': reminder takes no parameters"),
    ("fewshot,fewshot:2", "'fewshot:2' is given twice (as 'fewshot')"),
    ("steer:1,inf", "alpha 'inf' is not a usable number"),
    ("1,none", "'1' comes before any method name"),
    ("none,reminder,none", "'none' is given twice"),
])
def test_bad_method_lists_are_refused(text: str, message: str) -> None:
    with pytest.raises(VscError, match=re.escape(message)):
        sweep.parse_methods(text)


def test_the_command_of_one_run(tmp_path: Path) -> None:
    command = sweep.pytest_command(tmp_path / "suite", "tiny-llava", "steer:1,4.0",
                                   tmp_path / "steer.json", "0.2", "bundled", ["-x"])
    assert command[:3] == [sys.executable, "-m", "pytest"]
    for arg in ("--vlm=tiny-llava", "--vsc-calibration=steer:1,4.0", "--vsc-score-only",
                f"--vsc-report={tmp_path / 'steer.json'}", "--vsc-heldout=0.2",
                "--vsc-utility=bundled", "-p", "no:cacheprovider"):
        assert arg in command
    assert command[-1] == "-x"
    assert not any(a.startswith("--vsc-utility")
                   for a in sweep.pytest_command(tmp_path, "x", "none", tmp_path, "0.2", None, []))


def test_utility_defaults_to_bundled_for_the_tiny_models() -> None:
    assert sweep.default_utility("tiny-llava") == "bundled"
    assert sweep.default_utility("tiny-llava-unsafe") == "bundled"
    assert sweep.default_utility("replay:r.jsonl") is None


def test_the_default_suite_and_out_folder(tmp_path: Path) -> None:
    assert (sweep.suite_dir() / "test_image_centric.py").is_file()
    assert sweep.default_out("hf:org/m", tmp_path) == tmp_path / ".vscbench" / "sweep" / "hf_org_m"


# --- rows, table and page from report files ----------------------------------------------------

def sweep_of(tmp_path: Path, reports: dict[str, dict | None], statuses: dict[str, int] | None = None
             ) -> dict:
    """A sweep whose runner writes ``reports[method]`` (None: no report) and exits with
    ``statuses[method]`` (default 1, as score-only with missed inputs)."""
    statuses = statuses or {}

    def runner(command: list[str], log: Path) -> int:
        method = next(a for a in command if a.startswith("--vsc-calibration=")).split("=", 1)[1]
        path = Path(next(a for a in command if a.startswith("--vsc-report=")).split("=", 1)[1])
        log.write_text(f"collected 20 items\nrunning {method}\nERROR: {method} broke\n")
        if reports[method] is not None:
            write_report(reports[method], path)
        return statuses.get(method, 1)

    progress = tmp_path / "progress.txt"
    with progress.open("w") as stream:
        return sweep.run_sweep(vlm="tiny-llava", methods=list(reports), out=tmp_path / "out",
                               suite=tmp_path, heldout="0.2", utility="bundled", extra=[],
                               runner=runner, progress=stream)


def test_rows_and_deltas_against_none(tmp_path: Path) -> None:
    result = sweep_of(tmp_path, {
        "reminder": scored(9, 6, spec="reminder", utility={"source": "bundled", "accuracy": 0.5,
                                                           "correct": 5, "total": 10, "errors": 0}),
        "none": scored(6, 9, spec="none", utility={"source": "bundled", "accuracy": 0.75,
                                                   "correct": 6, "total": 8, "errors": 0}),
        "steer:1,4.0": scored(10, 5),  # an older report: no calibration, no utility
    })
    assert result["reference"] == "none"
    rows = {row["requested"]: row for row in result["rows"]}
    assert [row["requested"] for row in result["rows"]] == ["reminder", "none", "steer:1,4.0"]
    assert rows["steer:1,4.0"]["method"] == "steer:1,4.0"
    assert rows["reminder"]["delta"]["sra_u"] == pytest.approx(0.3)
    assert rows["reminder"]["delta"]["sra_s"] == pytest.approx(-0.3)
    assert rows["reminder"]["delta"]["utility"] == pytest.approx(-0.25)
    assert rows["none"]["delta"] == {"sra_u": 0.0, "sra_s": 0.0, "utility": 0.0}
    assert rows["steer:1,4.0"]["delta"]["utility"] is None
    assert rows["steer:1,4.0"]["delta"]["sra_u"] == pytest.approx(0.4)
    assert all(row["error"] is None for row in result["rows"])
    progress = (tmp_path / "progress.txt").read_text().splitlines()
    assert len(progress) == 6 and "[2/3] none: done in" in progress[3]
    assert "SRA_u 0.600 (6/10)" in progress[3]

    text = sweep_render.format_text(result)
    line = next(line for line in text.splitlines() if line.startswith("reminder"))
    assert "0.900 [" in line and "9/10" in line and "6/10" in line
    assert "0.500 5/10" in line and "+0.300" in line and "-0.300" in line and "-0.250" in line
    steer = next(line for line in text.splitlines() if line.startswith("steer:1,4.0"))
    assert " - " in steer  # no utility
    assert "Δ against none" in text

    markdown = sweep_render.format_markdown(result)
    table = [line for line in markdown.splitlines() if line.startswith("|")]
    assert len(table) == 2 + 3
    assert all(line.count("|") - line.count("\\|") == len(sweep_render.HEADERS) + 1 for line in table)


def test_the_first_row_is_the_reference_without_none(tmp_path: Path) -> None:
    result = sweep_of(tmp_path, {"fewshot": scored(5, 10), "reminder": scored(8, 9)})
    assert result["reference"] == "fewshot"
    assert result["rows"][1]["delta"]["sra_u"] == pytest.approx(0.3)
    assert result["rows"][0]["delta"]["utility"] is None


def test_a_run_without_a_report_is_a_failed_row(tmp_path: Path) -> None:
    result = sweep_of(tmp_path, {"none": scored(5, 5), "steer": None, "fewshot": scored(6, 5)},
                      statuses={"steer": 4, "none": 0})
    steer = result["rows"][1]
    assert steer["error"] == "pytest exited 4: ERROR: steer broke"
    assert steer["output"].splitlines() == ["collected 20 items", "running steer",
                                            "ERROR: steer broke"]
    assert steer["sra_u"] is None and steer["delta"]["sra_u"] is None
    assert result["rows"][0]["error"] is None and result["rows"][2]["error"] is None
    assert "FAILED: pytest exited 4" in sweep_render.format_text(result)
    assert "FAILED in" in (tmp_path / "progress.txt").read_text()


def test_a_stale_report_does_not_stand_in_for_a_failed_run(tmp_path: Path) -> None:
    write_report(scored(5, 5), tmp_path / "out" / "none.json")
    result = sweep_of(tmp_path, {"none": None})
    assert result["rows"][0]["error"] and result["rows"][0]["sra_u"] is None


def test_a_report_that_scored_nothing_is_a_failed_row(tmp_path: Path) -> None:
    nothing = report([image(i, label, "error") for i in range(3) for label in ("safe", "unsafe")])
    result = sweep_of(tmp_path, {"none": scored(5, 5), "reminder": nothing})
    assert result["rows"][1]["error"] == "no input was scored (6 error(s), the first: no response)"
    assert "ERROR: reminder broke" in result["rows"][1]["output"]
    assert result["rows"][0]["error"] is None and result["rows"][0]["output"] is None


def test_an_unreadable_report_is_named(tmp_path: Path) -> None:
    def runner(command: list[str], log: Path) -> int:
        path = Path(next(a for a in command if a.startswith("--vsc-report=")).split("=", 1)[1])
        path.write_text("{not json")
        return 0

    with (tmp_path / "progress.txt").open("w") as progress:
        result = sweep.run_sweep(vlm="x", methods=["none"], out=tmp_path, suite=tmp_path,
                                 heldout="0.2", utility=None, extra=[], runner=runner,
                                 progress=progress)
    assert "not a readable JSON report" in result["rows"][0]["error"]


def test_an_exit_status_beyond_one_fails_the_row_but_keeps_its_scores(tmp_path: Path) -> None:
    result = sweep_of(tmp_path, {"none": scored(5, 5)}, statuses={"none": 3})
    row = result["rows"][0]
    assert row["error"].startswith("pytest exited 3") and row["sra_u"]["rate"] == 0.5


def test_the_page_escapes_and_draws_one_point_per_method(tmp_path: Path) -> None:
    hostile = '<script>alert("x")</script>&'
    result = sweep_of(tmp_path, {"none": scored(6, 9, spec="none"),
                                 "reminder": scored(9, 6, spec=hostile),
                                 "fewshot": scored(7, 7, utility={
                                     "source": "<b>u</b>", "accuracy": 0.9, "correct": 9,
                                     "total": 10, "errors": 0})})
    page = sweep_render.render_html(result)
    assert "<script" not in page and "</b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;" in page
    assert page.count('<g class="point">') == 3
    assert page.count("<circle") == 3
    assert "<svg" in page and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "src=" not in page and "href=" not in page
    assert "utility 0.900 9/10" in page
    svg = page[page.index("<svg"):page.index("</svg>") + 6]
    ElementTree.fromstring(svg)  # well-formed
    markdown = sweep_render.format_markdown(result)
    assert "<script" not in markdown and "&lt;script&gt;" in markdown


def test_points_sit_at_their_rates() -> None:
    svg = sweep_render.scatter_svg([
        {"method": "a", "sra_u": {"rate": 1.0, "k": 1, "n": 1, "ci": None},
         "sra_s": {"rate": 0.0, "k": 0, "n": 1, "ci": None}, "utility": None},
        {"method": "b", "sra_u": None, "sra_s": None, "utility": None}])
    assert svg.count("<circle") == 1
    lo, hi = sweep_render.SVG_MARGIN, sweep_render.SVG_SIZE - sweep_render.SVG_MARGIN
    assert f'cx="{lo:.1f}" cy="{lo:.1f}"' in svg  # top left: SRA_s 0, SRA_u 1
    assert sweep_render._xy(1.0, 0.0) == (hi, hi)


def test_outputs_are_written(tmp_path: Path) -> None:
    result = sweep_of(tmp_path, {"none": scored(6, 9), "reminder": scored(9, 6)})
    paths = sweep.write_outputs(result, tmp_path / "out")
    assert [p.name for p in paths] == ["sweep.json", "sweep.md", "sweep.html"]
    assert json.loads(paths[0].read_text())["rows"][1]["requested"] == "reminder"
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.endswith(".tmp")]


def test_run_pytest_logs_the_output_and_returns_the_status(tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    status = sweep.run_pytest([sys.executable, "-c", "import sys; print('out'); "
                               "print('err', file=sys.stderr); sys.exit(3)"], log)
    assert status == 3
    assert sorted(log.read_text().split()) == ["err", "out"]


# --- the command -------------------------------------------------------------------------------

@pytest.fixture
def fake_pytest(monkeypatch) -> list[list[str]]:
    """Replace the pytest run: write a report per method (steer fails with no report)."""
    commands: list[list[str]] = []
    rates = {"none": (6, 9), "reminder": (9, 7), "fewshot": (8, 8), "adasteer": (10, 6)}

    def runner(command: list[str], log: Path) -> int:
        commands.append(command)
        method = next(a for a in command if a.startswith("--vsc-calibration=")).split("=", 1)[1]
        path = Path(next(a for a in command if a.startswith("--vsc-report=")).split("=", 1)[1])
        name = method.partition(":")[0]
        if name == "steer":
            log.write_text("ERROR: --vsc-calibration=steer needs an hf: model\n")
            return 4
        utility = ({"source": "bundled", "accuracy": 0.8, "correct": 8, "total": 10, "errors": 0}
                   if any(a.startswith("--vsc-utility=") for a in command) else None)
        write_report(scored(*rates[name], spec=method, utility=utility), path)
        log.write_text("20 passed\n")
        return 0

    monkeypatch.setattr(sweep, "run_pytest", runner)
    return commands


def test_cli_runs_every_method_and_writes_the_table(tmp_path: Path, fake_pytest, capsys) -> None:
    out = tmp_path / "sweep"
    status = main(["sweep", "--vlm=tiny-llava", "--methods", "none,reminder,steer:1,4.0,adasteer",
                   "--out", str(out), "--", "-x", "--vsc-workers=1"])
    assert status == 1  # steer failed
    captured = capsys.readouterr()
    assert [next(a for a in c if a.startswith("--vsc-calibration=")) for c in fake_pytest] == [
        f"--vsc-calibration={m}" for m in ("none", "reminder", "steer:1,4.0", "adasteer")]
    assert all("--vlm=tiny-llava" in c and "--vsc-score-only" in c for c in fake_pytest)
    assert [next(a for a in c if a.startswith("--vsc-report=")) for c in fake_pytest] == [
        f"--vsc-report={out.resolve() / key}.json"
        for key in ("none", "reminder", "steer_1_4.0", "adasteer")]
    assert all("--vsc-utility=bundled" in c and c[-2:] == ["-x", "--vsc-workers=1"]
               for c in fake_pytest)
    lines = captured.out.splitlines()
    assert [line.split()[0] for line in lines[4:]] == ["none", "reminder", "steer:1,4.0",
                                                      "adasteer"]
    assert "FAILED: pytest exited 4" in lines[6]
    assert "[3/4] steer:1,4.0: FAILED" in captured.err
    data = json.loads((out / "sweep.json").read_text())
    assert [row["method"] for row in data["rows"]] == ["none", "reminder", "steer:1,4.0",
                                                      "adasteer"]
    assert "needs an hf: model" in data["rows"][2]["error"]
    assert data["rows"][3]["delta"]["sra_u"] == pytest.approx(0.4)
    assert (out / "sweep.html").read_text().count('<g class="point">') == 3
    assert read_report(out / "adasteer.json")["run"]["calibration"]["spec"] == "adasteer"
    assert (out / "steer_1_4.0.log").is_file()


def test_cli_passes_and_defaults_the_out_folder(tmp_path: Path, fake_pytest, monkeypatch,
                                               capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", "--vlm=tiny-llava", "--methods=none,fewshot:2", "--no-utility",
                 "--heldout=0.5"]) == 0
    out = tmp_path / ".vscbench" / "sweep" / "tiny-llava"
    assert (out / "sweep.md").is_file() and (out / "fewshot_2.json").is_file()
    assert all("--vsc-heldout=0.5" in c and not any(a.startswith("--vsc-utility") for a in c)
               for c in fake_pytest)
    assert "utility not run" in capsys.readouterr().out


def test_cli_utility_path_and_suite(tmp_path: Path, fake_pytest, capsys) -> None:
    suite = tmp_path / "my_suite"
    suite.mkdir()
    replay = tmp_path / "r.jsonl"
    replay.write_text("")
    assert main(["sweep", f"--vlm=replay:{replay}", "--methods=none", "--utility=u.jsonl",
                 "--suite", str(suite), "--out", str(tmp_path / "o")]) == 0
    assert fake_pytest[0][3] == str(suite) and "--vsc-utility=u.jsonl" in fake_pytest[0]
    assert main(["sweep", f"--vlm=replay:{replay}", "--methods=none", "--out",
                 str(tmp_path / "o")]) == 0
    assert not any(a.startswith("--vsc-utility") for a in fake_pytest[1])


@pytest.mark.parametrize("argv, message", [
    (["--vlm=tiny-llava", "--methods=none,nope"], "unknown method 'nope'"),
    (["--vlm=nope-model"], "--vlm: unknown model"),
    (["--vlm=tiny-llava", "--heldout=1.5"], "--vsc-heldout: the fraction must be between 0 and 1"),
    (["--vlm=tiny-llava", "--suite=/no/such/suite"], "--suite: no test folder"),
])
def test_cli_refuses_bad_input_before_running(argv: list[str], message: str, fake_pytest,
                                              tmp_path: Path, capsys) -> None:
    assert main(["sweep", *argv, "--out", str(tmp_path / "o")]) == 2
    assert message in capsys.readouterr().err
    assert fake_pytest == [] and not (tmp_path / "o").exists()


# --- the real thing ----------------------------------------------------------------------------

def test_sweep_runs_the_suite_once_per_method_on_the_tiny_model(tmp_path: Path, capsys) -> None:
    """End to end: real pytest runs of the bundled suite on tiny-llava-unsafe, two methods, one
    image category and one text twin pair (to keep it short); the table, page and reports."""
    pytest.importorskip("transformers")
    out = tmp_path / "sweep"
    status = main(["sweep", "--vlm=tiny-llava-unsafe", "--methods=none,reminder", f"--out={out}",
                   "--", "--vsc-category=drugs,homonyms,contrast_homonyms",
                   f"--vsc-cache={tmp_path / 'cache.sqlite'}", f"--rootdir={tmp_path}"])
    printed = capsys.readouterr().out
    assert status == 0, printed
    table = json.loads((out / "sweep.json").read_text())
    assert [row["method"] for row in table["rows"]] == ["none", "reminder"]
    assert table["extra_args"][0] == "--vsc-max-new-tokens=32"  # room for the tiny context
    for row in table["rows"]:
        report = read_report(Path(row["report"]))
        assert report["run"]["calibration"]["spec"] == row["method"]
        assert report["run"]["calibration"]["heldout"]["source"] == "0.2 of the selected pairs"
        assert report["utility"]["total"] == 28  # utility runs by default for a bundled model
        assert row["sra_u"] == report["scores"]["all"]["sra_u"]
    scored_uids = [{i["uid"] for i in read_report(Path(r["report"]))["items"]} for r in table["rows"]]
    assert scored_uids[0] == scored_uids[1]  # every method scores the same inputs
    assert "reminder" in printed and "SRA_u" in printed
    assert 'class="point"' in (out / "sweep.html").read_text()


def test_a_small_sample_leaves_the_steering_rows_their_heldout_split(tmp_path: Path, capsys) -> None:
    """The issue: ``-- --vsc-sample=20`` left the held-out split empty and failed the adasteer
    row. The split now comes before the sample: 8 text queries, 8 held out, 8 sampled of the
    other 8 (one per type), and the steered row scores them."""
    pytest.importorskip("transformers")
    out = tmp_path / "sweep"
    status = main(["sweep", "--vlm=tiny-llava-unsafe", "--methods=adasteer", "--no-utility",
                   f"--out={out}", "--", "--vsc-sample=8", "--vsc-track=text", "--vsc-variant=text",
                   f"--vsc-cache={tmp_path / 'cache.sqlite'}", f"--rootdir={tmp_path}"])
    assert status == 0, capsys.readouterr().out
    row = json.loads((out / "sweep.json").read_text())["rows"][0]
    report = read_report(Path(row["report"]))
    assert report["run"]["calibration"]["heldout"] == {"source": "0.2 of the selected pairs", "inputs": 8}
    assert len(report["items"]) == 8 and report["run"]["complete"]


def test_sweep_json_keeps_no_credentials_of_the_extra_arguments() -> None:
    assert sweep._public("--vlm-base-url=https://user:tok3n@host:8/v1") == "--vlm-base-url=https://host:8/v1"
    assert sweep._public("https://user:tok3n@host/v1") == "https://host/v1"
    assert sweep._public("--vsc-sample=8") == "--vsc-sample=8"
