"""The CI recipe the docs give (docs/examples/vscbench-gate.yml, shown in docs/ci.md) runs: its
``run:`` commands, in order and with GitHub's shell and ``if:`` rules, in an empty project, on
the bundled tiny models with a small selection (image/drugs, 18 inputs: seconds).

Not run, and why: the ``uses:`` steps (checkout, setup-python, upload-artifact: GitHub's own
actions; the upload is left out as the docs say); ``install`` (pip installs of what this
machine already has: the package under test and torch); ``baseline`` (``gh release download``
needs GitHub: the test puts the earlier run's report where that step would); ``publish`` runs
only on a release event, and the simulated event is a pull request. A new step, or a new ``if:``
condition, makes the test fail until it says how to treat it.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.helpers.paths import REPO

yaml = pytest.importorskip("yaml", reason="reading the workflow needs PyYAML (it comes with mkdocs, the dev extra)")

WORKFLOW = REPO / "docs" / "examples" / "vscbench-gate.yml"
NOT_RUN = {"install": "pip installs of what is installed here",
           "baseline": "gh release download needs GitHub; the test places the baseline report"}
# `if:` conditions the workflow uses, as they evaluate on a pull request: (runs, also after a failure)
CONDITIONS = {None: (True, False), "${{ !cancelled() }}": (True, True),
              "github.event_name != 'release'": (True, False),
              "github.event_name == 'release'": (False, False)}
SELECTION = "--vsc-track=image --vsc-category=drugs -p no:cacheprovider"  # 18 inputs


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def run_workflow(project: Path, vlm: str) -> dict[str, int | None]:
    """Run the gate job's steps in ``project`` as GitHub would on a pull request; each step's
    exit status by name (None: not run)."""
    (job,) = workflow()["jobs"].values()
    summary = project / "step-summary.md"
    summary.touch()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "GITHUB_"))}
    env.update({k: str(v) for k, v in job.get("env", {}).items()})
    env.update(VLM=vlm, GITHUB_STEP_SUMMARY=str(summary), GITHUB_EVENT_NAME="pull_request",
               PYTEST_ADDOPTS=SELECTION,  # the small selection, without editing the commands
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}")
    statuses: dict[str, int | None] = {}
    failed = False
    for step in job["steps"]:
        name = step.get("name", step.get("uses"))
        runs, after_failure = CONDITIONS[step.get("if")]
        if "uses" in step or step.get("id") in NOT_RUN or not runs or (failed and not after_failure):
            statuses[name] = None
            continue
        script = project / ".step.sh"
        script.write_text(step["run"], encoding="utf-8")
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=project, env={**env, **step.get("env", {})}, capture_output=True,
                              text=True, timeout=300, stdin=subprocess.DEVNULL)
        statuses[name] = done.returncode
        (project / f"{name}.log").write_text(done.stdout + done.stderr, encoding="utf-8")
        failed = failed or done.returncode != 0
    return statuses


def gate_case(junit: Path) -> ET.Element:
    """The gate's test case in the JUnit XML (classname ``vscbench``, name ``gate``)."""
    cases = [case for case in ET.parse(junit).iter("testcase")
             if case.get("classname") == "vscbench" and case.get("name") == "gate"]
    assert len(cases) == 1, f"{junit}: no single vscbench.gate test case"
    return cases[0]


def properties(junit: Path) -> dict[str, str]:
    return {p.get("name", ""): p.get("value", "") for p in ET.parse(junit).iter("property")}


def test_the_workflow_is_what_the_docs_show_and_the_test_knows_every_step() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    page = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    assert f"```yaml\n{text}```" in page, "docs/ci.md must show docs/examples/vscbench-gate.yml verbatim"
    (job,) = workflow()["jobs"].values()
    ids = {step.get("id") for step in job["steps"]}
    assert set(NOT_RUN) <= ids, "a step the test leaves out is gone: update NOT_RUN"
    for step in job["steps"]:
        assert step.get("if") in CONDITIONS, f"step {step.get('name')!r}: teach the test its condition"
        if step.get("id") not in NOT_RUN:
            assert "${{" not in step.get("run", ""), "a run: script the test runs must use env, not ${{ }}"


def test_workflow_passes_then_a_regressed_model_fails_the_gate_and_the_diff(tmp_path: Path) -> None:
    if shutil.which("bash") is None:
        pytest.skip("the workflow's run: steps need bash")
    first = tmp_path / "release"
    first.mkdir()
    report = first / "vscbench-report.json"

    statuses = run_workflow(first, "tiny-llava")  # the first release: no baseline yet
    logs = {name: (first / f"{name}.log").read_text() for name, rc in statuses.items() if rc is not None}
    assert statuses["Safety gate"] == 0, logs.get("Safety gate")
    assert statuses["Step summary"] == 0 and statuses["Diff against the last release"] == 0, logs
    assert statuses["Attach the report to the release"] is None  # a pull request publishes nothing
    assert "no baseline report" in logs["Diff against the last release"]
    assert report.is_file() and (first / "vscbench-summary.md").is_file()
    case = gate_case(first / "vscbench-junit.xml")
    assert case.find("failure") is None
    props = properties(first / "vscbench-junit.xml")
    assert props.get("vscbench.gate") == "passed" and "vscbench.all.sra_u" in props
    summary = (first / "step-summary.md").read_text(encoding="utf-8")
    markdown = (first / "vscbench-summary.md").read_text(encoding="utf-8")
    assert "tiny-llava" in markdown and summary.count(markdown) == 1  # the step summary, written once
    assert markdown.index("Gate: passed") < markdown.index("| bucket |")  # the verdict first

    candidate = tmp_path / "candidate"
    (candidate / "baseline").mkdir(parents=True)
    shutil.copy(report, candidate / "baseline" / report.name)  # what `gh release download` fetches
    statuses = run_workflow(candidate, "tiny-llava-unsafe")  # a checkpoint that complies
    logs = {name: (candidate / f"{name}.log").read_text() for name, rc in statuses.items() if rc is not None}
    assert statuses["Safety gate"] == 1, logs.get("Safety gate")
    assert statuses["Step summary"] == 0, logs  # !cancelled(): the summary is written anyway
    assert statuses["Diff against the last release"] == 1, logs  # a significant drop
    case = gate_case(candidate / "vscbench-junit.xml")
    failure = case.find("failure")
    assert failure is not None and "sra_u" in (failure.get("message", "") + (failure.text or "")).lower()
    assert properties(candidate / "vscbench-junit.xml").get("vscbench.gate") == "failed"
    summary = (candidate / "step-summary.md").read_text(encoding="utf-8")
    markdown = (candidate / "vscbench-summary.md").read_text(encoding="utf-8")
    assert "tiny-llava-unsafe" in markdown and summary.count(markdown) == 1
    assert markdown.index("Gate: FAILED") < markdown.index("| bucket |")
    assert (candidate / "vscbench-diff.md").read_text(encoding="utf-8").strip() in summary
