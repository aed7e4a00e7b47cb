"""The write-back interface: where the pipeline says its results back to the people who
report. After each check every unit hears its result (`write_feedback`), and after each
collection run the focal office sees who has submitted (`write_status`). Google Sheets
writes both into spreadsheets (`sources.gsheets_write_back.SheetsWriteBack`); the local
folder has nowhere to write them (`NoWriteBack`): its users read the run's report and
artifacts. `sources.choice.implementation` picks the one of the settings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from core.assemble import Submission
from core.issues import Issue


@dataclass(frozen=True)
class FeedbackSummary:
    year: int
    written: int = 0
    unchanged: int = 0
    failed: tuple[str, ...] = ()
    skipped: str | None = None  # why nothing was written at all
    requests: int = 0
    line: str | None = None  # the console line that sums the writes up


class WriteBack(Protocol):
    """Results written back where the units and the focal office work."""

    def write_feedback(self, year: int, submissions: Sequence[Submission],
                       issues: Sequence[Issue]) -> FeedbackSummary:
        """Each unit's check result, where the unit reads it; units whose result has not
        changed since the last write are left alone. A unit's failure is counted, not
        raised."""
        ...

    def write_status(self, year: int, rows: Sequence[Mapping[str, Any]],
                     first_fix: Mapping[str, str], checked_at: datetime) -> bool:
        """The collection status where the focal office reads it: `rows` of
        marts.submission_status, each unit's first thing to fix; False when this source
        has nowhere to write it."""
        ...


class NoWriteBack:
    """A source with nowhere to write results back: nothing is written, and it says why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def write_feedback(self, year: int, submissions: Sequence[Submission],
                       issues: Sequence[Issue]) -> FeedbackSummary:
        return FeedbackSummary(year, skipped=self.reason)

    def write_status(self, year: int, rows: Sequence[Mapping[str, Any]],
                     first_fix: Mapping[str, str], checked_at: datetime) -> bool:
        return False
