"""Validate: read each current snapshot into typed records and run the expectation suites."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from prefect import task

from core.assemble import (
    Submission,
    folder_issue,
    late_revision_issue,
    merge_issues,
    to_frames,
    unexpected_file_issue,
    unreadable_issue,
)
from core.issues import Issue, Severity
from core.parse import read_general, template_tab_indexes
from core.parse_columns import parse_snapshots
from core.pickled import by_values
from core.registry import assigned_pairs, expected_units, read_registry
from core.runtime import cycles_not_collected, heap_frozen
from core.settings import RunSettings
from core.snapshot import grids_of
from sources.local import KIND as LOCAL_KIND
from tasks import report_progress
from warehouse import db, raw

RULE_FETCH_FAILED = "fetch_failed"
RULE_REGISTER = "register_problem"


@dataclass(frozen=True)
class ValidationResult:
    year: int
    submissions: tuple[Submission, ...]
    issues: tuple[Issue, ...]

    __reduce__ = by_values  # core.pickled: the load's cache key on a retry


def source_name(snapshot: dict[str, object]) -> str:
    """How the unit knows what it sent: the file's name, or the spreadsheet's address."""
    ref = str(snapshot["source_ref"])
    return PurePath(ref).name if snapshot["source_kind"] == LOCAL_KIND else ref


def fetch_issues(con: Any, year: int, expected: set[str]) -> list[Issue]:
    """Issues for the failed fetches and register problems of the year's latest pull: a
    warning while the unit's last good snapshot stands in, blocking when there is none."""
    rows = raw.failed_fetches(con, year)
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


def _first_seen_complete(con, snapshots: list[dict[str, object]], current: dict[str, object],
                         current_general: dict[str, object]):
    """When the pipeline first fetched a version of this report marked complete, from the
    unit's snapshots oldest first (the current one's "Thông tin chung" is already read)."""
    for snap in snapshots:
        if snap["read_error"] is None:
            if snap["snapshot_id"] == current["snapshot_id"]:
                general = current_general
            else:
                sid, names = str(snap["snapshot_id"]), snap["tab_names"]
                cells = db.snapshots_cells(con, {sid: template_tab_indexes(names)})[sid]
                general = read_general(grids_of(names, *cells))
            if general.get("is_complete") is True:
                return snap["fetched_at"]
    return None


def _with_parsed(con, snapshots: list[dict[str, object]], codes: set[str], year: int,
                 chunk: int = 500):
    """Each snapshot with its parsed workbook (None when not an expected unit's readable
    snapshot), `chunk` snapshots' cells per query and parsed together, as columns: few
    queries, and never a whole year's cells at once. Only the cells of the tabs the parser
    reads are fetched. The next part's cells are read (by DuckDB, on its own cursor and
    thread) while this part's are parsed."""
    parts = [snapshots[start:start + chunk] for start in range(0, len(snapshots), chunk)]
    if not parts:
        return

    def readable(part: list[dict[str, object]]) -> list[dict[str, object]]:
        return [s for s in part if s["unit_code"] in codes and s["read_error"] is None]

    def wanted(part: list[dict[str, object]]) -> dict[str, list[int]]:
        return {str(s["snapshot_id"]): template_tab_indexes(s["tab_names"])
                for s in readable(part)}

    with ThreadPoolExecutor(max_workers=1) as reader, con.cursor() as cursor:
        coming = reader.submit(db.snapshots_cell_columns, cursor, wanted(parts[0]))
        for number, part in enumerate(parts):
            cells = coming.result()
            if number + 1 < len(parts):
                coming = reader.submit(db.snapshots_cell_columns, cursor,
                                       wanted(parts[number + 1]))
            read = readable(part)
            parsed = dict(zip((str(s["snapshot_id"]) for s in read), parse_snapshots(
                [str(s["unit_code"]) for s in read], [s["tab_names"] for s in read], cells,
                year), strict=True))
            del cells
            for snap in part:
                yield snap, parsed.pop(str(snap["snapshot_id"]), None)


@task(name="validate_submissions", task_run_name="validate {year}")
def validate_submissions(settings: RunSettings, year: int) -> ValidationResult:
    """Parse every current snapshot of the year and check it against the template's suites."""
    from expectations.validate import validate_year  # GX is slow to import: only here

    registry = read_registry(settings.seeds_dir)
    units = expected_units(registry, year)
    codes = {u.code for u in units}
    submissions: list[Submission] = []
    parse_issues: list[Issue] = []
    with ExitStack() as frozen:
        with cycles_not_collected(), db.connect(settings.warehouse) as con:
            late = db.late_revisions(con, year)
            parse_issues += [late_revision_issue(year, r["unit_code"], r["fetched_at"])
                             for r in late]
            parse_issues += fetch_issues(con, year, codes)  # fetches that failed
            parse_issues += [folder_issue(year, n["unit_code"], n["rule"], n["files"])
                             for n in db.folder_notes(con, year)]
            every_snapshot = db.year_snapshots(con, year)
            for snap, parsed in _with_parsed(con, db.current_snapshots(con, year), codes, year):
                unit = snap["unit_code"]
                if unit not in codes:
                    parse_issues.append(unexpected_file_issue(year, unit, source_name(snap)))
                    continue
                first_complete = None
                if snap["read_error"] is not None:
                    parse_issues.append(unreadable_issue(year, unit, snap["read_error"],
                                                         source_name(snap)))
                else:
                    parse_issues.extend(parsed.issues)
                    general = parsed.records.get("general", [{}])[0]
                    if general.get("is_complete") is True:
                        first_complete = _first_seen_complete(con, every_snapshot[unit], snap,
                                                              general)
                submissions.append(Submission(unit, snap["snapshot_id"], snap["source_ref"],
                                              snap["fetched_at"], parsed, snap["read_error"],
                                              first_complete))
            # the year's records left out of the collections from here on, frozen before
            # the collector is back (it would walk them all, and nothing of theirs is freed)
            frozen.enter_context(heap_frozen())
        readable = [s.parsed for s in submissions if s.parsed and not s.parsed.is_blocked]
        frames = to_frames(readable)
        checks = validate_year(frames, year, assigned_pairs(registry, units))
    issues = merge_issues(parse_issues, checks)
    errors = sum(i.severity != "warning" for i in issues)
    report_progress("Năm %s: đã kiểm tra %s bản báo cáo: %s lỗi, %s cảnh báo.", year,
                    len(submissions), errors, len(issues) - errors)
    return ValidationResult(year, tuple(submissions), tuple(issues))
