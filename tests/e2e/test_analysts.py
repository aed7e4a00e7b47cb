"""Analysts alongside the pipeline: the published read-only copy, Parquet, the data
dictionary and the run history (small registry of four units)."""

import duckdb
import pytest

from tests.runs import flow_paths
from tests.workbooks import report_workbook

ACTIVITY = {"activity_code": "1a", "description": "Mít tinh", "form": "Khác",
            "audience": "Người dân, cộng đồng", "sessions": 2, "is_law_dissemination": "Có"}


@pytest.fixture(scope="module")
def first_run(prefect_api, small_registry, tmp_path_factory):
    from flows.annual_report import annual_report

    root = tmp_path_factory.mktemp("analysts")
    report_workbook(root / "reports" / "2024" / "LDTBXH.xlsx", "LDTBXH", 2024,
                    activities=[ACTIVITY])
    kwargs = dict(year=2024, **flow_paths(root, small_registry, warehouse="pipeline/w.duckdb"))
    annual_report(**kwargs)
    return root, kwargs


def test_open_analyst_session_never_blocks_a_run(first_run):
    """With an analyst's read-only connection open on the published copy, a full run
    succeeds; the open session keeps working, and on reopening the analyst sees the new
    data (VHTT's report, sent in between)."""
    from flows.annual_report import annual_report

    root, kwargs = first_run
    copy = root / "pipeline" / "analyst" / "warehouse.duckdb"
    analyst = duckdb.connect(str(copy), read_only=True)
    sql = "select unit_code from marts.submission_status where status = 'received' order by 1"
    assert [("LDTBXH",)] == analyst.execute(sql).fetchall()
    report_workbook(root / "reports" / "2024" / "VHTT.xlsx", "VHTT", 2024, activities=[ACTIVITY])
    annual_report(**kwargs)
    assert [("LDTBXH",)] == analyst.execute(sql).fetchall()
    analyst.close()
    with duckdb.connect(str(copy), read_only=True) as reopened:
        assert [("LDTBXH",), ("VHTT",)] == reopened.execute(sql).fetchall()
        assert 2 == reopened.execute("select count(*) from ops.flow_runs").fetchone()[0]


def test_marts_as_parquet_and_a_data_dictionary(first_run):
    """Each mart is published as Parquet and the dictionary lists tables with their grain
    and columns with their meaning."""
    root, _ = first_run
    folder = root / "pipeline" / "analyst"
    names = sorted(p.stem for p in (folder / "marts").glob("*.parquet"))
    assert {"activity_coverage", "budget", "indicator_values", "participation",
            "submission_status"} <= set(names)
    parquet = folder / "marts" / "submission_status.parquet"
    assert [(4,)] == duckdb.sql(f"select count(*) from '{parquet}'").fetchall()
    text = (folder / "DATA_DICTIONARY.md").read_text(encoding="utf-8")
    assert "## marts.submission_status" in text
    assert "Grain: one row per collected year and unit expected to report that year." in text
    assert "| sheet_row | INTEGER | Row number in the unit's sheet, as the person sees it |" \
        in text
    assert "| participants_female | INTEGER | «Trong đó nữ» in the workbook |" in text


def test_run_history_names_the_flow_run(first_run):
    """ops.flow_runs has one row per run with the Prefect flow-run id, state and counts."""
    root, _ = first_run
    with duckdb.connect(str(root / "pipeline" / "w.duckdb"), read_only=True) as con:
        rows = con.execute("select flow_name, year, state, counts->>'expected', "
                           "length(flow_run_id) from ops.flow_runs order by started_at").fetchall()
    assert ("annual-report", 2024, "COMPLETED", "4", 36) == rows[0]
