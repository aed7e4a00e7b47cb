"""From parsed workbooks and their issues to the rows of one year's load. Pure, no I/O.

Decides, for each unit, what counts: a submission with a blocking issue is invalid and all
its rows go to quarantine; a row with an error goes to quarantine with its reasons; the
rest goes to staging. Also builds the typed data frames that the expectation suites check.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from core.issues import Issue, Severity, message_vi
from core.parse import RAW_KEY, ParsedWorkbook
from core.pickled import by_values
from core.registry import Unit, deadline
from core.template import TABS, TEMPLATE, Layout, ValueType
from core.values import match_key

STAGING_TABLE_OF_TAB = {
    "activities": "staging.stg_workbook__activities",
    "media_outlets": "staging.stg_workbook__media_outlets",
    "conventions": "staging.stg_workbook__conventions",
    "survey": "staging.stg_workbook__survey_responses",
}
_DTYPES = {
    ValueType.WHOLE: "Int64",
    ValueType.MONEY: "Float64",
    ValueType.YES_NO: "boolean",
    ValueType.DATE: "datetime64[ns]",
}


@dataclass(frozen=True)
class Submission:
    """One unit's current snapshot for a year, read (or not) into typed records."""

    unit_code: str
    snapshot_id: str
    source_ref: str
    fetched_at: datetime
    parsed: ParsedWorkbook | None  # None when the content could not be read as a workbook
    read_error: str | None = None
    first_seen_complete_at: datetime | None = None

    __reduce__ = by_values  # core.pickled


def unreadable_issue(year: int, unit_code: str, detail_vi: str, file_name: str) -> Issue:
    return Issue(
        year=year, unit_code=unit_code, tab="", sheet_row=None, column_key=None,
        column_header=None, value=file_name, rule="unreadable_workbook",
        severity=Severity.BLOCKING,
        message_vi=message_vi("unreadable_workbook", unit_code=unit_code, tab="",
                              sheet_row=None, header=None, value=None, detail=detail_vi,
                              file=file_name),
    )


def unexpected_file_issue(year: int, file_stem: str, file_name: str) -> Issue:
    return Issue(
        year=year, unit_code=file_stem, tab="", sheet_row=None, column_key=None,
        column_header=None, value=file_name, rule="unexpected_file",
        severity=Severity.WARNING,
        message_vi=message_vi("unexpected_file", unit_code=file_stem, tab="", sheet_row=None,
                              header=None, value=None, expected=year, file=file_name),
    )


def folder_issue(year: int, unit_code: str, rule: str, files: Sequence[str]) -> Issue:
    """What the reports folder says about a unit: a link or a sub-folder refused, two files
    for one unit (the first named is the one counted), a file that is not a workbook."""
    return Issue(
        year=year, unit_code=unit_code, tab="", sheet_row=None, column_key=None,
        column_header=None, value=", ".join(files), rule=rule, severity=Severity.WARNING,
        message_vi=message_vi(rule, unit_code=unit_code, tab="", sheet_row=None, header=None,
                              value=None, file=files[0], count=len(files),
                              files=", ".join(f"«{f}»" for f in files)),
    )


def late_revision_issue(year: int, unit_code: str, fetched_at: datetime) -> Issue:
    when = fetched_at.strftime("%d/%m/%Y %H:%M")
    return Issue(
        year=year, unit_code=unit_code, tab="", sheet_row=None, column_key=None,
        column_header=None, value=when, rule="late_revision", severity=Severity.WARNING,
        message_vi=message_vi("late_revision", unit_code=unit_code, tab="", sheet_row=None,
                              header=None, value=when, expected=year),
    )


def to_frames(parsed: Iterable[ParsedWorkbook]) -> dict[str, pd.DataFrame]:
    """One typed frame per tab with every unit's records, for the expectation suites: built
    a column at a time from the records as they are (dates converted by column)."""
    records: dict[str, list[dict]] = defaultdict(list)
    units: dict[str, list[str]] = defaultdict(list)
    for workbook in parsed:
        for tab_key, tab_records in workbook.records.items():
            records[tab_key] += tab_records
            units[tab_key] += [workbook.unit_code] * len(tab_records)
    frames: dict[str, pd.DataFrame] = {}
    for tab in TEMPLATE:
        extra = [f"row__{c.key}" for c in tab.columns] if tab.layout is Layout.KEY_VALUE else []
        columns = ["sheet_row", *[c.key for c in tab.columns], *extra]
        frame = pd.DataFrame(records.get(tab.key, []), columns=columns)  # RAW_KEY left out
        units_column = pd.Series(units.get(tab.key, []), index=frame.index)
        frame.insert(0, "unit_code_expected", units_column)
        types = {c.key: _DTYPES.get(c.type, "object") for c in tab.columns}
        types |= {name: "Int64" for name in extra} | {"sheet_row": "Int64"}
        frames[tab.key] = frame.astype(types)
    return frames


def merge_issues(parse_issues: Sequence[Issue], check_issues: Sequence[Issue]) -> list[Issue]:
    """All issues, without a check's issue on a cell the parser already reported as wrong
    (a parser's warning, such as control characters taken out, hides no check)."""
    seen = {(i.unit_code, i.tab, i.sheet_row, i.column_key) for i in parse_issues
            if i.severity is not Severity.WARNING}
    kept = [i for i in check_issues if (i.unit_code, i.tab, i.sheet_row, i.column_key) not in seen]
    return [*parse_issues, *kept]


GOOGLE_SHEETS_REF = "https://docs.google.com/spreadsheets/"


def shown_row(tab_key: str, record: dict, from_google_sheets: bool) -> dict[str, str]:
    """The row as the person saw it: the cells as read, except that Google Sheets gives a
    date cell as its serial number (unambiguous, whatever the sheet's locale), which the
    person saw as a date: dd/mm/yyyy, as a vi_VN sheet shows it and as a file's date
    reads."""
    shown = dict(record.get(RAW_KEY, {}))
    if not from_google_sheets:
        return shown
    dates = {match_key(c.header): c.key for c in TABS[tab_key].columns
             if c.type is ValueType.DATE}
    for label, text in shown.items():
        typed = record.get(dates.get(match_key(label), ""))
        if isinstance(typed, date) and _is_number(text):
            shown[label] = typed.strftime("%d/%m/%Y")
    return shown


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _quarantine_row(year: int, sub: Submission, tab_key: str, record: dict,
                    reasons: list[str]) -> dict[str, object]:
    shown = shown_row(tab_key, record, sub.source_ref.startswith(GOOGLE_SHEETS_REF))
    return {
        "year": year, "unit_code": sub.unit_code, "snapshot_id": sub.snapshot_id,
        "tab": TABS[tab_key].name, "sheet_row": record["sheet_row"],
        "reason_vi": " | ".join(reasons),
        "row_values": json.dumps(dict(record.get(RAW_KEY, {})), ensure_ascii=False),
        "row_shown": json.dumps(shown, ensure_ascii=False),
    }


def assemble_year(year: int, expected: Sequence[Unit], submissions: Sequence[Submission],
                  issues: Sequence[Issue]) -> dict[str, list[dict[str, object]]]:
    """The rows of every staging and quality table for one year."""
    expected_codes = {u.code for u in expected}
    tables: dict[str, list[dict[str, object]]] = defaultdict(list)
    tables["staging.stg_registry__expected_units"] = [
        {"year": year, "unit_code": u.code, "unit_name": u.name_vi, "unit_kind": u.kind,
         "deadline_on": deadline(year)}
        for u in expected
    ]
    by_unit: dict[str, list[Issue]] = defaultdict(list)
    for issue in issues:
        by_unit[issue.unit_code].append(issue)
    snapshot_of = {s.unit_code: s.snapshot_id for s in submissions}
    tables["quality.issues"] = [
        {**issue.as_row(), "snapshot_id": snapshot_of.get(issue.unit_code)} for issue in issues
    ]
    for sub in submissions:
        if sub.unit_code not in expected_codes:
            continue
        unit_issues = by_unit[sub.unit_code]
        blocking = [i for i in unit_issues if i.severity is Severity.BLOCKING]
        general = (sub.parsed.records.get("general") or [{}])[0] if sub.parsed else {}
        tables["staging.stg_workbook__submissions"].append({
            "year": year, "unit_code": sub.unit_code, "snapshot_id": sub.snapshot_id,
            "source_ref": sub.source_ref, "reported_unit_code": general.get("unit_code"),
            "reported_year": general.get("year"), "reporter": general.get("reporter"),
            "action_month_plan_ref": general.get("action_month_plan_ref"),
            "is_valid": not blocking, "is_complete": general.get("is_complete") is True,
            "action_month_plan": general.get("action_month_plan"),
            "completed_on": general.get("completed_on"), "fetched_at": sub.fetched_at,
            "first_seen_complete_at": sub.first_seen_complete_at,
        })
        if sub.parsed is None:
            continue
        errors: dict[tuple[str, int | None], list[str]] = defaultdict(list)
        for issue in unit_issues:
            if issue.severity is Severity.ERROR:
                errors[(issue.tab, issue.sheet_row)].append(issue.message_vi)
        invalid_reason = [f"Bản báo cáo không hợp lệ: {i.message_vi}" for i in blocking]
        for tab_key, table in STAGING_TABLE_OF_TAB.items():
            tab_name = TABS[tab_key].name
            for record in sub.parsed.records.get(tab_key, []):
                reasons = invalid_reason or errors.get((tab_name, record["sheet_row"]), [])
                if reasons:
                    tables["quality.quarantine"].append(
                        _quarantine_row(year, sub, tab_key, record, reasons))
                else:
                    row = dict(record)
                    row.pop(RAW_KEY, None)  # not a column
                    row.update(year=year, unit_code=sub.unit_code, snapshot_id=sub.snapshot_id)
                    tables[table].append(row)
    for table in [*STAGING_TABLE_OF_TAB.values(), "quality.quarantine"]:
        tables.setdefault(table, [])
    return dict(tables)

