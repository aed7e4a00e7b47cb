"""The blank template (core.blank_workbook) and the demo workbooks (demo.generate)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.worksheet import Worksheet

from core.blank_workbook import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    WorkbookLayout,
    write_blank,
    write_workbook,
)
from core.parse import parse_workbook
from core.registry import expected_units, read_registry
from core.template import ACTIVITIES, FORMS, GENERAL, LISTS_TAB_NAME, TABS, TEMPLATE
from core.values import match_key
from demo.generate import SCENARIO, Edit, generate, synthetic_registry
from sources.xlsx import read_workbook


@pytest.fixture(scope="module")
def reports_2023_2024(tmp_path_factory: pytest.TempPathFactory) -> Path:
    reports = tmp_path_factory.mktemp("reports")
    generate(reports, [2023, 2024])
    return reports


def _sheet(path: Path, tab_key: str) -> Worksheet:
    """A template tab of a workbook, found the way the parser finds it (renamed tabs too)."""
    book = load_workbook(path)
    wanted = match_key(TABS[tab_key].name)
    return next(sheet for sheet in book.worksheets if match_key(sheet.title) == wanted)


def _cell(path: Path, edit: Edit) -> object:
    """The value written in the cell an edit of the SCENARIO names."""
    sheet = _sheet(path, edit.tab)
    header = TABS[edit.tab].column(edit.column).header
    if edit.sheet_row is None:  # label/value tab: the value beside the label
        row = next(r for r in sheet.iter_rows(values_only=True) if r[0] == header)
        return row[1]
    headers = [c.value for c in sheet[HEADER_ROW]]
    value = sheet.cell(row=edit.sheet_row, column=headers.index(header) + 1).value
    return value.date() if isinstance(value, datetime) else value  # openpyxl reads datetimes


def test_file_set_is_expected_units_minus_missing(reports_2023_2024: Path) -> None:
    """Each year's folder holds one workbook per unit the registry expects, except the units
    the SCENARIO makes miss the deadline (TCKH in 2023)."""
    registry = read_registry()
    for year in (2023, 2024):
        expected = {f"{u.code}.xlsx" for u in expected_units(registry, year)} - {
            f"{code}.xlsx" for code in SCENARIO[year].missing
        }
        actual = {p.name for p in (reports_2023_2024 / str(year)).iterdir()}
        assert expected == actual
    assert ("TCKH",) == SCENARIO[2023].missing


def test_generation_is_byte_for_byte_deterministic(tmp_path: Path) -> None:
    """Two runs with the same inputs write identical bytes (fixed seeds, document properties
    and zip entry times)."""
    first = generate(tmp_path / "a", [2024])
    second = generate(tmp_path / "b", [2024])
    expected = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in first}
    actual = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in second}
    assert expected == actual


def test_blank_template_has_template_tabs_headers_and_drop_downs(tmp_path: Path) -> None:
    """The blank workbook has the five template tabs plus the hidden lists tab, header cells
    equal to the template's, and a drop-down on «Hình thức» fed from the lists tab."""
    path = tmp_path / "blank.xlsx"
    write_blank(path, "LDTBXH", 2025)
    book = load_workbook(path)

    assert [tab.name for tab in TEMPLATE] + [LISTS_TAB_NAME] == book.sheetnames
    assert "hidden" == book[LISTS_TAB_NAME].sheet_state
    for tab in TEMPLATE:
        sheet = book[tab.name]
        if tab is GENERAL:
            labels = [sheet.cell(row=r, column=1).value for r in range(3, 3 + len(tab.columns))]
            assert [col.header for col in tab.columns] == labels
        else:
            headers = [c.value for c in sheet[HEADER_ROW]]
            assert [col.header for col in tab.columns] == headers
    general = book[GENERAL.name]
    assert ("LDTBXH", 2025) == (general["B3"].value, general["B4"].value)

    activities = book[ACTIVITIES.name]
    letter = get_column_letter(ACTIVITIES.columns.index(ACTIVITIES.column("form")) + 1)
    validations = [dv for dv in activities.data_validations.dataValidation
                   if f"{letter}{FIRST_DATA_ROW}" in dv.sqref]
    assert ["list"] == [dv.type for dv in validations]
    reference = validations[0].formula1
    assert reference.startswith(f"{quote_sheetname(LISTS_TAB_NAME)}!")
    cells = book[LISTS_TAB_NAME][reference.split("!")[1].replace("$", "")]
    assert list(FORMS) == [row[0].value for row in cells]


def test_quirk_money_as_text_is_where_the_scenario_says(reports_2023_2024: Path) -> None:
    """The SCENARIO's Vietnamese thousands-dot money quirk is written as the text
    "15.000.000", in the very cell the SCENARIO names."""
    edit = next(e for e in SCENARIO[2024].quirks if e.value == "15.000.000")
    actual = _cell(reports_2023_2024 / "2024" / f"{edit.unit}.xlsx", edit)
    assert "15.000.000" == actual


def test_wrong_rows_are_where_the_scenario_says(reports_2023_2024: Path) -> None:
    """Every genuinely wrong value of 2023 and 2024 ("Hội thi", "12,5", "#REF!", "9z", the
    previous year in «Năm báo cáo», …) sits in the cell the SCENARIO names."""
    for year in (2023, 2024):
        for edit in SCENARIO[year].wrong:
            actual = _cell(reports_2023_2024 / str(year) / f"{edit.unit}.xlsx", edit)
            assert (edit, edit.value) == (edit, actual)
    forms = [e for e in SCENARIO[2024].wrong if e.column == "form"]
    assert [("GDDT", 6, "Hội thi")] == [(e.unit, e.sheet_row, e.value) for e in forms]


def test_parser_reads_the_indicator_inputs_of_the_scenario(reports_2023_2024: Path) -> None:
    """Read back through the pipeline's parser, the 2024 workbooks hold exactly the
    SCENARIO's law sessions per unit and audience, drafts, Action Month plans, 1a units and
    convention counts, despite renamed tabs, moved columns, NFD text and "x" for yes."""
    scenario = SCENARIO[2024]
    law: dict[str, dict[str, int]] = defaultdict(dict)
    drafts, no_plan, no_1a = set(), set(), set()
    conventions: dict[str, tuple[int, int]] = {}
    for path in sorted((reports_2023_2024 / "2024").iterdir()):
        parsed = parse_workbook(read_workbook(path.read_bytes()), path.stem, 2024)
        general = parsed.records["general"][0]
        activities = parsed.records["activities"]
        for row in activities:
            if row["is_law_dissemination"]:
                law[path.stem][str(row["audience"])] = int(str(row["sessions"]))
        if not general["is_complete"]:
            drafts.add(path.stem)
        if not general["action_month_plan"]:
            no_plan.add(path.stem)
        if not any(row["activity_code"] == "1a" for row in activities):
            no_1a.add(path.stem)
        groups = parsed.records.get("conventions", [])
        if groups:
            conventions[path.stem] = (
                sum(int(str(g["conventions_total"])) for g in groups),
                sum(int(str(g["conventions_non_discriminatory"])) for g in groups),
            )
    expected_conventions = {
        ward: (sum(int(g.split("/")[0]) for g in text.split()),
               sum(int(g.split("/")[1]) for g in text.split()))
        for ward, text in scenario.conventions.items()
    }
    assert {u: dict(a) for u, a in scenario.law_sessions.items()} == dict(law)
    assert set(scenario.drafts) == drafts
    assert set(scenario.no_action_month_plan) == no_plan
    assert set(scenario.no_activity_1a) == no_1a
    assert expected_conventions == conventions
    assert (94, 89) == (sum(t for t, _ in conventions.values()),
                        sum(n for _, n in conventions.values()))


def test_layout_variants_and_synthetic_registry(tmp_path: Path) -> None:
    """A hand-edited layout writes the renamed tab, the extra column where it was put and the
    notes under the table; the benchmark registry adds P-BENCH0001… to the real units."""
    path = tmp_path / "edited.xlsx"
    layout = WorkbookLayout(
        tab_names={"activities": "HOAT DONG"},
        extra_columns={"activities": ("Người phụ trách",)},
        column_order={"activities": ("activity_code", "Người phụ trách")},
        notes={"activities": ("Ghi chú: số liệu tạm tính.",)},
        omit_tabs=frozenset({"survey"}),
    )
    write_workbook(path, general={"unit_code": "YTE"}, layout=layout,
                   tables={"activities": [{"activity_code": "3b", "Người phụ trách": "Lan"}]})
    book = load_workbook(path)
    sheet = book["HOAT DONG"]
    assert ["Mã hoạt động", "Người phụ trách", "Nội dung"] == [
        c.value for c in sheet[HEADER_ROW]][:3]
    assert ("3b", "Lan") == (sheet.cell(FIRST_DATA_ROW, 1).value,
                            sheet.cell(FIRST_DATA_ROW, 2).value)
    assert "Ghi chú: số liệu tạm tính." == sheet.cell(FIRST_DATA_ROW + 2, 1).value
    assert TABS["survey"].name not in book.sheetnames

    registry = read_registry(synthetic_registry(3, tmp_path / "seeds"))
    codes = [u.code for u in expected_units(registry, 2024)]
    real = [u.code for u in expected_units(read_registry(), 2024)]
    assert [*real, "P-BENCH0001", "P-BENCH0002", "P-BENCH0003"] == codes
