"""The reporting calendar: the collection window, the reminders sent through a Prefect
notification block to a local HTTP sink, and the deadline cut-off that freezes a year.

Small registry, 2025: LDTBXH sends a good report; VHTT sends a workbook that says 2024
(invalid); P-MINHKHAI a draft; P-HALY nothing (missing).
"""

import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import duckdb
import pytest

from tests.runs import flow_paths
from tests.workbooks import report_workbook


def _activity(sessions):
    return {"activity_code": "1a", "description": "Mít tinh", "form": "Khác",
            "audience": "Người dân, cộng đồng", "sessions": sessions,
            "is_law_dissemination": "Có", "started_on": "20/11/2025"}


@pytest.fixture(scope="module")
def year_2025(prefect_api, small_registry, tmp_path_factory):
    from flows.calendar import collection_window

    root = tmp_path_factory.mktemp("calendar")
    folder = root / "reports" / "2025"
    report_workbook(folder / "LDTBXH.xlsx", "LDTBXH", 2025, completed_on="01/12/2025",
                    activities=[_activity(2)])
    report_workbook(folder / "VHTT.xlsx", "VHTT", 2024, completed_on="01/12/2025",
                    activities=[_activity(1)])
    report_workbook(folder / "P-MINHKHAI.xlsx", "P-MINHKHAI", 2025, complete="",
                    completed_on="01/12/2025", activities=[_activity(1)])
    paths = flow_paths(root, small_registry)
    markdown = collection_window(year=2025, **paths)
    return root, paths, markdown


class _Sink(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Sink.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_collection_window_publishes_who_must_fix_what(year_2025):
    """The status artifact lists each unit's status and VHTT's wrong year, cell named."""
    _, _, markdown = year_2025
    assert "Phải báo cáo: 4; đã nộp: 1 (muộn 0); bản nháp: 1; không hợp lệ: 1; chưa nộp: 1." \
        in markdown
    assert "| VHTT | Phòng Văn hóa - Thông tin | Không hợp lệ | 1 |" in markdown
    assert "- Đơn vị VHTT, trang «Thông tin chung», dòng 4, cột «Năm báo cáo» (giá trị «2024»)" \
        in markdown


def test_reminders_on_a_fixed_date_name_exactly_the_missing_and_invalid_units(year_2025):
    """On 03/12/2025 the reminder, sent to a webhook block on 127.0.0.1, lists P-HALY
    (missing) and VHTT (invalid, with what to fix) and no one else."""
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    from flows.calendar import send_reminders

    _, paths, _ = year_2025
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        CustomWebhookNotificationBlock(
            name="reminder-sink", url=f"http://127.0.0.1:{server.server_port}/hook",
            json_data={"subject": "{{subject}}", "text": "{{body}}"},
        ).save("reminder-sink", overwrite=True)
        text = send_reminders(year=2025, on_date=date(2025, 12, 3),
                              notification_block="custom-webhook/reminder-sink",
                              warehouse=paths["warehouse"], seeds_dir=paths["seeds_dir"])
    finally:
        server.shutdown()
    assert [text] == [message["text"] for message in _Sink.received]
    assert text.splitlines()[:6] == [
        "Nhắc nộp báo cáo năm 2025 — Kế hoạch truyền thông về bình đẳng giới quận Hồng Bàng. "
        "Còn 7 ngày đến hạn nộp báo cáo (10/12/2025).",
        "",
        "Đơn vị còn phải nộp hoặc sửa (2):",
        "- P-HALY (UBND phường Hạ Lý):",
        "    • Chưa nộp báo cáo năm 2025.",
        "- VHTT (Phòng Văn hóa - Thông tin):",
    ]
    assert text.splitlines()[6].startswith("    • Đơn vị VHTT, trang «Thông tin chung», dòng 4")
    assert 7 == len(text.splitlines())


def test_cut_off_freezes_and_late_changes_are_kept_but_not_counted(year_2025):
    """After the cut-off, LDTBXH changes its workbook (2 → 5 sessions): the new content is
    kept in raw and reported as a late revision, the counted figures stay at 2."""
    from flows.annual_report import annual_report
    from flows.calendar import collection_window

    root, paths, _ = year_2025
    annual_report(year=2025, freeze=True, **paths)
    report_workbook(root / "reports" / "2025" / "LDTBXH.xlsx", "LDTBXH", 2025,
                    completed_on="12/12/2025", activities=[_activity(5)])
    collection_window(year=2025, **paths)
    with duckdb.connect(paths["warehouse"], read_only=True) as con:
        assert [(2,)] == con.execute("select sessions from staging.stg_workbook__activities "
                                     "where unit_code = 'LDTBXH'").fetchall()
        assert [(2,)] == con.execute("select count(*) from raw.snapshots "
                                     "where unit_code = 'LDTBXH'").fetchall()
        assert [("late_revision", "warning")] == con.execute(
            "select rule, severity from quality.issues where unit_code = 'LDTBXH'").fetchall()


def test_a_failed_run_is_recorded_and_announced(prefect_api, small_registry, tmp_path,
                                                 monkeypatch):
    """A run that cannot publish (its output folder is a file, found at its start) fails:
    it is kept in ops.flow_runs as FAILED, and the failure notice goes out through the block
    named by HB_FAILURE_NOTIFICATION_BLOCK."""
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    from core.settings import SettingError
    from flows.annual_report import annual_report

    report_workbook(tmp_path / "reports" / "2025" / "LDTBXH.xlsx", "LDTBXH", 2025,
                    activities=[_activity(1)])
    (tmp_path / "out").write_text("not a folder")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Sink.received.clear()
    try:
        CustomWebhookNotificationBlock(
            name="failure-sink", url=f"http://127.0.0.1:{server.server_port}/hook",
            json_data={"subject": "{{subject}}", "text": "{{body}}"},
        ).save("failure-sink", overwrite=True)
        monkeypatch.setenv("HB_FAILURE_NOTIFICATION_BLOCK", "custom-webhook/failure-sink")
        with pytest.raises(SettingError):
            annual_report(year=2025, **flow_paths(tmp_path, small_registry))
    finally:
        server.shutdown()
    [notice] = _Sink.received
    assert "Lần chạy annual-report-2025 (annual-report) không thành công" == notice["subject"]
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert [("annual-report", 2025, "FAILED")] == con.execute(
            "select flow_name, year, state from ops.flow_runs").fetchall()
