"""Indicators: rebuild the marts from the loaded rows (CT1–CT5, completeness, progress,
participation, budget, lineage) and read the year's figures, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from prefect import task

from core.runtime import crash_point
from core.settings import RunSettings
from warehouse import db

MARTS = ("submission_status", "indicator_values", "indicator_progress", "participation",
         "budget", "activity_coverage", "figure_lineage")


@dataclass(frozen=True)
class YearFigures:
    """The marts of one year, as data frames, plus that year's data-quality issues."""

    year: int
    marts: dict[str, pd.DataFrame]
    issues: pd.DataFrame
    as_of: object  # the latest fetch time of the year's current snapshots


def read_year_figures(con, year: int) -> YearFigures:
    marts = {
        name: con.execute(f"select * from marts.{name} where year = ?", [year]).df()
        for name in MARTS
    }
    issues = con.execute(
        "select * from quality.issues where year = ? order by unit_code, tab, sheet_row, "
        "column_key", [year]).df()
    as_of = con.execute(
        "select max(fetched_at) from staging.stg_workbook__submissions where year = ?", [year]
    ).fetchone()[0]
    return YearFigures(year, marts, issues, as_of)


@task(name="compute_indicators", task_run_name="indicators {year}")
def compute_indicators(settings: RunSettings, year: int) -> YearFigures:
    """Rebuild the registry seeds, intermediate views and marts (every year's, from staging
    and quality) and read this year's figures, in one transaction: killed midway, the
    previous marts stay and the next run rebuilds them."""
    with db.connect(settings.warehouse) as con, db.transaction(con):
        db.rebuild_models(con, settings.seeds_dir)
        crash_point("indicators")
        return read_year_figures(con, year)
