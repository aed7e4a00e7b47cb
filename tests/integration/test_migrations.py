"""The warehouse's schema steps on real DuckDB files: a new warehouse is created at the
latest version, an old one migrates in order and all or nothing, stages' connections do no
DDL, and a row field that its table lacks is refused."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.warehouses import unpack_legacy
from warehouse import db

VERSIONS = [(1, "tables"), (2, "fetches_source_version"), (3, "own_write_versions"),
            (4, "quarantine_row_shown"), (5, "register_reads_version"),
            (6, "cells_without_key")]
# what migrations 2–5 add, in the order a warehouse of today's tables has them
ADDED = [("quality", "quarantine", "row_shown"), ("raw", "feedback_writes", "sheet_id"),
         ("raw", "feedback_writes", "expected_version"), ("raw", "fetches", "drive_version"),
         ("raw", "fetches", "source_version"), ("raw", "register_reads", "drive_version"),
         ("raw", "register_reads", "expected_version")]


def schema(path: Path) -> tuple[list[tuple], list[tuple]]:
    """Columns (name, position, type, nullable, default) and constraints of every table of
    raw, staging, quality and ops."""
    with duckdb.connect(str(path), read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name, ordinal_position, data_type, "
            "is_nullable, column_default from information_schema.columns "
            "where table_schema in ('raw', 'staging', 'quality', 'ops') order by all").fetchall()
        constraints = con.execute(
            "select schema_name, table_name, constraint_type, constraint_column_names "
            "from duckdb_constraints() where schema_name in ('raw', 'staging', 'quality', "
            "'ops') order by all").fetchall()
    return columns, constraints


def versions(path: Path) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select version, name, how from ops.schema_version "
                           "order by version").fetchall()


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    """A new warehouse, migrated once."""
    path = tmp_path_factory.mktemp("fresh") / "w.duckdb"
    assert [1, 2, 3, 4, 5, 6] == db.migrate_file(path)
    return path


def test_a_new_warehouse_is_created_at_the_latest_version(fresh):
    """Every version is recorded as created (the table files already hold migrations 2–5);
    every table of raw, staging, quality and ops is there, empty."""
    assert [(v, n, "created") for v, n in VERSIONS] == versions(fresh)
    with duckdb.connect(str(fresh), read_only=True) as con:
        tables = con.execute("select table_schema || '.' || table_name from "
                             "information_schema.tables where table_schema in ('raw', 'staging', "
                             "'quality', 'ops') order by 1").fetchall()
    assert 17 == len(tables) and ("ops.schema_version",) in tables


def test_a_warehouse_made_before_versioning_migrates_to_the_same_schema(fresh, tmp_path):
    """The demo year 2024 as the code of 540d559 stored it: versions 1–6 migrated in one
    step; the schema (columns in order, types, defaults, keys) is the new warehouse's; every
    row kept; the next migration applies nothing."""
    legacy = unpack_legacy(tmp_path / "legacy.duckdb")
    count = "select (select count(*) from raw.cells), (select count(*) from raw.fetches)"
    with duckdb.connect(str(legacy), read_only=True) as con:
        held = con.execute(count).fetchall()
    assert [1, 2, 3, 4, 5, 6] == db.migrate_file(legacy)
    assert [(v, n, "migrated") for v, n in VERSIONS] == versions(legacy)
    assert schema(fresh) == schema(legacy)
    with duckdb.connect(str(legacy), read_only=True) as con:
        assert held == con.execute(count).fetchall()
    assert [] == db.migrate_file(legacy)


def test_an_older_warehouse_gets_each_migration_in_order(fresh, tmp_path):
    """A warehouse from before migrations 2–5 existed (their columns dropped from the old
    one): the migrations add them back; old rows read null there."""
    legacy = unpack_legacy(tmp_path / "older.duckdb")
    with duckdb.connect(str(legacy)) as con:
        for schema_name, table, column in ADDED:
            con.execute(f"alter table {schema_name}.{table} drop column {column}")
    db.migrate_file(legacy)
    columns, constraints = schema(legacy)
    # added at the end, in migration order: only the column order may differ
    assert sorted((c[:3], c[4:]) for c in columns) == sorted(
        (c[:3], c[4:]) for c in schema(fresh)[0])
    assert schema(fresh)[1] == constraints
    with duckdb.connect(str(legacy), read_only=True) as con:
        assert [(21, 0)] == con.execute(
            "select count(*), count(source_version) from raw.fetches").fetchall()


def test_a_failing_migration_leaves_the_warehouse_as_it_was(tmp_path, monkeypatch):
    """A migration 7 that fails: nothing of 1–6 is recorded or applied either, and the
    error names the migration's file."""
    legacy = unpack_legacy(tmp_path / "legacy.duckdb")
    before = schema(legacy)
    folder = tmp_path / "migrations"
    shutil.copytree(db.MIGRATIONS_DIR, folder)
    (folder / "0007_broken.sql").write_text("alter table raw.nowhere add column x integer;\n")
    monkeypatch.setattr(db, "MIGRATIONS_DIR", folder)
    with pytest.raises(db.MigrationFailed) as caught:
        db.migrate_file(legacy)
    assert str(caught.value).startswith(f"{folder / '0007_broken.sql'}: Catalog Error: Table "
                                        "with name nowhere does not exist")
    assert before == schema(legacy)
    with duckdb.connect(str(legacy), read_only=True) as con:
        assert [] == con.execute("select * from information_schema.tables "
                                 "where table_name = 'schema_version'").fetchall()


def test_a_new_migration_applies_to_a_current_warehouse_only_once(fresh, tmp_path,
                                                                   monkeypatch):
    """Migration 7 on a warehouse at version 6: applied and recorded as migrated; again:
    nothing. A gap in the numbering is refused."""
    path = tmp_path / "w.duckdb"
    shutil.copy(fresh, path)
    folder = tmp_path / "migrations"
    shutil.copytree(db.MIGRATIONS_DIR, folder)
    (folder / "0007_flow_runs_note.sql").write_text(
        "alter table ops.flow_runs add column note varchar;\n")
    monkeypatch.setattr(db, "MIGRATIONS_DIR", folder)
    assert [7] == db.migrate_file(path)
    assert [] == db.migrate_file(path)
    assert (7, "flow_runs_note", "migrated") == versions(path)[-1]
    with duckdb.connect(str(path), read_only=True) as con:
        assert [("note",)] == con.execute(
            "select column_name from information_schema.columns where table_name = "
            "'flow_runs' and column_name = 'note'").fetchall()
    (folder / "0009_gap.sql").write_text("select 1;\n")
    with pytest.raises(RuntimeError, match=r"without gaps, found \[1, 2, 3, 4, 5, 6, 7, 9\]"):
        db.migrate_file(path)


def test_a_stage_connects_without_ddl_and_only_to_a_current_warehouse(fresh, tmp_path,
                                                                      monkeypatch):
    """`connect` reads no table file (made unreadable here) and changes nothing; it refuses
    a missing warehouse (without creating it), one made before versioning, and a run meeting
    a warehouse newer than its code is refused at its start naming the setting."""
    def no_table_files(layer):
        raise AssertionError(f"a connection read the table files of {layer}")

    monkeypatch.setattr(db, "sql_files", no_table_files)
    before = schema(fresh)
    with db.connect(fresh) as con:
        assert 6 == db.schema_version(con)
    assert [] == db.migrate_file(fresh)  # current: nothing read, nothing changed
    assert before == schema(fresh)
    with pytest.raises(db.SchemaNotCurrent, match="không có kho dữ liệu"):
        db.connect(tmp_path / "none.duckdb")
    assert not (tmp_path / "none.duckdb").exists()
    legacy = unpack_legacy(tmp_path / "legacy.duckdb")
    with pytest.raises(db.SchemaNotCurrent) as caught:
        db.connect(legacy)
    assert (f"kho dữ liệu {legacy} ở phiên bản lược đồ None, chương trình cần 6: quy trình "
            "phải cập nhật kho (warehouse.db.migrate_file) trước khi các bước mở nó"
            ) == str(caught.value)
    newer = tmp_path / "newer.duckdb"
    shutil.copy(fresh, newer)
    with duckdb.connect(str(newer)) as con:
        con.execute("insert into ops.schema_version values (7, 'later', 'migrated', now())")
    with pytest.raises(db.WarehouseUnavailable) as refused:
        db.migrate_file(newer)
    assert ("HB_WAREHOUSE: kho dữ liệu ở phiên bản lược đồ 7, mới hơn phiên bản 6 của chương "
            "trình này; cập nhật chương trình rồi chạy lại") == str(refused.value)


def test_a_row_field_the_table_lacks_is_refused_and_nothing_is_replaced(fresh, tmp_path):
    """replace_year with an activity row carrying `venue` (no such column in
    staging.stg_workbook__activities): UnknownColumns naming table, column and file; the
    year's earlier rows stay (one transaction)."""
    path = tmp_path / "w.duckdb"
    shutil.copy(fresh, path)
    expected = {"year": 2024, "unit_code": "LDTBXH", "unit_name": "Phòng Lao động",
                "unit_kind": "agency", "deadline_on": date(2024, 12, 10)}
    activity = {"year": 2024, "unit_code": "LDTBXH", "snapshot_id": "s1", "sheet_row": 4,
                "activity_code": "1a", "description": "Mít tinh", "form": "Khác",
                "audience": "Người dân, cộng đồng", "sessions": 2,
                "is_law_dissemination": True, "is_electronic": False}
    with db.connect(path) as con:
        db.replace_year(con, 2024, {"staging.stg_registry__expected_units": [expected],
                                    "staging.stg_workbook__activities": [activity]})
        with pytest.raises(db.UnknownColumns) as caught:
            db.replace_year(con, 2024, {"staging.stg_registry__expected_units": [],
                                        "staging.stg_workbook__activities": [
                                            {**activity, "sheet_row": 5, "venue": "Hội trường"}]})
        kept = con.execute("select unit_code, sheet_row from staging.stg_workbook__activities "
                           "union all select unit_code, 0 from "
                           "staging.stg_registry__expected_units").fetchall()
    assert ("staging.stg_workbook__activities has no column venue: add it to "
            "warehouse/staging/stg_workbook__activities.sql and a migration "
            "(warehouse/migrations/), or stop filling it") == str(caught.value)
    assert [("LDTBXH", 4), ("LDTBXH", 0)] == kept
