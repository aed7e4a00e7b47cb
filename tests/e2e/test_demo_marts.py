"""The marts (and the year's staging, issues and quarantine) of the demo years 2022–2025 are
the same as those the pipeline gave before the column-wise parse and validation: a digest
per table per year, checked in as `tests/fixtures/demo_marts_digest.json`.

The stages run as plain functions (pull → validate → load), without the Prefect engine, the
documents or the portal: only what computes the tables. Columns that change from run to run
(fetch times, snapshot ids and the files' paths) are left out of the digest; everything else, every
row and every column, is in it. After an intended change of the figures, rewrite the
fixture with `HB_WRITE_DEMO_DIGEST=1 .venv/bin/python -m pytest tests/e2e/test_demo_marts.py`
and say why in the commit.
"""

import hashlib
import json
import os
from pathlib import Path

import duckdb
import pytest

FIXTURE = Path(__file__).parents[1] / "fixtures" / "demo_marts_digest.json"
YEARS = (2022, 2023, 2024, 2025)
TABLES = (
    "marts.submission_status", "marts.indicator_values", "marts.indicator_progress",
    "marts.activity_coverage", "marts.participation", "marts.budget", "marts.figure_lineage",
    "staging.stg_workbook__submissions", "staging.stg_workbook__activities",
    "staging.stg_workbook__media_outlets", "staging.stg_workbook__conventions",
    "staging.stg_workbook__survey_responses", "quality.issues", "quality.quarantine",
)
# which follow the clock or the temporary folder of the run
VOLATILE = {"fetched_at", "first_seen_complete_at", "loaded_at", "computed_at", "snapshot_id",
            "source_ref"}


def digest(con: duckdb.DuckDBPyConnection, table: str, year: int,
           columns: list[str] | None = None) -> dict[str, object]:
    """Row count and SHA-256 of the year's rows (each row as text, sorted), over `columns`
    (default: every column but the volatile ones). A column added later to a table is
    left out by comparing over the fixture's columns; a column gone fails."""
    columns = columns or [name for name, in con.execute(
        "select column_name from information_schema.columns where table_schema || '.' || "
        "table_name = ? order by ordinal_position", [table]).fetchall()
        if name not in VOLATILE]
    rows = con.execute(f"select {', '.join(columns)} from {table} where year = ?",
                       [year]).fetchall()
    lines = sorted(json.dumps(row, default=str, ensure_ascii=False) for row in rows)
    return {"rows": len(rows), "columns": columns,
            "sha256": hashlib.sha256("\n".join(lines).encode()).hexdigest()}


def demo_digests(root: Path, columns: dict[str, list[str]]) -> dict[str, dict[str, object]]:
    from core.settings import RunSettings
    from demo.generate import generate
    from tasks.indicators import compute_indicators
    from tasks.load import load_year
    from tasks.pull import pull_workbooks
    from tasks.validate import validate_submissions

    settings = RunSettings(root / "reports", root / "w.duckdb", root / "out",
                           Path("warehouse/seeds").resolve())
    generate(settings.reports_dir, list(YEARS))
    for year in YEARS:
        pull_workbooks.fn(settings, year)
        load_year.fn(settings, validate_submissions.fn(settings, year))
    compute_indicators.fn(settings, YEARS[-1])  # the marts: every year's, rebuilt at once
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return {f"{year} {table}": digest(con, table, year, columns.get(f"{year} {table}"))
                for year in YEARS for table in TABLES}


@pytest.mark.usefixtures("prefect_api")
def test_demo_marts_identical_to_fixture(tmp_path):
    """Every table of every demo year has the rows it had before (digest per table)."""
    if os.environ.get("HB_WRITE_DEMO_DIGEST") == "1":
        FIXTURE.write_text(json.dumps(demo_digests(tmp_path / "new", {}), indent=1,
                                      ensure_ascii=False) + "\n")
    expected = json.loads(FIXTURE.read_text())
    got = demo_digests(tmp_path, {key: value["columns"] for key, value in expected.items()})
    assert list(expected) == list(got)
    assert {k: v for k, v in got.items() if v != expected[k]} == {}
