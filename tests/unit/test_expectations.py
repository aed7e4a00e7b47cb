"""The Great Expectations suites (expectations.suites) and running them (expectations.validate).

Frames are built by hand the way the parser hands them over: all units' rows of one tab,
`unit_code_expected` and `sheet_row` first, one typed column per template column. GX is
imported once, on the first validation of this module; every later call reuses its context.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from core.issues import Issue, Severity
from core.template import AUDIENCES, FORMS, OUTLET_TYPES, TABS, TEMPLATE, Layout, ValueType
from expectations.export import SUITES_DIR, suite_json
from expectations.suites import build_suite
from expectations.validate import validate_year

YEAR = 2025
ASSIGNED = frozenset({("LDTBXH", "1a"), ("LDTBXH", "2a"), ("VHTT", "1a")})
_DTYPES = {ValueType.WHOLE: "Int64", ValueType.MONEY: "Float64", ValueType.YES_NO: "boolean",
           ValueType.DATE: "datetime64[ns]"}

VALID: dict[str, dict[str, Any]] = {
    "general": {
        "unit_code": "LDTBXH", "year": YEAR, "reporter": "Nguyễn Thị Hoa",
        "completed_on": "2025-12-05", "action_month_plan": True,
        "action_month_plan_ref": "12/KH-UBND ngày 01/11/2025", "is_complete": True,
    },
    "activities": {
        "activity_code": "1a", "description": "Mít tinh hưởng ứng Tháng hành động",
        "form": FORMS[0], "audience": AUDIENCES[0], "is_law_dissemination": False,
        "sessions": 1, "participants": 50, "participants_female": 20,
        "started_on": "2025-11-15", "ended_on": "2025-11-16", "budget_state_vnd": 1500000.0,
        "budget_other_vnd": None, "is_electronic": False, "note": None,
    },
    "media_outlets": {"outlet_name": "Đài truyền thanh phường", "outlet_type": OUTLET_TYPES[0],
                      "gender_index_level": "Thí điểm", "note": None},
    "conventions": {"community": "Tổ dân phố 1", "conventions_total": 3,
                    "conventions_non_discriminatory": 3, "note": None},
    "survey": {"audience": AUDIENCES[2], "respondents": 100, "respondents_aware": 80,
               "note": None},
}


def frame(tab_key: str, *rows: dict[str, Any], text_dtype: str = "object") -> pd.DataFrame:
    """A typed frame of one tab: each row is the valid row overridden by the given values
    (`unit` and `row` set unit_code_expected and sheet_row; general rows get row__<key>)."""
    tab = TABS[tab_key]
    records = []
    for row in rows:
        values = {**VALID[tab_key], **{k: v for k, v in row.items() if k not in ("unit", "row")}}
        record = {"unit_code_expected": row.get("unit", "LDTBXH"), "sheet_row": row.get("row", 7)}
        record |= {col.key: values[col.key] for col in tab.columns}
        if tab.layout is Layout.KEY_VALUE:
            record |= {f"row__{col.key}": 3 + i for i, col in enumerate(tab.columns)}
        records.append(record)
    typed = pd.DataFrame(records)
    types = {col.key: _DTYPES.get(col.type, text_dtype) for col in tab.columns}
    types |= {name: "Int64" for name in typed.columns if name.startswith("row__")}
    return typed.astype(types | {"sheet_row": "Int64"})


def check(tab_key: str, *rows: dict[str, Any]) -> list[Issue]:
    return validate_year({tab_key: frame(tab_key, *rows)}, YEAR, ASSIGNED)


def brief(issues: list[Issue]) -> list[tuple[object, ...]]:
    """What identifies an issue, without its message."""
    return [(i.unit_code, i.tab, i.sheet_row, i.column_key, i.value, i.rule, str(i.severity))
            for i in issues]


def test_valid_rows_of_every_tab_give_no_issue():
    """A workbook that follows the template passes every check of every tab."""
    frames = {tab.key: frame(tab.key, {"row": 7}, {"row": 8, "outlet_name": "Bản tin",
                                                   "community": "Tổ dân phố 2"})
              for tab in TEMPLATE if tab.key != "general"}
    frames["general"] = frame("general", {})
    assert [] == validate_year(frames, YEAR, ASSIGNED)


def test_more_women_than_participants_is_one_comparison_error_on_the_women_column():
    """60 women out of 50 participants on sheet row 7 gives exactly one error, on «Trong đó
    nữ», whose message names the row and both columns."""
    [issue] = check("activities", {"row": 7, "participants": 50, "participants_female": 60})
    assert ("LDTBXH", "Hoạt động", 7, "participants_female", "Trong đó nữ", "60",
            "comparison", Severity.ERROR) == (
        issue.unit_code, issue.tab, issue.sheet_row, issue.column_key, issue.column_header,
        issue.value, issue.rule, issue.severity)
    assert (True, True, True) == ("dòng 7" in issue.message_vi,
                                  "«Trong đó nữ»" in issue.message_vi,
                                  "«Số người tham dự»" in issue.message_vi)


def test_comparison_ignores_a_missing_side_and_checks_dates():
    """No participant count: the women count is not compared. An end date before the start
    date is an error on «Đến ngày» that names «Từ ngày»."""
    issues = check("activities", {"row": 7, "participants": None, "participants_female": 9},
                   {"row": 8, "started_on": "2025-05-02", "ended_on": "2025-05-01"})
    assert [("LDTBXH", "Hoạt động", 8, "ended_on", "01/05/2025", "comparison", "error")] == (
        brief(issues))
    assert "«Từ ngày»" in issues[0].message_vi


@pytest.mark.parametrize(("started_on", "expected_rules"), [
    ("2024-12-01", []),
    ("2024-11-30", ["date_window"]),
    ("2025-12-31", []),
    ("2026-01-01", ["date_window"]),
])
def test_date_window_runs_from_first_december_of_the_year_before(started_on, expected_rules):
    """For 2025 the start date may fall from 01/12/2024 to 31/12/2025, both included."""
    issues = check("activities", {"started_on": started_on, "ended_on": "2026-01-02"})
    assert expected_rules == [i.rule for i in issues]


def test_date_window_message_gives_the_window_and_the_date_as_typed():
    """The value reads dd/mm/yyyy and the message gives the window of the report year."""
    [issue] = check("activities", {"started_on": "2024-11-30"})
    assert ("30/11/2024", True) == (
        issue.value, "từ 01/12/2024 đến 31/12/2025" in issue.message_vi)


def test_unit_code_of_another_unit_blocks_the_submission():
    """A workbook that says VHTT, collected as LDTBXH's, is blocking, on the label's row."""
    issues = check("general", {"unit": "LDTBXH", "unit_code": "VHTT"})
    assert [("LDTBXH", "Thông tin chung", 3, "unit_code", "VHTT", "unit_mismatch",
             "blocking")] == brief(issues)
    assert "(phải là LDTBXH)" in issues[0].message_vi


def test_wrong_year_blocks_and_missing_identity_is_blocking():
    """Year 2024 in a 2025 collection blocks; an empty unit code is a blocking «required»."""
    issues = check("general", {"unit": "LDTBXH", "year": 2024},
                   {"unit": "VHTT", "unit_code": None})
    assert [("LDTBXH", "Thông tin chung", 4, "year", "2024", "year_mismatch", "blocking"),
            ("VHTT", "Thông tin chung", 3, "unit_code", None, "required", "blocking")] == (
        brief(issues))
    assert "(phải là 2025)" in issues[0].message_vi


def test_general_issue_uses_the_row_of_its_own_label():
    """An empty reporter is reported on the row where «Người lập báo cáo» sits (row 5)."""
    assert [("LDTBXH", "Thông tin chung", 5, "reporter", None, "required", "error")] == (
        brief(check("general", {"reporter": None})))


@pytest.mark.parametrize(("plan", "ref", "expected"), [
    (True, None, [("LDTBXH", "Thông tin chung", 8, "action_month_plan_ref", None,
                   "required_if_yes", "error")]),
    (False, None, []),
    (True, "15/KH-UBND", []),
])
def test_plan_reference_required_only_when_a_plan_was_issued(plan, ref, expected):
    """«Số, ngày văn bản kế hoạch» may be blank unless «Đã ban hành kế hoạch…» is «Có»."""
    issues = check("general", {"action_month_plan": plan, "action_month_plan_ref": ref})
    assert expected == brief(issues)
    assert all("«Đã ban hành kế hoạch Tháng hành động»" in i.message_vi for i in issues)


def test_activity_outside_the_units_assignments_is_a_warning():
    """VHTT reporting 2a (not assigned to it) is a warning; an unknown code is only an
    allowed-values error and an empty code only a «required» error, never a warning."""
    issues = check("activities", {"unit": "VHTT", "row": 7, "activity_code": "2a"},
                   {"unit": "VHTT", "row": 8, "activity_code": "9z"},
                   {"unit": "VHTT", "row": 9, "activity_code": None})
    assert [("VHTT", "Hoạt động", 7, "activity_code", "2a", "activity_not_assigned", "warning"),
            ("VHTT", "Hoạt động", 8, "activity_code", "9z", "allowed_values", "error"),
            ("VHTT", "Hoạt động", 9, "activity_code", None, "required", "error")] == (
        brief(issues))


def test_choices_and_minimums():
    """A form not in the list, zero sessions and a negative budget are three errors."""
    issues = check("activities", {"form": "Mít tinh", "sessions": 0, "budget_state_vnd": -1.0})
    assert [("LDTBXH", "Hoạt động", 7, "form", "Mít tinh", "allowed_values", "error"),
            ("LDTBXH", "Hoạt động", 7, "sessions", "0", "min_value", "error"),
            ("LDTBXH", "Hoạt động", 7, "budget_state_vnd", "-1", "min_value", "error")] == (
        brief(issues))


def test_duplicates_within_a_workbook_after_folding_but_not_across_units():
    """«Đài Truyền Thanh» and «dai truyen thanh» in one workbook are both flagged; the same
    name in another unit's workbook is not."""
    issues = check("media_outlets",
                   {"unit": "P01", "row": 5, "outlet_name": "Đài Truyền Thanh"},
                   {"unit": "P01", "row": 6, "outlet_name": "dai  truyen thanh"},
                   {"unit": "P02", "row": 5, "outlet_name": "Đài Truyền Thanh"},
                   {"unit": "P02", "row": 6, "outlet_name": None})
    assert [("P01", "Cơ quan truyền thông", 5, "outlet_name", "Đài Truyền Thanh", "duplicate",
             "error"),
            ("P01", "Cơ quan truyền thông", 6, "outlet_name", "dai  truyen thanh", "duplicate",
             "error"),
            ("P02", "Cơ quan truyền thông", 6, "outlet_name", None, "required", "error")] == (
        brief(issues))


def test_issues_are_sorted_by_unit_tab_row_and_column():
    """Issues come out by unit, then tab in template order, then sheet row, then column."""
    frames = {
        "survey": frame("survey", {"unit": "A", "row": 4, "respondents": 0,
                                    "respondents_aware": 0}),
        "activities": frame("activities", {"unit": "B", "row": 9, "sessions": 0},
                            {"unit": "A", "row": 8, "sessions": 0, "form": "?"},
                            {"unit": "A", "row": 7, "participants_female": 99}),
    }
    issues = validate_year(frames, YEAR, frozenset({("A", "1a"), ("B", "1a")}))
    assert [("A", "Hoạt động", 7, "participants_female"), ("A", "Hoạt động", 8, "form"),
            ("A", "Hoạt động", 8, "sessions"), ("A", "Khảo sát nhận thức", 4, "respondents"),
            ("B", "Hoạt động", 9, "sessions")] == [
        (i.unit_code, i.tab, i.sheet_row, i.column_key) for i in issues]


def test_inputs_are_not_modified_and_their_index_does_not_matter():
    """The caller's frames keep their columns, values and index (here 100, 101), and the
    issue still lands on the right row."""
    given = frame("media_outlets", {"row": 5, "outlet_name": "Bản tin"},
                  {"row": 6, "outlet_name": "Bản tin", "outlet_type": "Báo in"})
    given.index = pd.Index([100, 101])
    before = given.copy(deep=True)
    issues = validate_year({"media_outlets": given}, YEAR, ASSIGNED)
    pd.testing.assert_frame_equal(before, given)
    assert [(5, "outlet_name", "duplicate"), (6, "outlet_name", "duplicate"),
            (6, "outlet_type", "allowed_values")] == [
        (i.sheet_row, i.column_key, i.rule) for i in issues]


def test_text_columns_may_use_the_pandas_string_dtype():
    """Text columns as pandas 3 "str" instead of object give the same issues."""
    rows = ({"row": 7, "form": "?", "description": None}, {"row": 8, "activity_code": "2a"})
    as_object = validate_year({"activities": frame("activities", *rows)}, YEAR, ASSIGNED)
    as_str = validate_year({"activities": frame("activities", *rows, text_dtype="str")},
                           YEAR, ASSIGNED)
    assert brief(as_object) == brief(as_str)
    assert 2 == len(as_str)


def test_missing_and_empty_tabs_are_skipped():
    """No frames, or a tab with zero rows, give no issue (and no run)."""
    empty = frame("activities", {}).iloc[0:0]
    assert ([], []) == (validate_year({}, YEAR, ASSIGNED),
                        validate_year({"activities": empty}, YEAR, ASSIGNED))


def test_a_check_that_cannot_run_fails_loudly():
    """A frame without a template column is a programming error, not a passed check."""
    broken = frame("survey", {}).drop(columns=["respondents"])
    with pytest.raises(RuntimeError, match="could not run"):
        validate_year({"survey": broken}, YEAR, ASSIGNED)


def test_suite_is_derived_from_the_template():
    """The activities suite holds exactly the checks the template asks for, each carrying
    its rule, column and severity in `meta`."""
    suite = build_suite(TABS["activities"], YEAR)
    checks = sorted((e.meta["rule"], e.meta["column"], e.meta["severity"])
                    for e in suite.expectations)
    assert sorted([
        *[("required", key, "error") for key in
          ("activity_code", "description", "form", "audience", "sessions")],
        *[("allowed_values", key, "error") for key in ("activity_code", "form", "audience")],
        *[("min_value", key, "error") for key in
          ("sessions", "participants", "participants_female", "budget_state_vnd",
           "budget_other_vnd")],
        ("date_window", "started_on", "error"),
        ("comparison", "participants_female", "error"),
        ("comparison", "ended_on", "error"),
        ("activity_not_assigned", "activity_code", "warning"),
    ]) == checks


@pytest.mark.parametrize("tab_key", [tab.key for tab in TEMPLATE])
def test_committed_suite_json_equals_a_fresh_build(tab_key):
    """expectations/suites/<tab>.json is up to date (else: python -m expectations.export)."""
    committed = (SUITES_DIR / f"{tab_key}.json").read_text(encoding="utf-8")
    assert suite_json(TABS[tab_key], 2025) == committed
