"""The check result a unit reads in its own spreadsheet, tab «Kết quả kiểm tra». Pure.

The tab holds the status (đã nhận / còn lỗi / bản nháp), when it was checked, and one row
per issue: severity, tab, row, column, value, and what to fix. It is written whole in one
spreadsheets.batchUpdate: updateCells (a value typed by the unit goes in as a stringValue,
shown as text, never run as a formula), padded with blanks over the previous result so that
nothing old remains; the first time, the same request also adds the tab and its protection
(addSheet + updateCells + addProtectedRange). A result identical to the last one written is
not written again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.issues import Issue, Severity, where_vi
from sources.gsheets_pull import FEEDBACK_TAB

FEEDBACK_SHEET_ID = 48_151_623  # the tab's sheetId when the pipeline adds it
WIDTH = 6
HEADER_ROW = ("Mức độ", "Trang", "Dòng", "Cột", "Giá trị", "Cần sửa")
STATUS_RECEIVED, STATUS_ERRORS, STATUS_DRAFT = "đã nhận", "còn lỗi", "bản nháp"
SEVERITY_VI = {Severity.BLOCKING: "lỗi chặn", Severity.ERROR: "lỗi",
               Severity.WARNING: "cảnh báo"}
_ORDER = {Severity.BLOCKING: 0, Severity.ERROR: 1, Severity.WARNING: 2}


@dataclass(frozen=True)
class FeedbackSheet:
    """What to write into one unit's spreadsheet."""

    unit_code: str
    status: str
    rows: tuple[tuple[Any, ...], ...]  # without the padding
    result_sha256: str  # of the status and issue rows: the check time left out


def unit_status(issues: Sequence[Issue], is_complete: bool) -> str:
    """«còn lỗi» while any error remains, else «bản nháp» until marked complete, else
    «đã nhận»."""
    if any(i.severity is not Severity.WARNING for i in issues):
        return STATUS_ERRORS
    return STATUS_RECEIVED if is_complete else STATUS_DRAFT


def what_to_fix(issue: Issue) -> str:
    """The message without the cell address that the other columns already give."""
    prefix = where_vi(issue.unit_code, issue.tab, issue.sheet_row, issue.column_header,
                      issue.value) + ": "
    return issue.message_vi.removeprefix(prefix)


def issue_row(issue: Issue) -> tuple[Any, ...]:
    return (SEVERITY_VI[issue.severity], issue.tab, issue.sheet_row or "",
            issue.column_header or "", issue.value or "", what_to_fix(issue))


def build_feedback(year: int, unit_code: str, unit_name: str, issues: Sequence[Issue],
                   is_complete: bool, checked_at: datetime) -> FeedbackSheet:
    """The result rows for one unit; issues ordered by severity, tab and row."""
    status = unit_status(issues, is_complete)
    ordered = sorted(issues, key=lambda i: (_ORDER[i.severity], i.tab, i.sheet_row or 0,
                                            i.column_header or ""))
    body = [issue_row(i) for i in ordered] or [("", "", "", "", "", "Không có lỗi.")]
    errors = sum(i.severity is not Severity.WARNING for i in issues)
    head: list[tuple[Any, ...]] = [
        (f"KẾT QUẢ KIỂM TRA BÁO CÁO NĂM {year}",),
        ("Đơn vị", f"{unit_code} — {unit_name}"),
        ("Trạng thái", status),
        ("Thời điểm kiểm tra", f"{checked_at:%d/%m/%Y %H:%M}"),
        ("Số lỗi cần sửa", errors, "Số cảnh báo", len(issues) - errors),
        (),
        HEADER_ROW,
    ]
    digest = hashlib.sha256(json.dumps(
        [status, head[1], head[4], body], ensure_ascii=False, default=str).encode("utf-8"))
    return FeedbackSheet(unit_code, status, tuple(head + body), digest.hexdigest())


def grid(sheet: FeedbackSheet, previous_rows: int) -> list[list[Any]]:
    """The rows, then blank rows over a longer previous result, every row padded to the
    full width with blanks ("" clears a cell)."""
    height = max(len(sheet.rows), previous_rows)
    cells = [[*row, *([""] * (WIDTH - len(row)))] for row in sheet.rows]
    return cells + [[""] * WIDTH for _ in range(height - len(cells))]


def cell_data(value: Any) -> dict[str, Any]:
    """One cell of an updateCells request; {} clears the cell."""
    if value is None or value == "":
        return {}
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, int | float):
        return {"userEnteredValue": {"numberValue": value}}
    return {"userEnteredValue": {"stringValue": str(value)}}


def write_requests(sheet: FeedbackSheet, previous_rows: int, sheet_id: int,
                   add_tab: bool) -> list[dict[str, Any]]:
    """The requests of the one spreadsheets.batchUpdate that writes a result: the cells,
    preceded by adding the tab and followed by its protection when it is not there yet
    (a warning on edit: the pipeline rewrites it)."""
    cells = grid(sheet, previous_rows)
    update = {"updateCells": {
        "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
        "rows": [{"values": [cell_data(v) for v in row]} for row in cells],
        "fields": "userEnteredValue"}}
    if not add_tab:
        return [update]
    return [
        {"addSheet": {"properties": {"title": FEEDBACK_TAB, "sheetId": sheet_id,
                                     "gridProperties": {"frozenRowCount": 7}}}},
        update,
        {"addProtectedRange": {"protectedRange": {
            "range": {"sheetId": sheet_id}, "warningOnly": True,
            "description": "Do hệ thống ghi tự động sau mỗi lần kiểm tra; không cần sửa."}}},
    ]
