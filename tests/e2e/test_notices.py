"""Notices that arrive: a failed run and the reminders, by e-mail through the `smtp-email`
notification block to a real SMTP server on 127.0.0.1 (aiosmtpd) that requires a login;
the notice names the flow, the year, the reason in Vietnamese and the run's page in the
Prefect UI, and the SMTP password appears in no e-mail, log, artifact or table."""

from __future__ import annotations

from datetime import date
from email import message_from_bytes, policy

import duckdb
import pytest

from core.notices import failure_notice, split_state_message
from tests.runs import flow_paths
from tests.workbooks import report_workbook

# The test server is on loopback without TLS; a real server uses STARTTLS or SSL.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
PASSWORD = "mk-Smtp-7f3a9c"  # the test server's; must never leave the block


class _Inbox:
    def __init__(self):
        self.messages = []
        self.logins = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=(auth_data.login, auth_data.password) ==
                          (b"bao-cao", PASSWORD.encode()))


@pytest.fixture()
def smtp_block(prefect_api, free_port, monkeypatch):
    """An SMTP server on 127.0.0.1 that accepts only the right login, and a saved
    smtp-email block pointing at it; yields the inbox."""
    from aiosmtpd.controller import Controller

    from tasks.notifications import SmtpEmail

    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port,
                            authenticator=inbox.authenticate, auth_require_tls=False,
                            auth_required=True)
    controller.start()
    SmtpEmail(smtp_server="127.0.0.1", smtp_port=free_port, security="none",
              username="bao-cao", password=PASSWORD, sender="bao-cao@hongbang.example",
              recipients=["dau-moi@hongbang.example", "it@hongbang.example"],
              timeout_seconds=10).save("thong-bao", overwrite=True)
    try:
        yield inbox
    finally:
        controller.stop()


def test_state_message_split_into_exception_and_text():
    """Prefect's "Flow run encountered an exception: <Type>: <text>" gives the type's own
    name (module dropped) and the text; any other message has no type."""
    assert ("WarehouseBusy", "Một lần chạy khác … / another run …") == split_state_message(
        "Flow run encountered an exception: warehouse.lock.WarehouseBusy: "
        "Một lần chạy khác … / another run …")
    assert ("ParameterTypeError", "Flow run received invalid parameters: - year: Input "
            "should be less than or equal to 2100") == split_state_message(
        "Validation of flow parameters failed with error: prefect.exceptions."
        "ParameterTypeError: Flow run received invalid parameters: - year: Input should be "
        "less than or equal to 2100")
    assert ("", "Flow run infrastructure exited with non-zero status code -9.") == \
        split_state_message("Flow run infrastructure exited with non-zero status code -9.")


def test_busy_warehouse_notice_in_vietnamese_without_a_ui():
    """A run that found the warehouse busy, run outside the service: the Vietnamese half of
    the message is the reason, and the notice says there is no page to open."""
    subject, body = failure_notice(
        "collection-window", "collection-window-2025", 2025,
        "Flow run encountered an exception: warehouse.lock.WarehouseBusy: Một lần chạy khác "
        "đang ghi kho dữ liệu /d/w.duckdb quá 1800 giây / another run is writing /d/w.duckdb",
        None)
    assert "Lần chạy collection-window-2025 (collection-window) không thành công" == subject
    assert body.splitlines()[:6] == [
        "Lần chạy collection-window-2025 của quy trình collection-window cho năm 2025 không "
        "hoàn thành.",
        "",
        "Lý do: Một lần chạy khác đang ghi kho dữ liệu /d/w.duckdb quá 1800 giây",
        "Cần làm: Chờ lần chạy kia kết thúc rồi bấm Retry trên trang của lần chạy.",
        "",
        "Lần chạy này không chạy trên máy chủ Prefect nên không có trang để xem; hãy xem nhật "
        "ký trên máy đã chạy.",
    ]


def test_failed_run_and_reminder_arrive_by_email(prefect_api, small_registry, tmp_path,
                                                 smtp_block, monkeypatch):
    """A run of 2025 that cannot publish (its output folder is a file) fails; the e-mail
    arrives at both recipients, logged in with the block's account, and names the flow, the
    year, the reason in Vietnamese and `<ui>/runs/flow-run/<id>`. The 03/12 reminder, sent
    through the block named by HB_REMINDER_NOTIFICATION_BLOCK, arrives too. The password is
    in no e-mail, no run log, no artifact and no table."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    from flows.annual_report import annual_report
    from flows.calendar import send_reminders

    report_workbook(tmp_path / "reports" / "2025" / "LDTBXH.xlsx", "LDTBXH", 2025,
                    activities=[{"activity_code": "1a", "description": "Mít tinh",
                                 "form": "Khác", "audience": "Người dân, cộng đồng",
                                 "sessions": 1}])
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "2025").write_text("not a folder")  # found when publishing
    warehouse = tmp_path / "w.duckdb"
    monkeypatch.setenv("HB_FAILURE_NOTIFICATION_BLOCK", "smtp-email/thong-bao")
    monkeypatch.setenv("HB_REMINDER_NOTIFICATION_BLOCK", "smtp-email/thong-bao")
    with pytest.raises(FileExistsError):
        annual_report(year=2025, **flow_paths(tmp_path, small_registry))
    reminder = send_reminders(year=2025, on_date=date(2025, 12, 3), warehouse=str(warehouse),
                              seeds_dir=str(small_registry))

    with get_client(sync_client=True) as client:
        [run] = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            name=FlowRunFilterName(any_=["annual-report-2025"])), limit=50,
            sort="START_TIME_DESC")[:1]
        logs = client.read_logs()
        artifacts = client.read_artifacts()
    ui = prefect_api.removesuffix("/api")
    assert [("bao-cao", PASSWORD), ("bao-cao", PASSWORD)] == smtp_block.logins
    [(sender, to, failure), (_, _, reminded)] = smtp_block.messages
    assert ("bao-cao@hongbang.example",
            ["dau-moi@hongbang.example", "it@hongbang.example"]) == (sender, to)
    assert "Lần chạy annual-report-2025 (annual-report) không thành công" == failure["Subject"]
    lines = failure.get_content().splitlines()
    assert lines[:7] == [
        "Lần chạy annual-report-2025 của quy trình annual-report cho năm 2025 không hoàn thành.",
        "",
        f"Lý do: Không tạo được thư mục «{tmp_path / 'out' / '2025'}»: đã có một tệp trùng tên.",
        "Cần làm: Đổi tên hoặc chuyển tệp đó đi rồi bấm Retry trên trang của lần chạy.",
        "",
        f"Xem lần chạy trên Prefect: {ui}/runs/flow-run/{run.id}",
        "",
    ]
    assert lines[7].startswith("Chi tiết kỹ thuật: FileExistsError: [Errno 17]")
    assert "Nhắc nộp báo cáo năm 2025" == reminded["Subject"]
    assert reminder == reminded.get_content().rstrip("\n")
    assert "- P-HALY (UBND phường Hạ Lý):" in reminder
    everything = [m.as_string() for _, _, m in smtp_block.messages]
    everything += [log.message for log in logs]
    everything += [str(a.data) for a in artifacts]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        everything += [str(row) for row in con.execute("select * from ops.flow_runs").fetchall()]
    assert [] == [text for text in everything if PASSWORD in text]


def test_block_created_by_the_command_sends_a_test_email(smtp_block, monkeypatch, capsys):
    """`python -m tasks.notifications … --test` saves the block with the password taken
    from HB_SMTP_PASSWORD (never from the command line) and the test e-mail arrives."""
    from tasks.notifications import SmtpEmail, main

    port = SmtpEmail.load("thong-bao").smtp_port
    monkeypatch.setenv("HB_SMTP_PASSWORD", PASSWORD)
    assert 0 == main(["--name", "thu-lenh", "--server", "127.0.0.1", "--port", str(port),
                      "--security", "none", "--sender", "bao-cao@hongbang.example",
                      "--to", "dau-moi@hongbang.example", "--username", "bao-cao", "--test"])
    assert capsys.readouterr().out.splitlines() == [
        "Đã lưu khối thông báo smtp-email/thu-lenh.",
        "Đã gửi thư thử tới dau-moi@hongbang.example."]
    assert PASSWORD == SmtpEmail.load("thu-lenh").password.get_secret_value()
    [(_, to, mail)] = smtp_block.messages
    assert (["dau-moi@hongbang.example"], "Thư thử — quy trình báo cáo bình đẳng giới") == (
        to, mail["Subject"])
