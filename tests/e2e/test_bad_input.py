"""Bad input never crashes a run and never disappears (small registry of four units).

2024: LDTBXH sends a good workbook; VHTT an empty file; P-MINHKHAI a PDF renamed .xlsx;
P-HALY a password-protected workbook. 2023: LDTBXH sends last year's workbook (year 2022),
VHTT sends LDTBXH's workbook, P-MINHKHAI deletes the "Hoạt động" tab, P-HALY is fine and a
stray file "HLHPN.xlsx" lies in the folder.
"""

import io

import pytest

from tests.runs import flow_paths, rows
from tests.workbooks import general_rows, report_workbook, write_grid

ACTIVITY = {"activity_code": "1a", "description": "Mít tinh", "form": "Khác",
            "audience": "Người dân, cộng đồng", "sessions": 1}


def _encrypted_xlsx() -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile
    from openpyxl import Workbook

    plain, out = io.BytesIO(), io.BytesIO()
    Workbook().save(plain)
    OOXMLFile(io.BytesIO(plain.getvalue())).encrypt("matkhau", out)
    return out.getvalue()


@pytest.fixture(scope="module")
def bad_run(prefect_api, small_registry, tmp_path_factory):
    from flows.annual_report import annual_report

    root = tmp_path_factory.mktemp("bad")
    y24, y23 = root / "reports" / "2024", root / "reports" / "2023"
    report_workbook(y24 / "LDTBXH.xlsx", "LDTBXH", 2024, activities=[ACTIVITY])
    y24.joinpath("VHTT.xlsx").write_bytes(b"")
    y24.joinpath("P-MINHKHAI.xlsx").write_bytes(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n")
    y24.joinpath("P-HALY.xlsx").write_bytes(_encrypted_xlsx())
    report_workbook(y23 / "LDTBXH.xlsx", "LDTBXH", 2022, completed_on="01/12/2023",
                    activities=[ACTIVITY])
    report_workbook(y23 / "VHTT.xlsx", "LDTBXH", 2023, completed_on="01/12/2023",
                    activities=[ACTIVITY])
    write_grid(y23 / "P-MINHKHAI.xlsx", {"Thông tin chung": general_rows(
        "P-MINHKHAI", 2023, "01/12/2023", "Có", "Có")})
    report_workbook(y23 / "P-HALY.xlsx", "P-HALY", 2023, completed_on="01/12/2023",
                    activities=[ACTIVITY])
    report_workbook(y23 / "HLHPN.xlsx", "HLHPN", 2023, activities=[ACTIVITY])
    paths = flow_paths(root, small_registry)
    for year in (2024, 2023):
        annual_report(year=year, **paths)
    return paths["warehouse"]


def test_unreadable_files_make_only_their_unit_invalid(bad_run):
    """Empty, PDF and password-protected files make their unit invalid with a Vietnamese
    reason; LDTBXH is still received."""
    assert [("LDTBXH", "received"), ("P-HALY", "invalid"), ("P-MINHKHAI", "invalid"),
            ("VHTT", "invalid")] == rows(
        bad_run, "select unit_code, status from marts.submission_status where year = 2024 "
                 "order by unit_code")
    messages = dict(rows(bad_run, "select unit_code, message_vi from quality.issues "
                                  "where year = 2024 and rule = 'unreadable_workbook'"))
    assert messages["VHTT"] == (
        "Đơn vị VHTT: Tệp «VHTT.xlsx» không đọc được: tệp rỗng, 0 byte; hãy mở tệp bằng "
        "Excel, lưu lại dưới dạng .xlsx rồi nộp lại.")
    assert "Tệp «P-MINHKHAI.xlsx» không đọc được: đây là tệp PDF được đổi đuôi thành bảng " \
        "tính" in messages["P-MINHKHAI"]
    assert "tệp được đặt mật khẩu" in messages["P-HALY"]


def test_unreadable_files_are_kept_as_submitted(bad_run):
    """The bytes of every file, readable or not, are kept in raw.snapshots."""
    assert [("P-HALY", 10240), ("P-MINHKHAI", 29), ("VHTT", 0)] == rows(
        bad_run, "select unit_code, content_bytes from raw.snapshots where year = 2024 "
                 "and read_error is not null order by unit_code")


def test_wrong_year_wrong_unit_and_missing_tab_block_their_submission(bad_run):
    """Last year's workbook, another unit's workbook and a deleted required tab each make
    the submission invalid with the cell named; none of their rows reach staging."""
    assert [("LDTBXH", "invalid"), ("P-HALY", "received"), ("P-MINHKHAI", "invalid"),
            ("VHTT", "invalid")] == rows(
        bad_run, "select unit_code, status from marts.submission_status where year = 2023 "
                 "order by unit_code")
    blocking = rows(bad_run, "select unit_code, rule, sheet_row, column_key, value "
                             "from quality.issues where year = 2023 and severity = 'blocking' "
                             "order by unit_code, rule")
    assert [("LDTBXH", "year_mismatch", 4, "year", "2022"),
            ("P-MINHKHAI", "missing_tab", None, None, None),
            ("VHTT", "unit_mismatch", 3, "unit_code", "LDTBXH")] == blocking
    assert [("P-HALY",)] == rows(bad_run, "select distinct unit_code from "
                                          "staging.stg_workbook__activities where year = 2023")
    assert [("LDTBXH", 4), ("VHTT", 4)] == rows(
        bad_run, "select unit_code, sheet_row from quality.quarantine where year = 2023 "
                 "order by unit_code")


def test_stray_file_is_kept_and_reported(bad_run):
    """A workbook of a unit not expected this year is stored raw and reported as a warning,
    not counted."""
    assert [("HLHPN", "unexpected_file", "warning")] == rows(
        bad_run, "select unit_code, rule, severity from quality.issues where year = 2023 "
                 "and unit_code = 'HLHPN'")
    assert [(1,)] == rows(bad_run, "select count(*) from raw.snapshots where year = 2023 "
                                   "and unit_code = 'HLHPN'")
