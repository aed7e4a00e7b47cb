"""The command line, and a run killed in the middle of the load (small registry)."""

import subprocess
import sys

import duckdb
import pytest

from tests.workbooks import report_workbook

ACTIVITY = {"activity_code": "1a", "description": "Mít tinh", "form": "Khác",
            "audience": "Người dân, cộng đồng", "sessions": 2, "is_law_dissemination": "Có"}
TABLES = ("staging.stg_workbook__activities", "staging.stg_workbook__submissions",
          "quality.issues", "marts.submission_status", "marts.indicator_values")


def _cli(env, *args, crash: str | None = None):
    run_env = dict(env)
    if crash:
        run_env["PIPELINE_CRASH_AT"] = crash
    return subprocess.run([sys.executable, "-m", "flows.annual_report", *args], env=run_env,
                          capture_output=True, text=True, timeout=300)


def _state(db):
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.execute(f"select * from {t} order by all").fetchall() for t in TABLES}


@pytest.fixture()
def folders(tmp_path, small_registry):
    reports = tmp_path / "reports"
    for unit in ("LDTBXH", "VHTT", "P-MINHKHAI"):
        report_workbook(reports / "2024" / f"{unit}.xlsx", unit, 2024, activities=[ACTIVITY])
    args = ["--year", "2024", "--reports-dir", str(reports), "--warehouse",
            str(tmp_path / "w.duckdb"), "--output-dir", str(tmp_path / "out"),
            "--seeds-dir", str(small_registry)]
    return reports, tmp_path / "w.duckdb", args


def test_cli_prints_a_short_vietnamese_summary(subprocess_env, folders):
    """The command exits 0, prints the completeness line and the indicator line, no
    traceback, and writes the DuckDB file; bad or missing reports are not a failure."""
    _, db, args = folders
    done = _cli(subprocess_env, *args)
    assert 0 == done.returncode, done.stderr
    assert "Năm 2024: 4 đơn vị phải báo cáo — đã nộp 3 (muộn 0), bản nháp 0, không hợp lệ 0, " \
           "chưa nộp 1." in done.stdout
    assert "Chỉ tiêu: CT1 " in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert db.exists()


def test_killed_load_leaves_the_previous_tables(subprocess_env, folders):
    """A run killed (SIGKILL) in the middle of the load leaves staging, quality and marts as
    the previous run left them. Killed in the indicators stage, after its load: P-HALY's
    rows are in staging, the marts are still the previous ones. The next run gives P-HALY
    in the marts."""
    reports, db, args = folders
    assert 0 == _cli(subprocess_env, *args).returncode
    before = _state(db)
    report_workbook(reports / "2024" / "P-HALY.xlsx", "P-HALY", 2024, activities=[ACTIVITY])
    killed = _cli(subprocess_env, *args, crash="load")
    assert -9 == killed.returncode
    assert before == _state(db)
    killed = _cli(subprocess_env, *args, crash="indicators")
    assert -9 == killed.returncode
    loaded = _state(db)
    assert [("LDTBXH",), ("P-HALY",), ("P-MINHKHAI",), ("VHTT",)] == sorted(
        {(row[1],) for row in loaded["staging.stg_workbook__activities"]})
    for mart in ("marts.submission_status", "marts.indicator_values"):
        assert before[mart] == loaded[mart]
    assert 0 == _cli(subprocess_env, *args).returncode
    with duckdb.connect(str(db), read_only=True) as con:
        assert [("P-HALY", "received")] == con.execute(
            "select unit_code, status from marts.submission_status "
            "where unit_code = 'P-HALY'").fetchall()
