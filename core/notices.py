"""The failure notice of a run, in Vietnamese: what failed, why, what to do, where to look.
Pure, no I/O.

Prefect gives a failed run's state message as "Flow run encountered an exception:
<Type>: <text>" (or "Validation of flow parameters failed with error: …"); the type and
text are read from it and turned into a reason a person can act on. The
technical text stays at the end, for whoever fixes the machine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PREFIXES = ("Flow run encountered an exception:",
             "Validation of flow parameters failed with error:")
_EXCEPTION = re.compile(r"^(?P<type>[A-Za-z_][\w.]*)(?::\s*(?P<text>.*))?$", re.DOTALL)
_PATH = re.compile(r"'([^']+)'\s*$")


@dataclass(frozen=True)
class FailureReason:
    reason: str  # what went wrong
    action: str  # what the operator should do


def split_state_message(message: str) -> tuple[str, str]:
    """("NotADirectoryError", "[Errno 20] Not a directory: '/x'") from a state message;
    ("", message) when it names no exception."""
    message = message.strip()
    prefix = next((p for p in _PREFIXES if message.startswith(p)), None)
    if prefix is None:
        return "", message
    found = _EXCEPTION.match(message.removeprefix(prefix).strip())
    if not found:
        return "", message
    return found["type"].rsplit(".", 1)[-1], (found["text"] or "").strip()


def _path_in(text: str) -> str:
    found = _PATH.search(text)
    return f" «{found[1]}»" if found else ""


def failure_reason(type_name: str, text: str) -> FailureReason:
    """The reason a run failed and what to do, from its exception's type and text."""
    retry = "rồi bấm Retry trên trang của lần chạy"
    vietnamese = text.split(" / ")[0].split(" | ")[0]  # ours: Vietnamese first
    if type_name == "WarehouseBusy":
        return FailureReason(vietnamese, f"Chờ lần chạy kia kết thúc {retry}.")
    if type_name in ("SettingError", "CredentialError"):
        return FailureReason(f"Cấu hình không hợp lệ: {vietnamese}",
                             f"Sửa cấu hình trên máy chạy worker (biến môi trường hoặc tệp "
                             f"HB_SETTINGS_FILE) {retry}.")
    if type_name == "SheetsError":
        return FailureReason(f"Lỗi khi làm việc với Google Sheets: {vietnamese}",
                             f"Kiểm tra mạng, khóa tài khoản dịch vụ và sổ đăng ký {retry}.")
    if type_name == "BackupError":
        return FailureReason(vietnamese, f"Xử lý theo hướng dẫn trong thông báo {retry}.")
    if type_name in ("NotADirectoryError", "FileExistsError"):
        return FailureReason(f"Không tạo được thư mục{_path_in(text)}: đã có một tệp trùng tên.",
                             f"Đổi tên hoặc chuyển tệp đó đi {retry}.")
    if type_name == "PermissionError":
        return FailureReason(f"Không có quyền đọc hoặc ghi{_path_in(text)}.",
                             f"Cấp quyền cho tài khoản chạy worker {retry}.")
    if type_name in ("FileNotFoundError", "IsADirectoryError"):
        return FailureReason(f"Không tìm thấy tệp hoặc thư mục{_path_in(text)}.",
                             f"Kiểm tra đường dẫn trong tham số hoặc cấu hình {retry}.")
    if "[Errno 28]" in text or "No space left" in text:
        return FailureReason("Ổ đĩa đã đầy.", "Giải phóng dung lượng (ví dụ chuyển các bản "
                             f"sao lưu cũ sang nơi khác) {retry}.")
    if "Could not set lock" in text or "Conflicting lock" in text:
        return FailureReason("Tệp kho dữ liệu đang bị một chương trình khác mở (ví dụ DuckDB "
                             "hoặc DBeaver của người phân tích mở thẳng tệp kho).",
                             "Đóng chương trình đó (người phân tích dùng bản sao trong "
                             f"data/analyst/) {retry}.")
    if type_name in ("TimeoutError", "ConnectionError", "URLError", "ConnectTimeout",
                     "ReadTimeout", "SMTPException"):
        return FailureReason("Không kết nối được tới một dịch vụ bên ngoài.",
                             f"Kiểm tra mạng {retry}.")
    if type_name == "ValidationError" or "ParameterTypeError" in type_name:
        return FailureReason("Tham số của lần chạy không hợp lệ (ví dụ năm ngoài 2022–2100).",
                             "Chạy lại bằng Custom run với tham số đúng.")
    if type_name:
        return FailureReason(f"Lỗi chưa lường trước ({type_name}).",
                             "Gửi thông báo này cho bộ phận kỹ thuật; sau khi sửa, bấm Retry "
                             "trên trang của lần chạy.")
    return FailureReason("Lần chạy bị dừng giữa chừng (tiến trình bị tắt, máy khởi động lại "
                         "hoặc hết bộ nhớ).", f"Kiểm tra worker đang chạy {retry}.")


def failure_notice(flow_name: str, run_name: str, year: int | None, state_message: str,
                   run_url: str | None) -> tuple[str, str]:
    """(subject, body) of the e-mail that tells the focal office a run failed."""
    type_name, text = split_state_message(state_message)
    why = failure_reason(type_name, text)
    for_year = f" cho năm {year}" if year else ""
    where = (f"Xem lần chạy trên Prefect: {run_url}" if run_url else
             "Lần chạy này không chạy trên máy chủ Prefect nên không có trang để xem; hãy "
             "xem nhật ký trên máy đã chạy.")
    body = "\n".join([
        f"Lần chạy {run_name} của quy trình {flow_name}{for_year} không hoàn thành.",
        "",
        f"Lý do: {why.reason}",
        f"Cần làm: {why.action}",
        "",
        where,
        "",
        f"Chi tiết kỹ thuật: {type_name + ': ' if type_name else ''}{text}",
    ])
    return f"Lần chạy {run_name} ({flow_name}) không thành công", body
