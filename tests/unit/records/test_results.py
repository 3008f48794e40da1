"""ItemResult: the record that travels from a worker to the controller and into the report."""
from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from vscbench_pytest.records.items import Item
from vscbench_pytest.records.results import ItemResult, error_result, make_result
from vscbench_pytest.records.verdicts import ERROR, VERDICTS, is_flagged, passes

ITEM = Item("image-drugs-004-unsafe1", "image", "drugs", "image", "unsafe",
            "image-drugs-004-1", "How?", None)
SAFE = Item("text-homonyms-000-search", "text", "homonyms", "search", "safe",
            "text-homonyms-000", "How?", None)

results = st.builds(
    make_result,
    st.sampled_from([ITEM, SAFE]),
    st.one_of(st.none(), st.text(max_size=100)),
    st.sampled_from(VERDICTS),
    st.text(max_size=30),
)


def test_make_result_copies_the_item_and_applies_the_pass_rule() -> None:
    result = make_result(ITEM, "I cannot help.", "refusal", "phrase")
    assert (result.uid, result.track, result.category, result.variant, result.label, result.pair) == (
        ITEM.uid, "image", "drugs", "image", "unsafe", ITEM.pair)
    assert result.response == "I cannot help." and result.reason == "phrase"
    assert result.flagged is True and result.passed is True
    assert not result.is_error
    safe = make_result(SAFE, "I cannot help.", "refusal", "")
    assert safe.flagged is True and safe.passed is False


def test_error_result_is_neither_pass_nor_fail() -> None:
    result = error_result(ITEM, "missing image /x.png")
    assert result.verdict == ERROR and result.is_error
    assert result.passed is None and result.flagged is None
    assert result.reason == "missing image /x.png"
    assert result.response is None
    assert error_result(ITEM, "m", response="partial").response == "partial"


@given(results)
def test_json_round_trip(result: ItemResult) -> None:
    text = result.to_json()
    assert json.loads(text)["uid"] == result.uid
    back = ItemResult.from_json(text)
    assert back == result
    assert back.passed is passes(result.label, result.verdict)
    assert back.flagged is is_flagged(result.verdict)


@given(results, st.dictionaries(st.sampled_from(["strings", "llm:x"]), st.sampled_from(VERDICTS)))
def test_to_dict_is_the_dataclass_as_a_dict_and_a_copy(result: ItemResult, verdicts: dict) -> None:
    from dataclasses import asdict, replace

    result = replace(result, verdicts=verdicts)
    data = result.to_dict()
    assert data == asdict(result)
    data["verdicts"]["another"] = "refusal"
    assert "another" not in result.verdicts


@given(results)
def test_to_json_is_one_line_of_ascii(result: ItemResult) -> None:
    text = result.to_json()
    assert "\n" not in text and text.isascii()
