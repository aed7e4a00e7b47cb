"""Running the suites: one Great Expectations run per tab for all units of a year.

The data context is ephemeral, created on first use and kept for the process (GX keeps its
project in a process-wide global, so one context per process is also what GX expects).
GX reports each failing row by its position in the prepared frame (the frame's named
index); each failing cell becomes one `Issue` with its Vietnamese message.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from core.issues import Issue, Severity, message_vi
from core.template import TEMPLATE, Layout, Tab
from core.values import as_text
from expectations.suites import FRAME_ROW, SHEET_ROW, UNIT, Pairs, build_suite, prepare_frame

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuite
    from great_expectations.core.batch_definition import BatchDefinition
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResult,
        ExpectationValidationResult,
    )

# The failing rows as positions only: with a named index and no values GX lists them in one
# pass; with unexpected_index_column_names of ordinary columns it reads every cell with
# `.at`, about 0.7 ms per failing row.
RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": [FRAME_ROW],
    "exclude_unexpected_values": True,
}
_RUN_LOCK = threading.Lock()  # GX contexts and validators are not documented as thread-safe

SortKey = tuple[str, int, int, int, str]


def validate_year(frames: dict[str, pd.DataFrame], year: int,
                  assigned_pairs: Pairs) -> list[Issue]:
    """Every failed check on every cell of one report year, sorted by unit, tab, row, column.

    `frames` holds one frame per tab key with all units' rows, as the parser builds them;
    missing or empty tabs are skipped. The frames are not modified.
    """
    found: list[tuple[SortKey, Issue]] = []
    for tab_order, tab in enumerate(TEMPLATE):
        frame = frames.get(tab.key)
        if frame is None or frame.empty:
            continue
        found += [(_sort_key(tab, tab_order, issue), issue)
                  for issue in _validate_tab(tab, frame, year, assigned_pairs)]
    found.sort(key=lambda item: item[0])
    return [issue for _, issue in found]


def _validate_tab(tab: Tab, frame: pd.DataFrame, year: int, assigned_pairs: Pairs) -> list[Issue]:
    prepared = prepare_frame(tab, frame, assigned_pairs)
    result = _run(tab.key, prepared, build_suite(tab, year))
    issues: list[Issue] = []
    for outcome in result.results:
        if not outcome.success:
            failing = prepared.take(_failing_positions(tab, outcome))
            issues += _issues(tab, year, failing, outcome.expectation_config.meta)
    return issues


def _run(tab_key: str, frame: pd.DataFrame,
         suite: ExpectationSuite) -> ExpectationSuiteValidationResult:
    with _RUN_LOCK:
        batch = _batch_definitions()[tab_key].get_batch(batch_parameters={"dataframe": frame})
        return batch.validate(suite, result_format=RESULT_FORMAT)


def _failing_positions(tab: Tab, outcome: ExpectationValidationResult) -> list[int]:
    """The failing rows' positions; a check that could not run, or whose rows GX did not all
    list, raises rather than pass silently."""
    rule = outcome.expectation_config.meta.get("rule")
    if error := _exception_message(outcome.exception_info or {}):
        raise RuntimeError(f"GX check {rule!r} on tab {tab.key!r} could not run: {error}")
    listed = outcome.result.get("unexpected_index_list") or []
    positions = [int(p) for entry in listed for p in entry[FRAME_ROW]]
    if len(positions) != outcome.result.get("unexpected_count"):
        raise RuntimeError(f"GX check {rule!r} on tab {tab.key!r} listed {len(positions)} of "
                           f"{outcome.result.get('unexpected_count')} failing rows")
    return positions


def _exception_message(info: dict[str, Any]) -> str | None:
    """GX puts an expectation's own error at the top of `exception_info`, and the errors of
    the metrics it needed (a missing column, say) one level down, keyed by metric."""
    found = [info, *(v for v in info.values() if isinstance(v, dict))]
    return next((str(i.get("exception_message")) for i in found if i.get("raised_exception")),
                None)


def _issues(tab: Tab, year: int, failing: pd.DataFrame, meta: dict[str, Any]) -> list[Issue]:
    """One issue per failing row of one check."""
    column = tab.column(meta["column"])
    row_column = f"row__{column.key}" if tab.layout is Layout.KEY_VALUE else SHEET_ROW
    detail_columns: dict[str, str] = meta.get("detail_columns", {})
    wanted = list(dict.fromkeys([UNIT, row_column, column.key, *detail_columns.values()]))
    issues: list[Issue] = []
    for record in failing.reindex(columns=wanted).to_dict("records"):
        details = meta.get("details", {}) | {
            name: _text(record[source]) for name, source in detail_columns.items()
        }
        issues.append(_issue(tab, year, meta, str(record[UNIT]), _cell(record[row_column]),
                             _text(record[column.key]), details))
    return issues


def _issue(tab: Tab, year: int, meta: dict[str, Any], unit: str, sheet_row: int | None,
           value: str | None, details: dict[str, Any]) -> Issue:
    column = tab.column(meta["column"])
    message = message_vi(
        meta["rule"], unit_code=unit, tab=tab.name, sheet_row=sheet_row, header=column.header,
        value=value, hint=column.hint_vi or None, **details,
    )
    return Issue(
        year=year, unit_code=unit, tab=tab.name, sheet_row=sheet_row, column_key=column.key,
        column_header=column.header, value=value, rule=meta["rule"],
        severity=Severity(meta["severity"]), message_vi=message,
    )


def _cell(value: object) -> Any:
    """A pandas/numpy scalar as a plain Python value; None for any kind of missing."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _text(value: object) -> str | None:
    """The cell as a person reads it (dates dd/mm/yyyy), None when empty."""
    cell = _cell(value)
    return None if cell is None else as_text(cell) or None


def _sort_key(tab: Tab, tab_order: int, issue: Issue) -> SortKey:
    column_order = [col.key for col in tab.columns].index(issue.column_key or "")
    row = -1 if issue.sheet_row is None else issue.sheet_row
    return (issue.unit_code, tab_order, row, column_order, issue.rule)


@cache
def _batch_definitions() -> dict[str, BatchDefinition]:
    """The process's one GX context (ephemeral, quiet) and a whole-frame batch per tab."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every batch under this many bytes (an MD5 of the whole frame, hashed
    # row by row, twice per tab, kept in the result's batch markers, which nothing here
    # reads): at 4,021 units about 0.1-0.2 s of CPU. Larger frames go without one in GX
    # itself, so a result without it is one GX makes anyway.
    pandas_execution_engine.HASH_THRESHOLD = 0

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        analytics_enabled=False,
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    source = context.data_sources.add_pandas("report_workbooks")
    return {
        tab.key: source.add_dataframe_asset(tab.key).add_batch_definition_whole_dataframe(
            "all_units"
        )
        for tab in TEMPLATE
    }
