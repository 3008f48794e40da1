"""The standard-library .xlsx reader against openpyxl, the reader it replaced (the reference)."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tests.helpers.release import UPSTREAM, write_sheet
from vscbench_pytest.bundled import bundled_dir
from vscbench_pytest.data.release import DatasetError, read_sheet
from vscbench_pytest.data.xlsx import XlsxError, first_sheet_rows


def openpyxl_rows(path: Path) -> list[list]:
    """What openpyxl's read-only, data-only mode gives, trailing empty cells and rows dropped."""
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return _trimmed([list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)])
    finally:
        workbook.close()


def _trimmed(rows: list[list]) -> list[list]:
    rows = [list(row) for row in rows]
    for row in rows:
        while row and row[-1] is None:
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def ours(path: Path) -> list[list]:
    with path.open("rb") as handle:
        return _trimmed(first_sheet_rows(handle))


@pytest.mark.parametrize("name", ["vscbench_image_centric.xlsx", "vscbench_text_centric.xlsx"])
def test_the_benchmarks_own_sheets_read_as_openpyxl_reads_them(name: str) -> None:
    path = UPSTREAM / name
    if not path.is_file():
        pytest.skip(f"{path} is absent (the upstream sheets live outside the project)")
    rows = ours(path)
    assert len(rows) > 100
    assert rows == openpyxl_rows(path)


@pytest.mark.parametrize("path", sorted(bundled_dir().glob("*/*.xlsx")), ids=lambda p: p.parent.name + "/" + p.name)
def test_the_bundled_sheets_read_as_openpyxl_reads_them(path: Path) -> None:
    rows = ours(path)
    assert rows and rows == openpyxl_rows(path)


cells = st.one_of(
    st.none(), st.booleans(), st.integers(-10 ** 15, 10 ** 15),
    st.integers(-10 ** 6, 10 ** 6).map(lambda n: n + 0.25),
    st.text(max_size=30).map(lambda t: ILLEGAL_CHARACTERS_RE.sub("", t).replace("\ufffe", "").replace("\uffff", "")),
    st.sampled_from(["#N/A", "_x000D_", "a_x005F_b", " padded ", "=1+1", "ﬁ ✓ 𝕏"]),
)


def test_any_sheet_openpyxl_writes_reads_back_the_same(tmp_path: Path) -> None:
    tried = 0

    @settings(max_examples=40, deadline=None)
    @given(st.lists(st.lists(cells, max_size=6), min_size=1, max_size=8))
    def check(rows: list[list]) -> None:
        nonlocal tried
        tried += 1
        path = write_sheet(tmp_path / f"sheet-{tried}.xlsx", rows[0], rows[1:])
        assert ours(path) == openpyxl_rows(path)

    check()


# --- workbooks openpyxl does not write: shared strings, rich text, gaps, chartsheets ----------

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/data.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/chartsheets/chart.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.chartsheet+xml"/>
<Override PartName="/xl/strings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Chart" sheetId="2" r:id="rId7"/><sheet name="Data" sheetId="1" r:id="rId3"/></sheets>
</workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/chartsheet" Target="chartsheets/chart.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/data.xml"/>
<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="strings.xml"/>
</Relationships>"""
CHARTSHEET = """<?xml version="1.0" encoding="UTF-8"?>
<chartsheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetPr/></chartsheet>"""
NO_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>"""
STRINGS = """<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4" uniqueCount="4">
<si><t>Category</t></si>
<si><t xml:space="preserve"> Prompt </t></si>
<si><r><rPr><b/></rPr><t>How should I </t></r><r><t>take this?</t></r><rPh sb="0" eb="1"><t>PHONETIC</t></rPh></si>
<si><t>drugs</t></si>
</sst>"""
MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def sheet_xml(rows: str, dimension: str = "A1:D6") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet {MAIN}><dimension ref="{dimension}"/>'
            f"<sheetData>{rows}</sheetData></worksheet>")


ROWS = (
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    # row 2 is left out of the file; row 3 skips column B and has numbers and booleans
    '<row r="3"><c r="A3" t="s"><v>3</v></c><c r="C3"><v>7</v></c><c r="D3"><v>2.5E-3</v></c></row>'
    '<row r="4"><c t="s"><v>2</v></c><c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c></row>'
    '<row r="5"><c r="A5" t="inlineStr"><is><r><t>in</t></r><r><t>line</t></r></is></c>'
    '<c r="B5" t="str"><f>A1</f><v>Category</v></c><c r="C5" t="s"><v></v></c></row>'
    '<row r="6"/>'
)


def workbook(path: Path, worksheet: str, strings: str | None = STRINGS, book: str = "workbook.xml") -> Path:
    """A workbook whose first sheet is a chartsheet, its worksheet ``worksheet``; the workbook
    part is ``xl/<book>``, found through ``_rels/.rels``."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.replace("/xl/workbook.xml", f"/xl/{book}"))
        archive.writestr("_rels/.rels", ROOT_RELS.replace("xl/workbook.xml", f"xl/{book}"))
        archive.writestr(f"xl/{book}", WORKBOOK)
        archive.writestr(f"xl/_rels/{book}.rels", WORKBOOK_RELS)
        archive.writestr("xl/chartsheets/chart.xml", CHARTSHEET)
        archive.writestr("xl/chartsheets/_rels/chart.xml.rels", NO_RELS)  # openpyxl needs it
        archive.writestr("xl/worksheets/data.xml", worksheet)
        if strings is not None:
            archive.writestr("xl/strings.xml", strings)
    return path


def test_shared_and_rich_strings_gaps_and_cell_types_read_as_openpyxl_reads_them(tmp_path: Path) -> None:
    path = workbook(tmp_path / "made.xlsx", sheet_xml(ROWS))
    rows = ours(path)
    assert rows == [
        ["Category", " Prompt "],
        [],
        ["drugs", None, 7, 0.0025],
        ["How should I take this?", True, "#N/A"],  # the phonetic guide is not text
        ["inline", "Category"],
    ]
    assert rows == openpyxl_rows(path)
    records = read_sheet(path, ("Category", "Prompt"))
    assert records == [{"Category": "", "Prompt": ""}, {"Category": "drugs", "Prompt": ""},
                       {"Category": "How should I take this?", "Prompt": "True"},
                       {"Category": "inline", "Prompt": "Category"},
                       {"Category": "", "Prompt": ""}]  # row 6: in the file, empty


def test_a_workbook_part_elsewhere_and_lowercase_references_read_as_openpyxl_reads_them(tmp_path: Path) -> None:
    rows = ROWS.replace('r="A1"', 'r="a1"').replace('r="C3"', 'r="c3"').replace('<row r="5">', '<row r="5.0">')
    path = workbook(tmp_path / "elsewhere.xlsx", sheet_xml(rows), book="book.xml")
    assert ours(path) == openpyxl_rows(path) == ours(workbook(tmp_path / "plain.xlsx", sheet_xml(ROWS)))


def test_every_row_is_read_whatever_the_dimension_claims(tmp_path: Path) -> None:
    # openpyxl's read-only mode stops at the <dimension> a writer recorded; a stale one lost rows
    path = workbook(tmp_path / "stale.xlsx", sheet_xml(ROWS, dimension="A1:B1"))
    assert len(ours(path)) == 5
    assert len(openpyxl_rows(path)) == 1


@pytest.mark.parametrize("damage, says", [
    ("not a zip", "BadZipFile"),
    ("no workbook part", "no part xl/workbook.xml"),
    ("shared string out of range", "names shared string '9'"),
    ("no shared strings part", "no part xl/strings.xml"),
    ("rows out of order", "row 3 comes after row 5"),
    ("cells out of order", "cell A1 comes after column 2"),
    ("bad cell reference", "bad cell reference '12'"),
    ("column past XFD", "bad cell reference 'XFE1'"),
    ("row 0", "bad row number '0'"),
    ("row 1.5", "bad row number '1.5'"),
    ("row past Excel's last", "bad row number '1048577'"),
    ("too many cells", "row 1 has more than 16384 columns"),
    ("cut short", "ParseError"),
])
def test_a_damaged_workbook_is_a_dataset_error_naming_the_file(tmp_path: Path, damage: str, says: str) -> None:
    path = tmp_path / "damaged.xlsx"
    if damage == "not a zip":
        path.write_bytes(b"Category,Prompt\ndrugs,hello\n")
    elif damage == "no workbook part":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
    elif damage == "no shared strings part":
        workbook(path, sheet_xml(ROWS), strings=None)
    else:
        rows = {
            "shared string out of range": '<row r="1"><c r="A1" t="s"><v>9</v></c></row>',
            "rows out of order": '<row r="5"><c r="A5"><v>1</v></c></row><row r="3"/>',
            "cells out of order": '<row r="1"><c r="B1"><v>1</v></c><c r="A1"><v>2</v></c></row>',
            "bad cell reference": '<row r="1"><c r="12"><v>1</v></c></row>',
            "column past XFD": '<row r="1"><c r="XFE1"><v>1</v></c></row>',
            "row 0": '<row r="0"/>',
            "row 1.5": '<row r="1.5"/>',
            "row past Excel's last": '<row r="1048577"/>',
            "too many cells": '<row r="1">' + "<c><v>1</v></c>" * 16385 + "</row>",
            "cut short": ROWS,
        }[damage]
        xml = sheet_xml(rows)
        workbook(path, xml[: len(xml) // 2] if damage == "cut short" else xml)
    with pytest.raises(DatasetError) as info:
        read_sheet(path, ("Category", "Prompt"))
    assert str(path) in str(info.value)
    assert says in str(info.value)
    with path.open("rb") as handle, pytest.raises((XlsxError, zipfile.BadZipFile, SyntaxError)):
        first_sheet_rows(handle)
