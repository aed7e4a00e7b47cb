"""Collect one year: pull → (freeze) → validate → feedback → load, the stages that bring the
units' reports into the warehouse. The annual flow and the collection-window flow both run
it, then each publishes what it is for (see their modules).

It runs inside the calling flow's run, not as a Prefect sub-flow: its tasks are then the
caller's task runs, so a failed run retried from the UI takes the pull's persisted result
(no spreadsheet or file is fetched again) wherever the failure was, feedback and load
included. A sub-flow that failed is run again from its start on a retry, its pull included.
"""

from __future__ import annotations

from prefect.utilities.annotations import quote

from core.settings import RunSettings
from tasks.feedback import FeedbackSummary, write_feedback
from tasks.load import load_year
from tasks.pull import freeze_snapshots, pull_workbooks
from tasks.validate import ValidationResult, validate_submissions


def collect_year(settings: RunSettings, year: int, freeze: bool = False
                 ) -> tuple[ValidationResult, FeedbackSummary]:
    """Pull the year's reports, freeze them when
    asked (the deadline cut-off), check them, write each unit's result back to its
    spreadsheet (Google Sheets, when configured) and replace the year's staging and
    quality rows. The marts are the indicators stage's."""
    pull_workbooks(settings, year)
    if freeze:
        freeze_snapshots(settings, year)
    checked = validate_submissions(settings, year)
    # quoted: Prefect would otherwise walk every record and issue of the year looking for
    # upstream results in the argument (tens of seconds at 4,000 units)
    feedback = write_feedback(settings, quote(checked))
    load_year(settings, quote(checked))
    return checked, feedback
