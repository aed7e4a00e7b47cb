"""Pull from Google Sheets into the same raw snapshots as local workbooks.

Order of one pull: one Drive listing (modifiedTime and version of every visible spreadsheet
not in the trash), the register (from its CSV, or from its spreadsheet unless unchanged
since the last read), one Drive files.get for a registered spreadsheet the listing did not
show (in the trash: an error; outside the folder: read as usual), then one values:batchGet
per expected unit whose spreadsheet moved (our own feedback write aside). A register gap (an
expected unit without a row, a row repeated, …) is said on the console and becomes a
warning issue. A unit whose fetch fails
(403 not shared, 404 deleted, timeouts, quota, a cut-off answer) gets an 'error' fetch with
the reason in Vietnamese | English and keeps its last good snapshot, which still counts: the
failure is surfaced as an issue by `fetch_issues` (a warning while a good snapshot exists, a
blocking error when there is none). The run goes on for the others.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from core.issues import Issue, Severity
from core.registry import expected_units, read_registry
from core.settings import ENV, RunSettings
from core.values import Cell
from sources.gsheets import (
    SCOPES_READ,
    FileState,
    SheetsApi,
    SheetsError,
    redact,
    spreadsheet_id_of,
    spreadsheet_url,
)
from sources.gsheets_pull import Previous, SheetResult, fetch_all, plan_jobs
from sources.local import Fetched
from sources.register import (
    RegisterProblem,
    assign_year,
    fetch_register_rows,
    is_csv,
    parse_register,
    read_csv_rows,
)
from sources.workbook_json import SOURCE_KIND, same_values
from tasks import report_progress
from tasks.pull import LOCAL_TZ, PullSummary, keep_snapshot
from warehouse import db

REGISTER_UNIT = "SO-DANG-KY"  # unit code of fetch rows about the register itself
RULE_FETCH_FAILED = "fetch_failed"
RULE_REGISTER = "register_problem"


@dataclass(frozen=True)
class RegisterRead:
    rows: list[list[Cell]]
    problems: tuple[RegisterProblem, ...] = ()


def log_fetch(con: Any, *, year: int, unit_code: str, outcome: str, snapshot_id: str | None,
              detail: str | None, fetched_at: datetime, source_version: str | None,
              drive_version: int | None = None) -> None:
    """One row of raw.fetches, with the spreadsheet's modifiedTime as its version."""
    con.execute(
        "insert into raw.fetches (year, unit_code, outcome, snapshot_id, detail, fetched_at, "
        "source_version, drive_version) values (?, ?, ?, ?, ?, ?, ?, ?)",
        [year, unit_code, outcome, snapshot_id, detail, fetched_at, source_version,
         drive_version],
    )


def previous_fetches(con: Any, year: int) -> dict[str, Previous]:
    """Each unit's latest good Google Sheets fetch of the year, with the Drive version its
    spreadsheet should have if our feedback written since is the only change."""
    rows = con.execute(
        """
        with latest as (
            select f.unit_code, s.source_ref, f.source_version, f.snapshot_id, s.tab_names,
                f.fetched_at
            from raw.fetches as f join raw.snapshots as s using (snapshot_id)
            where f.year = $year and f.outcome = 'snapshot' and s.source_kind = $kind
            qualify row_number() over (partition by f.unit_code order by f.fetch_id desc) = 1
        ),
        own_writes as (
            select unit_code, spreadsheet_id, expected_version, written_at
            from raw.feedback_writes
            where year = $year and outcome = 'written'
            qualify row_number() over (partition by unit_code, spreadsheet_id
                                       order by written_at desc) = 1
        )
        select l.unit_code, l.source_ref, l.source_version, l.snapshot_id, l.tab_names,
            w.spreadsheet_id, w.expected_version
        from latest as l
        left join own_writes as w
            on w.unit_code = l.unit_code and w.written_at >= l.fetched_at
        """,
        {"year": year, "kind": SOURCE_KIND},
    ).fetchall()
    found: dict[str, Previous] = {}
    for unit_code, source_ref, version, sid, tab_names, written_to, own in rows:
        spreadsheet_id = spreadsheet_id_of(source_ref)
        if unit_code in found and written_to != spreadsheet_id:
            continue
        found[unit_code] = Previous(spreadsheet_id, version, sid, tuple(tab_names or ()),
                                    own if written_to == spreadsheet_id else None)
    return found


def _snapshot_content(con: Any, sid: str) -> bytes:
    row = con.execute("select content from raw.snapshots where snapshot_id = ?", [sid]).fetchone()
    return bytes(row[0]) if row else b""


# --- the register ------------------------------------------------------------------------


@dataclass(frozen=True)
class _CachedRegister:
    modified_time: str
    rows: list[list[Cell]]
    drive_version: int | None
    expected_version: int | None


def _cached_register(con: Any, spreadsheet_id: str) -> _CachedRegister | None:
    row = con.execute(
        "select modified_time, tab_rows, drive_version, expected_version "
        "from raw.register_reads where spreadsheet_id = ? order by read_at desc limit 1",
        [spreadsheet_id]).fetchone()
    return _CachedRegister(row[0], json.loads(row[1]), row[2], row[3]) if row else None


def _keep_register(con: Any, spreadsheet_id: str, state: FileState | None,
                   rows: list[list[Cell]], now: datetime) -> None:
    if state is not None:
        con.execute("insert into raw.register_reads (spreadsheet_id, modified_time, tab_rows, "
                    "read_at, drive_version) values (?, ?, ?, ?, ?)",
                    [spreadsheet_id, state.modified_time, json.dumps(rows, ensure_ascii=False),
                     now, state.version])


def note_own_register_write(con: Any, spreadsheet_id: str, now: datetime) -> None:
    """After the pipeline wrote into the register spreadsheet (the status tab): the
    version that write should leave, so that the next pull does not read the register
    again for our own change (a person's edit meanwhile moves the version further)."""
    cached = _cached_register(con, spreadsheet_id)
    base = None if cached is None else (cached.expected_version or cached.drive_version)
    if cached is None or base is None:
        return
    con.execute("insert into raw.register_reads (spreadsheet_id, modified_time, tab_rows, "
                "read_at, drive_version, expected_version) values (?, ?, ?, ?, ?, ?)",
                [spreadsheet_id, cached.modified_time, json.dumps(cached.rows,
                                                                  ensure_ascii=False),
                 now, cached.drive_version, base + 1])


def read_register(api: SheetsApi, reference: str, listed: dict[str, FileState] | None,
                  con: Any, now: datetime) -> RegisterRead:
    """The register's cells: from the CSV, from the cache while the register spreadsheet's
    modifiedTime has not moved (or moved by our own status write only), else from one
    batchGet (and cached)."""
    if is_csv(reference):
        path = Path(reference).expanduser()
        if not path.is_file():
            raise SheetsError("register", f"{ENV['gsheets_register']}: không tìm thấy tệp sổ "
                              f"đăng ký {path}.", f"Register file {path} not found.")
        return RegisterRead(read_csv_rows(path))
    try:
        spreadsheet_id = spreadsheet_id_of(reference)
    except ValueError as exc:
        raise SheetsError("register", f"{ENV['gsheets_register']}: {exc}.", "The register "
                          "setting is neither a spreadsheet nor a .csv file.") from None
    cached = _cached_register(con, spreadsheet_id)
    state = (listed or {}).get(spreadsheet_id)
    if cached and state and cached.modified_time == state.modified_time:
        return RegisterRead(cached.rows)
    if cached and state and cached.expected_version is not None \
            and state.version == cached.expected_version:
        _keep_register(con, spreadsheet_id, state, cached.rows, now)  # as it now is
        return RegisterRead(cached.rows)
    try:
        rows = fetch_register_rows(api, spreadsheet_id)
    except SheetsError as exc:
        if cached is None:
            raise
        stale = RegisterProblem(REGISTER_UNIT, 0, "register_unreadable",
                                f"Không đọc được sổ đăng ký ({exc.reason_vi}); dùng bản đọc "
                                "lần trước.", f"Register unreadable ({exc.reason_en}); the "
                                "previous read is used.")
        return RegisterRead(cached.rows, (stale,))
    _keep_register(con, spreadsheet_id, state, rows, now)
    return RegisterRead(rows)


# --- the pull ----------------------------------------------------------------------------


def _store_result(con: Any, result: SheetResult, year: int, now: datetime,
                  previous: Previous | None) -> bool:
    """Keep one fetched spreadsheet; True when it made a new snapshot."""
    job = result.job
    assert result.content is not None
    if previous is not None and previous.spreadsheet_id == job.spreadsheet_id and same_values(
            _snapshot_content(con, previous.snapshot_id), result.content):
        sid, is_new = previous.snapshot_id, False  # only its modifiedTime moved
    else:
        fetched = Fetched(job.unit_code, year, SOURCE_KIND, spreadsheet_url(job.spreadsheet_id),
                          now, result.content)
        sid, is_new = keep_snapshot(con, fetched)
    log_fetch(con, year=year, unit_code=job.unit_code, outcome="snapshot", snapshot_id=sid,
              detail=None, fetched_at=now, source_version=job.modified_time,
              drive_version=job.version)
    return is_new


def _fail_all(con: Any, codes: Iterable[str], year: int, now: datetime,
              error: SheetsError, api: SheetsApi) -> list[str]:
    codes = sorted(codes)
    for code in codes:
        log_fetch(con, year=year, unit_code=code, outcome="error", snapshot_id=None,
                  detail=redact(error.detail, api.account), fetched_at=now, source_version=None)
    return codes


def pull_gsheets(settings: RunSettings, year: int, api: SheetsApi | None = None) -> PullSummary:
    """Pull every expected unit's spreadsheet of `year` that moved since its last snapshot."""
    registry = read_registry(settings.seeds_dir)
    units = expected_units(registry, year)
    codes = [u.code for u in units]
    now = datetime.now(LOCAL_TZ)
    api = api or SheetsApi.open(settings.gsheets, SCOPES_READ)
    with db.open_migrated(settings.warehouse) as con:  # the first stage: may meet a new file
        listed: dict[str, FileState] | None = None
        try:
            listed = api.list_spreadsheets()
            register = read_register(api, settings.gsheets.register, listed, con, now)
        except SheetsError as exc:  # nothing to go by: every unit keeps its last snapshot
            failed = _fail_all(con, codes, year, now, exc, api)
            report_progress("Năm %s: không đọc được danh sách bảng tính hoặc sổ đăng ký: %s",
                            year, exc.reason_vi)
            return PullSummary(year, len(units), 0, 0, (), (), errors=tuple(failed),
                               requests=api.attempts)
        rows, row_problems = parse_register(register.rows)
        assignment = assign_year(rows, [*row_problems, *register.problems], registry, year)
        for problem in assignment.problems:
            log_fetch(con, year=year, unit_code=problem.unit_code or REGISTER_UNIT,
                      outcome="register", snapshot_id=None,
                      detail=f"{problem.message_vi} | {problem.message_en}", fetched_at=now,
                      source_version=None)
            report_progress("Năm %s: %s", year, problem.message_vi)
        for code in assignment.missing:
            log_fetch(con, year=year, unit_code=code, outcome="not_found", snapshot_id=None,
                      detail="Không có dòng nào trong sổ đăng ký cho đơn vị này. | "
                      "No register row for this unit.", fetched_at=now, source_version=None)
        spreadsheets = {code: row.spreadsheet_id for code, row in assignment.spreadsheets.items()}
        errors: list[str] = []
        for code, spreadsheet_id in sorted(spreadsheets.items()):
            if spreadsheet_id in listed:
                continue
            try:  # not listed: in the trash, unshared, deleted, or outside the folder
                listed[spreadsheet_id] = api.file_state(spreadsheet_id)
            except SheetsError as exc:
                errors.append(code)
                log_fetch(con, year=year, unit_code=code, outcome="error", snapshot_id=None,
                          detail=redact(exc.detail, api.account), fetched_at=now,
                          source_version=None)
                report_progress("Năm %s: %s: không lấy được bảng tính: %s", year, code,
                                redact(exc.reason_vi, api.account))
        spreadsheets = {c: s for c, s in spreadsheets.items() if c not in errors}
        previous = previous_fetches(con, year)
        jobs, unchanged = plan_jobs(spreadsheets, listed, previous)
        if unchanged:  # the same snapshot, confirmed by its modifiedTime or version
            con.executemany(
                "insert into raw.fetches (year, unit_code, outcome, snapshot_id, detail, "
                "fetched_at, source_version, drive_version) "
                "values (?, ?, 'snapshot', ?, null, ?, ?, ?)",
                [[year, code, previous[code].snapshot_id, now,
                  listed[spreadsheets[code]].modified_time, listed[spreadsheets[code]].version]
                 for code in unchanged])
        new_count = 0
        for result in fetch_all(api, jobs, settings.gsheets.workers):
            code = result.job.unit_code
            if result.error is not None:
                errors.append(code)
                log_fetch(con, year=year, unit_code=code, outcome="error", snapshot_id=None,
                          detail=redact(result.error.detail, api.account), fetched_at=now,
                          source_version=result.job.modified_time)
                report_progress("Năm %s: %s: không lấy được bảng tính: %s", year, code,
                                redact(result.error.reason_vi, api.account))
                continue
            new_count += _store_result(con, result, year, now, previous.get(code))
    fetched = len(unchanged) + len(jobs) - len(set(errors) & {j.unit_code for j in jobs})
    report_progress("Năm %s: %s/%s bảng tính: %s đọc lại, %s không đổi, %s bản mới, %s lỗi "
                    "(%s yêu cầu tới Google; %s).", year, fetched, len(units), len(jobs),
                    len(unchanged), new_count, len(errors), api.attempts,
                    api.quota_line("read"))
    unexpected = tuple(sorted({p.unit_code for p in assignment.problems
                               if p.kind in ("unknown_unit", "not_reporting")}))
    return PullSummary(year, len(units), fetched, new_count, assignment.missing, unexpected,
                       errors=tuple(sorted(errors)), unchanged=len(unchanged),
                       requests=api.attempts)


# --- what the flow reports ---------------------------------------------------------------


def fetch_issues(con: Any, year: int, expected: set[str]) -> list[Issue]:
    """Issues for the failed fetches and register problems of the year's latest pull: a
    warning while the unit's last good snapshot stands in, blocking when there is none."""
    rows = con.execute(
        """
        with last_pull as (
            select max(fetched_at) as pulled_at from raw.fetches where year = $year
        ),
        good as (
            select unit_code, max(fetched_at) as good_at
            from raw.fetches where year = $year and outcome = 'snapshot' group by unit_code
        )
        select f.unit_code, f.outcome, f.detail, good.good_at
        from raw.fetches as f
        left join good using (unit_code)
        where f.year = $year and f.outcome in ('error', 'register')
            and f.fetched_at = (select pulled_at from last_pull)
        order by f.unit_code, f.fetch_id
        """,
        {"year": year},
    ).fetchall()
    issues = []
    for unit_code, outcome, detail, good_at in rows:
        reason_vi, _, reason_en = (detail or "").partition(" | ")
        if outcome == "error" and unit_code in expected:
            if good_at is not None:
                severity = Severity.WARNING
                then = f"Bản nhận lúc {good_at:%H:%M %d/%m/%Y} vẫn được dùng."
            else:
                severity = Severity.BLOCKING
                then = "Chưa có bản nào của đơn vị được nhận."
            message = (f"Đơn vị {unit_code}: không lấy được báo cáo từ Google Sheets: "
                       f"{reason_vi} {then} (English: {reason_en})")
            rule = RULE_FETCH_FAILED
        else:
            severity, rule = Severity.WARNING, RULE_REGISTER
            message = f"{reason_vi} (English: {reason_en})"
        issues.append(Issue(year=year, unit_code=unit_code, tab="", sheet_row=None,
                            column_key=None, column_header=None, value=None, rule=rule,
                            severity=severity, message_vi=message))
    return issues
