"""Feedback: write each unit's check result back where the unit works (its own Google
spreadsheet; nowhere for the local folder), through the source's `WriteBack`."""

from __future__ import annotations

from typing import Any

from prefect import task

from core.settings import RunSettings
from sources.choice import implementation
from sources.write_back import FeedbackSummary
from tasks import report_progress
from tasks.validate import ValidationResult

__all__ = ["FeedbackSummary", "write_feedback"]


@task(name="write_feedback", task_run_name="feedback {checked.year}")
def write_feedback(settings: RunSettings, checked: ValidationResult,
                   api: Any = None) -> FeedbackSummary:
    """Write each unit's result where the unit reads it (`api`: a client to use instead
    of the source's own)."""
    write_back = implementation(settings).open_write_back(settings, api)
    summary = write_back.write_feedback(checked.year, checked.submissions, checked.issues)
    if summary.line:
        report_progress("Năm %s: %s", checked.year, summary.line)
    return summary
