"""Publish: the consolidated report of the year as Markdown and .xlsx, and as artifacts."""

from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from core.escape import markdown_text
from core.files import replacing, write_text
from core.registry import read_locality, read_registry
from core.runtime import cycles_not_collected
from core.settings import RunSettings
from reports.appendix import (
    as_written,
    cell_style,
    excel_value,
    is_formula_like,
    write_appendix,
)
from reports.content import annual_summary
from reports.markdown import render_markdown
from reports.xlsx import (
    Cell,
    Table,
    column_cells,
    distinct_values,
    first_values,
    write_workbook,
)
from tasks.indicators import YearFigures

# The appendix: one sheet per detail table (title → columns shown), totals where they add up.
APPENDIX_SHEETS = {
    "Tình hình nộp báo cáo": ("submission_status", (
        "unit_code", "unit_name", "unit_kind", "status", "completed_on", "is_on_time",
        "days_late", "error_count", "warning_count")),
    "Chỉ tiêu": ("indicator_values", (
        "indicator_code", "scope", "scope_code", "numerator", "denominator", "value", "target",
        "milestone_year", "status")),
    "Tiến độ so với mốc": ("indicator_progress", (
        "indicator_code", "scope", "scope_code", "milestone_year", "base_year", "base_value",
        "current_value", "target", "observed_cagr", "required_cagr", "progress_ratio",
        "gap_closed_share", "status")),
    "Người tham dự": ("participation", ("activity_code", "audience", "sex", "participants")),
    "Kinh phí": ("budget", ("unit_code", "source", "amount_vnd", "activity_rows")),
    "Hoạt động chủ trì": ("activity_coverage", (
        "task_group", "activity_code", "unit_code", "rows_reported", "sessions",
        "is_reported")),
}
APPENDIX_TOTALS = {"Người tham dự": ("participants",), "Kinh phí": ("amount_vnd", "activity_rows")}


@dataclass(frozen=True)
class Published:
    folder: Path
    markdown: Path
    workbook: Path
    appendix: Path


def write_tables_xlsx(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    """One sheet per table, header frozen; text that looks like a formula stays text."""
    tables = (_plain_table(name[:31], frame) for name, frame in sheets.items())
    with replacing(path) as partial:
        write_workbook(partial, tables)


# the number formats a spreadsheet gives dates and times that come without one
_TIME_FORMATS = ((datetime, "yyyy-mm-dd h:mm:ss"), (date, "yyyy-mm-dd"), (time, "h:mm:ss"),
                 (timedelta, "[hh]:mm:ss"))


def _plain_cell(value: object, bold: bool = False) -> Cell:
    """The value as it is (excel_value); "=…", "+…", "-…", "@…", tab, CR: a string, never
    <f>, with the quote prefix."""
    plain = excel_value(value)
    if isinstance(plain, str):  # most cells: no number format to find
        return Cell(as_written(plain), cell_style("General", bold, is_formula_like(plain)))
    number_format = next((f for kind, f in _TIME_FORMATS if isinstance(plain, kind)), "General")
    return Cell(plain, cell_style(number_format, bold, False))


def _plain_table(title: str, frame: pd.DataFrame) -> Table:
    header = [_plain_cell(c, bold=True) for c in frame.columns]
    columns = [column_cells(frame[c], _plain_cell) for c in frame.columns]
    widths = []
    for heading, column in zip(header, columns, strict=True):
        shown = [heading.value, *first_values(column, 199)]
        width = max(len(str(v or "")) for v in shown)
        widths.append(min(60, max(10, width + 2)))
    return Table(title, header, columns, widths)


def artifact_cell(value: object) -> str | None:
    """One cell of a table artifact: the Prefect UI renders a text cell as Markdown, so text
    is made literal (core.escape.markdown_text); numbers and dates are shown as they are."""
    plain = excel_value(value)
    if plain is None:
        return None
    return str(markdown_text(plain)) if isinstance(plain, str) else str(plain)


def artifact_rows(frame: pd.DataFrame) -> list[dict[str, object]]:
    """The rows of a table artifact; each distinct value of a column is made a cell once."""
    if len(frame.columns) == 0:
        return [{} for _ in range(len(frame))]
    columns = []
    for name in frame.columns:
        codes, uniques = distinct_values(frame[name])
        cells = np.array([*(artifact_cell(v) for v in uniques), None], dtype=object)
        columns.append(cells.take(codes).tolist())  # -1, a missing value: the last, None
    return [dict(zip(frame.columns, row, strict=True)) for row in zip(*columns, strict=True)]


@task(name="publish_report", task_run_name="publish {figures.year}")
def publish_report(settings: RunSettings, figures: YearFigures) -> Published:
    """Write report-<year>.md and report-<year>.xlsx and attach them to the flow run; each
    file replaces the previous one whole (core.files)."""
    with cycles_not_collected():  # core.runtime: many small objects, no cycles
        return _publish(settings, figures)


def _publish(settings: RunSettings, figures: YearFigures) -> Published:
    registry = read_registry(settings.seeds_dir)
    names = {u.code: u.name_vi for u in registry.units}
    locality = read_locality(settings.seeds_dir)
    markdown = render_markdown(annual_summary(figures.year, figures.marts, figures.issues,
                                              figures.as_of, names, figures.ref, locality))
    folder = settings.output_dir / str(figures.year)
    folder.mkdir(parents=True, exist_ok=True)
    md_path = folder / f"bao-cao-{figures.year}.md"
    write_text(md_path, markdown)
    xlsx_path = folder / f"bao-cao-{figures.year}.xlsx"
    # The artifacts are sent while the workbooks are written: most of their time is waiting
    # for the Prefect API to store them (0.5-1 s at 4,021 units), which the workbooks need
    # not wait for. The thread runs in this task run's context (its flow and task run).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-artifacts") as sender:
        sent = sender.submit(contextvars.copy_context().run, _create_artifacts, figures,
                             markdown)
        write_tables_xlsx(xlsx_path, {**figures.marts, "quality_issues": figures.issues})
        appendix = write_appendix(
            folder / f"phu-luc-{figures.year}.xlsx",
            {title: (list(columns), figures.marts[mart])
             for title, (mart, columns) in APPENDIX_SHEETS.items()},
            APPENDIX_TOTALS, lineage=figures.marts["figure_lineage"], locality=locality)
        sent.result()
    return Published(folder, md_path, xlsx_path, appendix)


def _create_artifacts(figures: YearFigures, markdown: str) -> None:
    create_markdown_artifact(markdown, key=f"annual-report-{figures.year}",
                             description=f"Báo cáo tổng hợp năm {figures.year}")
    for name in ("submission_status", "indicator_values"):
        create_table_artifact(artifact_rows(figures.marts[name]),
                              key=f"{name.replace('_', '-')}-{figures.year}",
                              description=f"{name} {figures.year}")
