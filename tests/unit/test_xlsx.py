"""The streaming writer (reports.xlsx): a table longer than a chunk reads back row by row,
with blanks, XML markup, a CR, an error value and the closing row where they were written,
in openpyxl and in python-calamine (the pipeline's own reader)."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from reports import xlsx
from reports.xlsx import Cell, ErrorValue, Style, Table, column_cells, write_workbook

BOLD = Style(bold=True)


def _cell(value: object) -> Cell:
    if isinstance(value, pd.Timestamp):
        return Cell(value.to_pydatetime(), Style(number_format="dd/mm/yyyy hh:mm"))
    if isinstance(value, str) and value.startswith("="):
        return Cell(value, Style(quote_prefix=True))
    if isinstance(value, str) and value == "#N/A":
        return Cell(ErrorValue(value))
    return Cell(None if value is None or pd.isna(value) else value)


def test_rows_cross_chunks_and_read_back(tmp_path, monkeypatch):
    """Five rows written two at a time: each value where it was put; an empty cell stays
    empty (None), the quote prefix only on "=1+1", the same string stored once."""
    monkeypatch.setattr(xlsx, "CHUNK_ROWS", 2)
    frame = pd.DataFrame({
        "code": ["CT1", None, "=1+1", "CT1", "a&<b>\rc"],
        "n": [1.0, 2.5, np.nan, 4.0, 12.0],
        "at": pd.to_datetime(["2024-12-05 08:30", None, None, None, "2024-12-31 23:59"]),
        "flag": pd.array([True, False, None, True, None], dtype="boolean"),
        "err": ["#N/A", None, None, None, None],
    })
    table = Table("Bảng", [Cell(c, BOLD) for c in frame.columns],
                  [column_cells(frame[c], _cell) for c in frame.columns], [10] * 5,
                  closing=[Cell("Tổng cộng", BOLD), Cell(19.5, BOLD)])
    path = write_workbook(tmp_path / "t.xlsx", [table])

    sheet = load_workbook(path)["Bảng"]
    assert [
        ["code", "n", "at", "flag", "err"],
        ["CT1", 1, datetime(2024, 12, 5, 8, 30), True, "#N/A"],
        [None, 2.5, None, False, None],
        ["=1+1", None, None, None, None],
        ["CT1", 4, None, True, None],
        ["a&<b>\rc", 12, datetime(2024, 12, 31, 23, 59), None, None],
        ["Tổng cộng", 19.5, None, None, None],
    ] == [[c.value for c in row] for row in sheet.iter_rows()]
    assert [("s", False), ("s", True), ("e", False)] == [
        (sheet[ref].data_type, sheet[ref].quotePrefix) for ref in ("A2", "A4", "E2")]
    assert (True, "A2", "A1:E7") == (sheet["A7"].font.b, sheet.freeze_panes, sheet.dimensions)

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Bảng").to_python()
    assert ["a&<b>\rc", 12.0] == rows[5][:2]
    assert ["Tổng cộng", 19.5] == rows[6][:2]
