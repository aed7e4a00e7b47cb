"""Pull: read each expected unit's report from the configured source and keep it as an
immutable raw snapshot. One path for every source (`sources.base.Source`): the source
lists and fetches; `store_year` keeps and logs, through `warehouse.db.store_pull`."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from prefect import task

from core.registry import LOCAL_TZ, expected_units, read_registry
from core.settings import RunSettings
from core.snapshot import CellColumns, cell_columns, content_sha256, snapshot_id
from sources.base import CellDecoder, PullSummary, Source, Wanted
from sources.choice import implementation
from sources.fetched import Fetched, FetchFailed, FetchRow
from sources.xlsx import UnreadableWorkbook
from tasks import report_progress
from warehouse import db

__all__ = ["LOCAL_TZ", "PullSummary", "pull_workbooks", "pull_year", "store_year"]


@dataclass
class PendingWrites:
    """What a pull has read and not yet written: new snapshots with their cells, and the
    fetch log, written together in one transaction (`flush`) every `FLUSH_EVERY` fetches."""

    known: set[str]  # snapshot ids already in raw.snapshots or pending
    snapshots: list[tuple[dict[str, object], CellColumns]] = field(default_factory=list)
    fetches: list[dict[str, object]] = field(default_factory=list)

    def log(self, row: FetchRow) -> None:
        self.fetches.append({f.name: getattr(row, f.name) for f in _FETCH_FIELDS})

    def flush(self, con) -> None:
        if self.snapshots or self.fetches:
            db.store_pull(con, self.snapshots, self.fetches)
        self.snapshots, self.fetches = [], []


FLUSH_EVERY = 200
_FETCH_FIELDS = fields(FetchRow)
_NO_CELLS = CellColumns([], [], [], [], [], [])
# content → its tab names and cells as raw.cells columns (`cells_decoder`)
Decode = Callable[[bytes], tuple[list[str], CellColumns]]


def snapshot_row(fetched: Fetched, sid: str, sha: str, decode: Decode
                 ) -> tuple[dict[str, object], CellColumns]:
    """The raw.snapshots row of new content, and its cells, decoded by its source.
    Content over the size limit is not kept: its row says why, with the file's size."""
    content, size = fetched.content, len(fetched.content)
    if fetched.read_error is not None:
        tab_names, cells, read_error = None, _NO_CELLS, fetched.read_error
        content, size = b"", fetched.size or len(fetched.content)
    else:
        try:
            (tab_names, cells), read_error = decode(fetched.content), None
        except UnreadableWorkbook as exc:
            tab_names, cells, read_error = None, _NO_CELLS, exc.detail_vi
    row = {"snapshot_id": sid, "year": fetched.year, "unit_code": fetched.unit_code,
           "source_kind": fetched.source_kind, "source_ref": fetched.source_ref,
           "content_sha256": sha, "content_bytes": size, "content": content,
           "tab_names": tab_names, "read_error": read_error, "fetched_at": fetched.fetched_at}
    return row, cells


def store_fetched(fetched: Fetched, decode: Decode, pending: PendingWrites) -> bool:
    """Keep one fetched report as a raw snapshot and log the fetch, at `pending`'s next
    flush; False when that content was already kept."""
    if fetched.kept_as is not None:
        sid, is_new = fetched.kept_as, False
    else:
        sha = fetched.sha256 or content_sha256(fetched.content)
        sid = snapshot_id(fetched.year, fetched.unit_code, sha)
        is_new = sid not in pending.known
        if is_new:
            pending.snapshots.append(snapshot_row(fetched, sid, sha, decode))
            pending.known.add(sid)
    pending.log(FetchRow(fetched.year, fetched.unit_code, "snapshot", fetched.fetched_at,
                         snapshot_id=sid, source_version=fetched.source_version,
                         drive_version=fetched.drive_version))
    return is_new


def cells_decoder(source: Source) -> Decode:
    """How the pull decodes a source's content: its own `decode_cells` when it has one
    (`sources.base.CellDecoder`), else its workbook encoded here."""
    if isinstance(source, CellDecoder):
        return source.decode_cells

    def decode(content: bytes) -> tuple[list[str], CellColumns]:
        workbook = source.decode(content)
        return list(workbook), cell_columns(workbook)

    return decode


# Fetches everything wanted, yielding each result (in the order wanted, or as they come)
# with what decodes its content when it is kept: `fetch_each` here (decoded when the result
# is stored), `tasks.pull_parts.fetch_in_parts` (decoded already, in the parts).
FetchAll = Callable[[Source, Sequence[Wanted], int, datetime, set[str]],
                    Iterator[tuple[Fetched | FetchFailed, Decode]]]


def fetch_each(source: Source, wanted: Sequence[Wanted], year: int, now: datetime,
               known: set[str] | None = None
               ) -> Iterator[tuple[Fetched | FetchFailed, Decode]]:
    """Fetch everything wanted, `source.workers` at a time, yielding results as they come
    (each is stored at once; one unit's failure never stops the others)."""
    decode = cells_decoder(source)
    if source.workers <= 1 or len(wanted) <= 1:
        for item in wanted:
            yield source.fetch(item, year, now), decode
        return
    with ThreadPoolExecutor(max_workers=source.workers,
                            thread_name_prefix=f"pull-{source.kind}") as pool:
        futures = [pool.submit(source.fetch, item, year, now) for item in wanted]
        for future in as_completed(futures):
            yield future.result(), decode


def store_year(con: Any, source: Source, year: int, unit_codes: Sequence[str],
               now: datetime, fetch_all: FetchAll = fetch_each) -> PullSummary:
    """Pull a year from `source` into the warehouse: what the listing decided is logged
    first, then each fetch is kept and logged as it comes, in batches of `FLUSH_EVERY`."""
    listing = source.list_year(con, year, unit_codes, now)
    for line in listing.said:
        report_progress("Năm %s: %s", year, line)
    pending = PendingWrites(db.snapshot_ids(con, year))
    for row in listing.logged:
        pending.log(row)
    read = {r.unit_code for r in listing.logged if r.outcome == "snapshot"}
    unchanged = len(read)
    errors = set(listing.failed)
    new_count, done = 0, 0
    with db.bulk_writes(con):
        for result, decode in fetch_all(source, listing.wanted, year, now,
                                        set(pending.known)):
            if isinstance(result, FetchFailed):
                errors.add(result.unit_code)
                pending.log(FetchRow(year, result.unit_code, "error", now,
                                     detail=result.detail, source_version=result.source_version))
                if result.said:
                    report_progress("Năm %s: %s", year, result.said)
                continue
            new_count += store_fetched(result, decode, pending)
            read.add(result.unit_code)
            done += 1
            if done % FLUSH_EVERY == 0:
                pending.flush(con)
                report_progress("Năm %s: đã đọc %s/%s báo cáo …", year, done,
                                len(listing.wanted))
        pending.flush(con)
    summary = PullSummary(year, len(unit_codes), len(read & set(unit_codes)), new_count,
                          listing.not_found, listing.unexpected, tuple(sorted(errors)),
                          unchanged=unchanged)
    summary, line = source.finish(summary)
    if line:
        report_progress("Năm %s: %s", year, line)
    return summary


def pull_year(settings: RunSettings, year: int, source: Source,
              fetch_all: FetchAll = fetch_each) -> PullSummary:
    """Pull every expected unit of `year` from `source` into the settings' warehouse."""
    units = expected_units(read_registry(settings.seeds_dir), year)
    now = datetime.now(LOCAL_TZ)
    try:
        with db.open_migrated(settings.warehouse) as con:  # the first stage: may meet a new file
            return store_year(con, source, year, [u.code for u in units], now, fetch_all)
    finally:
        source.close()


def pull_folder(con, settings: RunSettings, year: int, unit_codes: list[str],
                now: datetime) -> PullSummary:
    """Read a year's reports folder (the local source) into `con`."""
    from sources.local import FolderSource

    source = FolderSource(settings.reports_dir, settings.limits)
    try:
        return store_year(con, source, year, unit_codes, now)
    finally:
        source.close()


def pull_gsheets(settings: RunSettings, year: int, api: Any = None) -> PullSummary:
    """Pull a year from Google Sheets, through `api` when given (a client of the emulator)."""
    from sources.gsheets_source import SheetsSource

    return pull_year(settings, year, SheetsSource.open(settings, api))


@task(name="pull_workbooks", task_run_name="pull {year}")
def pull_workbooks(settings: RunSettings, year: int) -> PullSummary:
    """Read every expected unit's report from the configured source (the reports folder,
    Google Sheets) into raw snapshots."""
    from tasks.pull_parts import fetch_for

    source = implementation(settings).open_source(settings)
    return pull_year(settings, year, source, fetch_for(source))


@task(name="freeze_snapshots", task_run_name="freeze {year}")
def freeze_snapshots(settings: RunSettings, year: int) -> datetime:
    """Freeze the year's snapshots now (the deadline cut-off); a re-run keeps the first time."""
    with db.connect(settings.warehouse) as con:
        frozen_at = db.freeze_year(con, year, datetime.now(LOCAL_TZ))
    report_progress("Năm %s: đã chốt số liệu lúc %s.", year, f"{frozen_at:%d/%m/%Y %H:%M}")
    return frozen_at
