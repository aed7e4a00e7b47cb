"""The annual flow's stages as they run (small registry, 2024, four workbooks): the pull
reads the folder in parts on the flow's task runner and keeps what one reader in turn
keeps; the documents are written again only when what they are made of changed."""

from pathlib import Path

import pytest

from tests.runs import rows
from tests.workbooks import report_workbook

ACTIVITY = {"activity_code": "1a", "description": "Mít tinh", "form": "Khác",
            "audience": "Người dân, cộng đồng", "sessions": 2, "is_law_dissemination": "Có"}
UNITS = ("LDTBXH", "VHTT", "P-MINHKHAI", "P-HALY")
RAW = {
    "snapshots": "select snapshot_id, unit_code, source_kind, content_sha256, content, "
                 "tab_names, read_error from raw.snapshots order by snapshot_id",
    "cells": "select * from raw.cells order by all",
    "fetches": "select unit_code, outcome, snapshot_id, detail from raw.fetches "
               "order by fetch_id",
}


@pytest.fixture(scope="module")
def year_2024(prefect_api, small_registry, tmp_path_factory):
    """One annual run, the pull spread over 2 cores (whatever this machine has)."""
    import tasks.pull_parts
    from flows.annual_report import annual_report

    root = tmp_path_factory.mktemp("stages")
    for unit in UNITS:
        report_workbook(root / "reports" / "2024" / f"{unit}.xlsx", unit, 2024,
                        activities=[ACTIVITY])
    paths = dict(reports_dir=str(root / "reports"), warehouse=str(root / "w.duckdb"),
                 output_dir=str(root / "out"), seeds_dir=str(small_registry))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tasks.pull_parts, "cores", lambda: 2)
        summary = annual_report(year=2024, **paths)
    return root, paths, summary


def test_the_pull_reads_two_parts_on_the_task_runner_and_keeps_what_one_reader_keeps(
        year_2024, tmp_path):
    """4 files on 2 cores: 2 parts of 2 files, each a task run «read 2024 <first unit>…»
    of the flow run; raw.snapshots, raw.cells and raw.fetches (in fetch order) are those of
    the same folder pulled in turn by one reader (the pull outside a flow run)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, FlowRunFilterName

    from core.settings import RunSettings
    from tasks.pull import pull_workbooks

    root, paths, _ = year_2024
    with get_client(sync_client=True) as client:
        flow_runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            name=FlowRunFilterName(any_=["annual-report-2024"])))
        first = min((r for r in flow_runs if r.parameters.get("warehouse") == paths["warehouse"]),
                    key=lambda r: r.expected_start_time)
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(
            id=FlowRunFilterId(any_=[first.id])))
    parts = sorted(t.name for t in runs if t.name.startswith("read 2024"))
    # the folder's files in name order: LDTBXH, P-HALY | P-MINHKHAI, VHTT
    assert ["read 2024 LDTBXH…", "read 2024 P-MINHKHAI…"] == parts
    assert ["Completed", "Completed"] == [t.state.name for t in runs
                                          if t.name.startswith("read 2024")]
    assert [("LDTBXH",), ("P-HALY",), ("P-MINHKHAI",), ("VHTT",)] == rows(
        paths["warehouse"], "select unit_code from raw.fetches order by fetch_id")
    alone = RunSettings(root / "reports", tmp_path / "alone.duckdb", tmp_path / "out",
                        Path(paths["seeds_dir"]))
    summary = pull_workbooks.fn(alone, 2024)
    assert (4, 4) == (summary.fetched, summary.new_snapshots)
    for name, sql in RAW.items():
        assert rows(alone.warehouse, sql) == rows(paths["warehouse"], sql), name


def test_documents_are_written_again_only_when_asked_or_changed(year_2024):
    """A second run on the same workbooks keeps bao-cao-2024.docx and .html as they were
    (same bytes, same modification time), and the portal's pages too; with republish=True
    both documents are written again."""
    from flows.annual_report import annual_report

    _, paths, _ = year_2024
    files = [Path(paths["output_dir"]) / "2024" / f"bao-cao-2024.{s}" for s in ("docx", "html")]
    files += sorted((Path(paths["output_dir"]) / "portal").rglob("*.html"))
    before = [(f.stat().st_mtime_ns, f.read_bytes()) for f in files]
    annual_report(year=2024, **paths)
    assert before == [(f.stat().st_mtime_ns, f.read_bytes()) for f in files]
    files, before = files[:2], before[:2]
    annual_report(year=2024, republish=True, **paths)
    assert [True, True] == [f.stat().st_mtime_ns > mtime
                            for f, (mtime, _) in zip(files, before, strict=True)]
