"""Google Sheets as a `sources.write_back.WriteBack`: each unit's check result into its own
spreadsheet, the collection status into the register spreadsheet.

Feedback is written after validation unless HB_GSHEETS_FEEDBACK is false. Exactly one write
request per spreadsheet whose result changed: a spreadsheets.batchUpdate that adds the tab
«Kết quả kiểm tra» when it is not there yet and writes the cells. Before the first write to
a spreadsheet one metadata read finds the tab (a provisioned spreadsheet has it); later
writes go straight to the sheetId recorded. Each write records the Drive version it should
leave, so that the next pull does not read the spreadsheet again for our own change. The
write scope is asked for here only. A unit whose write fails is logged in
raw.feedback_writes and the others go on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.assemble import Submission
from core.issues import Issue
from core.registry import LOCAL_TZ, read_registry
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
from sources.gsheets_source import note_own_register_write
from sources.register import is_csv
from sources.status_sheet import status_grid, write_status
from sources.workbook_json import SOURCE_KIND
from sources.write_back import FeedbackSummary
from warehouse import db, raw


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
    rows = raw.last_feedback_writes(con, year)
    return {(u, s): _LastWrite(sha, int(n or 0), sheet, version, at)
            for u, s, sha, n, sheet, version, at in rows}


def _known_versions(con: Any, year: int,
                    last: dict[tuple[str, str], _LastWrite]) -> dict[tuple[str, str], int]:
    """(unit, spreadsheet) → the Drive version the pipeline last knew: that of its latest
    read, or the one its own write after that read should have left."""
    rows = raw.latest_fetch_versions(con, year, SOURCE_KIND)
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
    raw.log_feedback_write(
        con, year=year, unit_code=job.sheet.unit_code, spreadsheet_id=job.spreadsheet_id,
        result_sha256=job.sheet.result_sha256, outcome=outcome, rows_written=rows,
        detail=detail, written_at=at, sheet_id=sheet_id, expected_version=expected)


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


def _targets(submissions: Sequence[Submission]) -> dict[str, str]:
    """Unit → the spreadsheet its current snapshot came from (Google Sheets ones only)."""
    prefix = SPREADSHEET_URL.format("")
    return {s.unit_code: spreadsheet_id_of(s.source_ref) for s in submissions
            if s.source_ref.startswith(prefix)}


def plan_feedback(year: int, names: dict[str, str], submissions: Sequence[Submission],
                  issues: Sequence[Issue], targets: dict[str, str],
                  last: dict[tuple[str, str], _LastWrite], now: datetime,
                  known: dict[tuple[str, str], int] | None = None
                  ) -> tuple[list[_Job], int]:
    """(writes to make, results unchanged since their last write)."""
    by_unit: dict[str, list[Issue]] = defaultdict(list)
    for issue in issues:
        by_unit[issue.unit_code].append(issue)
    jobs, unchanged = [], 0
    for sub in submissions:
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


class SheetsWriteBack:
    """Results written into the units' spreadsheets and the register spreadsheet."""

    def __init__(self, settings: RunSettings, api: SheetsApi | None = None) -> None:
        self.settings = settings
        self.api = api  # opened with the write scope when first needed

    def write_feedback(self, year: int, submissions: Sequence[Submission],
                       issues: Sequence[Issue]) -> FeedbackSummary:
        """Write each unit's result into the tab «Kết quả kiểm tra» of its own
        spreadsheet: one request per spreadsheet whose result changed."""
        settings = self.settings
        if not settings.gsheets.feedback:
            return FeedbackSummary(year,
                                   skipped="không dùng Google Sheets hoặc đã tắt phản hồi")
        targets = _targets(submissions)
        if not targets:
            return FeedbackSummary(year, skipped="không có bảng tính nào để ghi")
        names = {u.code: u.name_vi for u in read_registry(settings.seeds_dir).units}
        now = datetime.now(LOCAL_TZ)
        try:
            api = self.api = self.api or SheetsApi.open(settings.gsheets, SCOPES_FEEDBACK)
        except CredentialError as exc:  # the pull already read the same key: say it, go on
            return FeedbackSummary(year, skipped=str(exc),
                                   line=f"không ghi được kết quả kiểm tra: {exc}")
        failed: list[str] = []
        written = 0
        with db.connect(settings.warehouse) as con:
            last = _last_writes(con, year)
            jobs, unchanged = plan_feedback(year, names, submissions, issues, targets, last,
                                            now, _known_versions(con, year, last))
            with ThreadPoolExecutor(max_workers=settings.gsheets.workers) as pool:
                for job, done, error in pool.map(lambda j: _run(api, j), jobs):
                    if done is not None:
                        written += 1
                        _log(con, year, job, "written", done[0], None, now, sheet_id=done[1])
                    else:
                        failed.append(job.sheet.unit_code)
                        _log(con, year, job, "error", None, redact(error.detail, api.account),
                             now)
        return FeedbackSummary(year, written, unchanged, tuple(sorted(failed)),
                               requests=api.attempts, line=(
                                   f"đã ghi kết quả kiểm tra vào {written} bảng tính "
                                   f"({unchanged} không đổi, {len(failed)} lỗi); "
                                   f"{api.quota_line('write')}; {api.quota_line('read')}."))

    def write_status(self, year: int, rows: Sequence[Mapping[str, Any]],
                     first_fix: Mapping[str, str], checked_at: datetime) -> bool:
        """Rewrite the tab «Tình hình nộp báo cáo <year>» of the register spreadsheet
        (nothing when the register is a CSV file)."""
        register = self.settings.gsheets.register
        if is_csv(register):
            return False
        grid = status_grid(year, rows, dict(first_fix), checked_at)
        api = self.api = self.api or SheetsApi.open(self.settings.gsheets, SCOPES_FEEDBACK)
        spreadsheet_id = spreadsheet_id_of(register)
        write_status(api, spreadsheet_id, year, grid)
        with db.connect(self.settings.warehouse) as con:  # our own write: not a change
            note_own_register_write(con, spreadsheet_id, datetime.now(LOCAL_TZ))
        return True
