"""The registry's description of the indicators, read for the reports (core.report.IndicatorRef)."""

from __future__ import annotations

import duckdb

from core.report import IndicatorRef, indicator_ref


def read_indicator_ref(con: duckdb.DuckDBPyConnection) -> IndicatorRef:
    """Labels, kinds (rate / count) and ward readings of the indicators, from the ref tables."""
    return indicator_ref(
        con.execute("select indicator_code, short_name, measure, has_ward_reading "
                    "from ref.indicators "
                    "order by indicator_code").df(),
        con.execute("select distinct indicator_code, scope, kind from ref.indicator_targets "
                    "order by all").df(),
        con.execute("select scope_code, group_vi from ref.ct1_audiences order by scope_code").df())
