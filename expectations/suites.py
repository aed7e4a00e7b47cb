"""The Great Expectations suites, derived from the template: one suite per tab and year.

Every expectation carries in its `meta` the rule, the template column the issue is about,
our severity and the details of the Vietnamese message, so that turning results into
issues (`expectations.validate`) is generic. Only the identity rules (unit code, year) and
the activity assignment are named here; everything else follows from `core.template`.

Some checks run on columns derived from the parser's frame (`prepare_frame`): the folded
value of a unique column, and whether a known activity code is one the unit leads or
coordinates (looked up in the registry's pairs for the whole frame at once, so that the
suite's size, and GX's work on it, do not grow with the number of units).
Great Expectations is imported lazily so that importing this module stays cheap.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from core.issues import Severity
from core.template import Column, Tab, ValueType
from core.values import match_key

if TYPE_CHECKING:
    import great_expectations as gx
    from great_expectations.expectations import Expectation

UNIT = "unit_code_expected"
SHEET_ROW = "sheet_row"
FRAME_ROW = "frame_row"  # name of the prepared frame's index: how GX reports failing rows
MISSING_EITHER = "either_value_is_missing"

Pairs = frozenset[tuple[str, str]]


def folded_column(key: str) -> str:
    """The derived column holding the accent- and case-folded value of a unique column."""
    return f"folded__{key}"


def assignment_column(key: str) -> str:
    """The derived column of an activity column: True when the unit leads or coordinates
    the activity, False when not, null unless the code is a known code."""
    return f"assignment__{key}"


def prepare_frame(tab: Tab, frame: pd.DataFrame,
                  assigned_pairs: Pairs = frozenset()) -> pd.DataFrame:
    """A copy of the parser's frame with the derived columns the suite of `tab` checks, and
    a fresh index named FRAME_ROW (0, 1, 2, ...). `assigned_pairs`: the (unit, activity
    code) pairs of the registry, for the assignment column."""
    prepared = frame.set_axis(pd.RangeIndex(len(frame), name=FRAME_ROW), axis=0)
    derived: dict[str, Any] = {}
    for col in tab.columns:
        if col.unique:
            derived[folded_column(col.key)] = _folded(prepared[col.key])
        if col.type is ValueType.ACTIVITY:
            derived[assignment_column(col.key)] = _assigned(
                prepared[UNIT], prepared[col.key], col.choices, assigned_pairs
            )
        if col.type is ValueType.DATE and not pd.api.types.is_datetime64_any_dtype(
            prepared[col.key]
        ):
            derived[col.key] = pd.to_datetime(prepared[col.key])
    return prepared.assign(**derived)


def _folded(values: pd.Series) -> pd.Series:
    folded = [match_key(v) if isinstance(v, str) else None for v in values]
    return pd.Series(folded, index=values.index, dtype=object)


def _assigned(units: pd.Series, codes: pd.Series, known: tuple[str, ...],
              assigned_pairs: Pairs) -> pd.Series:
    """Per row: whether (unit, code) is one of the registry's pairs; null unless both are
    text and the code is a known code."""
    assigned = [
        (unit, code) in assigned_pairs
        if isinstance(unit, str) and isinstance(code, str) and code in known
        else None
        for unit, code in zip(units, codes, strict=True)
    ]
    return pd.Series(assigned, index=codes.index, dtype=object)


def build_suite(tab: Tab, year: int) -> gx.ExpectationSuite:
    """The suite of one tab for one report year (pure: no data context needed)."""
    import great_expectations as gx

    expectations = [
        *_required(tab),
        *_identity(tab, year),
        *_allowed_values(tab),
        *_min_values(tab),
        *_date_windows(tab, year),
        *_comparisons(tab),
        *_required_if_yes(tab),
        *_unique(tab),
        *_assignment(tab),
    ]
    return gx.ExpectationSuite(name=f"{tab.key}-{year}", expectations=expectations)


def _meta(rule: str, col: Column, severity: Severity = Severity.ERROR,
          **details: object) -> dict[str, Any]:
    meta: dict[str, Any] = {"rule": rule, "column": col.key, "severity": str(severity)}
    if details:
        meta["details"] = details
    return meta


def _required(tab: Tab) -> list[Expectation]:
    from great_expectations.expectations import ExpectColumnValuesToNotBeNull

    return [
        ExpectColumnValuesToNotBeNull(
            column=col.key,
            meta=_meta("required", col, Severity.BLOCKING if col.identity else Severity.ERROR),
        )
        for col in tab.columns
        if col.required
    ]


def _identity(tab: Tab, year: int) -> list[Expectation]:
    """The workbook's own unit code and year must be the ones it was collected for."""
    from great_expectations.expectations import (
        ExpectColumnPairValuesToBeEqual,
        ExpectColumnValuesToBeInSet,
    )

    checks: list[Expectation] = []
    for col in tab.columns:
        if col.identity and col.key == "unit_code":
            meta = _meta("unit_mismatch", col, Severity.BLOCKING)
            meta["detail_columns"] = {"expected": UNIT}
            checks.append(ExpectColumnPairValuesToBeEqual(
                column_A=col.key, column_B=UNIT, ignore_row_if=MISSING_EITHER, meta=meta,
            ))
        elif col.identity and col.key == "year":
            checks.append(ExpectColumnValuesToBeInSet(
                column=col.key, value_set=[year],
                meta=_meta("year_mismatch", col, Severity.BLOCKING, expected=year),
            ))
    return checks


def _allowed_values(tab: Tab) -> list[Expectation]:
    from great_expectations.expectations import ExpectColumnValuesToBeInSet

    return [
        ExpectColumnValuesToBeInSet(
            column=col.key, value_set=list(col.choices), meta=_meta("allowed_values", col)
        )
        for col in tab.columns
        if col.type in (ValueType.CHOICE, ValueType.ACTIVITY) and col.choices
    ]


def _min_values(tab: Tab) -> list[Expectation]:
    from great_expectations.expectations import ExpectColumnValuesToBeBetween

    return [
        ExpectColumnValuesToBeBetween(
            column=col.key, min_value=col.min_value, meta=_meta("min_value", col)
        )
        for col in tab.columns
        if col.min_value is not None
    ]


def _date_windows(tab: Tab, year: int) -> list[Expectation]:
    """From 01/12 of the year before up to and including 31/12 of the report year."""
    from great_expectations.expectations import ExpectColumnValuesToBeBetween

    window = f"01/12/{year - 1} đến 31/12/{year}"
    return [
        ExpectColumnValuesToBeBetween(
            column=col.key,
            min_value=datetime(year - 1, 12, 1),
            max_value=datetime(year + 1, 1, 1),
            strict_max=True,
            meta=_meta("date_window", col, window=window),
        )
        for col in tab.columns
        if col.date_window
    ]


def _comparisons(tab: Tab) -> list[Expectation]:
    """`left <= right` is checked as right >= left; the issue is always on `left`."""
    from great_expectations.expectations import ExpectColumnPairValuesAToBeGreaterThanB

    checks: list[Expectation] = []
    for comparison in tab.comparisons:
        if comparison.op not in ("<=", ">="):
            raise ValueError(f"unsupported comparison operator {comparison.op!r}")
        left, right = comparison.left, comparison.right
        greater, smaller = (right, left) if comparison.op == "<=" else (left, right)
        other = tab.column(comparison.right)
        meta = _meta("comparison", tab.column(comparison.left),
                     comparison=comparison.message_vi, other_header=other.header)
        checks.append(ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=greater, column_B=smaller, or_equal=True, ignore_row_if=MISSING_EITHER,
            meta=meta,
        ))
    return checks


def _required_if_yes(tab: Tab) -> list[Expectation]:
    from great_expectations.expectations import ExpectColumnValuesToNotBeNull
    from great_expectations.expectations.row_conditions import Column as RowColumn

    checks: list[Expectation] = []
    for col in tab.columns:
        if col.required_if_yes:
            switch = tab.column(col.required_if_yes)
            is_yes = RowColumn(switch.key) == True  # noqa: E712  (a GX condition, not a bool)
            checks.append(ExpectColumnValuesToNotBeNull(
                column=col.key,
                row_condition=is_yes,
                meta=_meta("required_if_yes", col, other_header=switch.header),
            ))
    return checks


def _unique(tab: Tab) -> list[Expectation]:
    """Unique within one workbook: the unit and the folded value together."""
    from great_expectations.expectations import ExpectCompoundColumnsToBeUnique

    return [
        ExpectCompoundColumnsToBeUnique(
            column_list=[UNIT, folded_column(col.key)],
            ignore_row_if="any_value_is_missing",
            meta=_meta("duplicate", col),
        )
        for col in tab.columns
        if col.unique
    ]


def _assignment(tab: Tab) -> list[Expectation]:
    """A unit should report only activities it leads or coordinates (a warning).

    Checked on the derived assignment column (True, False or null: `prepare_frame` looks
    the pairs up for the whole frame) rather than with the registry's pairs in the suite:
    GX 1.24.1 serialises an expectation's kwargs some 130 times per run, which with the
    pairs of a thousand units in a value set cost 15 s (as tuples) or 3 s (as strings),
    growing with the units; ExpectColumnPairValuesToBeInSet also ignores `row_condition`
    when counting failures.
    """
    from great_expectations.expectations import ExpectColumnValuesToBeInSet

    return [
        ExpectColumnValuesToBeInSet(
            column=assignment_column(col.key),
            value_set=[True],
            severity="warning",  # GX's own failure severity, for anyone reading the suite
            meta=_meta("activity_not_assigned", col, Severity.WARNING),
        )
        for col in tab.columns
        if col.type is ValueType.ACTIVITY
    ]
