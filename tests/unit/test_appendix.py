"""The appendix workbook (reports.appendix) and the report workbook (tasks.publish), read
back from the saved files: formula-like text stays text, headers are Vietnamese and frozen,
pages print on A4 landscape, totals add up.

By hand: the budget sheet holds LDTBXH 15.000.000 (state) and 5.000.000 (other), P-MINHKHAI
2.500.000 (state) → total 22.500.000 đồng over 3 activity rows + 2 + 1 = 6 rows.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from core.registry import read_locality
from reports.appendix import SOURCE_SHEET, write_appendix
from tasks.publish import write_tables_xlsx

HYPERLINK = '=HYPERLINK("http://x","y")'
RISKY = [HYPERLINK, "+84 912 345 678", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1"]


def _budget() -> pd.DataFrame:
    return pd.DataFrame({
        "year": [2024, 2024, 2024],
        "unit_code": ["LDTBXH", "LDTBXH", "P-MINHKHAI"],
        "source": ["state", "other", "state"],
        "amount_vnd": [15_000_000.0, 5_000_000.0, 2_500_000.0],
        "activity_rows": [3, 2, 1],
    })


def _issues() -> pd.DataFrame:
    return pd.DataFrame({
        "unit_code": ["VHTT"] * len(RISKY),
        "tab": ["Hoạt động"] * len(RISKY),
        "sheet_row": list(range(4, 4 + len(RISKY))),
        "value": RISKY,
        "completed_on": [date(2024, 12, 5)] * len(RISKY),
    })


def _lineage() -> pd.DataFrame:
    return pd.DataFrame({
        "indicator_code": ["CT1"], "year": [2024], "scope": ["audience"],
        "scope_code": ["can_bo"], "unit_code": ["LDTBXH"], "tab": ["Hoạt động"],
        "sheet_row": [4], "snapshot_id": ["abc123"], "source_ref": ["2024/LDTBXH.xlsx"],
        "fetched_at": [pd.Timestamp("2024-12-05 01:30", tz="UTC")],
        "column_key": ["sessions"], "value": [2.0], "counts_as": ["numerator"],
    })


def _appendix(tmp_path: Path) -> Path:
    return write_appendix(
        tmp_path / "phu-luc.xlsx",
        {"Kinh phí": (["unit_code", "source", "amount_vnd", "activity_rows"], _budget()),
         "Lỗi cần sửa": (["unit_code", "tab", "sheet_row", "value", "completed_on"],
                         _issues())},
        {"Kinh phí": ["amount_vnd", "activity_rows"]},
        lineage=_lineage(), locality=read_locality())


def _sheet_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return "".join(archive.read(name).decode("utf-8") for name in archive.namelist()
                       if name.startswith("xl/worksheets/sheet"))


def test_submission_text_is_never_a_formula(tmp_path):
    """Text typed by a unit, such as =HYPERLINK("http://x","y"), and every other text that
    starts with +, -, @, a tab or a CR, reads back as that very text in a string cell with
    the quote prefix, and no sheet of the file holds a formula."""
    path = _appendix(tmp_path)
    sheet = load_workbook(path)["Lỗi cần sửa"]
    cells = [sheet.cell(row=r, column=4) for r in range(2, 2 + len(RISKY))]
    assert [(text, "s", True) for text in RISKY] == [
        (c.value, c.data_type, c.quotePrefix) for c in cells]
    assert [] == re.findall(r"<f[ >]", _sheet_xml(path))


def test_report_workbook_keeps_formula_text_as_text(tmp_path):
    """tasks.publish.write_tables_xlsx writes the same formula-like texts as strings too."""
    path = tmp_path / "bao-cao.xlsx"
    write_tables_xlsx(path, {"quality_issues": _issues()})
    sheet = load_workbook(path)["quality_issues"]
    assert [(text, "s") for text in RISKY] == [
        (sheet.cell(row=r, column=4).value, sheet.cell(row=r, column=4).data_type)
        for r in range(2, 2 + len(RISKY))]
    assert [] == re.findall(r"<f[ >]", _sheet_xml(path))


def test_headers_are_vietnamese_frozen_and_printable(tmp_path):
    """Every sheet has its Vietnamese header row frozen and repeated on each printed page,
    A4 landscape, fitted to one page wide; the workbook's language is vi-VN."""
    book = load_workbook(_appendix(tmp_path))
    assert ["Kinh phí", "Lỗi cần sửa", SOURCE_SHEET] == book.sheetnames
    assert ["Mã đơn vị", "Nguồn kinh phí", "Số tiền (đồng)", "Số dòng hoạt động"] == [
        c.value for c in book["Kinh phí"][1]]
    expected = [("A2", "$1:$1", "landscape", 9, 1, 0, True)] * 3
    assert expected == [
        (s.freeze_panes, s.print_title_rows, s.page_setup.orientation,
         int(s.page_setup.paperSize), s.page_setup.fitToWidth, s.page_setup.fitToHeight,
         s.sheet_properties.pageSetUpPr.fitToPage)
        for s in book.worksheets]
    assert "vi-VN" == book.properties.language


def test_totals_row_equals_the_hand_computed_sum(tmp_path):
    """The budget sheet ends with "Tổng cộng": 22.500.000 đồng and 6 activity rows (values,
    not formulas), shown with thousands separators; codes are in Vietnamese."""
    sheet = load_workbook(_appendix(tmp_path))["Kinh phí"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [
        ["LDTBXH", "Ngân sách nhà nước", 15_000_000, 3],
        ["LDTBXH", "Xã hội hóa, tài trợ", 5_000_000, 2],
        ["P-MINHKHAI", "Ngân sách nhà nước", 2_500_000, 1],
        ["Tổng cộng", None, 22_500_000, 6],
    ] == rows
    assert ("#,##0", "#,##0") == (sheet["C5"].number_format, sheet["D5"].number_format)


def test_source_sheet_traces_each_figure(tmp_path):
    """The "Nguồn số liệu" sheet lists the lineage rows with the column as the unit saw it,
    what the cell counts as (in Vietnamese), the file, and the fetch time in Hanoi time
    (UTC+7); the year and sheet row print as 2024 and 4 (no thousands separator)."""
    sheet = load_workbook(_appendix(tmp_path))[SOURCE_SHEET]
    assert [
        ["Mã chỉ tiêu", "Năm", "Phạm vi", "Mã phạm vi", "Mã đơn vị", "Trang tính", "Dòng", "Cột",
         "Giá trị", "Tính vào", "Tệp nguồn", "Mã bản lưu", "Thời điểm tải về"],
        ["CT1", 2024, "Nhóm đối tượng", "can_bo", "LDTBXH", "Hoạt động", 4,
         "Số cuộc, số lượng", 2, "Tử số", "2024/LDTBXH.xlsx", "abc123",
         datetime(2024, 12, 5, 8, 30)],
    ] == [[c.value for c in row] for row in sheet.iter_rows()]
    assert ("0", "0", "#,##0", "dd/mm/yyyy hh:mm") == (
        sheet["B2"].number_format, sheet["G2"].number_format, sheet["I2"].number_format,
        sheet["M2"].number_format)
