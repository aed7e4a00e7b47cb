"""Expected reports of a year from the registry (core.registry)."""

import shutil
from datetime import date
from pathlib import Path

from core.registry import DEFAULT_SEEDS_DIR, expected_units, read_registry

FIXTURES = Path(__file__).parent.parent / "fixtures"


def reorganised_seeds(target: Path) -> Path:
    """The default seeds with the real 2025 reorganisation of units (DOMAIN.md)."""
    shutil.copytree(DEFAULT_SEEDS_DIR, target)
    shutil.copy(FIXTURES / "units_reorganised_2025.csv", target / "units.csv")
    return target


def test_default_registry_expects_12_agencies_and_9_wards():
    """The plan's structure: 13 agencies of which HHDN does not report, and 9 wards."""
    units = expected_units(read_registry(), 2024)
    assert (12, 9) == (sum(u.kind == "agency" for u in units),
                       sum(u.kind == "ward" for u in units))
    assert "HHDN" not in {u.code for u in units}


def test_reorganised_registry_gives_the_units_active_on_each_deadline(tmp_path):
    """With the 2025 changes (Hạ Lý and Trại Chuối leave on 01/01/2025, the district level
    ends on 30/06/2025, phường Hồng Bàng and Hồng An start on 01/07/2025), 2024 expects the
    21 units of the plan and 2025 only the two new wards; closed units are not expected."""
    registry = read_registry(reorganised_seeds(tmp_path / "seeds"))
    in_2024 = {u.code for u in expected_units(registry, 2024)}
    in_2025 = {u.code for u in expected_units(registry, 2025)}
    assert 21 == len(in_2024)
    assert {"P-HALY", "P-TRAICHUOI", "LDTBXH"} <= in_2024
    assert {"P-HONGBANG", "P-HONGAN"} == in_2025
    ha_ly = registry.unit("P-HALY")
    assert (True, False) == (ha_ly.active_on(date(2024, 12, 10)), ha_ly.active_on(date(2025, 1, 1)))
    assert ("P-HONGBANG",) == registry.unit("P-MINHKHAI").successor_codes


def test_closed_units_are_never_counted_missing(prefect_api, tmp_path):
    """A 2025 run with the reorganised registry expects only the two new wards: Hồng Bàng
    sent its report, Hồng An did not; none of the closed units appears as missing."""
    import duckdb

    from flows.annual_report import annual_report
    from tests.runs import flow_paths
    from tests.workbooks import report_workbook

    seeds = reorganised_seeds(tmp_path / "seeds")
    report_workbook(tmp_path / "reports" / "2025" / "P-HONGBANG.xlsx", "P-HONGBANG", 2025,
                    completed_on="05/12/2025", activities=[
                        {"activity_code": "1a", "description": "Mít tinh", "form": "Khác",
                         "audience": "Người dân, cộng đồng", "sessions": 1,
                         "started_on": "15/11/2025"}])
    annual_report(year=2025, **flow_paths(tmp_path, seeds))
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert [("P-HONGAN", "missing"), ("P-HONGBANG", "received")] == con.execute(
            "select unit_code, status from marts.submission_status order by 1").fetchall()
