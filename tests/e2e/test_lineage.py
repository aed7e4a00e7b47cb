"""marts.figure_lineage after the small hand-made 2024 run of tests/e2e/test_annual_report.py
(the session fixture `small_2024`).

By hand (see that module's docstring): CT1 for Cán bộ is LDTBXH's 1a row (sheet row 4,
2 sessions) → numerator 2. CT2's plan answer is on row 7 of "Thông tin chung" (title, blank
row, then unit code, year, reporter, completion date, plan); LDTBXH, VHTT and Minh Khai
planned and ran 1a → 1 each; Hạ Lý's draft counts for nothing. CT5 for Minh Khai: rows 4
(2 of 2) and 5 (2 of 3) → 4 of 5.
"""

from pathlib import Path

import pytest

from tests.runs import rows


@pytest.fixture(scope="module")
def warehouse_2024(small_2024) -> Path:
    return small_2024.warehouse


def test_ct1_can_bo_rows_add_up_to_the_numerator(warehouse_2024):
    """The lineage of CT1 for Cán bộ in 2024 is LDTBXH's row 4 of "Hoạt động" in its file,
    and its values add up to the numerator of marts.indicator_values (2 sessions)."""
    db = warehouse_2024
    found = rows(db, "select unit_code, tab, sheet_row, column_key, value, counts_as, "
                     "source_ref like '%LDTBXH.xlsx', snapshot_id is not null, "
                     "fetched_at is not null from marts.figure_lineage "
                     "where indicator_code = 'CT1' and year = 2024 and scope = 'audience' "
                     "and scope_code = 'can_bo'")
    assert [("LDTBXH", "Hoạt động", 4, "sessions", 2.0, "numerator", True, True, True)] == found
    assert rows(db, "select numerator from marts.indicator_values where indicator_code = "
                    "'CT1' and year = 2024 and scope = 'audience' and scope_code = 'can_bo'"
                ) == [(sum(row[4] for row in found),)]


def test_every_sum_matches_the_indicator_values(warehouse_2024):
    """For every 2024 reading with lineage rows, the numerator and denominator rows add up
    to the reading's numerator and denominator (CT2's denominator is the registry's)."""
    db = warehouse_2024
    expected = rows(db, """
        select indicator_code, scope, scope_code, numerator,
            case when indicator_code in ('CT4', 'CT5') then denominator end
        from marts.indicator_values
        where year = 2024 and (indicator_code, scope) in (('CT1', 'audience'), ('CT1', 'ward'),
            ('CT2', 'district'), ('CT4', 'district'), ('CT5', 'district'), ('CT5', 'ward'))
            and numerator is not null
        order by all""")
    assert expected == rows(db, """
        select indicator_code, scope, scope_code,
            sum(value) filter (where counts_as = 'numerator'),
            sum(value) filter (where counts_as = 'denominator')
        from marts.figure_lineage
        where year = 2024 and counts_as <> 'condition'
        group by all order by all""")


def test_ct2_and_ct5_rows_name_the_sheet_row(warehouse_2024):
    """CT2 points at each counted unit's plan answer (row 7 of "Thông tin chung"), CT5 at
    Minh Khai's convention rows 4 and 5; Hạ Lý's draft has no rows."""
    assert [
        ("CT2", "LDTBXH", "Thông tin chung", 7, "action_month_plan", 1.0),
        ("CT2", "P-MINHKHAI", "Thông tin chung", 7, "action_month_plan", 1.0),
        ("CT2", "VHTT", "Thông tin chung", 7, "action_month_plan", 1.0),
        ("CT5", "P-MINHKHAI", "Hương ước, quy ước", 4, "conventions_non_discriminatory", 2.0),
        ("CT5", "P-MINHKHAI", "Hương ước, quy ước", 4, "conventions_total", 2.0),
        ("CT5", "P-MINHKHAI", "Hương ước, quy ước", 5, "conventions_non_discriminatory", 2.0),
        ("CT5", "P-MINHKHAI", "Hương ước, quy ước", 5, "conventions_total", 3.0),
    ] == rows(warehouse_2024, """
        select indicator_code, unit_code, tab, sheet_row, column_key, value
        from marts.figure_lineage
        where year = 2024 and scope = 'district' and counts_as <> 'condition'
            and indicator_code in ('CT2', 'CT5')
        order by all""")
