"""A Google Sheets snapshot: what one values:batchGet fetched, as canonical JSON bytes, and
its decoding into the same Workbook shape as an .xlsx file (so one parser serves both).

The bytes are `json.dumps(sort_keys=True, ensure_ascii=False)` in UTF-8 of
`{"spreadsheetId", "modifiedTime", "request": {ranges, render options}, "response": the
batchGet body as received}`: the same fetch always gives the same bytes, hence the same
SHA-256. Values are unformatted (numbers as numbers, dates as serial numbers), so a vi_VN
sheet's "1.234,5" never reaches the parser as text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from core.parse import Workbook
from core.values import Cell
from sources.gsheets import ValueOptions
from sources.xlsx import UnreadableWorkbook

SOURCE_KIND = "gsheets"
_START = re.compile(r"^([A-Za-z]*)(\d*)")


def encode_snapshot(spreadsheet_id: str, modified_time: str, ranges: Sequence[str],
                    options: ValueOptions, response: Mapping[str, Any]) -> bytes:
    """The canonical bytes of one fetch."""
    document = {
        "spreadsheetId": spreadsheet_id,
        "modifiedTime": modified_time,
        "request": {"ranges": list(ranges), "valueRenderOption": options.value_render,
                    "dateTimeRenderOption": options.date_time_render},
        "response": response,
    }
    return json.dumps(document, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def same_values(first: bytes, second: bytes) -> bool:
    """Whether two snapshots hold the same values (their modifiedTime aside)."""
    try:
        a, b = json.loads(first), json.loads(second)
    except ValueError:
        return False
    return a.get("request") == b.get("request") and a.get("response") == b.get("response")


def modified_time_of(content: bytes) -> str | None:
    try:
        return json.loads(content).get("modifiedTime")
    except (ValueError, AttributeError):
        return None


def unquote_tab(text: str) -> str:
    """"'Hoạt động'" → "Hoạt động"; "'It''s'" → "It's"; a plain name as it is."""
    if len(text) >= 2 and text.startswith("'") and text.endswith("'"):
        return text[1:-1].replace("''", "'")
    return text


def _split_range(text: str) -> tuple[str, str]:
    """"'Hoạt động'!A1:N20" → ("Hoạt động", "A1:N20")."""
    if text.startswith("'"):
        index, title = 1, []
        while index < len(text):
            if text[index] == "'" and text[index + 1:index + 2] == "'":
                title.append("'")
                index += 2
            elif text[index] == "'":
                return "".join(title), text[index + 1:].removeprefix("!")
            else:
                title.append(text[index])
                index += 1
        return "".join(title), ""
    title, _, cells = text.rpartition("!")
    return (title, cells) if title else (text, "")


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _offset(cells: str) -> tuple[int, int]:
    """Rows and columns before the range's top-left cell ("C5" → (4, 2))."""
    match = _START.match(cells)
    letters, digits = (match.group(1), match.group(2)) if match else ("", "")
    return (int(digits) - 1 if digits else 0), (_column_number(letters) - 1 if letters else 0)


def _cell(value: Any) -> Cell:
    if value is None or value == "":
        return None
    if isinstance(value, bool | int | float | str):
        return value
    raise UnreadableWorkbook("Google Sheets trả về một ô không phải chữ, số hay đúng/sai")


def read_workbook_json(content: bytes) -> Workbook:
    """Every fetched tab as rows of cells, row 1 first, as the person sees the grid."""
    try:
        document = json.loads(content)
        ranges = document["request"]["ranges"]
        value_ranges = document["response"]["valueRanges"]
    except (ValueError, KeyError, TypeError):
        raise UnreadableWorkbook("dữ liệu lấy từ Google Sheets bị hỏng") from None
    if not isinstance(value_ranges, list) or len(value_ranges) != len(ranges):
        raise UnreadableWorkbook("dữ liệu lấy từ Google Sheets không đủ các trang đã yêu cầu")
    tabs: dict[str, list[list[Cell]]] = {}
    for asked, value_range in zip(ranges, value_ranges, strict=True):
        title, cells = _split_range(str(value_range.get("range") or asked))
        title = title or unquote_tab(asked)
        skip_rows, skip_cols = _offset(cells)
        rows = value_range.get("values") or []
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise UnreadableWorkbook("dữ liệu lấy từ Google Sheets bị hỏng")
        grid: list[list[Cell]] = [[] for _ in range(skip_rows)]
        grid += [[None] * skip_cols + [_cell(v) for v in row] for row in rows]
        while grid and all(v is None for v in grid[-1]):
            grid.pop()
        tabs[title] = grid
    return tabs
