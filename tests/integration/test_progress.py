"""marts.indicator_progress on hand-made staging rows, every figure worked by hand.

The SQL is tested directly: rows go into the staging tables of a fresh warehouse, then the
models are rebuilt. Figures are rounded to 6 places.

Rates use CT5 per ward (conventions passed with no gender discrimination / conventions
passed): each ward is its own series, targets 0.95 by 2025 and 1.0 by 2030. Assessed year
2026 against the 2030 milestone, base year 2022: observed = (current / base)^(1/4) − 1,
required = (1 / base)^(1/8) − 1, ratio = observed / |required|.
With base 0.5, required = 2^(1/8) − 1 = 0.090508 and gap = (current − 0.5) / 0.5:
- P-A 0.72 (18/25): observed = 1.44^(1/4) − 1 = √1.2 − 1 = 0.095445; ratio 1.054552
  → on_track; gap 0.44.
- P-B 0.64 (16/25): observed = 1.28^(1/4) − 1 = 0.063659; ratio 0.703356
  → acceleration_needed; gap 0.28.
- P-C 0.55 (11/20): observed = 1.1^(1/4) − 1 = 0.024114; ratio 0.266427
  → limited_progress; gap 0.1.
- P-D 0.40 (2/5): observed = 0.8^(1/4) − 1 = −0.054258; ratio −0.599489
  → deterioration; gap −0.2.
- P-E 1.0 (5/5): target met → achieved; observed 2^(1/4) − 1 = 0.189207, ratio 2.090508,
  gap 1.0.
- P-F base 0 (0/4), current 0.5: the base becomes 0.001 in the growth rates only:
  observed = 500^(1/4) − 1 = 3.728708; required = 1000^(1/8) − 1 = 1.371374; ratio
  2.718958 → on_track; gap = (0.5 − 0) / (1 − 0) = 0.5; base_value stays 0.
- P-G first reports in 2026 (1/2): base year = 2026, no earlier value → cannot_assess.
- P-H base 1.0 (5/5), current 0.8 (4/5): target equals base → required 0, no ratio, no
  gap; observed 0.8^(1/4) − 1 = −0.054258 < 0 → deterioration.
- P-N reported 1/2 in 2022 and nothing in 2026 → no_data.
- P-M 0.5 in 2022, 0.9 (9/10) in 2025. Against 2025 (target 0.95, the milestone has come):
  observed = 1.8^(1/3) − 1 = 0.216440, required = 1.9^(1/3) − 1 = 0.238562, ratio
  0.907270, gap 0.4 / 0.45 = 0.888889 → not_achieved. Against 2030: required 0.090508,
  ratio 2.391402, gap 0.8 → on_track.
Binary CT1 in 2026 (target 2 sessions per audience and ward, all groups for the district):
P-A reported 2 law sessions for Cán bộ and 1 for Doanh nghiệp → can_bo achieved,
doanh_nghiep and nguoi_dan not_achieved, district 1/3 not_achieved, ward P-A 0 sessions
not_achieved, ward P-N (nothing received) no_data; no base or growth for binary rows.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from core.registry import DEFAULT_SEEDS_DIR
from warehouse import db

YEARS = range(2022, 2028)
CAN_BO, DOANH_NGHIEP = "Cán bộ, công chức, viên chức", "Doanh nghiệp, người lao động"

# ward → year → (conventions passed, of which with no gender discrimination)
CONVENTIONS: dict[str, dict[int, tuple[int, int]]] = {
    "P-A": {2022: (2, 1), 2026: (25, 18)},
    "P-B": {2022: (2, 1), 2026: (25, 16)},
    "P-C": {2022: (2, 1), 2026: (20, 11)},
    "P-D": {2022: (2, 1), 2026: (5, 2)},
    "P-E": {2022: (2, 1), 2026: (5, 5)},
    "P-F": {2022: (4, 0), 2026: (2, 1)},
    "P-G": {2026: (2, 1)},
    "P-H": {2022: (5, 5), 2026: (5, 4)},
    "P-M": {2022: (2, 1), 2025: (10, 9)},
    "P-N": {2022: (2, 1)},
}


def _submit(con: duckdb.DuckDBPyConnection, year: int, unit: str) -> str:
    snapshot = f"{unit}-{year}"
    con.execute(
        "insert into staging.stg_workbook__submissions (year, unit_code, snapshot_id, "
        "source_ref, is_valid, is_complete, action_month_plan, completed_on, fetched_at) "
        "values (?, ?, ?, ?, true, true, true, ?, ?)",
        [year, unit, snapshot, f"{year}/{unit}.xlsx", date(year, 12, 1),
         datetime(year, 12, 2, 8, 0)])
    return snapshot


def _build(path: Path, seeds: Path, wards: dict[str, dict[int, tuple[int, int]]],
           surveys: dict[int, tuple[int, int]] | None = None,
           outlets: dict[int, list[str]] | None = None) -> duckdb.DuckDBPyConnection:
    """A warehouse whose staging holds the given wards' conventions (each ward expected
    every year of YEARS), LDTBXH's survey rows (respondents, aware) and LDTBXH's media
    outlets (their gender-index levels), models rebuilt."""
    con = db.open_migrated(path)
    for year in YEARS:
        units = [(unit, "ward") for unit in wards] + [("LDTBXH", "agency")]
        for unit, kind in units:
            con.execute("insert into staging.stg_registry__expected_units values "
                        "(?, ?, ?, ?, ?)", [year, unit, unit, kind, date(year, 12, 10)])
        for unit, by_year in wards.items():
            if year in by_year:
                total, fair = by_year[year]
                snapshot = _submit(con, year, unit)
                con.execute("insert into staging.stg_workbook__conventions (year, unit_code, "
                            "snapshot_id, sheet_row, community, conventions_total, "
                            "conventions_non_discriminatory) values (?, ?, ?, 4, 'TDP 1', ?, ?)",
                            [year, unit, snapshot, total, fair])
        if year in (surveys or {}) or year in (outlets or {}):
            snapshot = _submit(con, year, "LDTBXH")
        for row, level in enumerate((outlets or {}).get(year, []), start=4):
            con.execute("insert into staging.stg_workbook__media_outlets (year, unit_code, "
                        "snapshot_id, sheet_row, outlet_name, outlet_type, gender_index_level) "
                        "values (?, 'LDTBXH', ?, ?, ?, 'Bản tin', ?)",
                        [year, snapshot, row, f"Bản tin {row}", level])
        if surveys and year in surveys:
            respondents, aware = surveys[year]
            con.execute("insert into staging.stg_workbook__survey_responses (year, unit_code, "
                        "snapshot_id, sheet_row, audience, respondents, respondents_aware) "
                        "values (?, 'LDTBXH', ?, 4, 'Người dân, cộng đồng', ?, ?)",
                        [year, snapshot, respondents, aware])
    db.rebuild_models(con, seeds)
    return con


def _add_law_sessions(con: duckdb.DuckDBPyConnection, seeds: Path) -> None:
    """P-A's 2026 workbook: 2 law sessions for Cán bộ, 1 for Doanh nghiệp."""
    for row, (audience, sessions) in enumerate([(CAN_BO, 2), (DOANH_NGHIEP, 1)], start=4):
        con.execute("insert into staging.stg_workbook__activities (year, unit_code, snapshot_id, "
                    "sheet_row, activity_code, description, form, audience, sessions, "
                    "is_law_dissemination, is_electronic) values (2026, 'P-A', 'P-A-2026', ?, "
                    "'1a', 'Phổ biến pháp luật', 'Khác', ?, ?, true, false)",
                    [row, audience, sessions])
    db.rebuild_models(con, seeds)


ASSESSMENT = ("select scope_code, base_year, base_value, round(current_value, 6), target, "
              "round(observed_cagr, 6), round(required_cagr, 6), round(progress_ratio, 6), "
              "round(gap_closed_share, 6), status from marts.indicator_progress ")


@pytest.fixture(scope="module")
def wards_db(tmp_path_factory):
    con = _build(tmp_path_factory.mktemp("progress") / "w.duckdb", DEFAULT_SEEDS_DIR,
                 CONVENTIONS)
    _add_law_sessions(con, DEFAULT_SEEDS_DIR)
    yield con
    con.close()


def test_rate_bands_against_2030(wards_db):
    """Each status band of a rate, a met target, a base of 0 (0.001 in the growth rates),
    a single year of data, a target equal to the base, and no data, all as worked out by
    hand in the module docstring (2026 against the 2030 milestone)."""
    expected = [
        ("P-A", 2022, 0.5, 0.72, 1.0, 0.095445, 0.090508, 1.054552, 0.44, "on_track"),
        ("P-B", 2022, 0.5, 0.64, 1.0, 0.063659, 0.090508, 0.703356, 0.28,
         "acceleration_needed"),
        ("P-C", 2022, 0.5, 0.55, 1.0, 0.024114, 0.090508, 0.266427, 0.1, "limited_progress"),
        ("P-D", 2022, 0.5, 0.4, 1.0, -0.054258, 0.090508, -0.599489, -0.2, "deterioration"),
        ("P-E", 2022, 0.5, 1.0, 1.0, 0.189207, 0.090508, 2.090508, 1.0, "achieved"),
        ("P-F", 2022, 0.0, 0.5, 1.0, 3.728708, 1.371374, 2.718958, 0.5, "on_track"),
        ("P-G", 2026, 0.5, 0.5, 1.0, None, None, None, None, "cannot_assess"),
        ("P-H", 2022, 1.0, 0.8, 1.0, -0.054258, 0.0, None, None, "deterioration"),
        ("P-M", 2022, 0.5, None, 1.0, None, None, None, None, "no_data"),
        ("P-N", 2022, 0.5, None, 1.0, None, None, None, None, "no_data"),
    ]
    assert expected == wards_db.execute(
        ASSESSMENT + "where indicator_code = 'CT5' and scope = 'ward' and year = 2026 "
        "and milestone_year = 2030 order by scope_code").fetchall()


def test_milestone_year_come_is_not_achieved(wards_db):
    """P-M in 2025: below the 2025 target (0.95) in the milestone year itself → not_achieved
    although its growth ratio is 0.907270; against 2030 the same value is on_track."""
    expected = [
        (2025, "P-M", 2022, 0.5, 0.9, 0.95, 0.21644, 0.238562, 0.90727, 0.888889,
         "not_achieved"),
        (2030, "P-M", 2022, 0.5, 0.9, 1.0, 0.21644, 0.090508, 2.391402, 0.8, "on_track"),
    ]
    assert expected == [
        (row[0], *row[1:]) for row in wards_db.execute(
            "select milestone_year, " + ASSESSMENT.removeprefix("select ")
            + "where indicator_code = 'CT5' and scope = 'ward' and scope_code = 'P-M' "
            "and year = 2025 order by milestone_year").fetchall()]


def test_binary_ct1_is_achieved_or_not(wards_db):
    """CT1 in 2026 against 2030: achieved when the sessions reach the target, else
    not_achieved; a ward with nothing received is no_data; no growth figures."""
    expected = [
        ("audience", "can_bo", None, 2.0, 2.0, None, None, "achieved"),
        ("audience", "doanh_nghiep", None, 1.0, 2.0, None, None, "not_achieved"),
        ("audience", "nguoi_dan", None, 0.0, 2.0, None, None, "not_achieved"),
        ("district", "QUAN", None, 0.333333, 1.0, None, None, "not_achieved"),
        ("ward", "P-A", None, 0.0, 2.0, None, None, "not_achieved"),
        ("ward", "P-N", None, None, 2.0, None, None, "no_data"),
    ]
    assert expected == wards_db.execute(
        "select scope, scope_code, base_year, round(current_value, 6), target, observed_cagr, "
        "progress_ratio, status from marts.indicator_progress where indicator_code = 'CT1' "
        "and year = 2026 and milestone_year = 2030 and scope_code in "
        "('can_bo', 'doanh_nghiep', 'nguoi_dan', 'QUAN', 'P-A', 'P-N') "
        "order by scope, scope_code").fetchall()


def test_rows_from_the_first_milestone_on(wards_db):
    """Only collected years from 2025 on, one row per milestone of each indicator and scope:
    CT3 has only the 2030 milestone, the others 2025 and 2030."""
    expected = [
        ("CT1", "district", 2025, 2), ("CT1", "district", 2026, 2), ("CT1", "district", 2027, 2),
        ("CT2", "district", 2025, 2), ("CT2", "district", 2026, 2), ("CT2", "district", 2027, 2),
        ("CT3", "district", 2025, 1), ("CT3", "district", 2026, 1), ("CT3", "district", 2027, 1),
        ("CT4", "district", 2025, 2), ("CT4", "district", 2026, 2), ("CT4", "district", 2027, 2),
        ("CT5", "district", 2025, 2), ("CT5", "district", 2026, 2), ("CT5", "district", 2027, 2),
    ]
    assert expected == wards_db.execute(
        "select indicator_code, scope, year, count(*) from marts.indicator_progress "
        "where scope = 'district' group by all order by all").fetchall()


def test_target_zero_is_met_and_replaced_by_0_001(tmp_path):
    """With a 2030 ward target of 0 (a changed seed), any value meets it; the growth rates
    use 0.001: P-D (0.5 → 0.4) required = (0.001 / 0.5)^(1/8) − 1 = −0.540137, ratio =
    −0.054258 / 0.540137 = −0.100453, gap = (0.4 − 0.5) / (0 − 0.5) = 0.2; P-Z (0 → 0):
    base and target both 0, so required = (0.001 / 0.001)^(1/8) − 1 = 0, no ratio, no gap."""
    seeds = tmp_path / "seeds"
    shutil.copytree(DEFAULT_SEEDS_DIR, seeds)
    targets = (seeds / "indicator_targets.csv").read_text(encoding="utf-8")
    (seeds / "indicator_targets.csv").write_text(
        targets.replace("CT5,ward,2030,1.0,", "CT5,ward,2030,0,"), encoding="utf-8")
    con = _build(tmp_path / "t.duckdb", seeds,
                 {"P-D": CONVENTIONS["P-D"], "P-Z": {2022: (3, 0), 2026: (3, 0)}})
    expected = [
        ("P-D", 2022, 0.5, 0.4, 0.0, -0.054258, -0.540137, -0.100453, 0.2, "achieved"),
        ("P-Z", 2022, 0.0, 0.0, 0.0, -1.0, 0.0, None, None, "achieved"),
    ]
    assert expected == con.execute(
        ASSESSMENT + "where indicator_code = 'CT5' and scope = 'ward' and year = 2026 "
        "and milestone_year = 2030 order by scope_code").fetchall()


def test_ct3_relative_target_from_the_2025_survey(tmp_path):
    """CT3's 2030 target is the 2025 survey × 1.15 (the 2022 survey is not the base):
    2022 0.80, 2025 0.60, 2027 0.63 → target 0.69; 2027: observed (0.63 / 0.6)^(1/2) − 1 =
    0.024695, required 1.15^(1/5) − 1 = 0.028347, ratio 0.871179 → acceleration_needed,
    gap 0.03 / 0.09 = 0.333333. 2025 is the base year itself → cannot_assess; 2026 has no
    survey → no_data."""
    con = _build(tmp_path / "c.duckdb", DEFAULT_SEEDS_DIR, {},
                 surveys={2022: (100, 80), 2025: (100, 60), 2027: (100, 63)})
    expected = [
        (2025, 2025, 0.6, 0.6, 0.69, None, None, None, None, "cannot_assess"),
        (2026, 2025, 0.6, None, 0.69, None, None, None, None, "no_data"),
        (2027, 2025, 0.6, 0.63, 0.69, 0.024695, 0.028347, 0.871179, 0.333333,
         "acceleration_needed"),
    ]
    assert expected == con.execute(
        "select year, base_year, base_value, current_value, round(target, 6), "
        "round(observed_cagr, 6), round(required_cagr, 6), round(progress_ratio, 6), "
        "round(gap_closed_share, 6), status from marts.indicator_progress "
        "where indicator_code = 'CT3' order by year").fetchall()


def test_ct3_relative_target_is_capped_at_100_percent(tmp_path):
    """A 2025 survey of 0.90 gives 0.90 × 1.15 = 1.035, capped at 1.0; 2027 0.95: observed
    (0.95 / 0.9)^(1/2) − 1 = 0.027402, required (1 / 0.9)^(1/5) − 1 = 0.021296, ratio
    1.286755 → on_track, gap 0.05 / 0.1 = 0.5."""
    con = _build(tmp_path / "c.duckdb", DEFAULT_SEEDS_DIR, {},
                 surveys={2025: (100, 90), 2027: (100, 95)})
    expected = [(2027, 2025, 0.9, 0.95, 1.0, 0.027402, 0.021296, 1.286755, 0.5, "on_track")]
    assert expected == con.execute(
        "select year, base_year, base_value, current_value, target, "
        "round(observed_cagr, 6), round(required_cagr, 6), round(progress_ratio, 6), "
        "round(gap_closed_share, 6), status from marts.indicator_progress "
        "where indicator_code = 'CT3' and year = 2027").fetchall()


def test_ct4_is_measured_as_each_milestone_asks(tmp_path):
    """CT4 counts pilot or official outlets against 2025 (target 0.70) and official ones
    only against 2030 (target 0.90), for the base year too. 2022: 1 official, 1 pilot,
    2 none; 2026: 2 official, 2 pilot.
    Against 2025: base 2/4 = 0.5, current 4/4 = 1.0 → achieved; observed 2^(1/4) − 1 =
    0.189207, required (0.7 / 0.5)^(1/3) − 1 = 0.118689, ratio 1.594143, gap 0.5 / 0.2 = 2.5.
    Against 2030: base 1/4 = 0.25, current 2/4 = 0.5; observed 2^(1/4) − 1 = 0.189207,
    required (0.9 / 0.25)^(1/8) − 1 = 0.173648, ratio 1.089602 → on_track, gap 0.25 / 0.65 =
    0.384615."""
    levels = ["Chính thức", "Thí điểm", "Chưa áp dụng", "Chưa áp dụng"]
    con = _build(tmp_path / "o.duckdb", DEFAULT_SEEDS_DIR, {},
                 outlets={2022: levels, 2026: ["Chính thức", "Chính thức", "Thí điểm",
                                               "Thí điểm"]})
    expected = [
        (2025, 2022, 0.5, 1.0, 0.7, 0.189207, 0.118689, 1.594143, 2.5, "achieved"),
        (2030, 2022, 0.25, 0.5, 0.9, 0.189207, 0.173648, 1.089602, 0.384615, "on_track"),
    ]
    assert expected == con.execute(
        "select milestone_year, base_year, base_value, current_value, target, "
        "round(observed_cagr, 6), round(required_cagr, 6), round(progress_ratio, 6), "
        "round(gap_closed_share, 6), status from marts.indicator_progress "
        "where indicator_code = 'CT4' and year = 2026 order by milestone_year").fetchall()
