"""Google Sheets as a `sources.base.Source`: the units' spreadsheets, found through the
register.

Order of one pull: one Drive listing (modifiedTime and version of every visible spreadsheet
not in the trash), the register (from its CSV, or from its spreadsheet unless unchanged
since the last read), one Drive files.get for a registered spreadsheet the listing did not
show (in the trash: an error; outside the folder: read as usual), then one values:batchGet
per expected unit whose spreadsheet moved (our own feedback write aside). A register gap (an
expected unit without a row, a row repeated, …) is said on the console and becomes a
warning issue. A unit whose fetch fails (403 not shared, 404 deleted, timeouts, quota, a
cut-off answer) gets an 'error' fetch with the reason in Vietnamese | English and keeps its
last good snapshot, which still counts: the failure is surfaced as an issue by
`tasks.validate.fetch_issues` (a warning while a good snapshot exists, a blocking error when
there is none). The run goes on for the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from core.parse import Workbook
from core.registry import read_registry
from core.settings import ENV, RunSettings
from core.values import Cell
from sources.base import Listing, PullSummary, Wanted
from sources.fetched import Fetched, FetchFailed, FetchRow
from sources.gsheets import (
    SCOPES_READ,
    FileState,
    SheetsApi,
    SheetsError,
    redact,
    spreadsheet_id_of,
    spreadsheet_url,
)
from sources.gsheets_pull import Previous, SheetJob, fetch_spreadsheet, plan_jobs
from sources.register import (
    RegisterProblem,
    assign_year,
    fetch_register_rows,
    is_csv,
    parse_register,
    read_csv_rows,
)
from sources.workbook_json import SOURCE_KIND, read_workbook_json, same_values
from warehouse import raw

REGISTER_UNIT = "SO-DANG-KY"  # unit code of fetch rows about the register itself


@dataclass(frozen=True)
class RegisterRead:
    rows: list[list[Cell]]
    problems: tuple[RegisterProblem, ...] = ()


def previous_fetches(con: Any, year: int) -> dict[str, Previous]:
    """Each unit's latest good Google Sheets fetch of the year, with the Drive version its
    spreadsheet should have if our feedback written since is the only change."""
    found: dict[str, Previous] = {}
    for unit_code, source_ref, version, sid, tab_names, written_to, own in \
            raw.latest_good_fetches(con, year, SOURCE_KIND):
        spreadsheet_id = spreadsheet_id_of(source_ref)
        if unit_code in found and written_to != spreadsheet_id:
            continue
        found[unit_code] = Previous(spreadsheet_id, version, sid, tuple(tab_names or ()),
                                    own if written_to == spreadsheet_id else None)
    return found


# --- the register ------------------------------------------------------------------------


def note_own_register_write(con: Any, spreadsheet_id: str, now: datetime) -> None:
    """After the pipeline wrote into the register spreadsheet (the status tab): the
    version that write should leave, so that the next pull does not read the register
    again for our own change (a person's edit meanwhile moves the version further)."""
    cached = raw.latest_register_read(con, spreadsheet_id)
    if cached is None:
        return
    modified_time, rows, drive_version, expected_version = cached
    base = expected_version or drive_version
    if base is None:
        return
    raw.add_register_read(con, spreadsheet_id, modified_time, rows, now, drive_version,
                          base + 1)


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
    cached = raw.latest_register_read(con, spreadsheet_id)
    state = (listed or {}).get(spreadsheet_id)
    if cached and state and cached[0] == state.modified_time:
        return RegisterRead(cached[1])
    if cached and state and cached[3] is not None and state.version == cached[3]:
        # as it now is: our own status write was the only change
        raw.add_register_read(con, spreadsheet_id, state.modified_time, cached[1], now,
                              state.version)
        return RegisterRead(cached[1])
    try:
        rows = fetch_register_rows(api, spreadsheet_id)
    except SheetsError as exc:
        if cached is None:
            raise
        stale = RegisterProblem(REGISTER_UNIT, 0, "register_unreadable",
                                f"Không đọc được sổ đăng ký ({exc.reason_vi}); dùng bản đọc "
                                "lần trước.", f"Register unreadable ({exc.reason_en}); the "
                                "previous read is used.")
        return RegisterRead(cached[1], (stale,))
    if state is not None:
        raw.add_register_read(con, spreadsheet_id, state.modified_time, rows, now,
                              state.version)
    return RegisterRead(rows)


# --- the source --------------------------------------------------------------------------


class SheetsSource:
    """The units' spreadsheets as a `sources.base.Source`."""

    kind = SOURCE_KIND

    def __init__(self, settings: RunSettings, api: SheetsApi) -> None:
        self.settings = settings
        self.api = api
        self.workers = settings.gsheets.workers
        self._kept: dict[str, tuple[str, bytes]] = {}  # unit → (snapshot id, its content)
        self._counts: tuple[int, int, int] | None = None  # re-read, unchanged, errors

    @classmethod
    def open(cls, settings: RunSettings, api: SheetsApi | None = None) -> SheetsSource:
        """The source with its own client (read scopes), unless one is given."""
        return cls(settings, api or SheetsApi.open(settings.gsheets, SCOPES_READ))

    def list_year(self, con: Any, year: int, unit_codes: Sequence[str],
                  now: datetime) -> Listing:
        """The register matched against the registry, and the spreadsheets that moved
        since their last snapshot; the others are logged as read again unchanged."""
        api = self.api
        logged: list[FetchRow] = []
        said: list[str] = []
        listed: dict[str, FileState] | None = None
        try:
            listed = api.list_spreadsheets()
            register = read_register(api, self.settings.gsheets.register, listed, con, now)
        except SheetsError as exc:  # nothing to go by: every unit keeps its last snapshot
            codes = sorted(unit_codes)
            detail = redact(exc.detail, api.account)
            return Listing((), tuple(FetchRow(year, code, "error", now, detail=detail)
                                     for code in codes), failed=tuple(codes),
                           said=("không đọc được danh sách bảng tính hoặc sổ đăng ký: "
                                 f"{exc.reason_vi}",))
        rows, row_problems = parse_register(register.rows)
        assignment = assign_year(rows, [*row_problems, *register.problems],
                                 read_registry(self.settings.seeds_dir), year)
        for problem in assignment.problems:
            logged.append(FetchRow(year, problem.unit_code or REGISTER_UNIT, "register", now,
                                   detail=f"{problem.message_vi} | {problem.message_en}"))
            said.append(problem.message_vi)
        logged += [FetchRow(year, code, "not_found", now, detail=(
            "Không có dòng nào trong sổ đăng ký cho đơn vị này. | No register row for this "
            "unit.")) for code in assignment.missing]
        spreadsheets = {code: row.spreadsheet_id for code, row in assignment.spreadsheets.items()}
        errors: list[str] = []
        for code, spreadsheet_id in sorted(spreadsheets.items()):
            if spreadsheet_id in listed:
                continue
            try:  # not listed: in the trash, unshared, deleted, or outside the folder
                listed[spreadsheet_id] = api.file_state(spreadsheet_id)
            except SheetsError as exc:
                errors.append(code)
                logged.append(FetchRow(year, code, "error", now,
                                       detail=redact(exc.detail, api.account)))
                said.append(f"{code}: không lấy được bảng tính: "
                            f"{redact(exc.reason_vi, api.account)}")
        spreadsheets = {c: s for c, s in spreadsheets.items() if c not in errors}
        previous = previous_fetches(con, year)
        jobs, unchanged = plan_jobs(spreadsheets, listed, previous)
        for code in unchanged:  # the same snapshot, confirmed by its modifiedTime or version
            state = listed[spreadsheets[code]]
            logged.append(FetchRow(year, code, "snapshot", now,
                                   snapshot_id=previous[code].snapshot_id,
                                   source_version=state.modified_time,
                                   drive_version=state.version))
        for job in jobs:  # what a re-read may repeat in other bytes
            last = previous.get(job.unit_code)
            if last is not None and last.spreadsheet_id == job.spreadsheet_id:
                self._kept[job.unit_code] = (last.snapshot_id,
                                             raw.snapshot_content(con, last.snapshot_id))
        self._counts = (len(jobs), len(unchanged), len(errors))
        unexpected = tuple(sorted({p.unit_code for p in assignment.problems
                                   if p.kind in ("unknown_unit", "not_reporting")}))
        return Listing(tuple(Wanted(j.unit_code, j.spreadsheet_id, j) for j in jobs),
                       tuple(logged), assignment.missing, unexpected, tuple(errors),
                       tuple(said))

    def fetch(self, wanted: Wanted, year: int, now: datetime) -> Fetched | FetchFailed:
        job: SheetJob = wanted.job
        result = fetch_spreadsheet(self.api, job)
        if result.error is not None:
            return FetchFailed(job.unit_code, redact(result.error.detail, self.api.account),
                               job.modified_time,
                               f"{job.unit_code}: không lấy được bảng tính: "
                               f"{redact(result.error.reason_vi, self.api.account)}")
        assert result.content is not None
        kept = self._kept.get(job.unit_code)
        same = kept is not None and same_values(kept[1], result.content)
        return Fetched(job.unit_code, year, SOURCE_KIND, spreadsheet_url(job.spreadsheet_id),
                       now, result.content, source_version=job.modified_time,
                       drive_version=job.version,
                       kept_as=kept[0] if same and kept else None)  # only modifiedTime moved

    def decode(self, content: bytes) -> Workbook:
        return read_workbook_json(content)

    def finish(self, summary: PullSummary) -> tuple[PullSummary, str | None]:
        summary = replace(summary, requests=self.api.attempts)
        if self._counts is None:  # the listing failed: said already
            return summary, None
        jobs, unchanged, _ = self._counts
        return summary, (
            f"{summary.fetched}/{summary.expected} bảng tính: {jobs} đọc lại, {unchanged} "
            f"không đổi, {summary.new_snapshots} bản mới, {len(summary.errors)} lỗi "
            f"({self.api.attempts} yêu cầu tới Google; {self.api.quota_line('read')}).")

    def close(self) -> None:
        self._kept.clear()
