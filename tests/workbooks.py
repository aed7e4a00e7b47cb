"""Writing small hand-made workbooks for tests, cell by cell, as a person would type them."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from core.template import TABS


def write_grid(path: Path, tabs: dict[str, list[list[object]]]) -> Path:
    """An .xlsx whose tabs hold exactly the given rows (row 1 first)."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in tabs.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def general_rows(unit: str, year: int, completed_on: str, plan: str, complete: str,
                 plan_ref: str = "01/KH ngày 01/11") -> list[list[object]]:
    tab = TABS["general"]
    values = {"unit_code": unit, "year": year, "reporter": "Nguyễn Văn An",
              "completed_on": completed_on, "action_month_plan": plan,
              "action_month_plan_ref": plan_ref, "is_complete": complete}
    return [["BÁO CÁO NĂM"], [], *[[c.header, values[c.key]] for c in tab.columns]]


def table_rows(tab_key: str, records: list[dict[str, object]]) -> list[list[object]]:
    """A title row, a blank row, the header row (row 3), then one row per record (row 4…)."""
    tab = TABS[tab_key]
    return [[tab.name.upper()], [], [c.header for c in tab.columns],
            *[[r.get(c.key) for c in tab.columns] for r in records]]


def report_workbook(path: Path, unit: str, year: int, *, completed_on: str = "05/12/2024",
                    plan: str = "Có", complete: str = "Có",
                    **tables: list[dict[str, object]]) -> Path:
    tabs = {TABS["general"].name: general_rows(unit, year, completed_on, plan, complete)}
    tabs[TABS["activities"].name] = table_rows("activities", tables.pop("activities", []))
    for key, records in tables.items():
        tabs[TABS[key].name] = table_rows(key, records)
    return write_grid(path, tabs)
