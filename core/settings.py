"""Run settings: command-line options, each also an environment variable, with defaults for
the embedded default (demo workbooks in a folder, a DuckDB file, no Prefect server)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from core.registry import DEFAULT_SEEDS_DIR

PROJECT_DIR = Path(__file__).resolve().parent.parent
ENV = {
    "year": "HB_YEAR",
    "reports_dir": "HB_REPORTS_DIR",
    "warehouse": "HB_WAREHOUSE",
    "output_dir": "HB_OUTPUT_DIR",
    "seeds_dir": "HB_SEEDS_DIR",
}
DEFAULTS = {
    "reports_dir": PROJECT_DIR / "data" / "reports",
    "warehouse": PROJECT_DIR / "data" / "warehouse.duckdb",
    "output_dir": PROJECT_DIR / "output",
    "seeds_dir": DEFAULT_SEEDS_DIR,
}
COLLECTION_OPENS = (11, 15)  # the Action Month and the collection window open on 15/11


@dataclass(frozen=True)
class RunSettings:
    """Where a run reads and writes. Paths only, so that Prefect can hash and persist them."""

    reports_dir: Path
    warehouse: Path
    output_dir: Path
    seeds_dir: Path


def reporting_year(today: date) -> int:
    """The year being reported on: this year once its collection window has opened
    (15 November), the previous year before that."""
    opened = (today.month, today.day) >= COLLECTION_OPENS
    return today.year if opened else today.year - 1


def settings_from(**given: str | Path | None) -> RunSettings:
    """Settings from explicit values, else environment variables, else defaults."""
    def pick(name: str) -> Path:
        value = given.get(name) or os.environ.get(ENV[name]) or DEFAULTS[name]
        return Path(value).expanduser()

    return RunSettings(
        reports_dir=pick("reports_dir"),
        warehouse=pick("warehouse"),
        output_dir=pick("output_dir"),
        seeds_dir=pick("seeds_dir"),
    )
