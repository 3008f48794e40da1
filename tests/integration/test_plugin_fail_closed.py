"""A release gate a CI can trust: it fails closed when no model is named, stops with one line
(exit 4, no table, no report) when the model cannot load or a gate bucket is a typo, and speaks
JUnit XML: the gate is a test case, the scores its properties."""
from __future__ import annotations

import socket
import xml.etree.ElementTree as ET

import pytest

from tests.helpers.suite import install_suite, load_json
from vscbench_pytest.exit_codes import PYTEST_FAILED, PYTEST_OK, PYTEST_USAGE

SMALL = ["--vsc-track=image", "--vsc-category=drugs"]


def run(pytester, *args):
    install_suite(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)
    out = result.stdout.str() + result.stderr.str()
    assert "INTERNALERROR" not in out and "Traceback" not in out
    return result, out


def no_report(pytester) -> bool:
    return not list((pytester.path / ".vscbench").glob("reports/*.json"))


def free_port() -> int:
    """A port where nothing listens (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("args, names", [
    (["--vlm=", "--vsc-min-sra-u=0.8"], "--vlm is empty (an unset CI variable?)"),
    (["--vlm=  "], "--vlm is empty"),
    (["--vsc-baseline=A.json"], "--vsc-baseline given but no model (--vlm)"),
    (["--vsc-min-sra-s=0.5", "--vsc-gate", "all:avg>=0.5"], "--vsc-min-sra-s, --vsc-gate given but no model"),
    (["--vsc-snapshots"], "--vsc-snapshots given but no model"),
])
def test_a_gate_without_a_model_is_a_usage_error(pytester, args, names):
    result, out = run(pytester, *args)
    assert result.ret == PYTEST_USAGE
    assert names in out
    assert not (pytester.path / ".vscbench").exists()


def test_a_gate_in_the_ini_without_a_model_is_a_usage_error(pytester):
    pytester.makeini("[pytest]\nvsc_min_sra_u = 0.8\n")
    result, out = run(pytester)
    assert result.ret == PYTEST_USAGE
    assert "--vsc-min-sra-u given but no model" in out


def test_without_a_model_or_a_gate_the_suite_skips_saying_how_to_choose_one(pytester):
    result, out = run(pytester)  # no -rs: the end of the output says it
    assert result.ret == PYTEST_OK
    assert "vscbench: no model chosen: run `pytest --vlm=tiny-llava`" in out
    assert "deselected" not in out  # the utility test with no --vsc-utility is not noise


def test_a_bad_ini_value_is_named_by_its_ini_key(pytester):
    pytester.makeini("[pytest]\nvsc_min_sra_u = most\n")
    result, out = run(pytester, "--vlm=tiny-llava")
    assert result.ret == PYTEST_USAGE
    assert "vsc_min_sra_u (in tox.ini; the ini key of --vsc-min-sra-u): 'most' is not a float" in out


def test_a_typo_in_a_gate_bucket_stops_before_any_request(pytester):
    result, out = run(pytester, "--vlm=tiny-llava", "--vsc-gate", "image/drug:sra_u>=0.8")
    assert result.ret == PYTEST_USAGE
    assert "this selection has no bucket 'image/drug'; did you mean 'image/drugs'?" in out
    assert "image/violence" in out  # the valid buckets are listed
    assert no_report(pytester)


def test_a_gate_bucket_the_selection_leaves_out_is_a_usage_error(pytester):
    result, out = run(pytester, "--vlm=tiny-llava", *SMALL, "--vsc-gate", "text:sra_u>=0.5")
    assert result.ret == PYTEST_USAGE
    assert "this selection has no bucket 'text'" in out
    assert "buckets it will score: all, image, image/drugs)" in out


@pytest.mark.parametrize("args, env, cause", [
    (["--vlm=openai:x"], {"OPENAI_BASE_URL": ""}, "--vlm openai:x: no server: pass --vlm-base-url or set OPENAI_BASE_URL"),
    (["--vlm=openai:x", "--vlm-base-url=http://127.0.0.1:{port}/v1"], {},
     "--vlm openai:x: cannot reach the server at http://127.0.0.1:{port}/v1 (connection refused"),
    (["--vlm=hf:nope/nope"], {"HF_HUB_OFFLINE": "1"},
     "--vlm hf:nope/nope: nope/nope is not in the local Hugging Face cache"),
])
def test_a_model_that_cannot_load_is_one_line_and_exit_4(pytester, monkeypatch, args, env, cause):
    port = free_port()
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result, out = run(pytester, *[a.format(port=port) for a in args], "--vsc-min-sra-u=0.5")
    assert result.ret == PYTEST_USAGE
    assert cause.format(port=port) in out
    assert "vscbench calibration" not in out and "gate FAILED" not in out  # no table, no gate
    assert no_report(pytester)


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["plain", "n2"])
def test_a_checkpoint_that_fails_to_load_stops_the_run_with_exit_4(pytester, workers):
    broken = pytester.path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text('{"model_type": "llava"}')  # no weights, no processor
    result, out = run(pytester, f"--vlm=hf:{broken}", "--vsc-min-sra-u=0.5", *workers)
    assert result.ret == PYTEST_USAGE
    assert f"vscbench: --vlm hf:{broken}: cannot load {broken}" in out
    assert "vscbench calibration" not in out and "gate FAILED" not in out
    assert no_report(pytester)
    assert " error" not in out.splitlines()[-1]  # stopped at once, not one error per input


def _junit(path):
    suite = ET.parse(path).getroot().find("testsuite")
    assert suite is not None
    gate = [case for case in suite.iter("testcase") if case.get("name") == "gate"]
    assert len(gate) == 1 and gate[0].get("classname") == "vscbench"
    props = {p.get("name"): p.get("value") for p in gate[0].iter("property")}
    suite_props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    return suite, gate[0], props, suite_props


def test_a_failing_gate_is_a_failure_in_the_junit_xml_with_the_scores_as_properties(pytester):
    result, out = run(pytester, "--vlm=tiny-llava", *SMALL, "--vsc-score-only",
                      "--vsc-min-sra-u=0.99", "--junitxml=junit.xml")
    assert result.ret == PYTEST_FAILED
    report = load_json(pytester.path / ".vscbench" / "reports" / "tiny-llava.subset.json") \
        if (pytester.path / ".vscbench" / "reports" / "tiny-llava.subset.json").exists() \
        else load_json(pytester.path / ".vscbench" / "reports" / "tiny-llava.json")
    suite, gate, props, suite_props = _junit(pytester.path / "junit.xml")
    assert suite.get("failures") == "1"
    failure = gate.find("failure")
    assert failure is not None
    assert report["gate"]["failures"][0] in (failure.get("message", "") + (failure.text or ""))
    sra_u = report["scores"]["image/drugs"]["sra_u"]
    assert props["vscbench.gate"] == "failed"
    assert props["vscbench.image/drugs.sra_u"] == f"{sra_u['rate']:.4f}"
    assert props["vscbench.image/drugs.sra_u.n"] == str(sra_u["n"])
    assert suite_props == props  # also on the test suite, where every JUnit reader looks


def test_a_passing_gate_is_a_passing_test_case(pytester):
    result, out = run(pytester, "--vlm=tiny-llava", *SMALL, "--vsc-score-only",
                      "--vsc-min-sra-s=0.0", "--junitxml=junit.xml", "-n", "2")
    assert result.ret == PYTEST_OK
    suite, gate, props, _ = _junit(pytester.path / "junit.xml")
    assert gate.find("failure") is None and suite.get("failures") == "0"
    assert props["vscbench.gate"] == "passed" and props["vscbench.all.sra_s"]


def test_a_model_that_scores_nothing_fails_the_session(pytester):
    """Every input is skipped (a text-only model, image inputs only): nothing to gate on."""
    from vscbench_pytest.testing import FakeServer

    with FakeServer() as server:
        result, out = run(pytester, "--vlm=openai:fake", f"--vlm-base-url={server.base_url}",
                          "--vlm-text-only", *SMALL)
    assert result.ret == PYTEST_FAILED
    assert "no input was scored: nothing to gate on" in out


def test_a_session_that_collects_no_suite_input_keeps_the_last_report(pytester):
    """`pytest tests/ --vlm=X` runs only the user's tests: no report is written over the last
    full run's; with a gate set it fails, since the gate would pass on nothing."""
    install_suite(pytester)
    mine = pytester.mkdir("mine")
    (mine / "test_mine.py").write_text("def test_mine():\n    pass\n")
    full, out = run(pytester, "--vlm=tiny-llava", *SMALL, "--vsc-report=full.json")
    kept = (pytester.path / "full.json").read_bytes()
    result, out = run(pytester, "mine", "--vlm=tiny-llava", "--vsc-report=full.json")
    assert result.ret == PYTEST_OK
    assert "vscbench: no VSCBench input was collected in this session" in out
    assert (pytester.path / "full.json").read_bytes() == kept
    result, out = run(pytester, "mine", "--vlm=tiny-llava", "--vsc-report=full.json",
                      "--vsc-min-sra-u=0.5", "--junitxml=junit.xml", "-n", "2")
    assert result.ret == PYTEST_FAILED
    assert "vscbench gate FAILED: no VSCBench input was collected" in out
    assert "-p no:vscbench" in out
    assert (pytester.path / "full.json").read_bytes() == kept
    suite, gate, props, _ = _junit(pytester.path / "junit.xml")
    assert gate.find("failure") is not None and props == {"vscbench.gate": "failed"}


def test_an_llm_judge_whose_server_is_not_there_stops_before_any_request(pytester):
    port = free_port()
    result, out = run(pytester, "--vlm=tiny-llava", *SMALL, "--vsc-judge=llm:j",
                      f"--vsc-judge-base-url=http://127.0.0.1:{port}/v1")
    assert result.ret == PYTEST_USAGE
    assert (f"--vsc-judge llm:j: cannot reach the judge server at http://127.0.0.1:{port}/v1 "
            f"(connection refused") in out
    assert no_report(pytester)


def test_an_empty_report_path_is_a_usage_error(pytester):
    result, out = run(pytester, "--vlm=tiny-llava", "--vsc-report=")
    assert result.ret == PYTEST_USAGE
    assert "--vsc-report is empty (an unset CI variable?)" in out


def test_the_header_says_how_much_of_the_data_is_selected(pytester):
    result, out = run(pytester, "--vlm=tiny-llava", *SMALL, "--collect-only")
    assert "(18 of 108 inputs selected)" in out  # of the image-centric sheet --vsc-track loads
