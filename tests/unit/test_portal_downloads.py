"""The portal's per-page workbook (reports.portal.tables_xlsx), read back with openpyxl: the
cells a page's tables hold, typed as openpyxl's own writer typed them."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from reports.portal import Cell, Table, tables_xlsx

TABLES = (
    Table("CT5 <năm> & phường", ("Năm", "Giá trị", "Ghi chú", "Đã báo cáo"),
          ((Cell("2024", 2024), Cell("94,7%", 0.946808), Cell("=1+1"), Cell("Có", True)),
           (Cell("2025", 2025), Cell("–"), Cell("#N/A"), Cell("Không", False)))),
    Table("Thứ hai", ("Đơn vị",), ()),
)


def test_each_table_is_a_sheet_with_its_cells_typed():
    """One sheet per table; caption and headers bold, panes frozen under the header;
    numbers and booleans stay numbers and booleans, the dash of "no value" is an empty
    cell, formula-like text stays text with the quote prefix, an error code stays Excel's
    error; the same tables give the same bytes (nothing in the file changes by itself)."""
    data = tables_xlsx(TABLES)
    book = load_workbook(io.BytesIO(data))
    sheet = book["Bảng 1"]
    cells = [[(c.value, c.data_type, bool(c.font.b), bool(c.quotePrefix)) for c in row]
             for row in sheet.iter_rows()]
    assert ["Bảng 1", "Bảng 2"] == book.sheetnames
    assert "A3" == sheet.freeze_panes
    assert [("CT5 <năm> & phường", "s", True, False)] == cells[0][:1]
    assert [(h, "s", True, False) for h in TABLES[0].headers] == cells[1]
    assert [(2024, "n", False, False), (0.946808, "n", False, False),
            ("=1+1", "s", False, True), (True, "b", False, False)] == cells[2]
    assert [(2025, "n", False, False), (None, "inlineStr", False, False),
            ("#N/A", "e", False, False), (False, "b", False, False)] == cells[3]
    assert [("Thứ hai",), ("Đơn vị",)] == list(book["Bảng 2"].iter_rows(values_only=True))
    assert data == tables_xlsx(TABLES)
