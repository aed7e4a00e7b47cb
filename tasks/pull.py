"""Pull: read each expected unit's workbook and keep it as an immutable raw snapshot."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from prefect import task

from core.parse import Workbook
from core.registry import LOCAL_TZ, expected_units, read_registry
from core.settings import ReadLimits, RunSettings
from core.snapshot import RawCell, cells_of, content_sha256, snapshot_id
from sources.local import Fetched, NotReadable, list_folder, plan_folder, read_file, shown
from sources.reader import IsolatedReader
from sources.workbook_json import SOURCE_KIND as GSHEETS_KIND
from sources.workbook_json import read_workbook_json
from sources.xlsx import UnreadableWorkbook, read_workbook, too_large_reason
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
    reader_peak_mb: float = 0.0  # local files: the reader process's peak resident size


def read_content(source_kind: str, content: bytes, reader: IsolatedReader | None = None
                 ) -> Workbook:
    """A snapshot's content as tabs of cells, decoded by the source that fetched it: a
    workbook file through the isolated reader (or in this process when none is given)."""
    if source_kind == GSHEETS_KIND:
        return read_workbook_json(content)
    return reader.read(content) if reader is not None else read_workbook(content)


@dataclass
class PendingWrites:
    """What a pull has read and not yet written: new snapshots with their cells, and the
    fetch log, written together in one transaction (`flush`) every `FLUSH_EVERY` files."""

    known: set[str]  # snapshot ids already in raw.snapshots or pending
    snapshots: list[tuple[dict[str, object], list[RawCell]]] = field(default_factory=list)
    fetches: list[dict[str, object]] = field(default_factory=list)

    def flush(self, con) -> None:
        if self.snapshots or self.fetches:
            db.store_pull(con, self.snapshots, self.fetches)
        self.snapshots, self.fetches = [], []


FLUSH_EVERY = 200


def snapshot_row(fetched: Fetched, sid: str, sha: str, reader: IsolatedReader | None
                 ) -> tuple[dict[str, object], list[RawCell]]:
    """The raw.snapshots row of new content, and its cells, read through the reader.
    Content over the size limit is not kept: its row says why, with the file's size."""
    content, size = fetched.content, len(fetched.content)
    if fetched.read_error is not None:
        tab_names, cells, read_error = None, [], fetched.read_error
        content, size = b"", fetched.size or len(fetched.content)
    else:
        try:
            workbook = read_content(fetched.source_kind, fetched.content, reader)
            tab_names, cells, read_error = list(workbook), list(cells_of(workbook)), None
        except UnreadableWorkbook as exc:
            tab_names, cells, read_error = None, [], exc.detail_vi
    row = {"snapshot_id": sid, "year": fetched.year, "unit_code": fetched.unit_code,
           "source_kind": fetched.source_kind, "source_ref": fetched.source_ref,
           "content_sha256": sha, "content_bytes": size, "content": content,
           "tab_names": tab_names, "read_error": read_error, "fetched_at": fetched.fetched_at}
    return row, cells


def keep_snapshot(con, fetched: Fetched, reader: IsolatedReader | None = None
                  ) -> tuple[str, bool]:
    """Keep fetched content as a raw snapshot unless already kept: (snapshot id, is new)."""
    sha = content_sha256(fetched.content)
    sid = snapshot_id(fetched.year, fetched.unit_code, sha)
    is_new = not db.snapshot_exists(con, sid)
    if is_new:
        db.store_pull(con, [snapshot_row(fetched, sid, sha, reader)], [])
    return sid, is_new


def store_fetched(fetched: Fetched, reader: IsolatedReader | None,
                  pending: PendingWrites) -> bool:
    """Keep one fetched workbook as a raw snapshot and log the fetch, at `pending`'s next
    flush; False when that content was already kept."""
    sha = content_sha256(fetched.content)
    sid = snapshot_id(fetched.year, fetched.unit_code, sha)
    is_new = sid not in pending.known
    if is_new:
        pending.snapshots.append(snapshot_row(fetched, sid, sha, reader))
        pending.known.add(sid)
    pending.fetches.append(_fetch_row(fetched.year, fetched.unit_code, "snapshot",
                                      fetched.fetched_at, snapshot=sid))
    return is_new


def fetch_file(path: Path, unit_code: str, year: int, now: datetime,
               limits: ReadLimits) -> Fetched:
    """One file of the folder as a `Fetched` (over the size limit: marked, not kept).
    Raises `NotReadable`."""
    content, size = read_file(path, limits.max_file_bytes)
    read_error = None
    if limits.max_file_bytes and size > limits.max_file_bytes:
        read_error = too_large_reason(size, limits.max_file_bytes)
    return Fetched(unit_code, year, "local", shown(str(path.absolute())), now, content,
                   read_error, size)


def _fetch_row(year: int, unit_code: str, outcome: str, at: datetime,
               detail: str | None = None, snapshot: str | None = None) -> dict[str, object]:
    """One row of the fetch log (raw.fetches)."""
    return {"year": year, "unit_code": unit_code, "outcome": outcome, "snapshot_id": snapshot,
            "detail": detail, "fetched_at": at}


@dataclass(frozen=True)
class PartRead:
    """One part of a year's files, fetched and read: what to write, not yet written."""

    snapshots: list[tuple[dict[str, object], list[RawCell]]]
    fetches: list[dict[str, object]]
    new_snapshots: int
    files_read: int
    read_units: frozenset[str]
    errors: frozenset[str]


def read_part(settings: RunSettings, folder: Path, year: int, now: datetime,
              work: list[tuple[str, str]], known: set[str],
              reader: IsolatedReader) -> PartRead:
    """Fetch the (unit, file name) pairs of `work` from `folder` and read new content
    through `reader`; nothing is written (the caller writes, in one connection)."""
    pending = PendingWrites(set(known))
    new_count, done, read_units, errors = 0, 0, set(), set()
    for unit, name in work:
        try:
            fetched = fetch_file(folder / name, unit, year, now, settings.limits)
        except NotReadable as exc:
            errors.add(unit)
            pending.fetches.append(_fetch_row(
                year, unit, "error", now, f"Không mở được tệp «{shown(name)}» để đọc: hãy "
                f"kiểm tra quyền đọc tệp trong thư mục báo cáo. | Cannot open "
                f"{shown(name)}: {exc}"))
            continue
        new_count += store_fetched(fetched, reader, pending)
        read_units.add(unit)
        done += 1
    return PartRead(pending.snapshots, pending.fetches, new_count, done,
                    frozenset(read_units), frozenset(errors))


def split_work(work: list[tuple[str, str]], most: int) -> list[list[tuple[str, str]]]:
    """`work` in parts of at most `most` files (more for a unit with more files than that),
    in order, each unit's files in one part (a unit's counted file is its last)."""
    parts: list[list[tuple[str, str]]] = []
    for unit, name in work:
        if parts and (parts[-1][-1][0] == unit or len(parts[-1]) < most):
            parts[-1].append((unit, name))
        else:
            parts.append([(unit, name)])
    return parts


# Reads the parts and gives each part's result, in the order of the parts: one after the
# other here (read_in_turn); through the flow's Prefect task runner in tasks/pull_parts.py.
ReadParts = Callable[[RunSettings, Path, int, datetime, list[list[tuple[str, str]]], set[str]],
                     Iterator[tuple[PartRead, int]]]


def read_in_turn(settings: RunSettings, folder: Path, year: int, now: datetime,
                 parts: list[list[tuple[str, str]]], known: set[str]
                 ) -> Iterator[tuple[PartRead, int]]:
    """Each part in turn, with one reader process: (part read, reader's peak bytes)."""
    with IsolatedReader(settings.limits) as reader:
        for work in parts:
            yield read_part(settings, folder, year, now, work, known, reader), \
                reader.peak_rss_bytes


def pull_folder(con, settings: RunSettings, year: int, unit_codes: list[str],
                now: datetime, read_parts: ReadParts = read_in_turn,
                workers: int = 1) -> PullSummary:
    """Read a year's folder: each unit's files (the counted one last), the workbooks of no
    unit, and what the folder itself says (links, sub-folders, twins) as fetch notes. The
    files are read in parts (`read_parts`: enough parts for `workers` to share, at most
    FLUSH_EVERY files each) and written here, part by part, in order."""
    folder = settings.reports_dir / str(year)
    plan = plan_folder(list_folder(folder), unit_codes)
    new_count, done, read_units, errors, peak = 0, 0, set(), set(), 0
    pending = PendingWrites(db.snapshot_ids(con, year))
    work = [(unit, name) for unit, names in plan.files.items() for name in names]
    work += [(shown(name).rpartition(".")[0], name) for name in plan.unexpected]
    parts = split_work(work, max(1, min(FLUSH_EVERY, -(-len(work) // workers))))
    for part, reader_peak in read_parts(settings, folder, year, now, parts, set(pending.known)):
        pending.snapshots += part.snapshots
        pending.fetches += part.fetches
        new_count, done = new_count + part.new_snapshots, done + part.files_read
        read_units |= part.read_units
        errors |= part.errors
        peak = max(peak, reader_peak)
        if len(parts) > 1:
            pending.flush(con)
        if len(work) > FLUSH_EVERY:
            report_progress("Năm %s: đã đọc %s/%s tệp …", year, done, len(work))
    for note in plan.notes:
        pending.fetches.append(_fetch_row(year, shown(note.unit_code), "folder", now, json.dumps(
            {"rule": note.rule, "files": [shown(f) for f in note.files]}, ensure_ascii=False)))
    not_found = [code for code in unit_codes if code not in plan.files]
    pending.fetches += [_fetch_row(year, code, "not_found", now) for code in not_found]
    pending.flush(con)
    return PullSummary(year, len(unit_codes), len(read_units & set(unit_codes)), new_count,
                       tuple(not_found),
                       tuple(shown(name).rpartition(".")[0] for name in plan.unexpected),
                       tuple(sorted(errors)),
                       reader_peak_mb=round(peak / 2**20, 1))


@task(name="pull_workbooks", task_run_name="pull {year}")
def pull_workbooks(settings: RunSettings, year: int) -> PullSummary:
    """Read every expected unit's workbook (from the reports folder, or from Google Sheets
    when the settings say so) into raw snapshots."""
    return pull_year(settings, year)


def pull_year(settings: RunSettings, year: int, read_parts: ReadParts = read_in_turn,
              workers: int = 1) -> PullSummary:
    """The pull of `pull_workbooks`; a folder's parts read by `read_parts` (in turn here;
    on the flow's task runner from tasks/pull_parts.py)."""
    if settings.source == GSHEETS_KIND:
        from tasks.pull_gsheets import pull_gsheets

        return pull_gsheets(settings, year)
    units = expected_units(read_registry(settings.seeds_dir), year)
    now = datetime.now(LOCAL_TZ)
    with db.connect(settings.warehouse) as con:
        summary = pull_folder(con, settings, year, [u.code for u in units], now, read_parts,
                              workers)
    report_progress("Năm %s: đã đọc %s/%s tệp báo cáo (%s bản mới).", year, summary.fetched,
                    summary.expected, summary.new_snapshots)
    return summary


@task(name="freeze_snapshots", task_run_name="freeze {year}")
def freeze_snapshots(settings: RunSettings, year: int) -> datetime:
    """Freeze the year's snapshots now (the deadline cut-off); a re-run keeps the first time."""
    with db.connect(settings.warehouse) as con:
        frozen_at = db.freeze_year(con, year, datetime.now(LOCAL_TZ))
    report_progress("Năm %s: đã chốt số liệu lúc %s.", year, f"{frozen_at:%d/%m/%Y %H:%M}")
    return frozen_at
