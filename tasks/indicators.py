"""Indicators: read the year's marts (CT1–CT5, completeness, participation, budget)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from prefect import task

from core.report import IndicatorRef
from core.settings import RunSettings
from warehouse import db
from warehouse.refs import read_indicator_ref

MARTS = ("submission_status", "indicator_values", "indicator_progress", "participation",
         "budget", "activity_coverage", "figure_lineage")


@dataclass(frozen=True)
class YearFigures:
    """The marts of one year, as data frames, plus that year's data-quality issues."""

    year: int
    marts: dict[str, pd.DataFrame]
    issues: pd.DataFrame
    as_of: object  # the latest fetch time of the year's current snapshots
    ref: IndicatorRef  # labels and kinds of the indicators (ref tables)


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
    return YearFigures(year, marts, issues, as_of, read_indicator_ref(con))


@task(name="compute_indicators", task_run_name="indicators {year}")
def compute_indicators(settings: RunSettings, year: int) -> YearFigures:
    """The indicator values and the other marts of the year, as computed by the warehouse."""
    with db.connect(settings.warehouse) as con:
        return read_year_figures(con, year)
