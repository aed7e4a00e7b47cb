"""A warehouse made before versioned migrations (tests/fixtures/: the demo year 2024 run by
the code of commit 540d559, when every connection re-ran the table files) migrates at the
start of the next run, keeps what it held, and gives the same marts."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tests.warehouses import unpack_legacy


def _marts(path: Path, columns: dict[str, list[str]] | None = None
           ) -> tuple[dict[str, list[str]], dict[str, list[tuple]]]:
    """Each mart's columns (those given, else all) and rows in a stable order: a column that
    a later change adds to a mart does not hide a change in the old ones."""
    with duckdb.connect(str(path), read_only=True) as con:
        if columns is None:
            columns = {}
            for table, column in con.execute(
                    "select table_name, column_name from information_schema.columns where "
                    "table_schema = 'marts' order by table_name, ordinal_position").fetchall():
                columns.setdefault(table, []).append(column)
        rows = {name: con.execute(f"select {', '.join(cols)} from marts.{name} order by all")
                .fetchall() for name, cols in columns.items()}
    return columns, rows


def test_the_annual_run_migrates_an_old_warehouse_and_gives_the_same_marts(
        tmp_path, prefect_api, monkeypatch, capsys):
    """`python -m flows.annual_report --year 2024` on the old warehouse, with the same demo
    workbooks: exit 0; versions 1–6 recorded as migrated; the 21 snapshots kept and none
    added (same content); the 21 fetches of the first run kept, 21 more logged; the first
    run's row in ops.flow_runs kept beside the new one; every mart identical, row for row."""
    from demo.generate import generate
    from flows.annual_report import main

    for name in ("HB_YEAR", "HB_REPORTS_DIR", "HB_WAREHOUSE", "HB_OUTPUT_DIR", "HB_SEEDS_DIR",
                 "HB_SOURCE", "HB_SETTINGS_FILE", "HB_ANALYST_DIR"):
        monkeypatch.delenv(name, raising=False)
    warehouse = unpack_legacy(tmp_path / "data" / "warehouse.duckdb")
    columns, before = _marts(warehouse)
    assert 7 == len(before) and 21 == len(before["submission_status"])
    generate(tmp_path / "reports", [2024])
    code = main(["--year", "2024", "--reports-dir", str(tmp_path / "reports"),
                 "--warehouse", str(warehouse), "--output-dir", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert (0, "") == (code, err), out
    assert ("Năm 2024: 21 đơn vị phải báo cáo — đã nộp 20 (muộn 2), bản nháp 1, không hợp lệ 0, "
            "chưa nộp 0.") in out.splitlines()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert [(1, "tables", "migrated"), (2, "fetches_source_version", "migrated"),
                (3, "own_write_versions", "migrated"), (4, "quarantine_row_shown", "migrated"),
                (5, "register_reads_version", "migrated"),
                (6, "cells_without_key", "migrated")] == con.execute(
            "select version, name, how from ops.schema_version order by version").fetchall()
        # version 6 made raw.cells again without its key, every cell kept once
        assert [] == con.execute(
            "select constraint_type from duckdb_constraints() where schema_name = 'raw' "
            "and table_name = 'cells' and constraint_type = 'PRIMARY KEY'").fetchall()
        assert [(0,)] == con.execute(
            "select count(*) from (select snapshot_id, tab_index, row_number, column_number "
            "from raw.cells group by all having count(*) > 1)").fetchall()
        assert [(21, 42)] == con.execute(
            "select (select count(*) from raw.snapshots), "
            "(select count(*) from raw.fetches where outcome = 'snapshot')").fetchall()
        assert [("COMPLETED",), ("COMPLETED",)] == con.execute(
            "select state from ops.flow_runs order by started_at").fetchall()
    assert before == _marts(warehouse, columns)[1]
