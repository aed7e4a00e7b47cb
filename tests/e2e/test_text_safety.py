"""Text safety end to end (issue 8, point 5): the annual flow on a small registry where
LDTBXH's workbook carries control characters and two unexpected files have hostile names.

LDTBXH (a real .xlsx written with openpyxl) has Excel's escapes of control characters, as
Excel writes them in the file: «Người lập báo cáo» "Nguyễn_x0007_ Văn An" (row 5 of
«Thông tin chung»), activity descriptions "Hội nghị_x0001_ tuyên truyền pháp luật" (row 4)
and "Mít tinh_x000B_hưởng ứng" (row 5: Word's line break, read as a space). Each cell is
a warning; the report is still received and every output is published. The folder also
holds «<img src=x onerror=alert(9)>.xlsx» and «a|b*c.xlsx»: they are reported, and their
names appear escaped in the .md, the HTML and the Prefect artifact.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from core.values import strip_controls
from tests.runs import flow_paths, rows
from tests.workbooks import general_rows, table_rows, write_grid

HOSTILE = "<img src=x onerror=alert(9)>"
PIPES = "a|b*c"
CONTROL = ("Ô có ký tự điều khiển không hiển thị được ({}), thường do dán từ phần mềm khác: "
           "hệ thống đã bỏ các ký tự này khi đọc; hãy kiểm tra lại nội dung ô và gõ lại nếu "
           "cần.")
UNEXPECTED = "không thuộc đơn vị nào phải báo cáo năm 2024: hãy kiểm tra lại tên tệp (mã đơn " \
             "vị)."


def _activity(code, description, audience, participants, female):
    return {"activity_code": code, "description": description,
            "form": "Hội nghị, hội thảo, tọa đàm", "audience": audience,
            "is_law_dissemination": "Có", "sessions": 1, "participants": participants,
            "participants_female": female, "started_on": "20/11/2024", "ended_on": "20/11/2024"}


def _write_reports(folder: Path) -> None:
    general = [["Người lập báo cáo", "Nguyễn_x0007_ Văn An"] if row[:1] == ["Người lập báo cáo"]
               else row for row in general_rows("LDTBXH", 2024, "05/12/2024", "Có", "Có")]
    write_grid(folder / "LDTBXH.xlsx", {
        "Thông tin chung": general,
        "Hoạt động": table_rows("activities", [
            _activity("1a", "Hội nghị_x0001_ tuyên truyền pháp luật",
                      "Cán bộ, công chức, viên chức", 100, 60),
            _activity("3b", "Mít tinh_x000B_hưởng ứng", "Doanh nghiệp, người lao động", 50,
                      20)])})
    for stem in (HOSTILE, PIPES):
        write_grid(folder / f"{stem}.xlsx", {"Thông tin chung": [["Mã đơn vị", "X"]]})


@pytest.fixture(scope="module")
def run(prefect_api, small_registry, tmp_path_factory):
    from flows.annual_report import annual_report

    root = tmp_path_factory.mktemp("text")
    _write_reports(root / "reports" / "2024")
    paths = flow_paths(root, small_registry, warehouse="warehouse.duckdb", output_dir="output")
    state = annual_report(year=2024, **paths, return_state=True)
    assert state.is_completed(), state.message
    return root, state.state_details.flow_run_id


def test_control_characters_are_warnings_naming_the_cell(run):
    """Each cell with a control character is one warning with unit, tab, row, column and the
    value kept; the report is received with the cleaned text, and the raw layer keeps the
    cell as read."""
    root, _ = run
    db = root / "warehouse.duckdb"
    assert [
        ("Hoạt động", 4, "Nội dung", "Hội nghị tuyên truyền pháp luật", "warning",
         "Đơn vị LDTBXH, trang «Hoạt động», dòng 4, cột «Nội dung» (giá trị «Hội nghị tuyên "
         "truyền pháp luật»): " + CONTROL.format("U+0001")),
        ("Hoạt động", 5, "Nội dung", "Mít tinh hưởng ứng", "warning",
         "Đơn vị LDTBXH, trang «Hoạt động», dòng 5, cột «Nội dung» (giá trị «Mít tinh hưởng "
         "ứng»): " + CONTROL.format("U+000B")),
        ("Thông tin chung", 5, "Người lập báo cáo", "Nguyễn Văn An", "warning",
         "Đơn vị LDTBXH, trang «Thông tin chung», dòng 5, cột «Người lập báo cáo» (giá trị "
         "«Nguyễn Văn An»): " + CONTROL.format("U+0007")),
    ] == rows(db, "select tab, sheet_row, column_header, value, severity, message_vi "
                  "from quality.issues where unit_code = 'LDTBXH' order by tab, sheet_row")
    assert [("LDTBXH", "received", 0, 3)] == rows(
        db, "select unit_code, status, error_count, warning_count from marts.submission_status "
            "where status <> 'missing'")
    assert [("Hội nghị tuyên truyền pháp luật",), ("Mít tinh hưởng ứng",)] == rows(
        db, "select description from staging.stg_workbook__activities order by sheet_row")
    assert [("Nguyễn Văn An",)] == rows(db, "select reporter from "
                                            "staging.stg_workbook__submissions")
    raw = rows(db, "select value_text from raw.cells join raw.snapshots using (snapshot_id) "
                   "where unit_code = 'LDTBXH' and tab_name = 'Hoạt động' and row_number = 4 "
                   "and column_number = 2")
    assert [("Hội nghị tuyên truyền pháp luật", ("U+0001",))] == [strip_controls(v)
                                                                  for (v,) in raw]


def test_every_output_is_published_without_control_characters(run):
    """The .docx, HTML, Markdown and both workbooks are written, and hold the cleaned text."""
    from docx import Document
    from openpyxl import load_workbook

    root, _ = run
    folder = root / "output" / "2024"
    document = Document(io.BytesIO((folder / "bao-cao-2024.docx").read_bytes()))
    paragraphs = [p.text for p in document.paragraphs]
    assert "Một số hoạt động tiêu biểu: Hội nghị tuyên truyền pháp luật (Phòng Lao động - " \
           "Thương binh và Xã hội, 100 người tham dự)." in paragraphs
    texts = {"docx": "\n".join(paragraphs),
             "html": (folder / "bao-cao-2024.html").read_text(encoding="utf-8"),
             "md": (folder / "bao-cao-2024.md").read_text(encoding="utf-8")}
    assert {"docx": [], "html": [], "md": []} == {
        kind: [c for c in text if c < " " and c not in "\n\t"] for kind, text in texts.items()}
    assert [] == [kind for kind, text in texts.items() if "_x000" in text]
    issues = load_workbook(folder / "bao-cao-2024.xlsx")["quality_issues"]
    header = [c.value for c in issues[1]]
    messages = [row[header.index("message_vi")] for row in issues.iter_rows(min_row=2,
                                                                           values_only=True)]
    assert "Đơn vị LDTBXH, trang «Hoạt động», dòng 5, cột «Nội dung» (giá trị «Mít tinh hưởng " \
           "ứng»): " + CONTROL.format("U+000B") in messages
    assert "Nguồn số liệu" in load_workbook(folder / "phu-luc-2024.xlsx").sheetnames


def _escaped_rows() -> list[str]:
    return [
        r"| \<img src=x onerror=alert(9)\> | Cảnh báo | Đơn vị \<img src=x onerror=alert(9)\>: "
        r"Tệp «\<img src=x onerror=alert(9)\>.xlsx» " + UNEXPECTED + " |",
        r"| a\|b\*c | Cảnh báo | Đơn vị a\|b\*c: Tệp «a\|b\*c.xlsx» " + UNEXPECTED + " |",
    ]


def _rendered(markdown: str) -> str:
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)


def test_unexpected_file_names_are_escaped_in_the_markdown_report(run):
    """The names are literal text in the .md: rendered (raw HTML allowed), no tag of theirs
    and the `|` keeps its row together."""
    root, _ = run
    markdown = (root / "output" / "2024" / "bao-cao-2024.md").read_text(encoding="utf-8")
    assert [True, True] == [row in markdown.splitlines() for row in _escaped_rows()]
    html = _rendered(markdown)
    assert "<img" not in html
    assert "<td>&lt;img src=x onerror=alert(9)&gt;</td>" in html
    assert "<td>a|b*c</td>\n<td>Cảnh báo</td>\n<td>Đơn vị a|b*c: Tệp «a|b*c.xlsx» " in html


def test_unexpected_file_names_are_escaped_in_the_html_report(run):
    """The HTML report names the files that were not counted, escaped."""
    root, _ = run
    html = (root / "output" / "2024" / "bao-cao-2024.html").read_text(encoding="utf-8")
    assert ("<p><i><b>Lưu ý: </b>thư mục báo cáo năm 2024 có 2 tệp không thuộc đơn vị nào phải "
            "báo cáo, được lưu lại nhưng không tính vào tổng hợp: «&lt;img src=x "
            "onerror=alert(9)&gt;.xlsx», «a|b*c.xlsx».</i></p>") in html
    assert "<img src=x" not in html


def test_unexpected_file_names_are_escaped_in_the_prefect_artifact(run):
    """The report artifact, read back from the Prefect API, is the escaped .md."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        ArtifactFilterKey,
    )

    root, flow_run_id = run
    with get_client(sync_client=True) as client:
        [artifact] = client.read_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=["annual-report-2024"]),
            flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
    markdown = (root / "output" / "2024" / "bao-cao-2024.md").read_text(encoding="utf-8")
    assert markdown == artifact.data
    assert [True, True] == [row in artifact.data.splitlines() for row in _escaped_rows()]
    assert "<img" not in _rendered(artifact.data)
