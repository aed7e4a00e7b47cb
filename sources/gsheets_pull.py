"""Pulling the units' spreadsheets within quota: what to fetch, and fetching it.

Steady state costs one Drive listing (files.list of the spreadsheets not in the trash, with
modifiedTime and version, 1,000 files a page), then one values:batchGet per spreadsheet
whose modifiedTime moved since its last snapshot, unless its Drive version is exactly the
one the pipeline's own feedback write should have left (nobody else changed it).
The tabs asked for are the template's names the first time,
then the names the last snapshot found; a batchGet fails whole when one name is not a tab
(400), and then one metadata call finds the tabs, matched as the parser matches them. A
spreadsheet whose last snapshot lacked a template tab asks the metadata first, so that a tab
added since is read. No DuckDB here: `sources.gsheets_source` decides from the warehouse and
the pull (`tasks.pull`) stores what comes back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from core.template import LISTS_TAB_NAME, TEMPLATE
from core.values import match_key
from sources.gsheets import VALUE_OPTIONS, FileState, SheetsApi, SheetsError, quote_tab
from sources.workbook_json import encode_snapshot

FEEDBACK_TAB = "Kết quả kiểm tra"  # written by the pipeline, never read back as data
TEMPLATE_TAB_NAMES = tuple(tab.name for tab in TEMPLATE)
_TEMPLATE_KEYS = frozenset(match_key(name) for name in TEMPLATE_TAB_NAMES)
_NEVER_DATA = frozenset(match_key(name) for name in (FEEDBACK_TAB, LISTS_TAB_NAME))


@dataclass(frozen=True)
class Previous:
    """What the warehouse knows of a unit's last good fetch."""

    spreadsheet_id: str
    modified_time: str | None
    snapshot_id: str
    tab_names: tuple[str, ...]
    own_version: int | None = None  # the Drive version our feedback write since should leave


@dataclass(frozen=True)
class SheetJob:
    unit_code: str
    spreadsheet_id: str
    modified_time: str | None  # from the listing; None when the file is not listed
    tab_hint: tuple[str, ...]
    version: int | None = None  # Drive's version, from the listing


@dataclass(frozen=True)
class SheetResult:
    job: SheetJob
    content: bytes | None = None
    tab_names: tuple[str, ...] = ()
    error: SheetsError | None = None


def is_unchanged(spreadsheet_id: str, listed: Mapping[str, FileState],
                 previous: Previous | None) -> bool:
    """The spreadsheet is the one last read and nobody but the pipeline changed it since:
    its modifiedTime has not moved, or its Drive version is the one our own feedback
    write should have left (any other change moves the version further)."""
    state = listed.get(spreadsheet_id)
    if previous is None or previous.spreadsheet_id != spreadsheet_id or state is None:
        return False
    if previous.modified_time is not None and state.modified_time == previous.modified_time:
        return True
    return previous.own_version is not None and state.version == previous.own_version


def plan_jobs(spreadsheets: Mapping[str, str], listed: Mapping[str, FileState],
              previous: Mapping[str, Previous]) -> tuple[list[SheetJob], list[str]]:
    """(spreadsheets to fetch, unit codes unchanged since their last snapshot). A
    spreadsheet missing from the listing is fetched anyway: its 403 or 404 says why."""
    jobs, unchanged = [], []
    for unit_code, spreadsheet_id in sorted(spreadsheets.items()):
        last = previous.get(unit_code)
        if is_unchanged(spreadsheet_id, listed, last):
            unchanged.append(unit_code)
            continue
        hint = tab_hint(last if last and last.spreadsheet_id == spreadsheet_id else None)
        state = listed.get(spreadsheet_id)
        jobs.append(SheetJob(unit_code, spreadsheet_id, state.modified_time if state else None,
                             hint, state.version if state else None))
    return jobs, unchanged


def tab_hint(previous: Previous | None) -> tuple[str, ...]:
    """The tab names to ask for without a metadata call: the template's the first time;
    the names the last snapshot found when they covered every template tab; none (ask
    the metadata first) when a template tab was missing, so that a tab added since is
    not overlooked."""
    if previous is None:
        return TEMPLATE_TAB_NAMES
    found = {match_key(name) for name in previous.tab_names}
    return previous.tab_names if _TEMPLATE_KEYS <= found else ()


def report_tabs(titles: Sequence[str]) -> list[str]:
    """The tabs to read: those matching a template tab (accent-, case- and space-blind);
    every tab but the pipeline's own when none matches (the parser then says what is
    missing, and the raw snapshot shows what was there)."""
    matching = [t for t in titles if match_key(t) in _TEMPLATE_KEYS]
    return matching or [t for t in titles if match_key(t) not in _NEVER_DATA]


def fetch_tabs(api: SheetsApi, spreadsheet_id: str, hint: Sequence[str],
               choose: Callable[[list[str]], list[str]] = report_tabs
               ) -> tuple[list[str], dict]:
    """(tab names, batchGet body): one batchGet when the hinted names all exist; one
    metadata call and one batchGet otherwise."""
    if hint:
        try:
            return list(hint), api.batch_get(spreadsheet_id, [quote_tab(t) for t in hint])
        except SheetsError as exc:
            if exc.status != 400:  # "Unable to parse range": a tab was renamed or deleted
                raise
    titles = [str(p["title"]) for p in api.tab_titles(spreadsheet_id)]
    tabs = choose(titles)
    if not tabs:
        return [], {"spreadsheetId": spreadsheet_id, "valueRanges": []}
    return tabs, api.batch_get(spreadsheet_id, [quote_tab(t) for t in tabs])


def fetch_spreadsheet(api: SheetsApi, job: SheetJob) -> SheetResult:
    """One unit's spreadsheet as snapshot bytes, or the error that stopped it."""
    try:
        tabs, body = fetch_tabs(api, job.spreadsheet_id, job.tab_hint)
    except SheetsError as exc:
        return SheetResult(job, error=exc)
    except Exception as exc:  # a bug must cost one unit, not the run
        return SheetResult(job, error=SheetsError(
            "unexpected", f"Lỗi không lường trước khi đọc bảng tính ({type(exc).__name__}).",
            f"Unexpected error while reading the spreadsheet ({type(exc).__name__})."))
    content = encode_snapshot(job.spreadsheet_id, job.modified_time or "",
                              [quote_tab(t) for t in tabs], VALUE_OPTIONS, body)
    return SheetResult(job, content=content, tab_names=tuple(tabs))
