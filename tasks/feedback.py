"""Feedback: write each unit's check result into its own Google spreadsheet.

Runs after validation, only for the Google Sheets source and unless HB_GSHEETS_FEEDBACK is
false. One values:batchUpdate per spreadsheet whose result changed (a provisioned
spreadsheet has the tab «Kết quả kiểm tra»; elsewhere the first write adds it, two more
requests, once); the write scope is asked for here only. A unit whose
write fails is logged in raw.feedback_writes and the others go on.
"""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prefect import task

from core.issues import Issue
from core.registry import read_registry
from core.settings import RunSettings
from sources.feedback import FeedbackSheet, add_tab_requests, build_feedback, values_data
from sources.gsheets import (
    SCOPES_FEEDBACK,
    SPREADSHEET_URL,
    CredentialError,
    SheetsApi,
    SheetsError,
    redact,
    spreadsheet_id_of,
)
from tasks import report_progress
from tasks.pull import LOCAL_TZ
from tasks.validate import ValidationResult
from warehouse import db


@dataclass(frozen=True)
class FeedbackSummary:
    year: int
    written: int = 0
    unchanged: int = 0
    failed: tuple[str, ...] = ()
    skipped: str | None = None  # why nothing was written at all
    requests: int = 0


@dataclass(frozen=True)
class _Job:
    spreadsheet_id: str
    sheet: FeedbackSheet
    previous_rows: int


def _last_writes(con: Any, year: int) -> dict[tuple[str, str], tuple[str, int]]:
    """(unit, spreadsheet) → (result hash, rows) of the last successful write."""
    rows = con.execute(
        """
        select unit_code, spreadsheet_id, result_sha256, rows_written
        from raw.feedback_writes
        where outcome = 'written' and year = ?
        qualify row_number() over (partition by unit_code, spreadsheet_id
                                   order by written_at desc) = 1
        """, [year]).fetchall()
    return {(u, s): (sha, int(n or 0)) for u, s, sha, n in rows}


def _log(con: Any, year: int, job: _Job, outcome: str, rows: int | None, detail: str | None,
         at: datetime) -> None:
    con.execute("insert into raw.feedback_writes values (?, ?, ?, ?, ?, ?, ?, ?)",
                [year, job.sheet.unit_code, job.spreadsheet_id, job.sheet.result_sha256,
                 outcome, rows, detail, at])


def write_one(api: SheetsApi, job: _Job) -> int:
    """Write one unit's result (one request when the tab is there, as in a provisioned
    spreadsheet); the number of rows the tab now spans."""
    data = values_data(job.sheet, job.previous_rows)
    try:
        api.values_batch_update(job.spreadsheet_id, data)
    except SheetsError as exc:
        if exc.status != 400:  # 400 "Unable to parse range": no such tab yet
            raise
        try:
            api.batch_update(job.spreadsheet_id, add_tab_requests())
        except SheetsError as add_error:
            if add_error.status != 400:  # 400: a tab of that name already exists
                raise
        api.values_batch_update(job.spreadsheet_id, data)
    return len(data[0]["values"])


def _run(api: SheetsApi, job: _Job) -> tuple[_Job, int | None, SheetsError | None]:
    try:
        return job, write_one(api, job), None
    except SheetsError as exc:
        return job, None, exc


def _targets(checked: ValidationResult) -> dict[str, str]:
    """Unit → the spreadsheet its current snapshot came from (Google Sheets ones only)."""
    prefix = SPREADSHEET_URL.format("")
    return {s.unit_code: spreadsheet_id_of(s.source_ref) for s in checked.submissions
            if s.source_ref.startswith(prefix)}


def plan_feedback(year: int, names: dict[str, str], checked: ValidationResult,
                  targets: dict[str, str], last: dict[tuple[str, str], tuple[str, int]],
                  now: datetime) -> tuple[list[_Job], int]:
    """(writes to make, results unchanged since their last write)."""
    by_unit: dict[str, list[Issue]] = defaultdict(list)
    for issue in checked.issues:
        by_unit[issue.unit_code].append(issue)
    jobs, unchanged = [], 0
    for sub in checked.submissions:
        if sub.unit_code not in targets:
            continue
        general = (sub.parsed.records.get("general") or [{}])[0] if sub.parsed else {}
        sheet = build_feedback(year, sub.unit_code, names.get(sub.unit_code, ""),
                               by_unit[sub.unit_code], general.get("is_complete") is True, now)
        spreadsheet_id = targets[sub.unit_code]
        previous = last.get((sub.unit_code, spreadsheet_id))
        if previous and previous[0] == sheet.result_sha256:
            unchanged += 1
            continue
        jobs.append(_Job(spreadsheet_id, sheet, previous[1] if previous else 0))
    return jobs, unchanged


@task(name="write_feedback", task_run_name="feedback {checked.year}")
def write_feedback(settings: RunSettings, checked: ValidationResult,
                   api: SheetsApi | None = None) -> FeedbackSummary:
    """Write each unit's result into the tab «Kết quả kiểm tra» of its own spreadsheet."""
    year = checked.year
    if settings.source != "gsheets" or not settings.gsheets.feedback:
        return FeedbackSummary(year, skipped="không dùng Google Sheets hoặc đã tắt phản hồi")
    targets = _targets(checked)
    if not targets:
        return FeedbackSummary(year, skipped="không có bảng tính nào để ghi")
    names = {u.code: u.name_vi for u in read_registry(settings.seeds_dir).units}
    now = datetime.now(LOCAL_TZ)
    try:
        api = api or SheetsApi.open(settings.gsheets, SCOPES_FEEDBACK)
    except CredentialError as exc:  # the pull already read the same key: say it, go on
        report_progress("Năm %s: không ghi được kết quả kiểm tra: %s", year, str(exc))
        return FeedbackSummary(year, skipped=str(exc))
    failed: list[str] = []
    written = 0
    with db.connect(settings.warehouse) as con:
        jobs, unchanged = plan_feedback(year, names, checked, targets,
                                        _last_writes(con, year), now)
        with ThreadPoolExecutor(max_workers=settings.gsheets.workers) as pool:
            for job, rows, error in pool.map(lambda j: _run(api, j), jobs):
                if error is None:
                    written += 1
                    _log(con, year, job, "written", rows, None, now)
                else:
                    failed.append(job.sheet.unit_code)
                    _log(con, year, job, "error", None, redact(error.detail, api.account), now)
    report_progress("Năm %s: đã ghi kết quả kiểm tra vào %s bảng tính (%s không đổi, %s lỗi).",
                    year, written, unchanged, len(failed))
    return FeedbackSummary(year, written, unchanged, tuple(sorted(failed)),
                           requests=api.attempts)
