"""The reads that tasks and flows make of the marts, the ref tables and the quality tables:
the SQL stays here (tests/unit/test_sql_boundary.py), callers get frames and records."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import duckdb
import pandas as pd

from warehouse import db

# ref tables and marts the portal shows, each with its order ("" when any order does)
PORTAL_TABLES = {
    "indicators": ("ref.indicators", "indicator_code"),
    "targets": ("ref.indicator_targets", ""),
    "audiences": ("ref.ct1_audiences", ""),
    "units": ("ref.units", ""),
    "activities": ("ref.activities", "activity_code"),
    "values": ("marts.indicator_values", ""),
    "progress": ("marts.indicator_progress", ""),
    "submissions": ("marts.submission_status", "year, unit_code"),
    "coverage": ("marts.activity_coverage", ""),
    "lineage": ("marts.figure_lineage", ""),
}


def marts_of_years(con: duckdb.DuckDBPyConnection, names: Sequence[str], first_year: int,
                   last_year: int) -> dict[str, pd.DataFrame]:
    """Each named mart's rows of the years first_year…last_year."""
    return {name: con.execute(f"select * from marts.{name} where year between ? and ?",
                              [first_year, last_year]).df() for name in names}


def year_issues(con: duckdb.DuckDBPyConnection, year: int) -> pd.DataFrame:
    """The year's data-quality issues, by unit, tab, row and column."""
    return con.execute("select * from quality.issues where year = ? "
                       "order by unit_code, tab, sheet_row, column_key", [year]).df()


def latest_fetch_by_year(con: duckdb.DuckDBPyConnection, first_year: int = 0,
                         last_year: int = 9999) -> dict[int, datetime]:
    """The latest fetch time of the current submissions of each year first_year…last_year
    (every year by default): the figures' "as of"."""
    return dict(con.execute(
        "select year, max(fetched_at) from staging.stg_workbook__submissions "
        "where year between ? and ? group by year", [first_year, last_year]).fetchall())


def counted_activities(con: duckdb.DuckDBPyConnection, first_year: int,
                       last_year: int) -> pd.DataFrame:
    """The activity rows of counted submissions of the years, in sheet order."""
    return con.execute(
        "select year, unit_code, activity_code, description, sessions, participants, "
        "participants_female from intermediate.int_counted_activities "
        "where year between ? and ? order by year, unit_code, sheet_row",
        [first_year, last_year]).df()


def activity_names(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The plan's activities: code, task group, name and years."""
    return con.execute("select activity_code, task_group, activity_name, years "
                       "from ref.activities order by activity_code").df()


def unexpected_files(con: duckdb.DuckDBPyConnection, first_year: int,
                     last_year: int) -> dict[int, tuple[str, ...]]:
    """The names of the files found for no expected unit, by year (none in a warehouse
    without quality tables)."""
    found: dict[int, tuple[str, ...]] = {}
    if not db.has_table(con, "quality", "issues"):
        return found
    for year, name in con.execute(
            "select year, value from quality.issues where rule = 'unexpected_file' "
            "and year between ? and ? order by year, value", [first_year, last_year]).fetchall():
        found[year] = (*found.get(year, ()), name)
    return found


def portal_tables(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """Every row of the ref tables and marts the portal shows, keyed as PORTAL_TABLES."""
    return {key: con.execute(f"select * from {table}"
                             + (f" order by {order}" if order else "")).df()
            for key, (table, order) in PORTAL_TABLES.items()}


def submission_status(con: duckdb.DuckDBPyConnection, year: int) -> list[dict[str, object]]:
    """The year's submission status per expected unit: year, unit_code, unit_name, status."""
    return db.frame_records(con.execute(
        "select year, unit_code, unit_name, status from marts.submission_status "
        "where year = ? order by unit_code", [year]))


def blocking_messages(con: duckdb.DuckDBPyConnection, year: int) -> dict[str, list[str]]:
    """The messages of the year's blocking issues, by unit, in tab and row order."""
    found: dict[str, list[str]] = {}
    for unit, message in con.execute(
            "select unit_code, message_vi from quality.issues where year = ? and "
            "severity = 'blocking' order by unit_code, tab, sheet_row", [year]).fetchall():
        found.setdefault(unit, []).append(message)
    return found
