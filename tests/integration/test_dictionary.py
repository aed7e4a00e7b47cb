"""Column meanings live in each object's SQL file (its header's `Columns:` list) and the
data dictionary is generated from them: every column of every table and view has its own."""

from __future__ import annotations

import pytest

from core.registry import DEFAULT_SEEDS_DIR
from warehouse import db
from warehouse.analyst import (
    column_meanings,
    describe_tables,
    object_files,
    render_dictionary,
    sql_header,
)

DOCUMENTED_LAYERS = ("raw", "staging", "quality", "ops", "ref", "intermediate", "marts")


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    """Every table and view of a new warehouse with its models built (empty staging)."""
    with db.open_migrated(tmp_path_factory.mktemp("dictionary") / "w.duckdb") as con:
        db.rebuild_models(con, DEFAULT_SEEDS_DIR)
        return describe_tables(con)


def test_every_column_has_its_own_meaning(tables):
    """No column of raw, staging, quality, ops, ref, intermediate or marts without a
    meaning; no meaning for a column its object does not have (renamed or dropped)."""
    documented = [t for t in tables if t.schema in DOCUMENTED_LAYERS]
    assert 35 <= len(documented)  # 17 tables, 6 ref tables, 5 views, 7 marts today
    missing = [f"{t.schema}.{t.name}.{name}" for t in documented
               for name, _, meaning in t.columns if not meaning]
    assert [] == missing, "give each a `-- - name: meaning` line in its SQL file's header"
    actual = {f"{t.schema}.{t.name}": {name for name, _, _ in t.columns} for t in tables}
    stale = [f"{qualified}.{name}" for qualified, path in object_files().items()
             for name in column_meanings(path) if name not in actual.get(qualified, set())]
    assert [] == stale


def test_a_column_means_what_it_means_in_its_own_table(tables):
    """`outcome` of a feedback write is not the outcome of a fetch; `audience` of an activity
    row is the activities tab's «Đối tượng», of a survey row the survey's «Nhóm đối tượng»;
    the meanings of ops.flow_runs are its own."""
    meaning = {(t.schema, t.name, name): text for t in tables for name, _, text in t.columns}
    assert "Result of the write: written or error" == meaning[
        ("raw", "feedback_writes", "outcome")]
    assert meaning[("raw", "fetches", "outcome")].startswith(
        "Result of the fetch: snapshot (content read), not_found, error")
    assert "«Đối tượng» in the workbook" == meaning[
        ("staging", "stg_workbook__activities", "audience")]
    assert "«Nhóm đối tượng» in the workbook" == meaning[
        ("staging", "stg_workbook__survey_responses", "audience")]
    assert "«Số cuộc, số lượng» in the workbook" == meaning[
        ("staging", "stg_workbook__activities", "sessions")]
    assert "Google Sheets id of the unit's spreadsheet written to" == meaning[
        ("raw", "feedback_writes", "spreadsheet_id")]
    assert ("Name of the flow: annual-report, collection-window, reminders …"
            == meaning[("ops", "flow_runs", "flow_name")])


def test_the_header_gives_the_grain_and_the_column_list(tmp_path):
    """The grain stops at `Columns:`; an entry continues on lines indented two more spaces;
    a line that is neither is an error naming the file."""
    path = tmp_path / "t.sql"
    path.write_text("-- raw.t\n-- Grain: one row per thing.\n-- Columns:\n-- - a: First\n"
                    "--   and more | with a pipe\n-- - b: Second\ncreate table raw.t (a int);\n",
                    encoding="utf-8")
    assert "Grain: one row per thing." == sql_header(path)
    assert {"a": "First and more | with a pipe", "b": "Second"} == column_meanings(path)
    path.write_text("-- raw.t\n-- Columns:\n-- - a: First\n-- b: Second\nselect 1;\n",
                    encoding="utf-8")
    with pytest.raises(ValueError, match="«b: Second» is neither"):
        column_meanings(path)


def test_the_dictionary_renders_each_meaning_once_per_table(tables):
    """The Markdown lists each table with its grain, then column, type and meaning; a pipe in
    a meaning is escaped so that the table keeps its cells."""
    text = render_dictionary(tables)
    assert ("| outcome | VARCHAR | Result of the write: written or error |" in text)
    assert ("| detail | VARCHAR | Why the write failed, in Vietnamese \\| English (null when "
            "written) |") in text
    assert "## ops.schema_version" in text
