"""Load: replace the year's staging and quality rows, atomically (the marts are the
indicators stage's)."""

from __future__ import annotations

from prefect import task

from core.assemble import assemble_year
from core.registry import expected_units, read_registry
from core.runtime import cycles_not_collected
from core.settings import RunSettings
from tasks import report_progress
from tasks.validate import ValidationResult
from warehouse import db


@task(name="load_year", task_run_name="load {checked.year}")
def load_year(settings: RunSettings, checked: ValidationResult) -> dict[str, int]:
    """Write one year's typed rows, issues and quarantine in one transaction; rows per table."""
    # core.runtime: a year's rows are many small objects, no cycles; nor does the registry
    # add any (a collection here would walk the year's records, which the validation
    # left out of the collections it set off)
    with cycles_not_collected(), db.connect(settings.warehouse) as con:
        units = expected_units(read_registry(settings.seeds_dir), checked.year)
        tables = assemble_year(checked.year, units, checked.submissions, checked.issues)
        db.replace_year(con, checked.year, tables)
    counts = {name: len(rows) for name, rows in tables.items()}
    report_progress(
        "Năm %s: đã nạp %s dòng hoạt động, %s dòng bị cách ly.", checked.year,
        counts["staging.stg_workbook__activities"], counts["quality.quarantine"])
    return counts
