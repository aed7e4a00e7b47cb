"""The appendix workbook of the annual report: detail tables to read and print, safe to open.

One sheet per detail table with Vietnamese headers, a frozen header row, a totals row where
the caller asks for one, page setup for printing (A4 landscape, fit to width, header row
repeated on every page), and a "Nguồn số liệu" sheet from marts.figure_lineage.

Numbers stay numbers (so that people can add them up again) with the format `#,##0`. The
"," of a format code is not a character but "the thousands separator of the computer that
opens the file": Excel and LibreOffice take it from the regional settings (or Excel's
"use system separators" option), never from the file, so the file cannot force ".". On a
computer set to Vietnamese the cell reads "1.234.567" and "0,75"; on one set to English it
reads "1,234,567". Writing the dots as literal characters would only work for one size of
number and would turn sums into text, so the workbook only declares its language as vi-VN
(document properties) and leaves the separators to the reader's settings; the Markdown
report, which is text, always writes "1.234.567" (core.report.vn_number).

Text from the submissions is never run as a formula: a string that starts with "=", "+",
"-", "@", a tab or a line break is written as a plain string cell (never `<f>`) and marked
with Excel's quote prefix, the cell-level equivalent of OWASP's leading apostrophe, so that
it stays text even when someone edits the cell. The value itself is not changed.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from core.escape import xml_text
from core.files import replacing
from core.registry import LOCAL_TZ, Locality
from core.report import (
    INDICATOR_STATUS_VI,
    PROGRESS_STATUS_VI,
    SEVERITY_VI,
    SEX_VI,
    SOURCE_VI,
    STATUS_VI,
    scope_vi,
    unit_kind_vi,
)
from core.template import TEMPLATE
from reports.xlsx import (
    PLAIN,
    Cell,
    ErrorValue,
    PrintSetup,
    Properties,
    Style,
    Table,
    column_cells,
    first_values,
    write_workbook,
)

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell as OpenpyxlCell

SOURCE_SHEET = "Nguồn số liệu"
TOTAL_LABEL = "Tổng cộng"
WORKBOOK_LANGUAGE = "vi-VN"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")

INTEGER_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0%"
CODE_FORMAT = "0"
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"

HEADERS_VI: dict[str, str] = {
    "indicator_code": "Mã chỉ tiêu",
    "year": "Năm",
    "scope": "Phạm vi",
    "scope_code": "Mã phạm vi",
    "numerator": "Tử số",
    "denominator": "Mẫu số",
    "value": "Giá trị",
    "target": "Mục tiêu",
    "milestone_year": "Mốc đánh giá (năm)",
    "basis": "Cách tính mục tiêu",
    "qualifier": "Điều kiện tính",
    "baseline_year": "Năm gốc",
    "baseline_value": "Giá trị năm gốc",
    "base_year": "Năm gốc",
    "base_value": "Giá trị năm gốc",
    "current_value": "Giá trị năm đánh giá",
    "observed_cagr": "Tốc độ tăng bình quân năm thực tế",
    "required_cagr": "Tốc độ tăng bình quân năm cần đạt",
    "progress_ratio": "Tỷ lệ tốc độ thực tế so với cần đạt",
    "gap_closed_share": "Phần khoảng cách đến mục tiêu đã thu hẹp",
    "status": "Tình trạng, đánh giá",
    "unit_code": "Mã đơn vị",
    "unit_name": "Tên đơn vị",
    "unit_kind": "Loại đơn vị",
    "snapshot_id": "Mã bản lưu",
    "source_ref": "Tệp nguồn",
    "error_count": "Số lỗi",
    "warning_count": "Số cảnh báo",
    "is_on_time": "Đúng hạn",
    "days_late": "Số ngày muộn",
    "deadline_on": "Hạn nộp",
    "completed_on": "Ngày hoàn thành",
    "first_seen_complete_at": "Thời điểm ghi nhận hoàn thành",
    "task_group": "Nhóm nhiệm vụ",
    "activity_code": "Mã hoạt động",
    "audience": "Đối tượng",
    "sex": "Giới tính",
    "participants": "Số người tham dự",
    "source": "Nguồn kinh phí",
    "amount_vnd": "Số tiền (đồng)",
    "activity_rows": "Số dòng hoạt động",
    "rows_reported": "Số dòng đã báo cáo",
    "sessions": "Số cuộc, số lượng",
    "is_reported": "Đã báo cáo",
    "tab": "Trang tính",
    "sheet_row": "Dòng",
    "fetched_at": "Thời điểm tải về",
    "column_key": "Cột",
    "counts_as": "Tính vào",
    "column_header": "Tiêu đề cột",
    "rule": "Quy tắc kiểm tra",
    "severity": "Mức độ",
    "message_vi": "Nội dung",
}
LINEAGE_COLUMNS: tuple[str, ...] = (
    "indicator_code", "year", "scope", "scope_code", "unit_code", "tab", "sheet_row",
    "column_key", "value", "counts_as", "source_ref", "snapshot_id", "fetched_at",
)  # fmt: skip
COUNTS_AS_VI = {"numerator": "Tử số", "denominator": "Mẫu số", "condition": "Điều kiện"}


def values_vi(locality: Locality) -> dict[str, dict[str, str]]:
    """Column → code → Vietnamese, for the columns whose codes are shown in words."""
    return {
        "status": {**STATUS_VI, **PROGRESS_STATUS_VI, **INDICATOR_STATUS_VI},
        "scope": scope_vi(locality),
        "sex": SEX_VI,
        "source": SOURCE_VI,
        "counts_as": COUNTS_AS_VI,
        "unit_kind": unit_kind_vi(locality),
        "severity": SEVERITY_VI,
    }


PERCENT_COLUMNS = frozenset({"observed_cagr", "required_cagr", "progress_ratio",
                             "gap_closed_share"})
CODE_NUMBER_COLUMNS = frozenset({"year", "milestone_year", "base_year", "baseline_year",
                                 "sheet_row", "task_group"})  # 2024, not "2.024"
COLUMN_HEADERS_VI: dict[tuple[str, str], str] = {
    (tab.name, column.key): column.header for tab in TEMPLATE for column in tab.columns
}
YES_VI, NO_VI = "Có", "Không"

_HEADER_STYLE = Style(bold=True, fill="FFD9E1F2", wrap=True)
_MAX_WIDTH = 50


def is_formula_like(value: object) -> bool:
    """Text that a spreadsheet could take for a formula (OWASP's list of leading characters)."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def protect_text(cell: OpenpyxlCell) -> None:
    """Keep a formula-like text cell a plain string: never written as `<f>`, and marked with
    the quote prefix so that it stays text when edited. Other cells are left alone."""
    if is_formula_like(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True


def write_appendix(path: Path, sheets: Mapping[str, tuple[Sequence[str], pd.DataFrame]],
                   totals: Mapping[str, Sequence[str]] | None = None, *,
                   locality: Locality, lineage: pd.DataFrame | None = None,
                   number_formats: Mapping[str, str] | None = None) -> Path:
    """Write the appendix workbook and return its path.

    `sheets`: sheet title → (the frame's columns to show, in order; the frame). Headers are
    the Vietnamese names of HEADERS_VI (the column name when unknown); codes of the columns
    of `values_vi` are shown in Vietnamese; booleans as Có/Không.
    `locality`: names the workbook (its title, and the header of each printed page) and
    gives the level and sub-unit words of the scopes and kinds of unit.
    `totals`: sheet title → columns to add up in a "Tổng cộng" row under the table (values,
    not formulas; blanks count as 0).
    `lineage`: rows of marts.figure_lineage, written to the "Nguồn số liệu" sheet.
    `number_formats`: column → Excel number format, over the defaults (years and sheet rows
    `0`, other whole numbers `#,##0`, other numbers `#,##0.00`, growth rates and shares
    `0.0%`, dates dd/mm/yyyy, times dd/mm/yyyy hh:mm).
    """
    title = appendix_title(locality)
    page = PrintSetup(header=title.replace("&", "&&"), footer="Trang &P/&N")  # "&": a code
    labels = values_vi(locality)
    formats = dict(number_formats or {})
    titles: set[str] = set()
    all_sheets = dict(sheets)
    if lineage is not None:
        all_sheets[SOURCE_SHEET] = ([c for c in LINEAGE_COLUMNS if c in lineage.columns],
                                    lineage)
    tables = (_table(_sheet_title(name, titles), list(columns), frame,
                     list((totals or {}).get(name, ())), formats, labels, page)
              for name, (columns, frame) in all_sheets.items())
    properties = Properties(title=title, creator=xml_text(locality.issuer),
                            language=WORKBOOK_LANGUAGE)
    with replacing(path) as partial:  # a reader never opens half a workbook
        write_workbook(partial, tables, properties)
    return path


def appendix_title(locality: Locality) -> str:
    """"Phụ lục số liệu – <Level> <name>, <parent>" (core.registry.Locality.area)."""
    return xml_text(f"Phụ lục số liệu – {locality.area}")


def _table(title: str, columns: list[str], frame: pd.DataFrame, total_columns: list[str],
           formats: dict[str, str], labels: Mapping[str, Mapping[str, str]],
           page: PrintSetup) -> Table:
    """One sheet: each distinct value of a column shown (_display) and formatted once."""
    header = [Cell(HEADERS_VI.get(c, c), _HEADER_STYLE) for c in columns]
    tab = frame["tab"] if "tab" in frame.columns else None
    data = []
    for column in columns:
        def to_cell(value: object, tab_value: object = None, column: str = column) -> Cell:
            return _cell(column, _display(column, value, tab_value, labels), formats)

        context = tab if column == "column_key" else None
        data.append(column_cells(frame[column], to_cell, context))
    closing = None
    if total_columns:
        label_at = next((i for i, c in enumerate(columns) if c not in total_columns), None)
        row: list[object] = [None] * len(columns)
        if label_at is not None:
            row[label_at] = TOTAL_LABEL
        for column in total_columns:
            row[columns.index(column)] = excel_value(pd.to_numeric(frame[column]).sum(skipna=True))
        closing = [_cell(column, value, formats, bold=True)
                   for column, value in zip(columns, row, strict=True)]
    widths = []
    for position, column in enumerate(columns):
        cells = first_values(data[position], 500)
        if closing is not None and len(cells) < 500:
            cells.append(closing[position].value)
        width = max([len(HEADERS_VI.get(column, column)) // 2, *[_width(v) for v in cells]],
                    default=8)
        widths.append(min(_MAX_WIDTH, max(8, width + 2)))
    return Table(title, header, data, widths, closing, page)


def _cell(column: str, value: object, formats: dict[str, str], bold: bool = False) -> Cell:
    """A formula-like text stays a string with the quote prefix (never `<f>`)."""
    return Cell(as_written(value), cell_style(_number_format(column, value, formats), bold,
                                             is_formula_like(value)))


def as_written(value: object) -> object:
    """An error's text (#REF!, #N/A…) is written as that error, as spreadsheets show it."""
    return ErrorValue(value) if isinstance(value, str) and value in _error_codes() else value


@functools.cache
def _error_codes() -> frozenset[str]:
    from openpyxl.cell.cell import ERROR_CODES  # openpyxl: only once a cell is written

    return frozenset(ERROR_CODES)


@functools.cache
def cell_style(number_format: str, bold: bool, quote_prefix: bool) -> Style:
    """The one `Style` of these settings: a report has a few styles and thousands of cells
    (equal styles are one style in the workbook either way)."""
    style = Style(number_format=number_format, bold=bold, quote_prefix=quote_prefix)
    return PLAIN if style == PLAIN else style


def _sheet_title(title: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique (case-insensitive)."""
    clean = "".join("-" if ch in "[]:*?/\\" else ch for ch in title).strip("'") or "Trang"
    candidate, n = clean[:31], 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate, n = clean[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def _display(column: str, value: object, tab: object,
             labels: Mapping[str, Mapping[str, str]]) -> object:
    value = excel_value(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return YES_VI if value else NO_VI
    if column == "column_key" and isinstance(tab, str):
        return COLUMN_HEADERS_VI.get((tab, str(value)), value)
    if column in labels and isinstance(value, str):
        return labels[column].get(value, value)
    return value


def excel_value(value: object) -> object:
    """Python scalars openpyxl can write: no NaN/NA, no numpy types, no time zones, no
    control characters in text (core.escape.xml_text; openpyxl escapes markup itself)."""
    if isinstance(value, str):
        return xml_text(value)
    try:
        if pd.isna(value):  # type: ignore[arg-type]
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, pd.Timestamp):
        if value.tzinfo is not None:
            value = value.tz_convert(LOCAL_TZ).tz_localize(None)
        return value.to_pydatetime()
    if isinstance(value, datetime) and value.tzinfo is not None:
        return pd.Timestamp(value).tz_convert(LOCAL_TZ).tz_localize(None).to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        return value.item()  # type: ignore[union-attr]
    return value


def _number_format(column: str, value: object, formats: dict[str, str]) -> str:
    if column in formats:
        return formats[column]
    if isinstance(value, datetime):
        return DATETIME_FORMAT
    if isinstance(value, date):
        return DATE_FORMAT
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "General"
    if column in CODE_NUMBER_COLUMNS:
        return CODE_FORMAT
    if column in PERCENT_COLUMNS:
        return PERCENT_FORMAT
    if isinstance(value, int) or float(value).is_integer():
        return INTEGER_FORMAT
    return DECIMAL_FORMAT


def _width(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if isinstance(value, int | float):
        return len(f"{value:,.2f}")
    return max(len(line) for line in str(value).splitlines() or [""])
