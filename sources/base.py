"""The source interface: where the units' reports are read from.

A source lists what there is for a year (`list_year`) and fetches one unit's content
(`fetch`); the pull (`tasks.pull.store_year`) does the rest the same way for every source:
it keeps each distinct content as a raw snapshot with its cells and logs every fetch in
raw.fetches. `sources.choice.implementation` picks the source of the settings; the local
folder (`sources.local.FolderSource`) and Google Sheets (`sources.gsheets_source.
SheetsSource`) are the two implementations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from core.parse import Workbook
from core.snapshot import CellColumns
from sources.fetched import Fetched, FetchFailed, FetchRow


@dataclass(frozen=True)
class Wanted:
    """One thing to fetch: the unit it is for, where it is (a file name, a spreadsheet
    id), and whatever else the source needs to fetch it (`job`, the source's own)."""

    unit_code: str
    ref: str
    job: Any = None


@dataclass(frozen=True)
class Listing:
    """What a source found for a year before fetching anything."""

    wanted: tuple[Wanted, ...]
    logged: tuple[FetchRow, ...] = ()  # fetch-log rows decided without fetching
    not_found: tuple[str, ...] = ()  # expected units with nothing to fetch
    unexpected: tuple[str, ...] = ()  # reports of units that are not expected
    failed: tuple[str, ...] = ()  # units that failed while listing (logged already)
    said: tuple[str, ...] = ()  # console lines about what the listing found


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


class Source(Protocol):
    """A place the units' reports are read from."""

    kind: str  # raw.snapshots.source_kind of what it fetches
    workers: int  # fetches at once (1: one after another)

    def list_year(self, con: Any, year: int, unit_codes: Sequence[str],
                  now: datetime) -> Listing:
        """What there is to fetch for the year; `con` is the warehouse, for what the
        source remembers of earlier pulls (through `warehouse.raw`)."""
        ...

    def fetch(self, wanted: Wanted, year: int, now: datetime) -> Fetched | FetchFailed:
        """One unit's content; a unit's own failure is returned, never raised. May run
        in a worker thread when `workers` > 1."""
        ...

    def decode(self, content: bytes) -> Workbook:
        """Fetched content as tabs of cells; raises `sources.xlsx.UnreadableWorkbook`."""
        ...

    def finish(self, summary: PullSummary) -> tuple[PullSummary, str | None]:
        """The pull's summary completed with what only this source measures (requests
        sent, a reader's memory), and the console line that sums the pull up."""
        ...

    def close(self) -> None:
        """Release what the source holds (a child process, …); safe to call twice."""
        ...


@runtime_checkable
class CellDecoder(Protocol):
    """What a source may add to `Source`: content decoded straight into what the pull
    keeps, the tab names and the cells as raw.cells columns, equal to `list(workbook),
    core.snapshot.cell_columns(workbook)` of `decode`'s workbook but cheaper (the reports
    folder encodes them in its reader process)."""

    def decode_cells(self, content: bytes) -> tuple[list[str], CellColumns]:
        """Raises `sources.xlsx.UnreadableWorkbook` as `decode` does."""
        ...
