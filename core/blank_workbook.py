"""The report workbook as a file: the blank template and any filled-in variant of it.

Everything here is derived from `core.template`: tab names, headers, their order, types and
the allowed values of the drop-down lists. `write_workbook` writes values exactly as given
(a number, a date, or a text such as "1.234.567"), so the demo can also write the quirks of
hand-made spreadsheets; `WorkbookLayout` describes hand edits (renamed tabs, moved or extra
columns, a notes block, a deleted optional tab).

The output is byte-for-byte deterministic: document properties and zip entry times are fixed.
The command that writes the blank template is `python -m admin.blank_workbook`.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from core.template import (
    LISTS_TAB_NAME,
    NO_WORDS,
    TEMPLATE,
    YES_WORDS,
    Column,
    Layout,
    Tab,
    ValueType,
)

TITLE_VI = "BÁO CÁO KẾT QUẢ THỰC HIỆN KẾ HOẠCH TRUYỀN THÔNG VỀ BÌNH ĐẲNG GIỚI"
TITLE_ROW = 1
HEADER_ROW = 3  # table tabs: the title, a blank row, then the header row
FIRST_DATA_ROW = HEADER_ROW + 1
FIRST_LABEL_ROW = 3  # "Thông tin chung": the title, a blank row, then one row per label
VALIDATED_ROWS = 500  # data rows that get the drop-down lists and input hints
DATE_FORMAT = "dd/mm/yyyy"
MONEY_FORMAT = "#,##0"
DEFAULT_TIMESTAMP = datetime(2022, 3, 14)  # document created/modified when none is given
YES_NO_CHOICES: tuple[str, ...] = (YES_WORDS[0], NO_WORDS[0])
YES_NO_LIST_NAME = f"{YES_WORDS[0]}/{NO_WORDS[0]}"

_ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
_WIDTHS: dict[ValueType, float] = {
    ValueType.TEXT: 40, ValueType.CODE: 14, ValueType.WHOLE: 14, ValueType.MONEY: 18,
    ValueType.DATE: 13, ValueType.YES_NO: 14, ValueType.CHOICE: 34, ValueType.ACTIVITY: 12,
}  # fmt: skip
_EXTRA_COLUMN_WIDTH = 20
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
_HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
_TITLE_FONT = Font(bold=True, size=13)
_TITLE_ALIGNMENT = Alignment(horizontal="center", vertical="center")
_LIST_ERROR_VI = "Hãy chọn một giá trị trong danh sách."


@dataclass(frozen=True)
class WorkbookLayout:
    """Hand edits of the template layout; all keyed by template tab key ("activities")."""

    tab_names: Mapping[str, str] = field(default_factory=dict)  # the tab's name in the file
    extra_columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # headers
    column_order: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # keys/headers
    notes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # lines under the table
    omit_tabs: frozenset[str] = frozenset()  # optional tabs left out of the file


def list_choices(column: Column) -> tuple[str, ...]:
    """The drop-down list of a column, or () when it has none."""
    if column.type is ValueType.YES_NO:
        return YES_NO_CHOICES
    if column.type in (ValueType.CHOICE, ValueType.ACTIVITY):
        return column.choices
    return ()


def choice_lists() -> dict[tuple[str, ...], str]:
    """Every distinct drop-down list of the template -> its name on the lists tab, in
    template order; a list shared by several columns appears once."""
    lists: dict[tuple[str, ...], str] = {}
    for tab in TEMPLATE:
        for col in tab.columns:
            choices = list_choices(col)
            if choices and choices not in lists:
                lists[choices] = YES_NO_LIST_NAME if col.type is ValueType.YES_NO else col.header
    return lists


def _list_refs() -> dict[tuple[str, ...], str]:
    """Each list -> an absolute reference to its cells on the lists tab."""
    sheet = quote_sheetname(LISTS_TAB_NAME)
    refs: dict[tuple[str, ...], str] = {}
    for index, choices in enumerate(choice_lists(), start=1):
        letter = get_column_letter(index)
        refs[choices] = f"{sheet}!${letter}$2:${letter}${len(choices) + 1}"
    return refs


def _write_lists_tab(book: Workbook) -> None:
    sheet = book.create_sheet(LISTS_TAB_NAME)
    for index, (choices, name) in enumerate(choice_lists().items(), start=1):
        sheet.cell(row=1, column=index, value=name).font = _HEADER_FONT
        for row, choice in enumerate(choices, start=2):
            sheet.cell(row=row, column=index, value=choice)
        sheet.column_dimensions[get_column_letter(index)].width = 40
    sheet.sheet_state = "hidden"


def _validation(column: Column, refs: Mapping[tuple[str, ...], str]) -> DataValidation | None:
    """A drop-down list for enumerated columns, an input hint for the others."""
    choices = list_choices(column)
    hint = column.hint_vi or None
    if choices:
        # yes/no also accepts "x" and "1": warn instead of refusing
        style = "warning" if column.type is ValueType.YES_NO else "stop"
        return DataValidation(
            type="list", formula1=refs[choices], allow_blank=True, showDropDown=False,
            showErrorMessage=True, errorStyle=style, error=_LIST_ERROR_VI,
            showInputMessage=hint is not None, prompt=hint,
        )
    if hint is None:
        return None
    return DataValidation(allow_blank=True, showInputMessage=True, prompt=hint)


def _number_format(column: Column, value: object) -> str | None:
    if column.type is ValueType.DATE and isinstance(value, date):
        return DATE_FORMAT
    if (
        column.type is ValueType.MONEY
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        return MONEY_FORMAT
    return None


def _column_format(column: Column) -> str | None:
    return {ValueType.DATE: DATE_FORMAT, ValueType.MONEY: MONEY_FORMAT}.get(column.type)


def _write_title(sheet: Worksheet, width: int) -> None:
    cell = sheet.cell(row=TITLE_ROW, column=1, value=TITLE_VI)
    cell.font = _TITLE_FONT
    cell.alignment = _TITLE_ALIGNMENT
    sheet.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW,
                      end_column=max(width, 2))
    sheet.row_dimensions[TITLE_ROW].height = 24


def _ordered(names: Sequence[str], order: Sequence[str]) -> list[str]:
    """`names` with those listed in `order` first, in that order, then the rest as they were."""
    unknown = [name for name in order if name not in names]
    if unknown:
        raise ValueError(f"unknown column in column_order: {unknown}")
    return [*order, *(name for name in names if name not in order)]


def _write_notes(sheet: Worksheet, after_row: int, notes: Sequence[str]) -> None:
    for offset, line in enumerate(notes, start=2):  # one blank row first
        sheet.cell(row=after_row + offset, column=1, value=line)


def _write_key_value(sheet: Worksheet, tab: Tab, values: Mapping[str, object],
                     layout: WorkbookLayout, refs: Mapping[tuple[str, ...], str]) -> None:
    by_key = {col.key: col for col in tab.columns}
    unknown = set(values) - by_key.keys()
    if unknown:
        raise ValueError(f"unknown keys for tab {tab.name!r}: {sorted(unknown)}")
    if layout.extra_columns.get(tab.key):
        raise ValueError(f"tab {tab.name!r} is label/value: it takes no extra columns")
    _write_title(sheet, 2)
    keys = _ordered(list(by_key), layout.column_order.get(tab.key, ()))
    row = FIRST_LABEL_ROW - 1
    for row, key in enumerate(keys, start=FIRST_LABEL_ROW):
        col = by_key[key]
        sheet.cell(row=row, column=1, value=col.header).font = _HEADER_FONT
        value = values.get(key)
        if value is not None:
            cell = sheet.cell(row=row, column=2, value=value)
            if number_format := _number_format(col, value):
                cell.number_format = number_format
        if validation := _validation(col, refs):
            validation.add(f"B{row}")
            sheet.add_data_validation(validation)
    _write_notes(sheet, row, layout.notes.get(tab.key, ()))
    sheet.column_dimensions["A"].width = 45
    sheet.column_dimensions["B"].width = 45
    sheet.freeze_panes = f"A{FIRST_LABEL_ROW}"


def _write_table(sheet: Worksheet, tab: Tab, rows: Sequence[Mapping[str, object]],
                 layout: WorkbookLayout, refs: Mapping[tuple[str, ...], str]) -> None:
    by_name: dict[str, Column | None] = {col.key: col for col in tab.columns}
    for header in layout.extra_columns.get(tab.key, ()):
        by_name[header] = None
    names = _ordered(list(by_name), layout.column_order.get(tab.key, ()))
    for record in rows:
        unknown = set(record) - by_name.keys()
        if unknown:
            raise ValueError(f"unknown keys for tab {tab.name!r}: {sorted(unknown)}")
    _write_title(sheet, len(names))
    last_row = FIRST_DATA_ROW + max(VALIDATED_ROWS, len(rows)) - 1
    for index, name in enumerate(names, start=1):
        col = by_name[name]
        letter = get_column_letter(index)
        header = sheet.cell(row=HEADER_ROW, column=index, value=col.header if col else name)
        header.font = _HEADER_FONT
        header.fill = _HEADER_FILL
        header.alignment = _HEADER_ALIGNMENT
        width = _WIDTHS[col.type] if col else _EXTRA_COLUMN_WIDTH
        sheet.column_dimensions[letter].width = width
        if col is None:
            continue
        if column_format := _column_format(col):
            sheet.column_dimensions[letter].number_format = column_format
        if validation := _validation(col, refs):
            validation.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}")
            sheet.add_data_validation(validation)
    for row, record in enumerate(rows, start=FIRST_DATA_ROW):
        for index, name in enumerate(names, start=1):
            value = record.get(name)
            if value is None:
                continue
            cell = sheet.cell(row=row, column=index, value=value)
            col = by_name[name]
            if col is not None and (number_format := _number_format(col, value)):
                cell.number_format = number_format
    sheet.row_dimensions[HEADER_ROW].height = 48
    sheet.freeze_panes = f"A{FIRST_DATA_ROW}"
    _write_notes(sheet, FIRST_DATA_ROW + len(rows) - 1, layout.notes.get(tab.key, ()))


class _StableZipFile(zipfile.ZipFile):
    """A zip archive whose entries carry a fixed time, so equal content gives equal bytes."""

    def write(self, filename: Any, arcname: Any = None, compress_type: Any = None,
              compresslevel: Any = None) -> None:
        data = Path(filename).read_bytes()
        self.writestr(arcname or str(filename), data, compress_type, compresslevel)

    def writestr(self, zinfo_or_arcname: Any, data: Any, compress_type: Any = None,
                 compresslevel: Any = None) -> None:
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            info = zipfile.ZipInfo(str(zinfo_or_arcname), date_time=_ZIP_DATE_TIME)
            info.compress_type = self.compression
            info.external_attr = 0o600 << 16
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)


class _InMemoryExcelWriter(ExcelWriter):
    """openpyxl's writer, serialising each sheet in memory instead of through a temporary
    file (creating and deleting those was a sixth of the time on a slow disk)."""

    def write_worksheet(self, ws: Worksheet) -> None:
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = WorksheetWriter(ws, out=io.BytesIO())
        writer.write()
        ws._rels = writer._rels
        self._archive.writestr(ws.path[1:], writer.read())
        self.manifest.append(ws)


def _save(book: Workbook, path: Path, timestamp: datetime) -> None:
    # `Workbook.save` stamps "modified" with the current time; the writer itself does not
    book.properties.created = timestamp
    book.properties.modified = timestamp
    book.properties.creator = book.properties.last_modified_by = "core.blank_workbook"
    path.parent.mkdir(parents=True, exist_ok=True)
    archive = _StableZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    _InMemoryExcelWriter(book, archive).save()  # closes the archive


def write_workbook(
    path: Path | str,
    *,
    general: Mapping[str, object] | None = None,
    tables: Mapping[str, Sequence[Mapping[str, object]]] | None = None,
    layout: WorkbookLayout | None = None,
    timestamp: datetime | None = None,
) -> None:
    """Write an .xlsx in the template layout.

    `general` holds the "Thông tin chung" values by column key; `tables` the rows of each
    table tab by tab key, each row by column key (and by header for `layout.extra_columns`).
    Values are written as given. `timestamp` becomes the document's created/modified time
    (naive UTC); the same arguments always give the same bytes.
    """
    layout = layout or WorkbookLayout()
    tables = tables or {}
    known = {tab.key for tab in TEMPLATE}
    unknown = (set(tables) | set(layout.tab_names) | set(layout.omit_tabs)) - known
    if unknown:
        raise ValueError(f"unknown tab keys: {sorted(unknown)}")
    omitted = [tab.name for tab in TEMPLATE if tab.required and tab.key in layout.omit_tabs]
    if omitted:
        raise ValueError(f"required tabs cannot be left out: {omitted}")
    refs = _list_refs()
    book = Workbook()
    book.remove(book.active)
    for tab in TEMPLATE:
        if tab.key in layout.omit_tabs:
            continue
        sheet = book.create_sheet(layout.tab_names.get(tab.key, tab.name))
        if tab.layout is Layout.KEY_VALUE:
            _write_key_value(sheet, tab, general or {}, layout, refs)
        else:
            _write_table(sheet, tab, tables.get(tab.key, ()), layout, refs)
    _write_lists_tab(book)
    book.active = 0
    _save(book, Path(path), timestamp or DEFAULT_TIMESTAMP)


def write_blank(path: Path | str, unit_code: str | None = None, year: int | None = None) -> None:
    """The blank template, optionally with the unit code and the year filled in."""
    general: dict[str, object] = {}
    if unit_code:
        general["unit_code"] = unit_code
    if year is not None:
        general["year"] = year
    write_workbook(path, general=general)
