"""Reading an .xlsx file's bytes into the cells of every tab, as a person would see them."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

from core.parse import Workbook
from core.values import Cell

_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")  # password-protected .xlsx and old .xls


class UnreadableWorkbook(Exception):
    """The content is not a workbook we can read; `detail_vi` says why, for the unit."""

    def __init__(self, detail_vi: str) -> None:
        super().__init__(detail_vi)
        self.detail_vi = detail_vi


def sniff(content: bytes) -> str | None:
    """Why the bytes are certainly not a readable .xlsx, in Vietnamese, or None."""
    if not content:
        return "tệp rỗng, 0 byte"
    if content.startswith(b"%PDF"):
        return "đây là tệp PDF được đổi đuôi thành .xlsx"
    if content.startswith(_OLE_MAGIC):
        return "tệp được đặt mật khẩu hoặc là định dạng Excel cũ .xls"
    if not content.startswith(b"PK"):
        return "nội dung không phải định dạng .xlsx"
    return None


def _clean(value: object) -> Cell:
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    if isinstance(value, str | int | float | bool | datetime) or value is None:
        return value
    return str(value)


def read_xlsx(content: bytes) -> Workbook:
    """Every tab of the workbook as rows of cells (cached values, not formulas)."""
    if reason := sniff(content):
        raise UnreadableWorkbook(reason)
    from openpyxl import load_workbook  # slow import, only where a workbook is read

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise UnreadableWorkbook(f"tệp .xlsx bị hỏng ({type(exc).__name__})") from exc
    try:
        tabs: dict[str, list[list[Cell]]] = {}
        for sheet in book.worksheets:
            rows = [[_clean(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            while rows and all(v is None for v in rows[-1]):
                rows.pop()
            tabs[sheet.title] = rows
        return tabs
    finally:
        book.close()
