"""Freezing and unfreezing a year by command (flows.freeze): a change made after the freeze
is not counted; once the freeze is lifted (its time and reason kept in raw.unfreezes) and
the year re-run, it is."""

from __future__ import annotations

import duckdb

from core.registry import LOCAL_TZ
from tests.runs import flow_paths
from tests.workbooks import report_workbook


def _activity(sessions: int) -> dict:
    return {"activity_code": "1a", "description": "Mít tinh", "form": "Khác",
            "audience": "Người dân, cộng đồng", "sessions": sessions}


def _sessions(warehouse) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select unit_code, sessions from staging.stg_workbook__activities "
                           "order by unit_code").fetchall()


def test_unfrozen_year_counts_the_late_change_after_a_rerun(prefect_api, small_registry,
                                                            tmp_path, capsys):
    """LDTBXH reports 2 sessions; the year is frozen by command; LDTBXH changes to 5: a
    re-run still counts 2. `unfreeze` with a reason, then a re-run counts 5; `status` tells
    the story; a second `unfreeze` says there is nothing to lift and exits 1."""
    from flows.annual_report import annual_report
    from flows.freeze import main

    workbook = tmp_path / "reports" / "2025" / "LDTBXH.xlsx"
    warehouse = tmp_path / "w.duckdb"
    paths = flow_paths(tmp_path, small_registry)
    report_workbook(workbook, "LDTBXH", 2025, activities=[_activity(2)])
    annual_report(year=2025, **paths)
    assert 0 == main(["freeze", "--year", "2025", "--warehouse", str(warehouse)])
    report_workbook(workbook, "LDTBXH", 2025, activities=[_activity(5)])
    annual_report(year=2025, **paths)
    assert [("LDTBXH", 2)] == _sessions(warehouse)

    assert 0 == main(["unfreeze", "--year", "2025", "--reason", "Bổ sung đến 15/12",
                      "--warehouse", str(warehouse)])
    annual_report(year=2025, **paths)
    assert [("LDTBXH", 5)] == _sessions(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert [] == con.execute("select * from raw.freezes").fetchall()
        [(year, frozen_at, unfrozen_at, reason)] = con.execute(
            "select * from raw.unfreezes").fetchall()
    assert (2025, "Bổ sung đến 15/12") == (year, reason)
    assert frozen_at < unfrozen_at
    frozen_at, unfrozen_at = frozen_at.astimezone(LOCAL_TZ), unfrozen_at.astimezone(LOCAL_TZ)
    capsys.readouterr()

    assert 0 == main(["status", "--warehouse", str(warehouse)])
    assert 1 == main(["unfreeze", "--year", "2025", "--reason", "lần hai",
                      "--warehouse", str(warehouse)])
    out, err = capsys.readouterr()
    assert [f"Năm 2025: lần chốt lúc {frozen_at:%d/%m/%Y %H:%M} đã được mở lại lúc "
            f"{unfrozen_at:%d/%m/%Y %H:%M} (lý do: Bổ sung đến 15/12)."] == out.splitlines()
    assert "Năm 2025 chưa được chốt: không có gì để mở lại.\n" == err
