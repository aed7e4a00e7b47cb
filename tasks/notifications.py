"""Notices by e-mail: a Prefect notification block that sends through an SMTP server.

The failure notices (tasks/operations.py) and the reminders (flows/calendar.py) load a
notification block by its name, "type-slug/name". This module adds the `smtp-email` type:
the server, the sender, the recipients and the account; the password is a secret field,
kept by the Prefect server and never shown, logged or written to an artifact. Create one
(its password read from HB_SMTP_PASSWORD or asked for, never from the command line):

    PREFECT_API_URL=http://127.0.0.1:4200/api python -m tasks.notifications --name thong-bao \\
        --server smtp.example.vn --port 587 --sender bao-cao@example.vn \\
        --to a@example.vn,b@example.vn --username bao-cao

then name it on the worker: HB_FAILURE_NOTIFICATION_BLOCK=smtp-email/thong-bao (failures)
and HB_REMINDER_NOTIFICATION_BLOCK=smtp-email/thong-bao (reminders).
"""

from __future__ import annotations

import argparse
import getpass
import smtplib
import ssl
import sys
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Literal

from prefect.blocks.abstract import NotificationBlock
from prefect.blocks.core import Block
from pydantic import Field, SecretStr

from core.settings import SECRET_ENV, smtp_password

PASSWORD_ENV = SECRET_ENV["smtp_password"]
# For a caller that gives no subject; ours give one (failure notices, reminders). The
# block is stored on the Prefect server and knows no seeds folder, so no place here.
DEFAULT_SUBJECT = "Thông báo của quy trình báo cáo bình đẳng giới"


class SmtpEmail(NotificationBlock):
    """Send notices by e-mail through an SMTP server."""

    _block_type_name = "SMTP Email"
    _block_type_slug = "smtp-email"

    smtp_server: str = Field(description="Máy chủ SMTP, ví dụ smtp.example.vn")
    smtp_port: int = Field(default=587, description="Cổng SMTP (587 STARTTLS, 465 SSL, 25)")
    security: Literal["starttls", "ssl", "none"] = Field(
        default="starttls", description="Mã hóa kết nối: starttls, ssl hoặc none")
    username: str | None = Field(default=None, description="Tài khoản đăng nhập SMTP")
    password: SecretStr | None = Field(default=None, description="Mật khẩu SMTP")
    sender: str = Field(description="Địa chỉ gửi (From)")
    recipients: list[str] = Field(description="Các địa chỉ nhận")
    timeout_seconds: float = Field(default=30.0, description="Thời gian chờ máy chủ (giây)")

    def message(self, body: str, subject: str | None = None) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = ", ".join(self.recipients)
        mail["Subject"] = subject or DEFAULT_SUBJECT
        mail["Date"] = formatdate(localtime=True)
        mail["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        mail.set_content(body, charset="utf-8")
        return mail

    def notify(self, body: str, subject: str | None = None) -> None:  # type: ignore[override]
        """Send one e-mail to every recipient (raises on a refused or failed delivery)."""
        if self.security == "ssl":
            server: smtplib.SMTP = smtplib.SMTP_SSL(
                self.smtp_server, self.smtp_port, timeout=self.timeout_seconds,
                context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(self.smtp_server, self.smtp_port,
                                  timeout=self.timeout_seconds)
        with server:
            if self.security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if self.username:
                secret = self.password.get_secret_value() if self.password else ""
                server.login(self.username, secret)
            server.send_message(self.message(body, subject))


def load_notifier(block_name: str) -> NotificationBlock:
    """The notification block named "type-slug/name" (any type, `smtp-email` included)."""
    return Block.load(block_name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tasks.notifications",
        description="Tạo (hoặc sửa) khối thông báo gửi thư điện tử qua máy chủ SMTP. Mật "
        f"khẩu lấy từ biến môi trường {PASSWORD_ENV} hoặc được hỏi khi chạy.")
    parser.add_argument("--name", required=True, help="tên khối, ví dụ thong-bao")
    parser.add_argument("--server", required=True, help="máy chủ SMTP")
    parser.add_argument("--port", type=int, default=587)
    parser.add_argument("--security", choices=("starttls", "ssl", "none"), default="starttls")
    parser.add_argument("--sender", required=True, help="địa chỉ gửi")
    parser.add_argument("--to", required=True, help="các địa chỉ nhận, cách nhau bởi dấu phẩy")
    parser.add_argument("--username", help="tài khoản đăng nhập SMTP (bỏ trống: không đăng nhập)")
    parser.add_argument("--test", action="store_true", help="gửi thử một thư sau khi lưu")
    args = parser.parse_args(argv)
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():  # else the block would go to a throw-away local server
        print("Chưa đặt PREFECT_API_URL: hãy đặt địa chỉ API của máy chủ Prefect, ví dụ "
              "PREFECT_API_URL=http://127.0.0.1:4200/api", file=sys.stderr)
        return 2
    password = None
    if args.username:
        password = smtp_password() or getpass.getpass("Mật khẩu SMTP: ")
    block = SmtpEmail(smtp_server=args.server, smtp_port=args.port, security=args.security,
                      username=args.username, password=password, sender=args.sender,
                      recipients=[a.strip() for a in args.to.split(",") if a.strip()])
    block.save(args.name, overwrite=True)
    print(f"Đã lưu khối thông báo smtp-email/{args.name}.")
    if args.test:
        block.notify("Thư thử của quy trình báo cáo: khối thông báo hoạt động.",
                     "Thư thử — quy trình báo cáo bình đẳng giới")
        print(f"Đã gửi thư thử tới {', '.join(block.recipients)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
