"""Pull: read each expected unit's workbook and keep it as an immutable raw snapshot."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from prefect import task

from core.parse import Workbook
from core.registry import LOCAL_TZ, expected_units, read_registry
from core.settings import RunSettings
from core.snapshot import cells_of, content_sha256, snapshot_id
from sources.local import Fetched, fetch_local, unexpected_files
from sources.workbook_json import SOURCE_KIND as GSHEETS_KIND
from sources.workbook_json import read_workbook_json
from sources.xlsx import UnreadableWorkbook, read_xlsx
from tasks import report_progress
from warehouse import db


@dataclass(frozen=True)
class PullSummary:
    year: int
    expected: int
    fetched: int
    new_snapshots: int
    not_found: tuple[str, ...]
    unexpected_files: tuple[str, ...] = field(default_factory=tuple)
    errors: tuple[str, ...] = field(default_factory=tuple)  # units whose fetch failed
    unchanged: int = 0  # Google Sheets: spreadsheets skipped, modifiedTime unchanged
    requests: int = 0  # Google Sheets: HTTP requests sent (retries included)


def read_content(source_kind: str, content: bytes) -> Workbook:
    """A snapshot's content as tabs of cells, decoded by the source that fetched it."""
    if source_kind == GSHEETS_KIND:
        return read_workbook_json(content)
    return read_xlsx(content)


def keep_snapshot(con, fetched: Fetched) -> tuple[str, bool]:
    """Keep fetched content as a raw snapshot unless already kept: (snapshot id, is new)."""
    sha = content_sha256(fetched.content)
    sid = snapshot_id(fetched.year, fetched.unit_code, sha)
    is_new = not db.snapshot_exists(con, sid)
    if is_new:
        try:
            workbook = read_content(fetched.source_kind, fetched.content)
            tab_names, cells, read_error = list(workbook), list(cells_of(workbook)), None
        except UnreadableWorkbook as exc:
            tab_names, cells, read_error = None, [], exc.detail_vi
        db.insert_snapshot(
            con, snapshot_id=sid, year=fetched.year, unit_code=fetched.unit_code,
            source_kind=fetched.source_kind, source_ref=fetched.source_ref, sha256=sha,
            content=fetched.content, tab_names=tab_names, read_error=read_error,
            fetched_at=fetched.fetched_at, cells=cells,
        )
    return sid, is_new


def store_fetched(con, fetched: Fetched) -> bool:
    """Keep one fetched workbook as a raw snapshot; False when that content was already kept."""
    sid, is_new = keep_snapshot(con, fetched)
    db.record_fetch(con, year=fetched.year, unit_code=fetched.unit_code, outcome="snapshot",
                    snapshot_id=sid, detail=None, fetched_at=fetched.fetched_at)
    return is_new


@task(name="pull_workbooks", task_run_name="pull {year}")
def pull_workbooks(settings: RunSettings, year: int) -> PullSummary:
    """Read every expected unit's workbook (from the reports folder, or from Google Sheets
    when the settings say so) into raw snapshots."""
    if settings.source == GSHEETS_KIND:
        from tasks.pull_gsheets import pull_gsheets

        return pull_gsheets(settings, year)
    units = expected_units(read_registry(settings.seeds_dir), year)
    now = datetime.now(LOCAL_TZ)
    fetched_count, new_count, not_found = 0, 0, []
    with db.connect(settings.warehouse) as con:
        for unit in units:
            fetched = fetch_local(settings.reports_dir, year, unit.code, now)
            if fetched is None:
                not_found.append(unit.code)
                db.record_fetch(con, year=year, unit_code=unit.code, outcome="not_found",
                                snapshot_id=None, detail=None, fetched_at=now)
                continue
            fetched_count += 1
            new_count += store_fetched(con, fetched)
        extra = unexpected_files(settings.reports_dir, year, {u.code for u in units})
        for path in extra:  # kept as submitted, under the file's name, and reported
            store_fetched(con, Fetched(path.stem, year, "local", str(path.resolve()), now,
                                       path.read_bytes()))
    report_progress("Năm %s: đã đọc %s/%s tệp báo cáo (%s bản mới).", year, fetched_count,
                len(units), new_count)
    return PullSummary(year, len(units), fetched_count, new_count, tuple(not_found),
                       tuple(p.stem for p in extra))


@task(name="freeze_snapshots", task_run_name="freeze {year}")
def freeze_snapshots(settings: RunSettings, year: int) -> datetime:
    """Freeze the year's snapshots now (the deadline cut-off); a re-run keeps the first time."""
    with db.connect(settings.warehouse) as con:
        frozen_at = db.freeze_year(con, year, datetime.now(LOCAL_TZ))
    report_progress("Năm %s: đã chốt số liệu lúc %s.", year, f"{frozen_at:%d/%m/%Y %H:%M}")
    return frozen_at
