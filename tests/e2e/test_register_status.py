"""With the Google Sheets source, the collection window also writes the status into the
focal office's register spreadsheet (the emulator; small registry of four units: LDTBXH
and VHTT send reports, P-MINHKHAI and P-HALY have no register row)."""

from openpyxl import Workbook, load_workbook

from tests.emulator import running_emulator
from tests.workbooks import report_workbook

ACTIVITY = {"activity_code": "1a", "description": "Mít tinh", "form": "Khác",
            "audience": "Người dân, cộng đồng", "sessions": 1, "started_on": "20/11/2025"}


def test_collection_status_lands_in_the_register_spreadsheet(prefect_api, small_registry,
                                                             tmp_path, monkeypatch):
    """The register gets a tab «Tình hình nộp báo cáo 2025» in one write (one metadata read
    before it): title, time, header, then one row per expected unit with its status and
    what must be done, for a unit without a register row the row to add; the collection
    status artifact lists the register gaps too. The next run does not read the register
    again (only our own write moved it): a metadata read and the write of the status."""
    from flows.calendar import collection_window

    register = Workbook()
    register.active.title = "Sổ đăng ký"
    register.active.append(["Năm", "Mã đơn vị", "Bảng tính"])
    with running_emulator(tmp_path / "drive") as emu:
        for unit in ("LDTBXH", "VHTT"):
            path = report_workbook(tmp_path / "src" / f"{unit}.xlsx", unit, 2025,
                                   completed_on="01/12/2025", activities=[ACTIVITY])
            emu.add_spreadsheet(f"bc-2025-{unit}", path)
            register.active.append([2025, unit, f"bc-2025-{unit}"])
        emu.add_spreadsheet("so-dang-ky", register)
        for name, value in {"HB_SOURCE": "gsheets", "HB_GSHEETS_REGISTER": "so-dang-ky",
                            "HB_GSHEETS_CREDENTIALS": "anonymous",
                            "HB_GSHEETS_API_BASE_URL": emu.base_url,
                            "HB_GSHEETS_READS_PER_MINUTE": "0",
                            "HB_GSHEETS_WRITES_PER_MINUTE": "0"}.items():
            monkeypatch.setenv(name, value)
        emu.reset_log()
        markdown = collection_window(year=2025, warehouse=str(tmp_path / "w.duckdb"),
                                     output_dir=str(tmp_path / "out"),
                                     seeds_dir=str(small_registry))
        writes = [(r.kind, r.spreadsheet_id) for r in emu.requests()
                  if r.kind.startswith("sheets.") and r.method != "GET"]
        tab = load_workbook(emu.path("so-dang-ky"))["Tình hình nộp báo cáo 2025"]
        emu.reset_log()
        collection_window(year=2025, warehouse=str(tmp_path / "w.duckdb"),
                          output_dir=str(tmp_path / "out"), seeds_dir=str(small_registry))
        again = [r.kind for r in emu.requests() if r.kind.startswith("sheets.")]
        rows = [[c.value for c in row][:7] for row in tab.iter_rows(max_row=7)]
    assert "Tình hình nộp báo cáo năm 2025 (hạn 10/12/2025)" == rows[0][0]
    assert rows[1][0].startswith("Cập nhật lúc ")
    assert ["Mã đơn vị", "Tên đơn vị", "Tình trạng", "Ngày hoàn thành", "Đúng hạn", "Số lỗi",
            "Việc cần làm"] == rows[2]
    assert [
        ["LDTBXH", "Phòng Lao động - Thương binh và Xã hội", "Đã nộp", "01/12/2025", "Có",
         "0", None],
        ["VHTT", "Phòng Văn hóa - Thông tin", "Đã nộp", "01/12/2025", "Có", "0", None],
        ["P-HALY", "UBND phường Hạ Lý", "Chưa nộp", "–", "Không", "0", missing("P-HALY",
                                                                              "Hạ Lý")],
        ["P-MINHKHAI", "UBND phường Minh Khai", "Chưa nộp", "–", "Không", "0",
         missing("P-MINHKHAI", "Minh Khai")],
    ] == rows[3:7]
    # the collection writes each submitting unit's feedback (one write per spreadsheet,
    # in parallel, so in either order), then the status into the register
    assert [("sheets.batchUpdate", "bc-2025-LDTBXH"), ("sheets.batchUpdate", "bc-2025-VHTT")
            ] == sorted(writes[:-1])
    assert ("sheets.batchUpdate", "so-dang-ky") == writes[-1]
    # the next day: the register moved only by our status write, so it is not read again
    assert ["sheets.get", "sheets.batchUpdate"] == again
    assert "## Sổ đăng ký bảng tính cần sửa\n\n- " + missing("P-HALY", "Hạ Lý") + "\n- " + \
        missing("P-MINHKHAI", "Minh Khai") + "\n" in markdown


def missing(code: str, ward: str) -> str:
    return (f"Sổ đăng ký không có dòng nào cho đơn vị {code} (UBND phường {ward}) năm 2025: "
            f"chưa biết bảng tính của đơn vị; hãy thêm dòng «2025, {code}, đường dẫn bảng "
            "tính» vào sổ đăng ký.")
