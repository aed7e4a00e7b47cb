"""Sheets API v4 handlers: spreadsheet metadata, values read and written, batch updates."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from .calls import Call
from .cells import (
    DATE_RENDER_OPTIONS,
    VALUE_RENDER_OPTIONS,
    JsonValue,
    a1_text,
    is_blank,
    parse_range,
    render,
    user_entered,
)
from .errors import ApiError, invalid
from .store import MIN_COLUMNS, MIN_ROWS, Edit, WorkbookStore

INPUT_OPTIONS = ("RAW", "USER_ENTERED")
DIMENSIONS = ("ROWS", "COLUMNS")
DATE_FORMAT = "dd/mm/yyyy"

# Requests accepted and recorded in the request log, without effect on the workbook.
RECORDED_ONLY = frozenset({
    "setDataValidation", "repeatCell", "updateDimensionProperties",
    "autoResizeDimensions", "mergeCells", "unmergeCells", "updateBorders",
    "addConditionalFormatRule", "deleteConditionalFormatRule", "setBasicFilter",
    "clearBasicFilter", "addNamedRange", "deleteNamedRange", "updateProtectedRange",
    "deleteProtectedRange", "insertDimension", "appendDimension", "deleteDimension",
})
_protected_range_ids = itertools.count(1_000_001)


@dataclass(frozen=True)
class Area:
    """A resolved range: the tab and the 1-based inclusive rectangle within its grid."""

    sheet: Worksheet
    first_row: int
    first_col: int
    last_row: int
    last_col: int
    bounded: bool  # the caller named a multi-cell rectangle: writes must fit in it

    @property
    def text(self) -> str:
        """The range as Sheets echoes it."""
        return a1_text(self.sheet.title, self.first_row, self.first_col,
                       self.last_row, self.last_col)


def grid_size(sheet: Worksheet) -> tuple[int, int]:
    """Rows and columns of the tab's grid: the used area, at least a new sheet's 1000×26."""
    return max(sheet.max_row, MIN_ROWS), max(sheet.max_column, MIN_COLUMNS)


def locate(book: Workbook, text: str, *, check_grid: bool) -> Area:
    """Resolve a range against a workbook; 400 "Unable to parse range" as Sheets does."""
    parsed = parse_range(text, book.sheetnames)
    sheet = book[parsed.title] if parsed.title is not None else book.worksheets[0]
    rows, cols = grid_size(sheet)
    box = parsed.box
    last_row, last_col = box.last_row or rows, box.last_col or cols
    first_row, last_row = sorted((box.first_row, last_row))
    first_col, last_col = sorted((box.first_col, last_col))
    if check_grid and (last_row > rows or last_col > cols):
        raise invalid(f"Range ({text}) exceeds grid limits. Max rows: {rows}, "
                      f"max columns: {cols}")
    single_cell = (box.first_row, box.first_col) == (box.last_row, box.last_col)
    bounded = box.last_row is not None and box.last_col is not None and not single_cell
    return Area(sheet, first_row, first_col, last_row, last_col, bounded)


# ------------------------------------------------------------------ metadata


def sheet_properties(sheet: Worksheet, index: int, sheet_id: int) -> dict[str, Any]:
    """A tab's `properties` as spreadsheets.get returns them."""
    rows, cols = grid_size(sheet)
    grid: dict[str, int] = {"rowCount": rows, "columnCount": cols}
    if sheet.freeze_panes:
        frozen = sheet[sheet.freeze_panes]
        if frozen.row > 1:
            grid["frozenRowCount"] = frozen.row - 1
        if frozen.column > 1:
            grid["frozenColumnCount"] = frozen.column - 1
    properties: dict[str, Any] = {
        "sheetId": sheet_id, "title": sheet.title, "index": index,
        "sheetType": "GRID", "gridProperties": grid,
    }
    if sheet.sheet_state != "visible":
        properties["hidden"] = True
    return properties


def spreadsheet_resource(store: WorkbookStore, spreadsheet_id: str) -> dict[str, Any]:
    """The Spreadsheet resource without grid data."""
    book = store.book(spreadsheet_id)
    ids = store.sheet_ids(spreadsheet_id)
    return {
        "spreadsheetId": spreadsheet_id,
        "properties": {
            "title": store.title(spreadsheet_id),
            "locale": "vi_VN",
            "autoRecalc": "ON_CHANGE",
            "timeZone": "Asia/Ho_Chi_Minh",
        },
        "sheets": [
            {"properties": sheet_properties(sheet, index, ids[sheet.title])}
            for index, sheet in enumerate(book.worksheets)
        ],
        "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{spreadsheet_id}/edit",
    }


def top_level_fields(fields: str) -> set[str]:
    """"sheets.properties,namedRanges" → {"sheets", "namedRanges"}; nesting is ignored."""
    names, depth, current = set(), 0, ""
    for char in fields + ",":
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            names.add(current.strip().split(".")[0].split("/")[0])
            current = ""
            continue
        if depth == 0 and char != ")":
            current += char
    return {name.split("(")[0] for name in names if name}


def get_spreadsheet(call: Call) -> dict[str, Any]:
    """GET /v4/spreadsheets/{id}: metadata; `fields` filters the top-level keys."""
    if (call.arg("includeGridData") or "false").lower() == "true":
        raise invalid("includeGridData=true is not supported by the emulator.")
    resource = spreadsheet_resource(call.store, call.spreadsheet_id)
    fields = call.arg("fields")
    if fields and fields != "*":
        wanted = top_level_fields(fields)
        resource = {key: value for key, value in resource.items() if key in wanted}
    return resource


def create_spreadsheet(call: Call) -> dict[str, Any]:
    """POST /v4/spreadsheets: a new spreadsheet with the given title and tabs."""
    body = call.json()
    title = body.get("properties", {}).get("title") or "Untitled spreadsheet"
    tabs = [sheet.get("properties", {}).get("title") for sheet in body.get("sheets", [])]
    tabs = [tab or f"Sheet{index + 1}" for index, tab in enumerate(tabs)]
    spreadsheet_id = call.store.create(title, tabs)
    return spreadsheet_resource(call.store, spreadsheet_id)


# ------------------------------------------------------------------ reading values


def _trim(matrix: list[list[JsonValue | None]]) -> list[list[JsonValue]]:
    """Drop trailing empty cells of each row and trailing empty rows, as Sheets does."""
    trimmed: list[list[JsonValue]] = []
    for vector in matrix:
        while vector and vector[-1] is None:
            vector.pop()
        trimmed.append(["" if value is None else value for value in vector])
    while trimmed and not trimmed[-1]:
        trimmed.pop()
    return trimmed


def read_area(area: Area, value_option: str, date_option: str, major: str) -> dict[str, Any]:
    """A ValueRange for the area; `values` is left out when the area is empty."""
    sheet = area.sheet
    last_row, last_col = min(area.last_row, sheet.max_row), min(area.last_col, sheet.max_column)
    matrix: list[list[JsonValue | None]] = []
    if last_row >= area.first_row and last_col >= area.first_col:
        for row in sheet.iter_rows(min_row=area.first_row, max_row=last_row,
                                   min_col=area.first_col, max_col=last_col):
            matrix.append([
                None if is_blank(cell.value) else
                render(cell.value, getattr(cell, "number_format", "General"),
                       value_option, date_option)
                for cell in row
            ])
    if major == "COLUMNS":
        matrix = [list(column) for column in zip(*matrix, strict=True)]
    result: dict[str, Any] = {"range": area.text, "majorDimension": major}
    if values := _trim(matrix):
        result["values"] = values
    return result


@dataclass(frozen=True)
class ReadOptions:
    """The render options of a values read."""

    value: str
    date: str
    major: str

    @classmethod
    def of(cls, call: Call) -> ReadOptions:
        """Read and check the options from the query."""
        return cls(
            call.choice("valueRenderOption", VALUE_RENDER_OPTIONS),
            call.choice("dateTimeRenderOption", DATE_RENDER_OPTIONS),
            call.choice("majorDimension", DIMENSIONS),
        )

    def book(self, call: Call) -> Workbook:
        """The workbook to read: with formulas for FORMULA, cached values otherwise."""
        return call.store.book(call.spreadsheet_id, formulas=self.value == "FORMULA")

    def read(self, book: Workbook, text: str) -> dict[str, Any]:
        """One ValueRange."""
        area = locate(book, text, check_grid=True)
        return read_area(area, self.value, self.date, self.major)


def values_get(call: Call) -> dict[str, Any]:
    """GET /v4/spreadsheets/{id}/values/{range}."""
    options = ReadOptions.of(call)
    return options.read(options.book(call), call.path_params["range"])


def values_batch_get(call: Call) -> dict[str, Any]:
    """GET /v4/spreadsheets/{id}/values:batchGet?ranges=…; one bad range fails them all."""
    options = ReadOptions.of(call)
    book = options.book(call)
    value_ranges = [options.read(book, text) for text in call.args("ranges")]
    return {"spreadsheetId": call.spreadsheet_id, "valueRanges": value_ranges}


# ------------------------------------------------------------------ writing values


def _set_cell(sheet: Worksheet, row: int, col: int, value: Any, input_option: str) -> None:
    if isinstance(value, dict | list):
        raise invalid("Invalid values: a cell value must be a string, number or boolean.")
    cell = sheet.cell(row=row, column=col)
    if value == "":
        cell.value = None
        return
    typed = user_entered(value) if input_option == "USER_ENTERED" else value
    try:
        cell.value = typed
    except (IllegalCharacterError, ValueError) as exc:
        raise invalid(f"Invalid value: {exc}") from exc
    if input_option == "RAW" and cell.data_type == "f":
        cell.data_type = "s"  # RAW text is never a formula
    if isinstance(typed, datetime) and cell.number_format == "General":
        cell.number_format = DATE_FORMAT


def write_values(
    book: Workbook, text: str, values: list[list[Any]], major: str, input_option: str
) -> dict[str, Any]:
    """Write a grid of values from the range's top-left cell; null leaves a cell alone,
    "" clears it. Returns an UpdateValuesResponse (without spreadsheetId)."""
    area = locate(book, text, check_grid=False)
    if not isinstance(values, list) or not all(isinstance(v, list) for v in values):
        raise invalid("Invalid values: expected a list of lists.")
    by_rows = values if major == "ROWS" else [list(r) for r in itertools.zip_longest(*values)]
    height, width = len(by_rows), max((len(r) for r in by_rows), default=0)
    last_row, last_col = area.first_row + height - 1, area.first_col + width - 1
    if area.bounded and (last_row > area.last_row or last_col > area.last_col):
        raise invalid(f"Requested writing within range [{text}], but tried writing to "
                      f"row [{last_row}] column [{last_col}]")
    cells = 0
    for offset_row, row in enumerate(by_rows):
        for offset_col, value in enumerate(row):
            if value is not None:
                _set_cell(area.sheet, area.first_row + offset_row, area.first_col + offset_col,
                          value, input_option)
                cells += 1
    covered = a1_text(area.sheet.title, area.first_row, area.first_col,
                      max(last_row, area.first_row), max(last_col, area.first_col))
    return {"updatedRange": covered, "updatedRows": height, "updatedColumns": width,
            "updatedCells": cells}


def _input_option(value: str | None) -> str:
    if value is None:
        raise invalid("'valueInputOption' is required but not specified")
    if value not in INPUT_OPTIONS:
        raise invalid(f'Invalid value at \'value_input_option\', "{value}"')
    return value


def values_update(call: Call) -> dict[str, Any]:
    """PUT /v4/spreadsheets/{id}/values/{range}?valueInputOption=…"""
    input_option = _input_option(call.arg("valueInputOption"))
    body = call.json()
    with call.store.edit(call.spreadsheet_id) as edit:
        result = write_values(edit.book, call.path_params["range"], body.get("values", []),
                              body.get("majorDimension", "ROWS"), input_option)
    return {"spreadsheetId": call.spreadsheet_id, **result}


def values_batch_update(call: Call) -> dict[str, Any]:
    """POST /v4/spreadsheets/{id}/values:batchUpdate: several ranges, all or nothing."""
    body = call.json()
    input_option = _input_option(body.get("valueInputOption"))
    with call.store.edit(call.spreadsheet_id) as edit:
        responses = [
            {"spreadsheetId": call.spreadsheet_id,
             **write_values(edit.book, item.get("range", ""), item.get("values", []),
                            item.get("majorDimension", "ROWS"), input_option)}
            for item in body.get("data", [])
        ]
    sheets = {r["updatedRange"].rsplit("!", 1)[0] for r in responses if r["updatedCells"]}
    return {
        "spreadsheetId": call.spreadsheet_id,
        "totalUpdatedRows": sum(r["updatedRows"] for r in responses),
        "totalUpdatedColumns": sum(r["updatedColumns"] for r in responses),
        "totalUpdatedCells": sum(r["updatedCells"] for r in responses),
        "totalUpdatedSheets": len(sheets),
        "responses": responses,
    }


def values_append(call: Call) -> dict[str, Any]:
    """POST /v4/spreadsheets/{id}/values/{range}:append: rows after the tab's last used row."""
    input_option = _input_option(call.arg("valueInputOption"))
    values = call.json().get("values", [])
    with call.store.edit(call.spreadsheet_id) as edit:
        area = locate(edit.book, call.path_params["range"], check_grid=False)
        sheet = area.sheet
        used = sheet.max_row > 1 or not is_blank(sheet.cell(row=1, column=1).value)
        start = a1_text(sheet.title, sheet.max_row + 1 if used else 1, area.first_col,
                        sheet.max_row + 1 if used else 1, area.first_col)
        updates = write_values(edit.book, start, values, "ROWS", input_option)
    return {"spreadsheetId": call.spreadsheet_id, "tableRange": area.text,
            "updates": {"spreadsheetId": call.spreadsheet_id, **updates}}


def _clear(edit: Edit, text: str) -> str:
    area = locate(edit.book, text, check_grid=False)
    sheet = area.sheet
    for row in range(area.first_row, min(area.last_row, sheet.max_row) + 1):
        for col in range(area.first_col, min(area.last_col, sheet.max_column) + 1):
            sheet.cell(row=row, column=col).value = None
    return area.text


def values_clear(call: Call) -> dict[str, Any]:
    """POST /v4/spreadsheets/{id}/values/{range}:clear (values only, formats stay)."""
    with call.store.edit(call.spreadsheet_id) as edit:
        cleared = _clear(edit, call.path_params["range"])
    return {"spreadsheetId": call.spreadsheet_id, "clearedRange": cleared}


def values_batch_clear(call: Call) -> dict[str, Any]:
    """POST /v4/spreadsheets/{id}/values:batchClear."""
    ranges = call.json().get("ranges", [])
    with call.store.edit(call.spreadsheet_id) as edit:
        cleared = [_clear(edit, text) for text in ranges]
    return {"spreadsheetId": call.spreadsheet_id, "clearedRanges": cleared}


# ------------------------------------------------------------------ batchUpdate


def _sheet(edit: Edit, sheet_id: Any, where: str) -> Worksheet:
    sheet = edit.sheet_by_id(sheet_id) if isinstance(sheet_id, int) else None
    if sheet is None:
        raise invalid(f"Invalid {where}: No grid with id: {sheet_id}")
    return sheet


def _add_sheet(edit: Edit, request: dict[str, Any], where: str) -> dict[str, Any]:
    properties = request.get("properties", {})
    title = properties.get("title") or f"Sheet{len(edit.book.sheetnames) + 1}"
    if any(t.casefold() == title.casefold() for t in edit.book.sheetnames):
        raise invalid(f'Invalid {where}: A sheet with the name "{title}" already exists. '
                      "Please enter another name.")
    index = properties.get("index", len(edit.book.sheetnames))
    sheet = edit.book.create_sheet(title, index)
    if properties.get("hidden"):
        sheet.sheet_state = "hidden"
    sheet_id = edit.assign_id(title, properties.get("sheetId"))
    reply = sheet_properties(sheet, edit.book.sheetnames.index(title), sheet_id)
    reply["gridProperties"].update(properties.get("gridProperties", {}))
    return {"addSheet": {"properties": reply}}


def _delete_sheet(edit: Edit, request: dict[str, Any], where: str) -> dict[str, Any]:
    sheet = _sheet(edit, request.get("sheetId"), where)
    if len(edit.book.sheetnames) == 1:
        raise invalid(f"Invalid {where}: You can't remove all the sheets in a document.")
    edit.book.remove(sheet)
    del edit.sheet_ids[sheet.title]
    return {}


def _masked(fields: str, name: str) -> bool:
    return fields == "*" or name in {f.strip() for f in fields.split(",")}


def _update_sheet_properties(edit: Edit, request: dict[str, Any], where: str) -> dict[str, Any]:
    properties = request.get("properties", {})
    fields = request.get("fields") or ""
    if not fields:
        raise invalid(f"Invalid {where}: 'fields' is required.")
    sheet = _sheet(edit, properties.get("sheetId"), where)
    if _masked(fields, "title") and "title" in properties:
        new_title, old_title = properties["title"], sheet.title
        if new_title != old_title and new_title in edit.book.sheetnames:
            raise invalid(f'Invalid {where}: A sheet with the name "{new_title}" already '
                          "exists. Please enter another name.")
        sheet.title = new_title
        edit.sheet_ids[new_title] = edit.sheet_ids.pop(old_title)
    if _masked(fields, "index") and "index" in properties:
        current = edit.book.sheetnames.index(sheet.title)
        edit.book.move_sheet(sheet, offset=int(properties["index"]) - current)
    if _masked(fields, "hidden") and "hidden" in properties:
        sheet.sheet_state = "hidden" if properties["hidden"] else "visible"
    frozen = properties.get("gridProperties", {}).get("frozenRowCount")
    if _masked(fields, "gridProperties.frozenRowCount") and frozen is not None:
        sheet.freeze_panes = f"A{int(frozen) + 1}" if frozen else None
    return {}


def _update_spreadsheet_properties(
    edit: Edit, request: dict[str, Any], where: str
) -> dict[str, Any]:
    title = request.get("properties", {}).get("title")
    if title and _masked(request.get("fields") or "*", "title"):
        edit.title = title
    return {}


def _add_protected_range(edit: Edit, request: dict[str, Any], where: str) -> dict[str, Any]:
    protected = dict(request.get("protectedRange", {}))
    _sheet(edit, protected.get("range", {}).get("sheetId"), where)
    protected["protectedRangeId"] = next(_protected_range_ids)
    return {"addProtectedRange": {"protectedRange": protected}}


def _entered(cell: Any, where: str) -> Any:
    """The value of one CellData's userEnteredValue (None: the cell is cleared)."""
    if not isinstance(cell, dict):
        raise invalid(f"Invalid {where}: a cell must be a CellData object.")
    entered = cell.get("userEnteredValue")
    if entered is None:
        return None
    if not isinstance(entered, dict) or len(entered) != 1:
        raise invalid(f"Invalid {where}: userEnteredValue holds exactly one value.")
    (kind, value), = entered.items()
    if kind == "stringValue" and isinstance(value, str):
        return value
    if kind == "numberValue" and isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if kind == "boolValue" and isinstance(value, bool):
        return value
    if kind == "formulaValue" and isinstance(value, str):
        return value
    raise invalid(f"Invalid {where}: unknown or mistyped value {kind}.")


def _update_cells(edit: Edit, request: dict[str, Any], where: str) -> dict[str, Any]:
    """Write cells' userEnteredValue from `start` (or a `range`'s top-left cell); a
    CellData without a value clears the cell. Formats in `fields` are not applied."""
    fields = request.get("fields") or ""
    if not fields:
        raise invalid(f"Invalid {where}: 'fields' is required.")
    anchor = request.get("start") or request.get("range") or {}
    sheet = _sheet(edit, anchor.get("sheetId"), where)
    first_row = int(anchor.get("rowIndex", anchor.get("startRowIndex", 0))) + 1
    first_col = int(anchor.get("columnIndex", anchor.get("startColumnIndex", 0))) + 1
    if not _masked(fields, "userEnteredValue"):
        return {}
    for r, row in enumerate(request.get("rows", [])):
        for c, cell in enumerate(row.get("values", []) if isinstance(row, dict) else []):
            value = _entered(cell, where)
            target = sheet.cell(row=first_row + r, column=first_col + c)
            try:
                target.value = value
            except (IllegalCharacterError, ValueError) as exc:
                raise invalid(f"Invalid {where}: {exc}") from exc
            if isinstance(value, str) and not (cell.get("userEnteredValue") or {}).get(
                    "formulaValue"):
                target.data_type = "s"  # a stringValue is text, never a formula
    return {}


def _sheet_ids_in(value: Any) -> list[Any]:
    """Every "sheetId" anywhere in a request."""
    if isinstance(value, dict):
        found = [value["sheetId"]] if "sheetId" in value else []
        return found + [i for item in value.values() for i in _sheet_ids_in(item)]
    if isinstance(value, list):
        return [i for item in value for i in _sheet_ids_in(item)]
    return []


def _recorded_only(edit: Edit, request: dict[str, Any], where: str) -> dict[str, Any]:
    for sheet_id in _sheet_ids_in(request):
        _sheet(edit, sheet_id, where)
    return {}


_APPLIED = {
    "addSheet": _add_sheet,
    "deleteSheet": _delete_sheet,
    "updateSheetProperties": _update_sheet_properties,
    "updateSpreadsheetProperties": _update_spreadsheet_properties,
    "addProtectedRange": _add_protected_range,
    "updateCells": _update_cells,
}


def _apply(edit: Edit, index: int, request: Any) -> dict[str, Any]:
    if not isinstance(request, dict) or len(request) != 1:
        raise invalid(f"Invalid requests[{index}]: exactly one kind of request is required.")
    (name, details), = request.items()
    where = f"requests[{index}].{name}"
    if name in _APPLIED:
        return _APPLIED[name](edit, details, where)
    if name in RECORDED_ONLY:
        return _recorded_only(edit, details, where)
    raise invalid(f'Invalid JSON payload received. Unknown name "{name}" at '
                  f"'requests[{index}]': Cannot find field.")


def batch_update(call: Call) -> dict[str, Any]:
    """POST /v4/spreadsheets/{id}:batchUpdate: all requests apply, or none."""
    requests = call.json().get("requests", [])
    if not requests:
        raise ApiError(400, "Must specify at least one request.")
    with call.store.edit(call.spreadsheet_id) as edit:
        replies = [_apply(edit, index, request) for index, request in enumerate(requests)]
    return {"spreadsheetId": call.spreadsheet_id, "replies": replies}
