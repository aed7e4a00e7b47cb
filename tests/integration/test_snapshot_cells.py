"""Reading stored cells back for the validation, on a real DuckDB file: only the tabs asked
for, each snapshot's own cells, typed as they were read, and the grids the parser gets are
the ones the per-cell rebuild (`workbook_of`) gives."""

from __future__ import annotations

from datetime import datetime

from core.parse import parse_workbook, template_tab_indexes
from core.snapshot import cell_columns, cells_of, grids_of, workbook_of
from warehouse import db

FETCHED = datetime(2024, 12, 5, 8, 30)
GENERAL = [["Mã đơn vị", "HLHPN"], ["Năm báo cáo", 2024], ["Ngày hoàn thành", FETCHED]]
ACTIVITIES = [["Mã hoạt động", "Nội dung"], ["1a", "Mít tinh"], [None, None], ["2b", 3.5]]
NOTES = [["Ghi chú", "dài"], ["x", "y"]]


def _store(con, unit: str, workbook: dict) -> str:
    sid = f"2024-{unit}-0000000000000000"
    row = {"snapshot_id": sid, "year": 2024, "unit_code": unit, "source_kind": "local",
           "source_ref": f"/reports/2024/{unit}.xlsx", "content_sha256": "0" * 64,
           "content_bytes": 1, "content": b"x", "tab_names": list(workbook),
           "read_error": None, "fetched_at": FETCHED}
    db.store_pull(con, [(row, cell_columns(workbook))], [])
    return sid


def test_only_the_tabs_asked_for_are_read_and_rebuilt_as_stored(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    db.migrate_file(path)
    first = {"Ghi chú": NOTES, "Thông tin chung": GENERAL, "hoat dong": ACTIVITIES}
    second = {"Thông tin chung": [["Mã đơn vị", "TTVH"]]}
    with db.open_for_writing(path) as con:
        a, b = _store(con, "HLHPN", first), _store(con, "TTVH", second)
    assert [1, 2] == template_tab_indexes(list(first))  # "Ghi chú" is no template tab
    with db.connect(path) as con:
        got = db.snapshots_cells(con, {a: [1, 2], b: []})
        assert {a, b} == set(got)
        assert ([], [], [], [], []) == got[b]
        tabs, rows, columns, types, texts = got[a]
        assert sorted(zip(tabs, rows, columns, types, texts, strict=True)) == [
            (1, 1, 1, "text", "Mã đơn vị"), (1, 1, 2, "text", "HLHPN"),
            (1, 2, 1, "text", "Năm báo cáo"), (1, 2, 2, "number", "2024"),
            (1, 3, 1, "text", "Ngày hoàn thành"), (1, 3, 2, "date", "2024-12-05T08:30:00"),
            (2, 1, 1, "text", "Mã hoạt động"), (2, 1, 2, "text", "Nội dung"),
            (2, 2, 1, "text", "1a"), (2, 2, 2, "text", "Mít tinh"),
            (2, 4, 1, "text", "2b"), (2, 4, 2, "number", "3.5"),
        ]
        assert {} == db.snapshots_cells(con, {})
    grids = grids_of(list(first), *got[a])
    assert {"Ghi chú": [], "Thông tin chung": GENERAL, "hoat dong": ACTIVITIES} == grids
    assert [int, float] == [type(grids["Thông tin chung"][1][1]), type(grids["hoat dong"][3][1])]
    whole = workbook_of(list(first), list(cells_of(first)))
    assert parse_workbook(whole, "HLHPN", 2024) == parse_workbook(grids, "HLHPN", 2024)
