"""Flows on the reporting calendar (see prefect.yaml): the daily collection window, the
reminders around the 10 December deadline. The deadline cut-off is the annual flow with
`freeze=True`; the reviews are in flows/reviews.py.
"""

from __future__ import annotations

from datetime import date, datetime

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.utilities.annotations import quote

from core.escape import markdown_text
from core.registry import read_locality
from core.reminders import build_reminders, reminder_text
from core.settings import RunSettings, reminder_notification_block, reporting_year, settings_from
from flows.annual_report import LOCAL_TZ, Year, forget_results, record_failure, start_run
from flows.collect import collect_year
from reports.content import collection_status
from reports.markdown import render_markdown
from sources.choice import implementation
from tasks import report_progress
from tasks.indicators import YearFigures, compute_indicators
from tasks.operations import flow_run_row, publish_for_analysts, record_run
from tasks.publish import artifact_rows
from warehouse import db, reads
from warehouse.lock import warehouse_lock


@task(name="publish_status", task_run_name="status {figures.year}")
def publish_status(settings: RunSettings, figures: YearFigures) -> str:
    """Publish who has submitted, who is late and who must fix what, as artifacts."""
    year = figures.year
    markdown = render_markdown(collection_status(year, figures.marts["submission_status"],
                                                 figures.issues))
    create_markdown_artifact(markdown, key=f"collection-status-{year}",
                             description=f"Tình hình nộp báo cáo năm {year}")
    create_table_artifact(artifact_rows(figures.marts["submission_status"]),
                          key=f"collection-status-table-{year}")
    write_status_back(settings, year, figures)
    return markdown


def write_status_back(settings: RunSettings, year: int, figures) -> None:
    """The same status where the focal office works (a tab of the register spreadsheet
    for Google Sheets; nowhere for the local folder)."""
    issues = figures.issues
    first_fix = {}
    for unit, message in zip(issues.get("unit_code", []), issues.get("message_vi", []),
                             strict=True):
        first_fix.setdefault(unit, message)
    rows = figures.marts["submission_status"].to_dict(orient="records")
    write_back = implementation(settings).open_write_back(settings)
    if write_back.write_status(year, rows, first_fix, datetime.now(LOCAL_TZ)):
        report_progress("Năm %s: đã ghi tình hình nộp vào sổ đăng ký.", year)


@flow(name="collection-window", flow_run_name="collection-window-{year}",
      on_failure=[record_failure], on_crashed=[record_failure],
      on_completion=[forget_results])
def collection_window(year: Year = None, reports_dir: str | None = None,
                      warehouse: str | None = None, output_dir: str | None = None,
                      seeds_dir: str | None = None) -> str:
    """Daily during 15/11–10/12: pull and check the year's reports, publish their status.

    The same collection as the annual flow (flows/collect.py: pull, validate, feedback to
    each unit's spreadsheet when Google Sheets is configured, load), then the indicators
    stage and the status (artifacts, the register's status tab). It does not write the
    report, the documents or the portal: those give the figures of the year as reported
    officially, written by the annual run (at the latest the 11/12 cut-off), not a
    day's partial count.

    Args:
        year: Năm báo cáo (2022–2100); để trống: năm báo cáo hiện tại.
        reports_dir: Thư mục tệp báo cáo (mặc định HB_REPORTS_DIR hoặc data/reports).
        warehouse: Tệp DuckDB (mặc định HB_WAREHOUSE hoặc data/warehouse.duckdb).
        output_dir: Thư mục kết quả (mặc định HB_OUTPUT_DIR hoặc output).
        seeds_dir: Thư mục danh mục (mặc định warehouse/seeds).
    """
    settings = settings_from(reports_dir=reports_dir, warehouse=warehouse,
                             output_dir=output_dir, seeds_dir=seeds_dir)
    year = year or reporting_year(datetime.now(LOCAL_TZ).date())
    with warehouse_lock(settings.warehouse):
        start_run(settings, year)
        started_at = datetime.now(LOCAL_TZ)
        collect_year(settings, year)
        markdown = publish_status(settings, quote(compute_indicators(settings, year)))
        record_run(settings, flow_run_row("COMPLETED", year, started_at=started_at))
        publish_for_analysts(settings)
    return markdown


def outstanding_units(settings: RunSettings, year: int) -> tuple[list[dict], dict]:
    with db.connect(settings.warehouse) as con:
        return reads.submission_status(con, year), reads.blocking_messages(con, year)


@task(name="send_notification", retries=3, retry_delay_seconds=[10, 60, 300])
def send_notification(block_name: str, subject: str, body: str) -> None:
    """Send through a configured Prefect notification block (network: retried)."""
    from tasks.notifications import load_notifier

    load_notifier(block_name).notify(body=body, subject=subject)


@flow(name="reminders", flow_run_name="reminders-{year}", on_failure=[record_failure],
      on_crashed=[record_failure])
def send_reminders(
    year: Year = None,
    on_date: date | None = None,
    notification_block: str | None = None,
    warehouse: str | None = None,
    seeds_dir: str | None = None,
) -> str:
    """Remind the units still missing or invalid of what is outstanding; kept as an artifact.

    Args:
        year: Năm báo cáo (2022–2100); để trống: năm báo cáo hiện tại.
        on_date: Ngày nhắc (mặc định hôm nay, giờ Việt Nam).
        notification_block: Khối thông báo Prefect «loại/tên», ví dụ
            smtp-email/nhac-bao-cao hoặc custom-webhook/nhac-bao-cao (mặc định
            HB_REMINDER_NOTIFICATION_BLOCK); để trống: chỉ lưu artifact.
        warehouse: Tệp DuckDB (mặc định HB_WAREHOUSE hoặc data/warehouse.duckdb).
        seeds_dir: Thư mục danh mục (mặc định warehouse/seeds).
    """
    settings = settings_from(warehouse=warehouse, seeds_dir=seeds_dir)
    today = on_date or datetime.now(LOCAL_TZ).date()
    year = year or reporting_year(today)
    db.migrate_file(settings.warehouse)  # this flow's one schema step; it reads only
    status, blocking = outstanding_units(settings, year)
    reminders = build_reminders(status, blocking)
    locality = read_locality(settings.seeds_dir)
    text = reminder_text(year, today, reminders, locality)
    create_markdown_artifact(reminder_text(year, today, reminders, locality, markdown_text),
                             key=f"reminders-{year}-{today:%m-%d}",
                             description=f"Nhắc nộp báo cáo năm {year}")
    notification_block = reminder_notification_block(notification_block)
    if notification_block:
        send_notification(notification_block, f"Nhắc nộp báo cáo năm {year}", text)
    report_progress("Năm %s: nhắc %s đơn vị.", year, len(reminders))
    return text
