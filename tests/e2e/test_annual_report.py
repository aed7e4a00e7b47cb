"""The annual flow end to end on small hand-made workbooks, every figure worked by hand.

Registry: LDTBXH and VHTT (agencies), P-MINHKHAI and P-HALY (wards); HHDN does not report.
2024:
- LDTBXH, complete 05/12: 1a law (Cán bộ) 2 sessions 100/60 women; 3b law (Doanh nghiệp)
  1 session 50/20; 5b not law (Phóng viên) 1.
- VHTT, complete 12/12 (late): 1a law (Người dân) 1 session 200/120; 2c law (Doanh
  nghiệp) 2; outlets: portal Chính thức, radio Thí điểm, bulletin Chưa áp dụng.
- P-MINHKHAI, complete 01/12: 1a law (Người dân) 3 sessions 150/90; 3c law (Người dân)
  1 session 80 with 90 women (an error: quarantined); radio Thí điểm; conventions TDP 1
  2/2, TDP 2 3/2.
- P-HALY: no Action Month plan, not marked complete (a draft): 1a law (Người dân) 5;
  conventions 4/4. A draft counts for nothing.
By hand: 4 expected, 3 received (1 late), 1 draft.
CT1 audiences: Cán bộ 2, Doanh nghiệp 1 + 2 = 3, Người dân 1 + 3 = 4 → 3 of 3 groups = 100%.
CT1 wards: Minh Khai 3 (achieved), Hạ Lý no data (draft).
CT2: LDTBXH, VHTT, Minh Khai planned and ran 1a; Hạ Lý did not → 3/4 = 75%, not yet due.
CT3: no survey → no data.
CT4 (2025 milestone, pilot or official): 1 official + 2 pilot of 4 outlets = 75% ≥ 70%.
CT5: Minh Khai 4 of 5 = 80% < 95%, not yet due; Hạ Lý no data.
The workbooks are tests/workbooks.py's `write_2024`; the run is the session fixture
`small_2024` (tests/conftest.py), which tests/e2e/test_lineage.py reads too.
"""

from datetime import date

from tests.runs import rows


def test_submission_status_by_hand(small_2024):
    """Four expected units: three received (VHTT late on 12/12), Hạ Lý a draft."""
    root, summary, _ = small_2024
    assert [
        ("LDTBXH", "received", True, date(2024, 12, 5), 0),
        ("P-HALY", "draft", False, date(2024, 12, 5), 0),
        ("P-MINHKHAI", "received", True, date(2024, 12, 1), 1),
        ("VHTT", "received", False, date(2024, 12, 12), 0),
    ] == rows(root / "warehouse.duckdb",
              "select unit_code, status, is_on_time, completed_on, error_count "
              "from marts.submission_status where year = 2024 order by unit_code")
    assert {"expected": 4, "received": 3, "late": 1, "draft": 1, "invalid": 0,
            "missing": 0} == summary.counts


def test_indicator_values_by_hand(small_2024):
    """CT1–CT5 for 2024 equal the values worked out by hand in the module docstring."""
    root, _, _ = small_2024
    assert [
        ("CT1", "audience", "can_bo", 2.0, None, 2.0, 2.0, "achieved"),
        ("CT1", "audience", "doanh_nghiep", 3.0, None, 3.0, 2.0, "achieved"),
        ("CT1", "audience", "nguoi_dan", 4.0, None, 4.0, 2.0, "achieved"),
        ("CT1", "district", "QUAN", 3.0, 3.0, 1.0, 1.0, "achieved"),
        ("CT1", "ward", "P-HALY", None, None, None, 2.0, "no_data"),
        ("CT1", "ward", "P-MINHKHAI", 3.0, None, 3.0, 2.0, "achieved"),
        ("CT2", "district", "QUAN", 3.0, 4.0, 0.75, 1.0, "not_yet_due"),
        ("CT3", "district", "QUAN", None, None, None, None, "no_data"),
        ("CT4", "district", "QUAN", 3.0, 4.0, 0.75, 0.7, "achieved"),
        ("CT5", "district", "QUAN", 4.0, 5.0, 0.8, 0.95, "not_yet_due"),
        ("CT5", "ward", "P-HALY", None, None, None, 0.95, "no_data"),
        ("CT5", "ward", "P-MINHKHAI", 4.0, 5.0, 0.8, 0.95, "not_yet_due"),
    ] == rows(root / "warehouse.duckdb",
              "select indicator_code, scope, scope_code, numerator, denominator, "
              "round(value, 6), target, status from marts.indicator_values where year = 2024 "
              "order by indicator_code, scope, scope_code")


def test_bad_row_is_quarantined_with_a_vietnamese_message(small_2024):
    """Minh Khai's row 5 (90 women of 80 participants) is in quarantine, not in staging,
    and its issue names the unit, tab, row, column and value."""
    root, _, _ = small_2024
    db = root / "warehouse.duckdb"
    [(reason, values)] = rows(db, "select reason_vi, row_values from quality.quarantine "
                                  "where unit_code = 'P-MINHKHAI'")
    assert reason.startswith("Đơn vị P-MINHKHAI, trang «Hoạt động», dòng 5, cột «Trong đó nữ» "
                             "(giá trị «90»): Số người nữ không được lớn hơn tổng số người")
    assert '"Số người tham dự": "80"' in values
    assert [(4,)] == rows(db, "select sheet_row from staging.stg_workbook__activities "
                              "where unit_code = 'P-MINHKHAI'")


def test_every_cell_is_kept_raw(small_2024):
    """Every non-empty cell of LDTBXH's workbook is in raw.cells, titles included."""
    root, _, _ = small_2024
    from openpyxl import load_workbook

    book = load_workbook(root / "reports" / "2024" / "LDTBXH.xlsx")
    expected = sorted((ws.title, c.row, c.column) for ws in book.worksheets
                      for row in ws.iter_rows() for c in row if c.value not in (None, ""))
    assert expected == sorted(rows(
        root / "warehouse.duckdb",
        "select tab_name, row_number, column_number from raw.cells join raw.snapshots "
        "using (snapshot_id) where unit_code = 'LDTBXH'"))


def test_rerun_gives_identical_marts_and_no_new_snapshot(small_2024):
    """A second run of the same year adds no snapshot and leaves every mart identical."""
    from flows.annual_report import annual_report

    root, _, kwargs = small_2024
    db = root / "warehouse.duckdb"
    marts = ("submission_status", "indicator_values", "participation", "budget",
             "activity_coverage")
    before = {m: rows(db, f"select * from marts.{m} order by all") for m in marts}
    snapshots = rows(db, "select count(*) from raw.snapshots")
    annual_report(**kwargs)
    assert before == {m: rows(db, f"select * from marts.{m} order by all") for m in marts}
    assert snapshots == rows(db, "select count(*) from raw.snapshots")


def test_report_files_are_written(small_2024):
    """The Markdown report and the workbook of marts are in the output folder."""
    root, summary, _ = small_2024
    folder = root / "output" / "2024"
    assert folder == summary.output_folder
    text = (folder / "bao-cao-2024.md").read_text(encoding="utf-8")
    assert "Số đơn vị phải báo cáo: **4**; đã nộp: **3**" in text
    assert "| CT2 | Đơn vị xây dựng kế hoạch, triển khai Tháng hành động | Toàn quận | 75,0% " \
           "| 100,0% | 2025 | Chưa đến mốc đánh giá |" in text
    from openpyxl import load_workbook

    sheets = load_workbook(folder / "bao-cao-2024.xlsx").sheetnames
    assert ["submission_status", "indicator_values", "indicator_progress", "participation",
            "budget", "activity_coverage", "figure_lineage", "quality_issues"] == sheets
    appendix = load_workbook(folder / "phu-luc-2024.xlsx")
    assert ["Tình hình nộp báo cáo", "Chỉ tiêu", "Tiến độ so với mốc", "Người tham dự",
            "Kinh phí", "Hoạt động chủ trì", "Nguồn số liệu"] == appendix.sheetnames
    budget = appendix["Kinh phí"]
    last = [c.value for c in list(budget.iter_rows())[-1]]
    assert ("Tổng cộng", 30_000_000, 6) == (last[0], last[2], last[3])


def test_flow_run_carries_report_and_table_artifacts(small_2024):
    """The run publishes the report as a markdown artifact and the two key marts as tables."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        ArtifactFilterKey,
        FlowFilter,
        FlowFilterName,
    )

    # this year's runs on these workbooks (other tests run 2024 on other workbooks too)
    with get_client(sync_client=True) as client:
        runs = [run.id for run in client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=["annual-report"])))
            if run.parameters.get("reports_dir") == small_2024.kwargs["reports_dir"]]
        assert runs
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=runs), key=ArtifactFilterKey(
                any_=["annual-report-2024", "submission-status-2024", "indicator-values-2024"])))
    kinds = sorted((a.key, a.type) for a in artifacts)
    assert [("annual-report-2024", "markdown"), ("indicator-values-2024", "table"),
            ("submission-status-2024", "table")] == sorted(set(kinds))
    report = next(a for a in artifacts if a.key == "annual-report-2024")
    assert "Số đơn vị phải báo cáo: **4**" in report.data
