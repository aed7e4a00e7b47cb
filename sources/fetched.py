"""What a source hands the pull: one unit's fetched content, a fetch that failed, and a
row of the fetch log (raw.fetches). Shared by every source; no I/O here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Fetched:
    """The bytes of one unit's workbook, as fetched, and where they came from. `read_error`
    is set when the content could not be taken at all (over the size limit): then `content`
    holds only what was read to find out, and `size` the file's size. `kept_as` names a
    snapshot already kept whose content this is in other bytes (a spreadsheet whose
    modifiedTime alone moved): the fetch is logged against it and nothing new is kept.
    `sha256` is set by a pull that hashed the content already (tasks/pull_parts.py), so
    that it is hashed once."""

    unit_code: str
    year: int
    source_kind: str
    source_ref: str
    fetched_at: datetime
    content: bytes
    read_error: str | None = None
    size: int | None = None
    source_version: str | None = None  # e.g. the spreadsheet's modifiedTime
    drive_version: int | None = None  # e.g. Drive's version number
    kept_as: str | None = None
    sha256: str | None = None  # the content's SHA-256 when the pull has it already


@dataclass(frozen=True)
class FetchFailed:
    """A unit whose content could not be fetched: `detail` is "Vietnamese | English";
    `said` is the console line about it, when the source has one."""

    unit_code: str
    detail: str
    source_version: str | None = None
    said: str | None = None


@dataclass(frozen=True)
class FetchRow:
    """One row of the fetch log raw.fetches. `outcome` is snapshot, not_found, error,
    folder (a note on the reports folder) or register (a register problem)."""

    year: int
    unit_code: str
    outcome: str
    fetched_at: datetime
    snapshot_id: str | None = None
    detail: str | None = None
    source_version: str | None = None
    drive_version: int | None = None
