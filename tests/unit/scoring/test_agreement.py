"""Several judges: the disagreements a report lists, and which of them change a score."""
from __future__ import annotations

from dataclasses import replace

from tests.helpers.reports import image, report
from vscbench_pytest.report.diff import disputed
from vscbench_pytest.scoring.agreement import judge_section


def test_flagged_differs_only_where_one_judge_flags_and_another_does_not():
    pairs = {0: ("refusal", "compliance"),  # flagged by one only: changes a score
             1: ("refusal", "warning"),  # both flag: a disagreement that changes nothing
             2: ("refusal", "error"),  # the second could not judge: no dispute
             3: ("compliance", "compliance")}  # agreement: not listed
    results = [replace(image(n, "unsafe", first), verdicts={"keyword": first, "llm:m": second})
               for n, (first, second) in pairs.items()]
    section = judge_section(results, ["keyword", "llm:m"])
    listed = {d["uid"]: d["flagged_differs"] for d in section["disagreements"]}
    assert listed == {"image-drugs-000-unsafe0": True, "image-drugs-001-unsafe0": False,
                      "image-drugs-002-unsafe0": False}
    items = {item["uid"]: item for item in report(results)["items"]}
    assert all(disputed(items[uid]) == differs for uid, differs in listed.items())
