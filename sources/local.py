"""The embedded default source: one workbook file per unit and year in a folder,
`<reports_dir>/<year>/<unit code>.<xlsx|xlsm|xls|ods|xlsb>`, read as people fill it.

The folder is listed without following anything: only regular files are read; a symbolic
link, a sub-folder or a device named like a workbook is refused and reported. File names
match unit codes case-insensitively, extensions too. Two files for one unit are both kept,
the newer (by modification time) counts, and both are named in a warning. A file is opened
without following links and read up to the size limit only.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb")


@dataclass(frozen=True)
class Fetched:
    """The bytes of one unit's workbook, as fetched, and where they came from. `read_error`
    is set when the content could not be taken at all (over the size limit): then `content`
    holds only what was read to find out, and `size` the file's size."""

    unit_code: str
    year: int
    source_kind: str
    source_ref: str
    fetched_at: datetime
    content: bytes
    read_error: str | None = None
    size: int | None = None


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


def read_file(path: Path, max_bytes: int) -> tuple[bytes, int]:
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
        with os.fdopen(os.dup(fd), "rb") as stream:
            data = stream.read(max_bytes + 1 if max_bytes else -1)
        return data, max(info.st_size, len(data))
    except OSError as exc:
        raise NotReadable(type(exc).__name__) from None
    finally:
        os.close(fd)
