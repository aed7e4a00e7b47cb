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


LAW = "Có"


def _activity(code, audience, sessions, participants=None, female=None, law=LAW, form=None):
    return {"activity_code": code, "description": f"Hoạt động {code}",
            "form": form or "Nói chuyện chuyên đề, truyền thông trực tiếp", "audience": audience,
            "is_law_dissemination": law, "sessions": sessions, "participants": participants,
            "participants_female": female, "started_on": "20/11/2024",
            "ended_on": "20/11/2024", "budget_state_vnd": "5.000.000"}


CAN_BO, DOANH_NGHIEP, NGUOI_DAN = ("Cán bộ, công chức, viên chức",
                                   "Doanh nghiệp, người lao động", "Người dân, cộng đồng")


def write_2024(reports: Path) -> None:
    """The small hand-made year 2024 of four units in `reports/2024/`, every figure of
    which is worked out by hand in tests/e2e/test_annual_report.py's docstring."""
    folder = reports / "2024"
    report_workbook(folder / "LDTBXH.xlsx", "LDTBXH", 2024, activities=[
        _activity("1a", CAN_BO, 2, 100, 60), _activity("3b", DOANH_NGHIEP, 1, 50, 20),
        _activity("5b", "Phóng viên, cán bộ truyền thông", 1, law="Không")])
    report_workbook(folder / "VHTT.xlsx", "VHTT", 2024, completed_on="12/12/2024", activities=[
        _activity("1a", NGUOI_DAN, 1, 200, 120), _activity("2c", DOANH_NGHIEP, 2)],
        media_outlets=[
            {"outlet_name": "Cổng thông tin điện tử quận", "outlet_type": "Trang thông tin điện tử",
             "gender_index_level": "Chính thức"},
            {"outlet_name": "Đài truyền thanh quận", "outlet_type": "Đài truyền thanh",
             "gender_index_level": "Thí điểm"},
            {"outlet_name": "Bản tin quận", "outlet_type": "Bản tin",
             "gender_index_level": "Chưa áp dụng"}])
    report_workbook(folder / "P-MINHKHAI.xlsx", "P-MINHKHAI", 2024, completed_on="01/12/2024",
                    activities=[_activity("1a", NGUOI_DAN, 3, 150, 90),
                                _activity("3c", NGUOI_DAN, 1, 80, 90)],
                    media_outlets=[{"outlet_name": "Đài truyền thanh phường Minh Khai",
                                    "outlet_type": "Đài truyền thanh",
                                    "gender_index_level": "Thí điểm"}],
                    conventions=[{"community": "Tổ dân phố số 1", "conventions_total": 2,
                                  "conventions_non_discriminatory": 2},
                                 {"community": "Tổ dân phố số 2", "conventions_total": 3,
                                  "conventions_non_discriminatory": 2}])
    report_workbook(folder / "P-HALY.xlsx", "P-HALY", 2024, plan="Không", complete="",
                    activities=[_activity("1a", NGUOI_DAN, 5)],
                    conventions=[{"community": "Tổ dân phố số 1", "conventions_total": 4,
                                  "conventions_non_discriminatory": 4}])
