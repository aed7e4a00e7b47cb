"""Cells as the raw layer keeps them: the columnar encoding the pull writes."""

from __future__ import annotations

from datetime import date, datetime

from core.snapshot import RawCell, cell_columns, cells_of


def test_cell_columns_encode_every_kind_of_value_as_cells_of_does():
    """Each non-empty cell once, tab by tab and row by row, typed and written as text;
    blanks skipped; a lone surrogate (in a value or a tab name) kept as `_xD83D_`."""
    workbook = {
        "Tab \ud83d": [[None, "", "Mít tinh \ud83d", 3, 2.5, True],
                       [],
                       [datetime(2024, 3, 8, 7, 30), date(2024, 10, 20), 2.0**53, False]],
        "Trống": [],
        "Hoạt động": [[None], ["ổn"]],
    }
    columns = cell_columns(workbook)
    expected = [
        RawCell(0, "Tab _xD83D_", 1, 3, "text", "Mít tinh _xD83D_"),
        RawCell(0, "Tab _xD83D_", 1, 4, "number", "3"),
        RawCell(0, "Tab _xD83D_", 1, 5, "number", "2.5"),
        RawCell(0, "Tab _xD83D_", 1, 6, "bool", "TRUE"),
        RawCell(0, "Tab _xD83D_", 3, 1, "date", "2024-03-08T07:30:00"),
        RawCell(0, "Tab _xD83D_", 3, 2, "date", "2024-10-20T00:00:00"),
        RawCell(0, "Tab _xD83D_", 3, 3, "number", "9007199254740992.0"),
        RawCell(0, "Tab _xD83D_", 3, 4, "bool", "FALSE"),
        RawCell(2, "Hoạt động", 2, 1, "text", "ổn"),
    ]
    assert (9, expected) == (len(columns), list(columns.cells()))
    assert expected == list(cells_of(workbook))
    assert ["ổn"] == cell_columns({"Hoạt động": [["ổn"]]}).value_text
