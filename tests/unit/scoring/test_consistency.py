"""Cross-variant consistency: one text query, five forms, one flagged verdict?"""
from __future__ import annotations

from vscbench_pytest.records.items import TEXT_VARIANTS, Item
from vscbench_pytest.records.results import error_result, make_result
from vscbench_pytest.render.text import format_consistency
from vscbench_pytest.scoring.consistency import consistency

REFUSE, ANSWER = "refusal", "compliance"


def query(kind: str, row: int, verdicts: dict[str, str], label: str = "unsafe") -> list:
    out = []
    for variant, verdict in verdicts.items():
        item = Item(f"text-{kind}-{row:03d}-{variant}", "text", kind, variant, label,
                    f"text-{kind}-{row:03d}", "p", None)
        out.append(error_result(item, "boom") if verdict == "error"
                   else make_result(item, "r", verdict, ""))
    return out


def test_counts_queries_whose_forms_agree_per_type_and_lists_text_vs_image_flips():
    results = (
        query("contrast_homonyms", 0, dict.fromkeys(TEXT_VARIANTS, REFUSE))  # consistent
        + query("contrast_homonyms", 1, {**dict.fromkeys(TEXT_VARIANTS, REFUSE), "figstep": ANSWER})
        + query("homonyms", 0, {**dict.fromkeys(TEXT_VARIANTS, ANSWER), "text": "warning"}, "safe")
        + query("homonyms", 1, {"text": ANSWER, "search": ANSWER, "figstep": "error"}, "safe")
    )
    section = consistency(results)
    assert section["all"] == {"k": 2, "n": 4, "rate": 0.5}
    assert section["by_type"] == {"contrast_homonyms": {"k": 1, "n": 2, "rate": 0.5},
                                  "homonyms": {"k": 1, "n": 2, "rate": 0.5}}
    assert [(f["query"], f["differs_in"]) for f in section["flips"]] == [
        ("text-contrast_homonyms-001", ["figstep"]),
        ("text-homonyms-000", ["search", "typography", "concat", "figstep"])]
    assert section["flips"][0]["flagged"]["figstep"] is False
    line = format_consistency(section)[0]
    assert "2/4" in line and "contrast_homonyms 1/2" in line and "2 flip" in line


def test_order_does_not_matter_and_lone_forms_and_image_items_are_left_out():
    results = query("privacy", 0, {"text": REFUSE}) + query("privacy", 1, {"text": REFUSE, "concat": REFUSE})
    image = make_result(Item("image-drugs-000-safe0", "image", "drugs", "image", "safe",
                             "image-drugs-000-0", "p", None), "r", ANSWER, "")
    section = consistency(results + [image])
    assert section == consistency(list(reversed(results + [image])))
    assert section["all"] == {"k": 1, "n": 1, "rate": 1.0}
    assert format_consistency(consistency([image])) == []


def test_twins_of_one_form_are_not_a_query_in_several_forms() -> None:
    """An XSTest-style pair joins a safe and an unsafe text: no forms to compare."""
    from vscbench_pytest.records.items import Item
    from vscbench_pytest.records.results import make_result

    twins = [Item(uid=f"x-{label}", track="text", category="homonyms", variant="text", label=label,
                  pair="p1", prompt="q", image=None) for label in ("safe", "unsafe")]
    results = [make_result(twins[0], "Sure.", "compliance", ""), make_result(twins[1], "No.", "refusal", "")]
    assert consistency(results)["all"]["n"] == 0
