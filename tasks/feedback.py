"""Feedback: write each unit's check result into its own Google spreadsheet.

Runs after validation, only for the Google Sheets source and unless HB_GSHEETS_FEEDBACK is
false. Exactly one write request per spreadsheet whose result changed: a
spreadsheets.batchUpdate that adds the tab «Kết quả kiểm tra» when it is not there yet and
writes the cells. Before the first write to a spreadsheet one metadata read finds the tab
(a provisioned spreadsheet has it); later writes go straight to the sheetId recorded. Each
write records the Drive version it should leave, so that the next pull does not read the
spreadsheet again for our own change. The write scope is asked for here only. A unit whose
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
from sources.feedback import (
    FEEDBACK_SHEET_ID,
    FeedbackSheet,
    build_feedback,
    grid,
    write_requests,
)
from sources.gsheets import (
    SCOPES_FEEDBACK,
    SPREADSHEET_URL,
    CredentialError,
    SheetsApi,
    SheetsError,
    redact,
    spreadsheet_id_of,
)
from sources.gsheets_pull import FEEDBACK_TAB
from sources.workbook_json import SOURCE_KIND
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
    sheet_id: int | None = None  # the tab's sheetId from our last write; None: look it up
    base_version: int | None = None  # the spreadsheet's Drive version as last known


@dataclass(frozen=True)
class _LastWrite:
    result_sha256: str
    rows: int
    sheet_id: int | None
    expected_version: int | None
    written_at: datetime


def _last_writes(con: Any, year: int) -> dict[tuple[str, str], _LastWrite]:
    """(unit, spreadsheet) → its last successful write."""
    rows = con.execute(
        """
        select unit_code, spreadsheet_id, result_sha256, rows_written, sheet_id,
            expected_version, written_at
        from raw.feedback_writes
        where outcome = 'written' and year = ?
        qualify row_number() over (partition by unit_code, spreadsheet_id
                                   order by written_at desc) = 1
        """, [year]).fetchall()
    return {(u, s): _LastWrite(sha, int(n or 0), sheet, version, at)
            for u, s, sha, n, sheet, version, at in rows}


def _known_versions(con: Any, year: int,
                    last: dict[tuple[str, str], _LastWrite]) -> dict[tuple[str, str], int]:
    """(unit, spreadsheet) → the Drive version the pipeline last knew: that of its latest
    read, or the one its own write after that read should have left."""
    rows = con.execute(
        """
        select f.unit_code, s.source_ref, f.drive_version, f.fetched_at
        from raw.fetches as f join raw.snapshots as s using (snapshot_id)
        where f.year = ? and f.outcome = 'snapshot' and s.source_kind = ?
        qualify row_number() over (partition by f.unit_code order by f.fetch_id desc) = 1
        """, [year, SOURCE_KIND]).fetchall()
    known: dict[tuple[str, str], int] = {}
    for unit_code, source_ref, version, fetched_at in rows:
        key = (unit_code, spreadsheet_id_of(source_ref))
        write = last.get(key)
        if write is not None and write.written_at >= fetched_at:
            version = write.expected_version
        if version is not None:
            known[key] = int(version)
    return known


def _log(con: Any, year: int, job: _Job, outcome: str, rows: int | None, detail: str | None,
         at: datetime, sheet_id: int | None = None) -> None:
    expected = (job.base_version + 1 if outcome == "written" and job.base_version is not None
                else None)
    con.execute(
        "insert into raw.feedback_writes (year, unit_code, spreadsheet_id, result_sha256, "
        "outcome, rows_written, detail, written_at, sheet_id, expected_version) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [year, job.sheet.unit_code, job.spreadsheet_id, job.sheet.result_sha256, outcome,
         rows, detail, at, sheet_id, expected])


def find_tab(api: SheetsApi, spreadsheet_id: str) -> tuple[int, bool]:
    """(sheetId of the tab «Kết quả kiểm tra», whether it must be added): one metadata
    read."""
    properties = api.tab_titles(spreadsheet_id)
    for tab in properties:
        if str(tab["title"]).casefold() == FEEDBACK_TAB.casefold():
            return int(tab["sheetId"]), False
    used = {int(t["sheetId"]) for t in properties if isinstance(t.get("sheetId"), int)}
    return (FEEDBACK_SHEET_ID if FEEDBACK_SHEET_ID not in used else max(used) + 1), True


def write_one(api: SheetsApi, job: _Job) -> tuple[int, int]:
    """Write one unit's result in one spreadsheets.batchUpdate: (rows the tab now spans,
    the tab's sheetId)."""
    sheet_id, add = (job.sheet_id, False) if job.sheet_id is not None else find_tab(
        api, job.spreadsheet_id)
    previous_rows = job.previous_rows
    try:
        api.batch_update(job.spreadsheet_id,
                         write_requests(job.sheet, previous_rows, sheet_id, add))
    except SheetsError as exc:
        if exc.status != 400 or job.sheet_id is None:
            raise
        # 400 "No grid with id": someone deleted the tab since our last write
        sheet_id, add = find_tab(api, job.spreadsheet_id)
        previous_rows = 0
        api.batch_update(job.spreadsheet_id,
                         write_requests(job.sheet, previous_rows, sheet_id, add))
    return len(grid(job.sheet, previous_rows)), sheet_id


def _run(api: SheetsApi, job: _Job) -> tuple[_Job, tuple[int, int] | None, SheetsError | None]:
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
                  targets: dict[str, str], last: dict[tuple[str, str], _LastWrite],
                  now: datetime, known: dict[tuple[str, str], int] | None = None
                  ) -> tuple[list[_Job], int]:
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
        key = (sub.unit_code, targets[sub.unit_code])
        previous = last.get(key)
        if previous and previous.result_sha256 == sheet.result_sha256:
            unchanged += 1
            continue
        jobs.append(_Job(key[1], sheet, previous.rows if previous else 0,
                         previous.sheet_id if previous else None, (known or {}).get(key)))
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
        last = _last_writes(con, year)
        jobs, unchanged = plan_feedback(year, names, checked, targets, last, now,
                                        _known_versions(con, year, last))
        with ThreadPoolExecutor(max_workers=settings.gsheets.workers) as pool:
            for job, done, error in pool.map(lambda j: _run(api, j), jobs):
                if done is not None:
                    written += 1
                    _log(con, year, job, "written", done[0], None, now, sheet_id=done[1])
                else:
                    failed.append(job.sheet.unit_code)
                    _log(con, year, job, "error", None, redact(error.detail, api.account), now)
    report_progress("Năm %s: đã ghi kết quả kiểm tra vào %s bảng tính (%s không đổi, %s lỗi); "
                    "%s; %s.", year, written, unchanged, len(failed), api.quota_line("write"),
                    api.quota_line("read"))
    return FeedbackSummary(year, written, unchanged, tuple(sorted(failed)),
                           requests=api.attempts)
