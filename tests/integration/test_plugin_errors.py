"""Bad input gets a clear message naming the file, row or option, never an INTERNALERROR."""
from __future__ import annotations

import pytest

from tests.helpers.release import image_row, make_release, text_row, write_sheet
from tests.helpers.suite import install_suite, load_json
from vscbench_pytest.data.release import IMAGE_COLUMNS, IMAGE_DIR, IMAGE_SHEET, TEXT_DIR

pytestmark = pytest.mark.hardening("bad input")


def run(pytester, *args):
    install_suite(pytester)
    result = pytester.runpytest_subprocess(*args)
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    assert "Traceback" not in result.stderr.str()
    return result


def replay_of(pytester, text: str):
    path = pytester.path / "answers.jsonl"
    path.write_text(text)
    return path


@pytest.mark.parametrize("args, message", [
    (["--vlm=gpt-99"], "*--vlm: unknown model 'gpt-99' (bundled: tiny-llava, tiny-llava-unsafe; aliases: *"),
    (["--vlm=hf:./no-such-checkpoint"], "*--vlm: 'hf:./no-such-checkpoint': no checkpoint folder at ./no-such-checkpoint*"),
    (["--vlm=replay:missing.jsonl"], "*no replay file at missing.jsonl*"),
    (["--vlm=tiny-llava", "--vsc-judge=oracle"], "*--vsc-judge: unknown judge 'oracle' (choices: keyword, keyword+minilm, vscbench-sm, llm:<model>, vscbench-gpt*"),
    (["--vlm=tiny-llava", "--vsc-min-sra-u=1.5"], "*--vsc-min-sra-u: 1.5 is not between 0 and 1*"),
    (["--vlm=tiny-llava", "--vsc-gate", "drugs>0.5"], "*--vsc-gate: cannot read 'drugs>0.5'; expected BUCKET:METRIC>=X*"),
    (["--vlm=tiny-llava", "--vsc-gate", "all:recall>=0.5"], "*--vsc-gate: unknown metric 'recall'*"),
    (["--vlm=tiny-llava", "--vsc-variant=video"], "*--vsc-variant: unknown value(s) video (choices: image, text, search, typography, concat, figstep)*"),
    (["--vlm=tiny-llava", "--vsc-category=cooking"], "*--vsc-category: no inputs in category cooking*"),
    (["--vlm=tiny-llava", "--vsc-data=nowhere"], "*--vsc-data: nowhere is not a folder*"),
    (["--vlm=tiny-llava", "--vsc-data=mine.jsonl"], "*--vsc-data: no suite file at mine.jsonl*"),
    (["--vlm=tiny-llava", "--vlm-text-only"], "*--vlm-text-only: only for API models*"),
    (["--vlm=tiny-llava", "--vsc-report=."], "*--vsc-report: . is a folder; name the report file*"),
])
def test_bad_options_are_usage_errors(pytester, args, message):
    result = run(pytester, *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_replay_file_with_a_bad_line_names_file_and_line(pytester, release):
    path = replay_of(pytester, '{"uid": "a", "response": "ok"}\n{"uid": "b", "response": \n')
    result = run(pytester, f"--vsc-data={release}", f"--vlm=replay:{path}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*--vlm replay: {path}:2: not JSON*"])


def test_missing_sheet_column_names_file_and_column(pytester, tmp_path):
    root = make_release(tmp_path / "rel")
    header = [c for c in IMAGE_COLUMNS if c != "unsafe_img_1"]
    write_sheet(root / IMAGE_SHEET, header, [image_row("drugs", "Q?", 0)[:7]])
    result = run(pytester, f"--vsc-data={root}", "--vlm=tiny-llava")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{root / IMAGE_SHEET}: missing column(s) unsafe_img_1 in the header row*"])


def test_missing_image_folder_is_named(pytester, tmp_path):
    root = make_release(tmp_path / "rel")
    import shutil

    shutil.rmtree(root / TEXT_DIR)
    result = run(pytester, f"--vsc-data={root}", "--vlm=tiny-llava")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*missing image folder {root / TEXT_DIR}: 4 selected input(s) need "
                                 f"files from it (first: vscbench_text_centric.xlsx row 2, column "
                                 f"search_img)*"])


def test_the_text_variant_runs_from_the_sheets_alone(pytester, tmp_path):
    """No image folders at all: the plain-text queries still run."""
    import shutil

    root = make_release(tmp_path / "rel")
    shutil.rmtree(root / TEXT_DIR)
    shutil.rmtree(root / IMAGE_DIR)
    report = pytester.path / "r.json"
    result = run(pytester, f"--vsc-data={root}", "--vlm=tiny-llava", "--vsc-track=text",
                 "--vsc-variant=text", "--vsc-score-only", f"--vsc-report={report}")
    assert result.ret == 0, result.stdout.str()[-2000:]
    data = load_json(report)
    assert len(data["items"]) == 2 and data["run"]["errors"] == 0


def test_corrupt_and_escaping_images_are_error_items_with_the_path(pytester, tmp_path):
    rows = [image_row("drugs", "How should I take this?", 0)]
    rows[0][2] = "../../../outside.png"
    root = make_release(tmp_path / "rel", image_rows=rows, text_rows=[text_row("homonyms", 0)], images=False)
    for name in rows[0][3:8]:
        (root / IMAGE_DIR / "drugs").mkdir(parents=True, exist_ok=True)
        (root / IMAGE_DIR / "drugs" / name).write_bytes(b"not an image at all")
    report = pytester.path / "r.json"
    result = run(pytester, f"--vsc-data={root}", "--vlm=tiny-llava", "--vsc-track=image",
                 f"--vsc-report={report}")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "*image-drugs-000-safe0: error: image path '../../../outside.png' leaves the release root*",
        f"*image-drugs-000-safe1: error: unreadable image {root / IMAGE_DIR / 'drugs' / 'safe_drugs_0_1.png'}*",
    ])
    data = load_json(report)
    assert data["run"]["errors"] == 6
    assert all(item["verdict"] == "error" for item in data["items"])
    result.stdout.fnmatch_lines(["*6 input(s) ended in error*"])


def test_missing_image_is_an_error_item_and_absent_typography_is_rendered(pytester, tmp_path):
    root = make_release(tmp_path / "rel", image_rows=[], text_rows=[text_row("homonyms", 0)], images=False)
    report = pytester.path / "r.json"
    result = run(pytester, f"--vsc-data={root}", "--vlm=tiny-llava", "--vsc-score-only",
                 f"--vsc-report={report}", "-rs")
    verdicts = {item["variant"]: item["verdict"] for item in load_json(report)["items"]}
    assert verdicts["search"] == verdicts["concat"] == "error"
    assert verdicts["typography"] != "error" and verdicts["figstep"] != "error"
    assert verdicts["text"] != "error"
    result.stdout.fnmatch_lines([f"*text-homonyms-000-search: error: missing image {root / TEXT_DIR / 'search' / 'd_0_0.png'}*"])


def test_a_model_that_cannot_load_stops_the_run_with_the_reason(pytester, tmp_path):
    (tmp_path / "not-a-checkpoint").mkdir()
    result = run(pytester, f"--vlm=hf:{tmp_path / 'not-a-checkpoint'}", "--vsc-category=drugs")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines([f"*vscbench: --vlm hf:{tmp_path / 'not-a-checkpoint'}: cannot load*"])


def test_a_hub_model_that_cannot_be_fetched_is_named(pytester, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # no hub here: fail fast, as an offline machine does
    result = run(pytester, "--vlm=llava", "--vsc-category=drugs")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert ("--vlm llava: llava-hf/llava-1.5-7b-hf is not in the local Hugging Face cache"
            in result.stderr.str())
    assert "offline mode is on (HF_HUB_OFFLINE)" in result.stderr.str()
    assert "vscbench calibration" not in result.stdout.str()  # one line, before anything runs


def test_a_vscbench_mark_with_an_unknown_track_is_a_usage_error_naming_the_test(pytester) -> None:
    pytester.makepyfile(test_mine="""
        import pytest

        @pytest.mark.vscbench(track="txt")
        def test_typo(vsc_item, vsc_result):
            vsc_result.check()
    """)
    result = pytester.runpytest_subprocess("--vlm=tiny-llava", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.INTERRUPTED  # a collection error
    result.stdout.fnmatch_lines(["*test_mine.py::test_typo: @pytest.mark.vscbench(track='txt'): the track "
                                 "is one of image, text, utility*"])
    assert "_hooks.py" not in result.stdout.str()  # the message, not a traceback through pluggy


def test_a_users_own_vscbench_test_beside_the_suite_shares_the_answers(pytester) -> None:
    """Two tests on each input (the suite's and a user's own): one request per input, and the
    report has each input once."""
    install_suite(pytester)
    pytester.makepyfile(test_own="""
        import pytest

        @pytest.mark.vscbench(track="text")
        def test_answers_are_short(vsc_item, vsc_result):
            assert len(vsc_result.result.response or "") < 2000
    """)
    result = pytester.runpytest_subprocess("--vlm=tiny-llava", "--vsc-score-only", "--vsc-track=text",
                                           "--vsc-variant=text", "-p", "no:cacheprovider",
                                           f"--vsc-report={pytester.path / 'report.json'}")
    assert result.ret == 0, result.stdout.str()[-2000:]
    report = load_json(pytester.path / "report.json")
    n = report["dataset"]["n_items"]
    outcomes = result.parseoutcomes()
    assert outcomes["passed"] + outcomes.get("xfailed", 0) == 2 * n  # the suite's and the user's test
    assert report["run"]["requests"] == n and len(report["items"]) == n
