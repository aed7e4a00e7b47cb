"""Reads and writes of the raw layer that the pull, the feedback and the register need
(the tables themselves are defined in `warehouse/raw/*.sql`). Snapshots and the fetch log
are written by `warehouse.db.store_pull`, the one write path of every source."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import duckdb

Connection = duckdb.DuckDBPyConnection


# --- snapshots and fetches ---------------------------------------------------------------


def snapshot_content(con: Connection, snapshot_id: str) -> bytes:
    """The content kept for a snapshot (b"" when there is no such snapshot)."""
    row = con.execute("select content from raw.snapshots where snapshot_id = ?",
                      [snapshot_id]).fetchone()
    return bytes(row[0]) if row else b""


def latest_good_fetches(con: Connection, year: int, source_kind: str) -> list[tuple]:
    """Each unit's latest good fetch of `year` from `source_kind`, with the version our
    own feedback write since should have left: (unit_code, source_ref, source_version,
    snapshot_id, tab_names, spreadsheet_id written to, expected_version). A unit appears
    once per spreadsheet written to after its fetch (or once with nulls)."""
    return con.execute(
        """
        with latest as (
            select f.unit_code, s.source_ref, f.source_version, f.snapshot_id, s.tab_names,
                f.fetched_at
            from raw.fetches as f join raw.snapshots as s using (snapshot_id)
            where f.year = $year and f.outcome = 'snapshot' and s.source_kind = $kind
            qualify row_number() over (partition by f.unit_code order by f.fetch_id desc) = 1
        ),
        own_writes as (
            select unit_code, spreadsheet_id, expected_version, written_at
            from raw.feedback_writes
            where year = $year and outcome = 'written'
            qualify row_number() over (partition by unit_code, spreadsheet_id
                                       order by written_at desc) = 1
        )
        select l.unit_code, l.source_ref, l.source_version, l.snapshot_id, l.tab_names,
            w.spreadsheet_id, w.expected_version
        from latest as l
        left join own_writes as w
            on w.unit_code = l.unit_code and w.written_at >= l.fetched_at
        """,
        {"year": year, "kind": source_kind},
    ).fetchall()


def latest_fetch_versions(con: Connection, year: int, source_kind: str) -> list[tuple]:
    """Each unit's latest good fetch of `year` from `source_kind`: (unit_code,
    source_ref, drive_version, fetched_at)."""
    return con.execute(
        """
        select f.unit_code, s.source_ref, f.drive_version, f.fetched_at
        from raw.fetches as f join raw.snapshots as s using (snapshot_id)
        where f.year = ? and f.outcome = 'snapshot' and s.source_kind = ?
        qualify row_number() over (partition by f.unit_code order by f.fetch_id desc) = 1
        """, [year, source_kind]).fetchall()


def failed_fetches(con: Connection, year: int) -> list[tuple]:
    """The failed fetches and register problems of the year's latest pull, in the order
    logged: (unit_code, outcome, detail, the unit's latest good fetch time or None)."""
    return con.execute(
        """
        with last_pull as (
            select max(fetched_at) as pulled_at from raw.fetches where year = $year
        ),
        good as (
            select unit_code, max(fetched_at) as good_at
            from raw.fetches where year = $year and outcome = 'snapshot' group by unit_code
        )
        select f.unit_code, f.outcome, f.detail, good.good_at
        from raw.fetches as f
        left join good using (unit_code)
        where f.year = $year and f.outcome in ('error', 'register')
            and f.fetched_at = (select pulled_at from last_pull)
        order by f.unit_code, f.fetch_id
        """,
        {"year": year},
    ).fetchall()


# --- the register spreadsheet ------------------------------------------------------------


def latest_register_read(con: Connection, spreadsheet_id: str
                         ) -> tuple[str, list, int | None, int | None] | None:
    """The register's last read: (modified_time, its rows of cells, drive_version,
    expected_version), or None when it was never read."""
    row = con.execute(
        "select modified_time, tab_rows, drive_version, expected_version "
        "from raw.register_reads where spreadsheet_id = ? order by read_at desc limit 1",
        [spreadsheet_id]).fetchone()
    return (row[0], json.loads(row[1]), row[2], row[3]) if row else None


def add_register_read(con: Connection, spreadsheet_id: str, modified_time: str,
                      rows: Sequence[Sequence[Any]], read_at: datetime,
                      drive_version: int | None, expected_version: int | None = None) -> None:
    """Remember the register's cells as read (or as our own write left them)."""
    con.execute("insert into raw.register_reads (spreadsheet_id, modified_time, tab_rows, "
                "read_at, drive_version, expected_version) values (?, ?, ?, ?, ?, ?)",
                [spreadsheet_id, modified_time, json.dumps(rows, ensure_ascii=False),
                 read_at, drive_version, expected_version])


# --- feedback written into the units' spreadsheets ---------------------------------------


def last_feedback_writes(con: Connection, year: int) -> list[tuple]:
    """Each (unit, spreadsheet)'s last successful feedback write of the year:
    (unit_code, spreadsheet_id, result_sha256, rows_written, sheet_id, expected_version,
    written_at)."""
    return con.execute(
        """
        select unit_code, spreadsheet_id, result_sha256, rows_written, sheet_id,
            expected_version, written_at
        from raw.feedback_writes
        where outcome = 'written' and year = ?
        qualify row_number() over (partition by unit_code, spreadsheet_id
                                   order by written_at desc) = 1
        """, [year]).fetchall()


def log_feedback_write(con: Connection, *, year: int, unit_code: str, spreadsheet_id: str,
                       result_sha256: str, outcome: str, rows_written: int | None,
                       detail: str | None, written_at: datetime, sheet_id: int | None,
                       expected_version: int | None) -> None:
    """One row of raw.feedback_writes: a write made ('written') or failed ('error')."""
    con.execute(
        "insert into raw.feedback_writes (year, unit_code, spreadsheet_id, result_sha256, "
        "outcome, rows_written, detail, written_at, sheet_id, expected_version) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [year, unit_code, spreadsheet_id, result_sha256, outcome, rows_written, detail,
         written_at, sheet_id, expected_version])
