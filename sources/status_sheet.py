"""The collection status in the focal office's register spreadsheet: a tab «Tình hình nộp
báo cáo <year>» rewritten after each collection run, so LĐTBXH sees who has submitted, who
is late and who must fix what without opening Prefect (a unit missing for want of a register
row says so). Pure builders plus one read of the tabs and one write."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.report import STATUS_VI, vn_date
from sources.feedback import cell_data

if TYPE_CHECKING:
    from sources.gsheets import SheetsApi

WIDTH = 7
HEADERS = ("Mã đơn vị", "Tên đơn vị", "Tình trạng", "Ngày hoàn thành", "Đúng hạn", "Số lỗi",
           "Việc cần làm")


def status_tab(year: int) -> str:
    return f"Tình hình nộp báo cáo {year}"


def status_grid(year: int, rows: Sequence[dict[str, Any]], first_fix: dict[str, str],
                checked_at: datetime) -> list[list[Any]]:
    """Title, time checked, header, then one row per expected unit (all cells as text)."""
    grid: list[list[Any]] = [
        [f"Tình hình nộp báo cáo năm {year} (hạn 10/12/{year})"],
        [f"Cập nhật lúc {checked_at:%d/%m/%Y %H:%M}"],
        list(HEADERS),
    ]
    for row in rows:
        on_time = {True: "Có", False: "Không"}.get(row["is_on_time"], "")
        todo = first_fix.get(row["unit_code"], "").split(" (English: ")[0]
        if row["status"] == "missing":  # the reason when one is known (no register row, …)
            todo = todo or "Nộp báo cáo"
        grid.append([row["unit_code"], row["unit_name"], STATUS_VI[row["status"]],
                     vn_date(row["completed_on"]), on_time, str(row["error_count"]), todo])
    return grid


def write_status(api: SheetsApi, spreadsheet_id: str, year: int, grid: list[list[Any]],
                 previous_rows: int = 200) -> int:
    """Rewrite the status tab: one metadata read, then one spreadsheets.batchUpdate that
    adds the tab when missing and writes its cells. Returns the requests sent."""
    tab = status_tab(year)
    tabs = {str(t["title"]).casefold(): t for t in api.tab_titles(spreadsheet_id)}
    found = tabs.get(tab.casefold())
    used = [int(t["sheetId"]) for t in tabs.values() if isinstance(t.get("sheetId"), int)]
    sheet_id = int(found["sheetId"]) if found else max(used, default=0) + 1
    height = max(len(grid), previous_rows)
    values = [[*map(str, r), *([""] * (WIDTH - len(r)))] for r in grid]
    values += [[""] * WIDTH for _ in range(height - len(values))]
    requests: list[dict[str, Any]] = [] if found else [{"addSheet": {"properties": {
        "title": tab, "sheetId": sheet_id, "gridProperties": {"frozenRowCount": 3}}}}]
    requests.append({"updateCells": {
        "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
        "rows": [{"values": [cell_data(v) for v in row]} for row in values],
        "fields": "userEnteredValue"}})
    api.batch_update(spreadsheet_id, requests)
    return 2
