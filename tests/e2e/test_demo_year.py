"""The demo year 2024 through the whole flow, the indicators worked out by hand from the
SCENARIO table of demo/generate.py (21 units expected: 12 agencies and 9 wards).

- Drafts: KINHTE (not marked complete). Late: GDDT (12/12), P-MINHKHAI (11/12).
  → received 20, late 2, draft 1, invalid 0, missing 0.
- CT1 law sessions, received reports only: cán bộ LDTBXH 2 + TUPHAP 1 = 3; doanh nghiệp
  LDTBXH 1 + LDLD 1 = 2 (KINHTE's 1 is a draft); người dân LDTBXH 1 + HLHPN 1 + wards
  2+2+3+1+2+2+2+0+2 = 18. All three groups ≥ 2 → 3/3.
  Wards: Thượng Lý 1 and Hoàng Văn Thụ 0 are below 2 (due every year): not achieved.
- CT2: 21 units less KINHTE (draft), NOIVU (no plan) and TUPHAP (no 1a row) = 18/21.
- CT3: no survey in 2024 → no data.
- CT4: 14 of the 22 outlets at pilot level → 14/22, target 70% by 2025: not yet due.
- CT5: 89 of 94 conventions without discrimination, target 95% by 2025: not yet due.
The run is the session fixture `demo_2024` (tests/conftest.py).
"""

from tests.runs import rows


def test_demo_2024_submission_status(demo_2024):
    """20 received of which 2 late, KINHTE a draft, one row per expected unit."""
    assert [(21, 20, 2, 1, 0, 0)] == rows(
        demo_2024,
        "select count(*), count(*) filter (status = 'received'), "
        "count(*) filter (status = 'received' and not is_on_time), "
        "count(*) filter (status = 'draft'), count(*) filter (status = 'invalid'), "
        "count(*) filter (status = 'missing') from marts.submission_status")
    assert [("GDDT",), ("P-MINHKHAI",)] == rows(
        demo_2024, "select unit_code from marts.submission_status "
                   "where not is_on_time and status = 'received' order by 1")


def test_demo_2024_indicators_by_hand(demo_2024):
    """CT1–CT5 district values and statuses equal the hand-worked figures above."""
    assert [
        ("CT1", "audience", "can_bo", 3.0, None, 3.0, "achieved"),
        ("CT1", "audience", "doanh_nghiep", 2.0, None, 2.0, "achieved"),
        ("CT1", "audience", "nguoi_dan", 18.0, None, 18.0, "achieved"),
        ("CT1", "district", "QUAN", 3.0, 3.0, 1.0, "achieved"),
        ("CT2", "district", "QUAN", 18.0, 21.0, round(18 / 21, 6), "not_yet_due"),
        ("CT3", "district", "QUAN", None, None, None, "no_data"),
        ("CT4", "district", "QUAN", 14.0, 22.0, round(14 / 22, 6), "not_yet_due"),
        ("CT5", "district", "QUAN", 89.0, 94.0, round(89 / 94, 6), "not_yet_due"),
    ] == rows(demo_2024,
              "select indicator_code, scope, scope_code, numerator, denominator, "
              "round(value, 6), status from marts.indicator_values "
              "where scope <> 'ward' order by all")


def test_demo_2024_ward_readings_by_hand(demo_2024):
    """CT1 per ward: the two wards under 2 sessions are not achieved, the seven others are."""
    assert [("P-HOANGVANTHU", 0.0, "not_achieved"), ("P-THUONGLY", 1.0, "not_achieved")] == \
        rows(demo_2024, "select scope_code, value, status from marts.indicator_values "
                        "where indicator_code = 'CT1' and scope = 'ward' "
                        "and status <> 'achieved' order by 1")
    assert [(7,)] == rows(demo_2024, "select count(*) from marts.indicator_values where "
                                     "indicator_code = 'CT1' and scope = 'ward' "
                                     "and status = 'achieved'")


def test_demo_2024_wrong_cells_are_quarantined(demo_2024):
    """The SCENARIO's genuinely wrong cells of 2024 are each reported on their row and kept
    out of staging; KINHTE's draft is told that its completion date is still empty."""
    assert [
        ("DOANTN", "Hoạt động", 5, "activity_code", "allowed_values"),
        ("DOANTN", "Hoạt động", 7, "started_on", "date_window"),
        ("GDDT", "Hoạt động", 6, "form", "allowed_values"),
        ("HLHPN", "Hoạt động", 6, "participants", "formula_error"),
        ("KINHTE", "Thông tin chung", 6, "completed_on", "required"),
        ("P-HUNGVUONG", "Hoạt động", 7, "sessions", "not_whole"),
        ("P-SODAU", "Hoạt động", 8, "participants_female", "comparison"),
    ] == rows(demo_2024, "select unit_code, tab, sheet_row, column_key, rule "
                         "from quality.issues where severity = 'error' order by all")
    assert [(0,)] == rows(demo_2024, """
        select count(*) from staging.stg_workbook__activities a
        join quality.quarantine q using (year, unit_code, sheet_row)""")
