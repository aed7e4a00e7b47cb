"""The embedded default source: one workbook file per unit and year in a folder,
`<reports_dir>/<year>/<unit code>.<xlsx|xlsm|xls|ods|xlsb>`, read as people fill it.

The folder is listed without following anything: only regular files are read; a symbolic
link, a sub-folder or a device named like a workbook is refused and reported. File names
match unit codes case-insensitively, extensions too. Two files for one unit are both kept,
the newer (by modification time) counts, and both are named in a warning. A file is opened
without following links and read up to the size limit only.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from core.parse import Workbook
from core.settings import ReadLimits
from core.snapshot import CellColumns
from sources.base import Listing, PullSummary, Wanted
from sources.fetched import Fetched, FetchFailed, FetchRow
from sources.reader import IsolatedReader
from sources.xlsx import UnreadableWorkbook, too_large_reason

KIND = "local"  # raw.snapshots.source_kind of a file from the folder
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb")


@dataclass(frozen=True)
class Entry:
    """One name in a year's folder, as listed (links not followed)."""

    name: str
    kind: str  # "file", "symlink", "folder" or "other" (a device, a pipe, a socket)
    modified: float = 0.0  # seconds since the epoch


@dataclass(frozen=True)
class FolderNote:
    """Something in the folder the unit must hear about. `rule` is a message rule of
    `core.issues`; `unit_code` is the unit concerned, or the file's stem for no unit."""

    unit_code: str
    rule: str  # symlink_refused | not_a_file | duplicate_file | not_a_workbook
    files: tuple[str, ...]


@dataclass(frozen=True)
class FolderPlan:
    """What to read from a year's folder."""

    files: dict[str, tuple[str, ...]]  # unit code -> its workbook files, the counted last
    unexpected: tuple[str, ...]  # workbook files of no expected unit
    notes: tuple[FolderNote, ...]


def shown(name: str) -> str:
    """A file name as text that can be stored and shown: bytes that are not UTF-8 (a name
    written in Windows-1258, say) become U+FFFD instead of failing the insert."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _split(name: str) -> tuple[str, str]:
    stem, dot, suffix = name.rpartition(".")
    return (stem, f".{suffix}".casefold()) if dot and stem else (name, "")


def _ignored(name: str) -> bool:
    return name.startswith(("~$", "."))  # Excel's lock files, hidden files


def plan_folder(entries: Iterable[Entry], unit_codes: Iterable[str]) -> FolderPlan:
    """Which file counts for each unit, which workbooks belong to no unit, and what to
    report. Pure: decides from the listing alone."""
    by_fold = {code.casefold(): code for code in unit_codes}
    files: dict[str, list[Entry]] = {}
    others: dict[str, list[str]] = {}
    unexpected: list[str] = []
    notes: list[FolderNote] = []
    for entry in sorted(entries, key=lambda e: e.name):
        if _ignored(entry.name):
            continue
        stem, suffix = _split(entry.name)
        unit = by_fold.get(stem.casefold())
        is_workbook = suffix in WORKBOOK_SUFFIXES
        if entry.kind != "file":
            if is_workbook or unit:
                rule = "symlink_refused" if entry.kind == "symlink" else "not_a_file"
                notes.append(FolderNote(unit or stem, rule, (entry.name,)))
            continue
        if unit and is_workbook:
            files.setdefault(unit, []).append(entry)
        elif unit:
            others.setdefault(unit, []).append(entry.name)
        elif is_workbook:
            unexpected.append(entry.name)
    chosen: dict[str, tuple[str, ...]] = {}
    for unit, found in sorted(files.items()):
        ordered = sorted(found, key=lambda e: (e.modified, e.name))
        chosen[unit] = tuple(e.name for e in ordered)
        if len(ordered) > 1:
            notes.append(FolderNote(unit, "duplicate_file", chosen[unit][::-1]))
    for unit, names in sorted(others.items()):
        if unit not in chosen:
            notes.append(FolderNote(unit, "not_a_workbook", tuple(names)))
    return FolderPlan(chosen, tuple(unexpected), tuple(notes))


def list_folder(folder: Path) -> list[Entry]:
    """The entries of a year's folder, links not followed; [] when there is no folder."""
    try:
        scanned = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return []
    entries = []
    for item in scanned:
        try:
            info = item.stat(follow_symlinks=False)
        except OSError:
            continue  # gone while listing
        if stat.S_ISLNK(info.st_mode):
            kind = "symlink"
        elif stat.S_ISDIR(info.st_mode):
            kind = "folder"
        elif stat.S_ISREG(info.st_mode):
            kind = "file"
        else:
            kind = "other"
        entries.append(Entry(item.name, kind, info.st_mtime))
    return entries


class NotReadable(Exception):
    """A listed file could not be opened as a regular file (gone, replaced, no access)."""


def read_file(path: Path | str, max_bytes: int) -> tuple[bytes, int]:
    """(the first `max_bytes + 1` bytes at most, the file's size): never follows a link
    and never blocks on a pipe. `max_bytes` 0 reads everything."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise NotReadable(type(exc).__name__) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotReadable("not a regular file")
        limit = max_bytes + 1 if max_bytes else None  # read no more than this
        # the first read is sized by the file's size now, not by the limit (a read of the
        # limit allocates it whole: 25 MB for each 15 kB workbook); a file that has grown
        # since is read on, up to the limit
        first = info.st_size + 1 if limit is None else min(limit, info.st_size + 1)
        data = _read_up_to(fd, first)
        if len(data) == first and (limit is None or first < limit):
            data += _read_up_to(fd, None if limit is None else limit - first)
        return data, max(info.st_size, len(data))
    except OSError as exc:
        raise NotReadable(type(exc).__name__) from None
    finally:
        os.close(fd)


def _read_up_to(fd: int, size: int | None) -> bytes:
    """`size` bytes from `fd`, fewer at its end (None: to its end)."""
    chunks, wanted = [], size
    while wanted is None or wanted > 0:
        chunk = os.read(fd, 1 << 20 if wanted is None else min(wanted, 1 << 30))
        if not chunk:
            break
        chunks.append(chunk)
        if wanted is not None:
            wanted -= len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def fetch_file(path: Path | str, unit_code: str, year: int, now: datetime,
               limits: ReadLimits) -> Fetched:
    """One file of the folder as a `Fetched` (over the size limit: marked, not kept).
    Raises `NotReadable`."""
    content, size = read_file(path, limits.max_file_bytes)
    read_error = None
    if limits.max_file_bytes and size > limits.max_file_bytes:
        read_error = too_large_reason(size, limits.max_file_bytes)
    return Fetched(unit_code, year, KIND, shown(str(path) if isinstance(path, str)
                                                 else str(path.absolute())),
                   now, content, read_error, size)


class FolderSource:
    """The reports folder as a `sources.base.Source`: every workbook file of the year's
    folder (the counted one of a unit last), read in a child process under limits."""

    kind = KIND
    workers = 1  # one reader child, one file at a time

    def __init__(self, reports_dir: Path, limits: ReadLimits) -> None:
        self.reports_dir = reports_dir
        self.limits = limits
        self.reader = IsolatedReader(limits)  # the child starts at the first read
        self.siblings: list[FolderSource] = []  # more readers of the folder (`sibling`)
        self._folders: dict[int, str] = {}

    def list_year(self, con: object, year: int, unit_codes: Sequence[str],
                  now: datetime) -> Listing:
        """The files to read, and the folder's notes (links, sub-folders, twins) and the
        units without a file as fetch-log rows."""
        plan = plan_folder(list_folder(self.reports_dir / str(year)), unit_codes)
        wanted = [Wanted(unit, name) for unit, names in plan.files.items() for name in names]
        wanted += [Wanted(shown(name).rpartition(".")[0], name) for name in plan.unexpected]
        notes = [FetchRow(year, shown(note.unit_code), "folder", now, detail=json.dumps(
            {"rule": note.rule, "files": [shown(f) for f in note.files]}, ensure_ascii=False))
            for note in plan.notes]
        not_found = tuple(code for code in unit_codes if code not in plan.files)
        notes += [FetchRow(year, code, "not_found", now) for code in not_found]
        return Listing(tuple(wanted), tuple(notes), not_found,
                       tuple(shown(name).rpartition(".")[0] for name in plan.unexpected))

    def fetch(self, wanted: Wanted, year: int, now: datetime) -> Fetched | FetchFailed:
        name = wanted.ref
        try:
            return fetch_file(os.path.join(self._folder(year), name), wanted.unit_code,
                              year, now, self.limits)
        except NotReadable as exc:
            return FetchFailed(wanted.unit_code, (
                f"Không mở được tệp «{shown(name)}» để đọc: hãy kiểm tra quyền đọc tệp "
                f"trong thư mục báo cáo. | Cannot open {shown(name)}: {exc}"))

    def _folder(self, year: int) -> str:
        """The year's folder as an absolute path (a file's `source_ref` starts with it)."""
        if self._folders.get(year) is None:
            self._folders[year] = str((self.reports_dir / str(year)).absolute())
        return self._folders[year]

    def decode(self, content: bytes) -> Workbook:
        return self.reader.read(content)

    def decode_cells(self, content: bytes) -> tuple[list[str], CellColumns]:
        """`decode` as the pull keeps it (`sources.base.CellDecoder`): encoded in the
        reader process."""
        return self.reader.read_cells(content)

    def decode_cells_each(self, contents: Iterable[bytes]
                          ) -> Iterator[tuple[list[str], CellColumns] | UnreadableWorkbook]:
        """`decode_cells` of each content, in order, the reason given for an unreadable
        one: the reader process is handed the next ones while it reads."""
        return self.reader.read_cells_each(contents)

    def sibling(self) -> FolderSource:
        """Another source of the same folder with a reader process of its own, for one
        more thread of the pull (tasks/pull_parts.py); closed with this one, its reader's
        peak counted in `finish`."""
        other = FolderSource(self.reports_dir, self.limits)
        self.siblings.append(other)
        return other

    def finish(self, summary: PullSummary) -> tuple[PullSummary, str | None]:
        line = (f"đã đọc {summary.fetched}/{summary.expected} tệp báo cáo "
                f"({summary.new_snapshots} bản mới).")
        peak = max(s.reader.peak_rss_bytes for s in (self, *self.siblings))
        return replace(summary, reader_peak_mb=round(peak / 2**20, 1)), line

    def close(self) -> None:
        for source in (self, *self.siblings):
            source.reader.close()
