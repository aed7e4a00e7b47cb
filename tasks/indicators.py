"""Indicators: rebuild the marts from the loaded rows (CT1–CT5, completeness, progress,
participation, budget, lineage) and read the year's figures, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from prefect import task

from core.report import IndicatorRef
from core.runtime import crash_point
from core.settings import RunSettings
from warehouse import db, reads
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
    return YearFigures(year, reads.marts_of_years(con, MARTS, year, year),
                       reads.year_issues(con, year),
                       reads.latest_fetch_by_year(con, year, year).get(year),
                       read_indicator_ref(con))


@task(name="compute_indicators", task_run_name="indicators {year}")
def compute_indicators(settings: RunSettings, year: int) -> YearFigures:
    """Rebuild the registry seeds, intermediate views and marts (every year's, from staging
    and quality) and read this year's figures, in one transaction: killed midway, the
    previous marts stay and the next run rebuilds them."""
    with db.connect(settings.warehouse) as con, db.transaction(con):
        db.rebuild_models(con, settings.seeds_dir)
        crash_point("indicators")
        return read_year_figures(con, year)
