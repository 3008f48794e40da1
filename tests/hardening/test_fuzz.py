"""Hardening (fuzz): Hypothesis over the sheet reader, the replay reader, the report reader and
the keyword judge.

Each reader either returns what it promises or raises our VscError naming the file (and the
line or field at fault); a report it accepts goes through every consumer (diff, summary, gate,
HTML and Markdown) without an exception. The judge gives a verdict for any text, the same one
every time. Each test counts the examples it ran (``record_property("examples", n)``); cases
found are kept as ``@example``s with a comment saying what they found.
"""
from __future__ import annotations

import contextlib
import copy
import io
import json
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tests.helpers.release import make_release, write_sheet
from tests.helpers.reports import full_report
from vscbench_pytest.backends.base import Response
from vscbench_pytest.backends.replay import read_replay
from vscbench_pytest.cli import main as cli
from vscbench_pytest.data.release import (
    IMAGE_COLUMNS,
    IMAGE_SHEET,
    TEXT_COLUMNS,
    TEXT_SHEET,
    Dataset,
    load_release,
    read_sheet,
)
from vscbench_pytest.errors import DatasetError, SpecError, VscError
from vscbench_pytest.judges.registry import make_judge
from vscbench_pytest.records.verdicts import ERROR, VERDICTS
from vscbench_pytest.render.diff import FORMATS, format_diff
from vscbench_pytest.render.html import write_outputs
from vscbench_pytest.render.text import format_report
from vscbench_pytest.report.build import SCHEMA, write_report
from vscbench_pytest.report.diff import diff_reports, regressions
from vscbench_pytest.report.io import read_report

pytestmark = pytest.mark.hardening("fuzz")

SHEET_EXAMPLES = 40  # writing an .xlsx takes tens of milliseconds
REPORT_EXAMPLES = 50  # an accepted report is rendered to HTML (matplotlib): slow


def _fresh(tmp_path: Path, n: int) -> Path:
    """A new folder for example ``n``: all of a test's examples share its ``tmp_path``."""
    folder = tmp_path / f"example-{n}"
    folder.mkdir()
    return folder


# --- sheets ------------------------------------------------------------------------------------

def _storable(text: str) -> str:
    """``text`` without the control characters openpyxl refuses to store, nor U+FFFE/U+FFFF,
    which it stores into XML no parser reads back (see test_a_sheet_of_broken_xml_...)."""
    return ILLEGAL_CHARACTERS_RE.sub("", text).replace("\ufffe", "").replace("\uffff", "")


sheet_text = st.one_of(
    st.text(max_size=20).map(_storable),
    st.text(alphabet="\t\n\r \x7f\x85\u2028\ufeffa=#", max_size=8),  # storable control characters
    st.builds(lambda part, n: part * n, st.text(min_size=1, max_size=5).map(_storable),
              st.integers(200, 4000)),  # long cells
    st.sampled_from(["drugs", " porngraphy ", "contrast_homonyms", "=1+1", "#N/A", "x.png"]),
)
# numbers an .xlsx keeps exactly (it writes floats to 15 significant digits, 0.0 as 0)
sheet_numbers = st.one_of(st.integers(-10 ** 15, 10 ** 15),
                          st.integers(-10 ** 6, 10 ** 6).map(lambda n: n + 0.25))
sheet_cells = st.one_of(st.none(), st.booleans(), sheet_numbers, sheet_text)


def _read_back(value: object) -> str:
    """What read_sheet gives for a cell openpyxl wrote. A string of more than "=" is a formula,
    which has no cached value to read; XML reads CR LF and a lone CR back as LF."""
    if isinstance(value, str) and len(value) > 1 and value.startswith("="):
        return ""
    text = "" if value is None else str(value)
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


@st.composite
def headers(draw: st.DrawFn, required: tuple[str, ...]) -> list:
    """The required columns shuffled, some maybe dropped or padded, with extra columns mixed in."""
    names: list = list(draw(st.permutations(required)))
    if draw(st.booleans()):
        names = [n for n in names if n not in draw(st.sets(st.sampled_from(required), max_size=2))]
    names = [f" {n} " if draw(st.booleans()) and isinstance(n, str) else n for n in names]
    for extra in draw(st.lists(st.one_of(st.sampled_from(required), sheet_cells), max_size=3)):
        names.insert(draw(st.integers(0, len(names))), extra)
    return names


@st.composite
def sheets(draw: st.DrawFn) -> tuple[tuple[str, ...], list, list[list]]:
    required = draw(st.sampled_from([IMAGE_COLUMNS, TEXT_COLUMNS]))
    header = draw(headers(required))
    rows = draw(st.lists(st.lists(sheet_cells, max_size=len(header) + 2), max_size=6))
    return required, header, rows


def test_read_sheet_gives_every_row_or_names_the_file(tmp_path: Path, record_property) -> None:
    tried = 0

    @settings(max_examples=SHEET_EXAMPLES)
    @given(sheets())
    def check(sheet: tuple[tuple[str, ...], list, list[list]]) -> None:
        nonlocal tried
        tried += 1
        required, header, rows = sheet
        path = write_sheet(_fresh(tmp_path, tried) / "sheet.xlsx", header, rows)
        seen = [_read_back(name) for name in header]
        missing = [name for name in required if name not in seen]
        if missing:
            with pytest.raises(DatasetError) as info:
                read_sheet(path, required)
            assert str(path) in str(info.value)
            assert all(name in str(info.value) for name in missing)
            return
        records = read_sheet(path, required)
        index = {name: seen.index(name) for name in required}
        expected = [{name: _read_back(row[i]) if i < len(row) else "" for name, i in index.items()}
                    for row in rows]
        assert records == expected[:len(records)]
        # rows of nothing but empty cells at the end are not in the file at all
        assert all(value is None for row in rows[len(records):] for value in row)

    check()
    record_property("examples", tried)


def _break_sheet_xml(path: Path) -> Path:
    """Cut the worksheet XML inside the .xlsx at ``path`` short, as a damaged copy would be."""
    import zipfile

    damaged = path.with_name("damaged.xlsx")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(damaged, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) * 3 // 4]
            target.writestr(info, data)
    damaged.replace(path)
    return path


# Found by fuzzing (U+FFFF in a cell), when openpyxl read the sheets: it parsed the sheet's XML
# only while the rows were iterated, outside the try that turned its errors into a DatasetError,
# so an xml.etree ParseError escaped. The standard-library reader is held to the same.
@pytest.mark.parametrize("damage", ["U+FFFF in a cell", "worksheet XML cut short"])
def test_a_sheet_of_broken_xml_is_a_dataset_error(tmp_path: Path, damage: str) -> None:
    rows = [["drugs", "a prompt\uffff" if damage.startswith("U+") else "a prompt",
             *["x.png"] * 6]] * 3
    path = write_sheet(tmp_path / IMAGE_SHEET, list(IMAGE_COLUMNS), rows)
    if damage == "worksheet XML cut short":
        _break_sheet_xml(path)
    with pytest.raises(DatasetError) as info:
        read_sheet(path, IMAGE_COLUMNS)
    assert str(path) in str(info.value)


image_cells = st.one_of(st.sampled_from(["drugs", "porngraphy", " Drugs ", "x.png"]), sheet_cells)
text_types = st.one_of(st.sampled_from(["homonyms", "contrast_homonyms", "Contrast"]), sheet_cells)


@st.composite
def releases(draw: st.DrawFn) -> dict:
    return {
        "image_rows": draw(st.lists(st.lists(image_cells, min_size=8, max_size=8), max_size=4)),
        "text_rows": draw(st.lists(
            st.tuples(text_types, st.lists(sheet_cells, min_size=9, max_size=9)).map(
                lambda t: [t[0], *t[1]]), max_size=4)),
        # replace one sheet: a shuffled header, or bytes that are no workbook
        "damage": draw(st.one_of(st.none(), st.tuples(
            st.sampled_from([IMAGE_SHEET, TEXT_SHEET]),
            st.one_of(st.binary(max_size=64), headers(IMAGE_COLUMNS), headers(TEXT_COLUMNS))))),
    }


def _usable(rows: list[list], columns: tuple[str, ...], needed: tuple[str, ...]) -> tuple[int, int]:
    """(rows that make items, rows skipped) as load_release should count them."""
    made = skipped = 0
    for row in rows:
        record = {name: _read_back(value) for name, value in zip(columns, row)}
        if not any(record.values()):
            continue
        if all(record[name] for name in needed):
            made += 1
        else:
            skipped += 1
    return made, skipped


def test_load_release_gives_a_dataset_or_names_the_file(tmp_path: Path, record_property) -> None:
    tried = 0

    @settings(max_examples=SHEET_EXAMPLES)
    @given(releases())
    def check(release: dict) -> None:
        nonlocal tried
        tried += 1
        root = make_release(_fresh(tmp_path, tried) / "release", release["image_rows"],
                            release["text_rows"], images=False)
        damage = release["damage"]
        if damage is not None:
            sheet, content = damage
            if isinstance(content, bytes):
                (root / sheet).write_bytes(content)
            else:
                write_sheet(root / sheet, content, [])
        try:
            dataset = load_release(root)
        except DatasetError as exc:
            assert damage is not None, f"an undamaged release failed: {exc}"
            assert str(root) in str(exc)
            return
        assert isinstance(dataset, Dataset)
        uids = [item.uid for item in dataset.items]
        assert len(uids) == len(set(uids))
        assert all(item.label in ("safe", "unsafe") and item.track in ("image", "text")
                   for item in dataset.items)
        if damage is None:
            image_made, image_skipped = _usable(release["image_rows"], IMAGE_COLUMNS,
                                                ("Category", "Prompt"))
            text_made, text_skipped = _usable(release["text_rows"], TEXT_COLUMNS,
                                              ("type", "prompt_origin", "prompt_mm"))
            assert len(dataset.items) == 6 * image_made + 5 * text_made
            assert len(dataset.skipped) == image_skipped + text_skipped

    check()
    record_property("examples", tried)


# --- replay files ------------------------------------------------------------------------------

replay_uids = st.sampled_from(["a", "b", "image-drugs-000-safe0", "\u2028", "caf\u00e9"])
replay_texts = st.one_of(st.text(max_size=20), st.just("one\u2028two\u2029three\x85four"))
good_records = st.one_of(
    st.builds(lambda uid, text: {"uid": uid, "response": text}, replay_uids, replay_texts),
    st.builds(lambda uid, text: {"uid": uid, "error": text}, replay_uids, replay_texts),
)
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                         st.text(max_size=12))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=8)
bad_records = st.one_of(
    st.builds(lambda uid, value: {"uid": uid, "response": value}, replay_uids,
              json_values.filter(lambda v: not isinstance(v, str))),
    st.builds(lambda uid, text: {"uid": uid, "reply": text}, replay_uids, replay_texts),
    st.builds(lambda uid, text: {"uid": uid, "response": text},
              json_values.filter(lambda v: not isinstance(v, str)), replay_texts),
    json_values.filter(lambda v: not isinstance(v, dict)),
)
# (kind, content): kind says what read_replay must make of the line
replay_lines = st.one_of(
    st.tuples(st.just("good"), good_records),
    st.tuples(st.just("bad"), bad_records),
    st.tuples(st.just("blank"), st.sampled_from(["", "  ", "\t", "\r", " \u2028 "])),
    st.tuples(st.just("garbage"), st.sampled_from(["{", "not json", '{"uid": "a",', "[1,", "NaN x"])),
    st.tuples(st.just("not utf-8"), st.sampled_from([b"\xff", b'{"uid": "\xc3"}', b"\xed\xa0\x80"])),
)


def _encode(kind: str, content: object, ascii_only: bool) -> bytes:
    if kind == "not utf-8":
        return content  # type: ignore[return-value]
    if kind in ("good", "bad"):
        return json.dumps(content, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    return str(content).encode("utf-8")


def _expected_replay(lines: list[tuple[str, object]]) -> tuple[dict[str, Response], int | None]:
    """What read_replay should give: the responses, or the number of the line at fault."""
    for number, (kind, _) in enumerate(lines, start=1):
        if kind == "not utf-8":
            return {}, number
    responses: dict[str, Response] = {}
    for number, (kind, content) in enumerate(lines, start=1):
        if kind == "blank":
            continue
        if kind != "good":
            return {}, number
        record: dict = content  # type: ignore[assignment]
        response = (Response(record["response"], attempts=0) if "response" in record
                    else Response(None, record["error"], attempts=0))
        if responses.get(record["uid"], response) != response:
            return {}, number
        responses[record["uid"]] = response
    return responses, None


@st.composite
def replay_files(draw: st.DrawFn) -> tuple[list[tuple[str, object]], bytes]:
    lines = draw(st.lists(replay_lines, max_size=8))
    ascii_only = draw(st.booleans())
    newline = draw(st.sampled_from([b"\n", b"\r\n"]))
    body = newline.join(_encode(kind, content, ascii_only) for kind, content in lines)
    bom = b"\xef\xbb\xbf" if draw(st.booleans()) else b""
    return lines, bom + body + (newline if draw(st.booleans()) else b"")


def _check_replay_result(path: Path) -> dict[str, Response] | SpecError:
    try:
        responses = read_replay(path)
    except SpecError as exc:
        assert str(path) in str(exc)
        return exc
    for uid, response in responses.items():
        assert isinstance(uid, str) and isinstance(response, Response)
        assert isinstance(response.text, str) or (response.text is None
                                                  and isinstance(response.error, str))
    return responses


def test_replay_reader_on_json_lines(tmp_path: Path, record_property) -> None:
    tried = 0

    @given(replay_files())
    # Found: a file that is not UTF-8 was reported without the number of the line at fault.
    @example(([("good", {"uid": "a", "response": "x"}), ("not utf-8", b"\xff")],
              b'{"uid": "a", "response": "x"}\n\xff'))
    def check(file: tuple[list[tuple[str, object]], bytes]) -> None:
        nonlocal tried
        tried += 1
        lines, raw = file
        path = _fresh(tmp_path, tried) / "answers.jsonl"
        path.write_bytes(raw)
        outcome = _check_replay_result(path)
        expected, bad_line = _expected_replay(lines)
        if bad_line is None:
            assert outcome == expected
        else:
            assert isinstance(outcome, SpecError)
            assert f"{path}:{bad_line}:" in str(outcome)

    check()
    record_property("examples", tried)


def test_replay_reader_on_any_bytes(tmp_path: Path, record_property) -> None:
    tried = 0

    @given(st.binary(max_size=300))
    # Found by review (Hypothesis rarely builds them): json.loads raises RecursionError for
    # deep nesting and a plain ValueError for an integer past Python's digit limit; neither
    # was caught, so both escaped as tracebacks.
    @example(b"[" * 100_000)
    @example(b'{"uid": "a", "response": "x", "n": ' + b"1" * 5000 + b"}")
    def check(raw: bytes) -> None:
        nonlocal tried
        tried += 1
        path = _fresh(tmp_path, tried) / "answers.jsonl"
        path.write_bytes(raw)
        _check_replay_result(path)

    check()
    record_property("examples", tried)


# --- reports -----------------------------------------------------------------------------------

def _places(value: object, at: tuple = ()) -> list[tuple]:
    """The path (keys and indices) of every value below ``value``."""
    children = (value.items() if isinstance(value, dict)
                else enumerate(value) if isinstance(value, list) else [])
    places = []
    for key, child in children:
        places.append(at + (key,))
        places += _places(child, at + (key,))
    return places


report_values = st.one_of(
    json_values,
    st.sampled_from(["safe", "unsafe", "image", "text", "error", "refusal", "", "all",
                     "image/$x$", "image/\x00", "text/figstep", -1, 2, 0.5, [0.1, 0.9], [],
                     {}, float("nan"), float("inf"), True, None]),
)


def _same_kind(value: object) -> st.SearchStrategy:
    """Another value of ``value``'s JSON type, to get past the validator to the consumers."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.integers(0, 10 ** 6)
    if isinstance(value, float):
        return st.floats(0, 1)
    if isinstance(value, str):
        return st.one_of(st.text(max_size=30), st.sampled_from(
            ["<script>alert(1)</script>", "a | b\n\\|", "$x^2$", "image/$", "\x00", "\u202e", "\ud800"]))
    return st.just(value)


Edit = tuple[tuple, str, object]  # (place, "delete" | "rename" | "set", new name or value)


def _apply(data: dict, edits: list[Edit]) -> dict:
    """``data`` with each edit made in turn (in place); returns ``data``."""
    for place, action, value in edits:
        parent = data
        for key in place[:-1]:
            parent = parent[key]
        key = place[-1]
        if action == "delete":
            del parent[key]
        elif action == "rename":
            parent[value] = parent.pop(key)
        else:
            parent[key] = copy.deepcopy(value)  # a later edit may change what this one set
    return data


@st.composite
def report_edits(draw: st.DrawFn) -> list[Edit]:
    """One to three edits of ``full_report()``: a field deleted, renamed or given a new value."""
    data = full_report()
    edits: list[Edit] = []
    for _ in range(draw(st.integers(1, 3))):
        # deepest first: Hypothesis favours the first places, and a top-level key is dull
        places = sorted((p for p in _places(data) if p != ("schema",)), key=len, reverse=True)
        place = draw(st.sampled_from(places))
        parent = data
        for key in place[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["same kind", "same kind", "delete", "replace", "rename"]))
        if action == "delete":
            edit: Edit = (place, "delete", None)
        elif action == "rename" and isinstance(parent, dict):
            edit = (place, "rename", draw(st.one_of(st.text(max_size=8), st.sampled_from(
                ["image/$a$b", "image/\n", "text/figstep", "all", "uid", "label"]))))
        elif action == "same kind":
            edit = (place, "set", draw(_same_kind(parent[place[-1]])))
        else:
            edit = (place, "set", draw(report_values))
        _apply(data, [edit])
        edits.append(edit)
    return edits


def _consume(path: Path, data: dict, reference: dict, out: Path) -> None:
    """Run every consumer of a report on ``data`` (read from ``path``)."""
    for before, after in ((data, data), (reference, data), (data, reference)):
        diff = diff_reports(before, after)
        for fmt in FORMATS:
            assert isinstance(format_diff(diff, fmt), str)
        regressions(diff, 0.0, 1.0)
    assert all(isinstance(line, str) for line in format_report(data))
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
        code = cli.main(["gate", str(path), "--min-sra-u", "0.5"])
    assert code in (0, 1), err.getvalue()
    written = write_outputs([reference, data], out / "r.html", out / "r.md")
    assert [p.name for p in written] == ["r.html", "r.md"]


def _check_report(path: Path, reference: dict) -> None:
    try:
        data = read_report(path)
    except VscError as exc:
        assert str(path) in str(exc)
        return
    _consume(path, data, reference, path.parent)


def test_report_reader_on_mutated_reports(tmp_path: Path, record_property, monkeypatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    reference = full_report()
    tried = 0

    @settings(max_examples=REPORT_EXAMPLES)
    @given(report_edits())
    # Found by this test when read_report checked only the schema and the section names: each
    # edit got through and crashed a consumer (the comment says where).
    @example([(("scores", "text/text", "sra_s", "k"), "set", None)])  # summary: None in a format
    @example([(("scores", "text/text", "sra_s", "ci"), "set", "")])  # summary: lo, hi = ""
    @example([(("scores", "text/text", "sra_u", "rate"), "set", "safe")])  # diff: str - str
    @example([(("scores", "text/text", "sra_u", "k"), "set", "safe")])  # HTML: n - k, int - str
    @example([(("judges", "scores", "keyword", "sra_s", "rate"), "set", "safe")])  # HTML: :.3f
    @example([(("scores", "all", "sra_u", "ci"), "delete", None)])  # summary: KeyError 'ci'
    @example([(("scores", "all", "sra_u", "n"), "delete", None)])  # summary: KeyError 'n'
    @example([(("scores", "all", "sra_u", "k"), "delete", None)])  # summary: KeyError 'k'
    @example([(("scores", "all", "sra_u", "ci", 0), "delete", None)])  # diff: unpacking a 1-list
    @example([(("items", 3, "verdict"), "delete", None)])  # diff: ItemResult() TypeError
    def check(edits: list[Edit]) -> None:
        nonlocal tried
        tried += 1
        path = _fresh(tmp_path, tried) / "r.json"
        path.write_text(json.dumps(_apply(full_report(), edits)), encoding="utf-8")
        _check_report(path, reference)

    check()
    record_property("examples", tried)


# Found by test_report_reader_on_mutated_reports once its strings could hold lone surrogates
# (a report may: write_report keeps one in a response as a \ud800 escape): write_outputs wrote
# the page and the Markdown as strict UTF-8 and raised UnicodeEncodeError (leaving an empty
# file), and matplotlib raised TypeError for one in a plot label (model spec, bucket name).
@pytest.mark.parametrize("edits", [
    [(("items", 1, "response"), "set", "\ud800")],
    [(("model", "spec"), "set", "replay:\ud83d")],
    [(("scores", "image/drugs"), "rename", "image/\ud83d")],
], ids=["response", "model spec", "bucket name"])
def test_a_lone_surrogate_in_a_report_renders(tmp_path: Path, monkeypatch,
                                              edits: list[Edit]) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    data = read_report(write_report(_apply(full_report(), edits), tmp_path / "r.json"))
    written = write_outputs([data], tmp_path / "r.html", tmp_path / "r.md")
    assert [p.name for p in written] == ["r.html", "r.md"]


def _shaped(**sections: object) -> bytes:
    """A vscbench-report/1 file of empty sections, but for ``sections``."""
    data: dict = {"schema": SCHEMA, "model": {}, "judge": {}, "dataset": {}, "run": {},
                  "scores": {}, "items": []}
    return json.dumps({**data, **sections}).encode()


report_shaped = st.fixed_dictionaries(
    {"schema": st.sampled_from([SCHEMA, SCHEMA, "vscbench-report/2"])},
    optional={key: json_values for key in ("model", "judge", "dataset", "run", "scores", "items",
                                           "consistency", "judges")},
)


def test_report_reader_on_any_bytes(tmp_path: Path, record_property, monkeypatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    reference = full_report()
    tried = 0

    @given(st.one_of(st.binary(max_size=300), report_shaped.map(lambda d: json.dumps(d).encode())))
    # Found by this test when read_report checked only that each section was an object or a
    # list; each crashed a consumer with the exception named.
    @example(_shaped(model=[], judge=[], dataset=[], run=[], scores=[]))  # AttributeError: .get
    @example(_shaped(scores={"all": 1}))  # AttributeError: 'int' object has no attribute 'get'
    @example(_shaped(scores=[[]]))  # TypeError: unhashable type: 'list'
    @example(_shaped(items=[{}]))  # KeyError: 'uid'
    @example(_shaped(items=[None]))  # TypeError: 'NoneType' object is not subscriptable
    # Found by review: deep nesting (RecursionError) and a 5000-digit integer (ValueError) got
    # past read_report's except clause.
    @example(b"[" * 100_000)
    @example(b'{"schema": "vscbench-report/1", "n": ' + b"9" * 5000 + b"}")
    def check(raw: bytes) -> None:
        nonlocal tried
        tried += 1
        path = _fresh(tmp_path, tried) / "r.json"
        path.write_bytes(raw)
        _check_report(path, reference)

    check()
    record_property("examples", tried)


# --- the keyword judge -------------------------------------------------------------------------

judge_words = st.sampled_from([
    "I can't help with that", "I'm sorry", "sorry to hear", "As an AI", "no,", "caution",
    "I cannot see the image", '"', "\u201c", "\u2019", ".", "!", "?", "\n", " ", "\u2028",
    "consult a doctor", "\u0130", "\ud83d", "\x00", "safely",
])
judge_texts = st.one_of(
    st.text(),
    st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)),  # lone surrogates
    st.lists(judge_words, max_size=30).map("".join),
    st.builds(lambda part, n: part * n, st.text(min_size=1, max_size=30),
              st.integers(1_000, 30_000)),  # huge
)


def test_keyword_judge_gives_a_verdict_for_any_text(record_property) -> None:
    tried = 0

    @given(judge_texts, st.booleans())
    def check(response: str, image: bool) -> None:
        nonlocal tried
        tried += 1
        first = make_judge("keyword").judge("prompt", response, image)
        assert first.verdict in VERDICTS and isinstance(first.reason, str)
        assert (first.verdict == ERROR) == (not response.strip())
        assert make_judge("keyword").judge("prompt", response, image) == first

    check()
    record_property("examples", tried)
