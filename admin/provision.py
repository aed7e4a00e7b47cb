"""Provisioning: create (or check) a unit's report spreadsheet for a year from the template.

A new spreadsheet gets every tab of `core.template` (plus the hidden lists tab and the tab
«Kết quả kiểm tra»), the title, labels and headers, drop-down lists on every enumerated
column, protected header rows, frozen headers; it is shared with the unit's e-mail from
the registry and added to the register. Requests: spreadsheets.create, values:batchUpdate,
spreadsheets:batchUpdate, permissions.create, values:append on a register spreadsheet, and
a Drive move into HB_GSHEETS_FOLDER_ID when one is set (the pull lists that folder).
When the register already names a spreadsheet, it is checked instead: tabs, headers and
labels (read as the parser reads them), the unit and year, and the sharing (repaired).

    python -m admin.provision --year 2025 --unit LDTBXH [--unit VHTT …] | --all
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.blank_workbook import (
    FIRST_DATA_ROW,
    FIRST_LABEL_ROW,
    HEADER_ROW,
    TITLE_VI,
    VALIDATED_ROWS,
    choice_lists,
    list_choices,
)
from core.parse import parse_workbook
from core.registry import Registry, Unit, expected_units, read_registry
from core.settings import RunSettings, SettingError, settings_from
from core.template import LISTS_TAB_NAME, TEMPLATE, Layout, Tab, ValueType
from sources.gsheets import (
    SCOPES_PROVISION,
    VALUE_OPTIONS,
    CredentialError,
    SheetsApi,
    SheetsError,
    quote_tab,
    spreadsheet_id_of,
    spreadsheet_url,
)
from sources.gsheets_pull import FEEDBACK_TAB, fetch_tabs, report_tabs
from sources.register import (
    append_csv_row,
    append_register_row,
    assign_year,
    fetch_register_rows,
    is_csv,
    parse_register,
    read_csv_rows,
)
from sources.workbook_json import encode_snapshot, read_workbook_json

STRUCTURE_RULES = frozenset({"missing_tab", "missing_column", "missing_label",
                             "unit_mismatch", "year_mismatch"})
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class ProvisionResult:
    unit_code: str
    year: int
    spreadsheet_id: str
    created: bool
    shared_with: str = ""
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def url(self) -> str:
        return spreadsheet_url(self.spreadsheet_id)


def _letter(index: int) -> str:
    """0 → "A" (the template has fewer than 27 columns per tab)."""
    return _LETTERS[index]


def spreadsheet_title(unit: Unit, year: int) -> str:
    return f"Báo cáo năm {year} - {unit.code} - {unit.name_vi}"


def _tabs() -> list[str]:
    return [tab.name for tab in TEMPLATE] + [LISTS_TAB_NAME, FEEDBACK_TAB]


def create_body(unit: Unit, year: int) -> dict[str, Any]:
    """spreadsheets.create: the title, locale, time zone and every tab (ids 0…)."""
    return {
        "properties": {"title": spreadsheet_title(unit, year), "locale": "vi_VN",
                       "timeZone": "Asia/Ho_Chi_Minh"},
        "sheets": [{"properties": {"sheetId": index, "title": title, "index": index}}
                   for index, title in enumerate(_tabs())],
    }


def values_data(unit: Unit, year: int) -> list[dict[str, Any]]:
    """Titles, labels, headers, the unit and year, and the drop-down lists' values."""
    data: list[dict[str, Any]] = []
    for tab in TEMPLATE:
        sheet = quote_tab(tab.name)
        data.append({"range": f"{sheet}!A1", "values": [[TITLE_VI]]})
        if tab.layout is Layout.KEY_VALUE:
            given = {"unit_code": unit.code, "year": year}
            rows = [[c.header, given.get(c.key, "")] for c in tab.columns]
            data.append({"range": f"{sheet}!A{FIRST_LABEL_ROW}", "values": rows})
        else:
            data.append({"range": f"{sheet}!A{HEADER_ROW}",
                         "values": [[c.header for c in tab.columns]]})
    lists = [[name, *choices] for choices, name in choice_lists().items()]
    height = max(len(column) for column in lists)
    grid = [[column[r] if r < len(column) else "" for column in lists] for r in range(height)]
    data.append({"range": f"{quote_tab(LISTS_TAB_NAME)}!A1", "values": grid})
    data.append({"range": f"{quote_tab(FEEDBACK_TAB)}!A1",
                 "values": [["Kết quả kiểm tra báo cáo sẽ được ghi vào đây sau mỗi lần "
                             "kiểm tra."]]})
    return data


def _list_range(choices: tuple[str, ...]) -> str:
    index = list(choice_lists()).index(choices)
    letter = _letter(index)
    return f"={quote_tab(LISTS_TAB_NAME)}!${letter}$2:${letter}${len(choices) + 1}"


def _validation(sheet_id: int, rows: tuple[int, int], column: int, tab: Tab,
                key: str) -> dict[str, Any] | None:
    col = tab.column(key)
    choices = list_choices(col)
    if not choices:
        return None
    rule: dict[str, Any] = {
        "condition": {"type": "ONE_OF_RANGE",
                      "values": [{"userEnteredValue": _list_range(choices)}]},
        "strict": col.type is not ValueType.YES_NO,  # "x" and "1" are also yes: warn only
        "showCustomUi": True,
    }
    if col.hint_vi:
        rule["inputMessage"] = col.hint_vi
    return {"setDataValidation": {"range": {
        "sheetId": sheet_id, "startRowIndex": rows[0], "endRowIndex": rows[1],
        "startColumnIndex": column, "endColumnIndex": column + 1}, "rule": rule}}


def _protect(sheet_id: int, end_row: int | None, end_column: int | None, description: str,
             editor: str, warning_only: bool = False) -> dict[str, Any]:
    """Protect the top `end_row` rows (and left `end_column` columns; None: all)."""
    grid: dict[str, Any] = {"sheetId": sheet_id}
    if end_row is not None:
        grid.update(startRowIndex=0, endRowIndex=end_row)
    if end_column is not None:
        grid.update(startColumnIndex=0, endColumnIndex=end_column)
    protected: dict[str, Any] = {"range": grid, "description": description,
                                 "warningOnly": warning_only}
    if editor and not warning_only:
        protected["editors"] = {"users": [editor]}
    return {"addProtectedRange": {"protectedRange": protected}}


def format_requests(sheet_ids: dict[str, int], editor: str) -> list[dict[str, Any]]:
    """Drop-down lists, protected header rows and labels, frozen headers, hidden lists."""
    requests: list[dict[str, Any]] = []
    for tab in TEMPLATE:
        sheet_id = sheet_ids[tab.name]
        if tab.layout is Layout.KEY_VALUE:
            last_label = FIRST_LABEL_ROW + len(tab.columns) - 1
            for offset, col in enumerate(tab.columns):
                row = FIRST_LABEL_ROW - 1 + offset
                if found := _validation(sheet_id, (row, row + 1), 1, tab, col.key):
                    requests.append(found)
            requests.append(_protect(sheet_id, last_label, 1, "Nhãn của mẫu báo cáo: không "
                                     "sửa, không xóa.", editor))
            frozen = FIRST_LABEL_ROW - 1
        else:
            rows = (FIRST_DATA_ROW - 1, FIRST_DATA_ROW - 1 + VALIDATED_ROWS)
            for index, col in enumerate(tab.columns):
                if found := _validation(sheet_id, rows, index, tab, col.key):
                    requests.append(found)
            requests.append(_protect(sheet_id, HEADER_ROW, None, "Tiêu đề cột của mẫu báo cáo: "
                                     "không sửa, không xóa.", editor))
            frozen = HEADER_ROW
        requests.append({"updateSheetProperties": {
            "properties": {"sheetId": sheet_id, "gridProperties": {"frozenRowCount": frozen}},
            "fields": "gridProperties.frozenRowCount"}})
    lists_id = sheet_ids[LISTS_TAB_NAME]
    requests.append({"updateSheetProperties": {"properties": {"sheetId": lists_id,
                                                              "hidden": True},
                                               "fields": "hidden"}})
    requests.append(_protect(lists_id, None, None, "Danh mục của các danh sách chọn.", editor))
    requests.append(_protect(sheet_ids[FEEDBACK_TAB], None, None, "Do hệ thống ghi tự động "
                             "sau mỗi lần kiểm tra; không cần sửa.", editor, warning_only=True))
    return requests


def create_spreadsheet(api: SheetsApi, unit: Unit, year: int) -> str:
    """Create the spreadsheet with its tabs, values, lists and protections; its id."""
    created = api.create_spreadsheet(create_body(unit, year))
    spreadsheet_id = str(created["spreadsheetId"])
    sheet_ids = {str(s["properties"]["title"]): int(s["properties"]["sheetId"])
                 for s in created.get("sheets", [])}
    api.values_batch_update(spreadsheet_id, values_data(unit, year))
    api.batch_update(spreadsheet_id, format_requests(sheet_ids, api.account_email))
    if api.settings.folder_id:  # where the pull's Drive listing looks
        api.move_to_folder(spreadsheet_id, api.settings.folder_id)
    return spreadsheet_id


def check_spreadsheet(api: SheetsApi, spreadsheet_id: str, unit: Unit, year: int) -> list[str]:
    """What keeps an existing spreadsheet from being read as the template says (one
    metadata call and one batchGet)."""
    tabs, body = fetch_tabs(api, spreadsheet_id, (), choose=report_tabs)
    content = encode_snapshot(spreadsheet_id, "", [quote_tab(t) for t in tabs],
                              VALUE_OPTIONS, body)
    parsed = parse_workbook(read_workbook_json(content), unit.code, year)
    return [i.message_vi for i in parsed.issues if i.rule in STRUCTURE_RULES]


def ensure_shared(api: SheetsApi, spreadsheet_id: str, email: str) -> bool:
    """Share with `email` unless it already has access; True when a permission was made."""
    granted = {str(p.get("emailAddress", "")).casefold() for p in api.permissions(spreadsheet_id)}
    if email.casefold() in granted:
        return False
    api.share(spreadsheet_id, email)
    return True


def _register_rows(api: SheetsApi, reference: str) -> list[list[Any]]:
    if is_csv(reference):
        path = Path(reference).expanduser()
        return read_csv_rows(path) if path.is_file() else [["year", "unit_code", "spreadsheet"]]
    return fetch_register_rows(api, spreadsheet_id_of(reference))


def provision_unit(api: SheetsApi, settings: RunSettings, registry: Registry, unit: Unit,
                   year: int) -> ProvisionResult:
    """Create the unit's spreadsheet for `year` and register it, or check the one
    registered."""
    reference = settings.gsheets.register
    rows, _ = parse_register(_register_rows(api, reference))
    assigned = assign_year(rows, [], registry, year).spreadsheets.get(unit.code)
    problems: list[str] = []
    if assigned is not None:
        spreadsheet_id, created = assigned.spreadsheet_id, False
        problems += check_spreadsheet(api, spreadsheet_id, unit, year)
    else:
        spreadsheet_id, created = create_spreadsheet(api, unit, year), True
        url = spreadsheet_url(spreadsheet_id)
        if is_csv(reference):
            append_csv_row(Path(reference).expanduser(), year, unit.code, url)
        else:
            append_register_row(api, spreadsheet_id_of(reference), year, unit.code, url)
    shared = ""
    if unit.email:
        if created:
            api.share(spreadsheet_id, unit.email)
        else:
            ensure_shared(api, spreadsheet_id, unit.email)
        shared = unit.email
    else:
        problems.append(f"Đơn vị {unit.code} chưa có e-mail trong danh mục (units.csv): hãy "
                        "chia sẻ bảng tính cho đơn vị bằng tay.")
    return ProvisionResult(unit.code, year, spreadsheet_id, created, shared, tuple(problems))


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m admin.provision",
        description="Tạo (hoặc kiểm tra) bảng tính Google Sheets báo cáo năm của đơn vị theo "
        "mẫu, chia sẻ cho đơn vị và ghi vào sổ đăng ký (cấu hình HB_GSHEETS_*).")
    parser.add_argument("--year", type=int, required=True, help="năm báo cáo, ví dụ 2025")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--unit", action="append", help="mã đơn vị (có thể nhắc lại)")
    which.add_argument("--all", action="store_true", help="mọi đơn vị phải báo cáo năm đó")
    parser.add_argument("--register", help="sổ đăng ký (HB_GSHEETS_REGISTER)")
    parser.add_argument("--seeds-dir", help="thư mục danh mục đơn vị (HB_SEEDS_DIR)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    try:
        settings = settings_from(source="gsheets", gsheets_register=args.register,
                                 seeds_dir=args.seeds_dir)
        api = SheetsApi.open(settings.gsheets, SCOPES_PROVISION)
    except (SettingError, CredentialError) as exc:
        print(f"Cấu hình không hợp lệ: {exc}", file=sys.stderr)
        return 2
    registry = read_registry(settings.seeds_dir)
    units = list(expected_units(registry, args.year)) if args.all else []
    for code in args.unit or []:
        unit = registry.unit(code.strip().upper())
        if unit is None:
            print(f"{code}: không có trong danh mục đơn vị.", file=sys.stderr)
            return 2
        units.append(unit)
    failed = 0
    for unit in units:
        try:
            result = provision_unit(api, settings, registry, unit, args.year)
        except SheetsError as exc:
            failed += 1
            print(f"{unit.code}: không thực hiện được: {exc.reason_vi}", file=sys.stderr)
            continue
        done = "đã tạo và ghi vào sổ đăng ký" if result.created else "đã có"
        shared = f"; chia sẻ với {result.shared_with}" if result.shared_with else ""
        print(f"{unit.code}: {done} {result.url}{shared}")
        for problem in result.problems:
            print(f"  - {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
