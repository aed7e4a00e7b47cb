"""Data-quality issues and the Vietnamese messages that tell a unit which cell to fix.

One `Issue` is one failed check on one cell (or on one tab or workbook when no cell is at
fault). The message names the unit, the tab, the row as the person sees it in the sheet,
the column header and the value, and says what to change.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum

from core.pickled import by_values


class Severity(StrEnum):
    WARNING = "warning"  # the row is kept; the unit should check it
    ERROR = "error"  # the row is quarantined
    BLOCKING = "blocking"  # the whole submission is invalid


@dataclass(frozen=True)
class Issue:
    year: int
    unit_code: str
    tab: str  # the tab's name in the template ("Hoạt động"), or "" for the whole workbook
    sheet_row: int | None
    column_key: str | None
    column_header: str | None
    value: str | None
    rule: str
    severity: Severity
    message_vi: str

    __reduce__ = by_values  # core.pickled: a retry's load is served from the cache

    def as_row(self) -> dict[str, object]:
        row = asdict(self)
        row["severity"] = str(self.severity)
        return row


# What each rule asks the person to do. `{hint}` is the column's own hint from the template.
RULE_TEXT_VI: dict[str, str] = {
    "required": "Ô này không được để trống: hãy nhập {hint}.",
    "not_whole": "Giá trị phải là số nguyên (không có phần thập phân): hãy nhập {hint}.",
    "not_number": "Giá trị phải là một số tiền bằng đồng: hãy nhập {hint}.",
    "not_date": "Giá trị không phải là ngày hợp lệ: hãy nhập {hint}.",
    "not_yes_no": "Giá trị phải là «Có» hoặc «Không» (hoặc x, 1, 0): hãy nhập {hint}.",
    "formula_error": "Ô có lỗi công thức: hãy sửa công thức hoặc nhập trực tiếp {hint}.",
    "allowed_values": "Giá trị không có trong danh sách cho phép: hãy chọn {hint}.",
    "min_value": "Giá trị nhỏ hơn mức cho phép: hãy nhập {hint}.",
    "date_window": "Ngày phải nằm trong khoảng từ {window}: hãy kiểm tra lại năm, tháng.",
    "comparison": "{comparison}: hãy kiểm tra lại hai cột «{header}» và «{other_header}».",
    "required_if_yes": "Đã chọn «Có» ở «{other_header}» thì ô này không được để trống: "
    "hãy nhập {hint}.",
    "duplicate": "Giá trị bị trùng với một dòng khác trong cùng trang: hãy nhập {hint}.",
    "unit_mismatch": "Mã đơn vị không đúng với đơn vị nộp báo cáo (phải là {expected}): "
    "hãy sửa mã đơn vị hoặc nộp đúng tệp của đơn vị mình.",
    "year_mismatch": "Năm báo cáo không đúng (phải là {expected}): hãy sửa năm báo cáo "
    "hoặc nộp đúng tệp của năm {expected}.",
    "activity_not_assigned": "Đơn vị không chủ trì hay phối hợp hoạt động {value} theo "
    "Kế hoạch: hãy kiểm tra lại mã hoạt động.",
    "missing_tab": "Thiếu trang bắt buộc «{tab}»: hãy dùng đúng mẫu báo cáo và không xóa, "
    "đổi tên trang này.",
    "missing_column": "Trang «{tab}» thiếu cột bắt buộc «{header}»: hãy dùng đúng mẫu báo "
    "cáo và không xóa, đổi tên cột này.",
    "missing_label": "Trang «{tab}» thiếu dòng «{header}»: hãy dùng đúng mẫu báo cáo.",
    "unreadable_workbook": "Tệp «{file}» không đọc được: {detail}.",
    "late_revision": "Báo cáo được sửa sau khi đã chốt số liệu năm {expected}: bản sửa được "
    "lưu lại nhưng không thay cho bản đã chốt; nếu cần điều chỉnh số liệu, hãy báo Phòng Lao "
    "động - Thương binh và Xã hội.",
    "control_characters": "Ô có ký tự điều khiển không hiển thị được ({characters}), thường "
    "do dán từ phần mềm khác: hệ thống đã bỏ các ký tự này khi đọc; hãy kiểm tra lại nội dung "
    "ô và gõ lại nếu cần.",
    "unexpected_file": "Tệp «{file}» không thuộc đơn vị nào phải báo cáo năm {expected}: "
    "hãy kiểm tra lại tên tệp (mã đơn vị).",
    "symlink_refused": "«{file}» là một liên kết (symbolic link) nên không được đọc: hãy "
    "chép chính tệp báo cáo vào thư mục báo cáo.",
    "not_a_file": "«{file}» là một thư mục hoặc không phải tệp thường nên không được đọc: "
    "hãy đặt tệp báo cáo của đơn vị (.xlsx) vào thư mục báo cáo.",
    "duplicate_file": "Có {count} tệp báo cáo của đơn vị ({files}): tệp «{file}», sửa gần "
    "nhất, được dùng; các tệp kia vẫn được lưu lại: hãy xóa tệp thừa.",
    "not_a_workbook": "Tệp {files} không phải bảng tính nên không được đọc: hãy nộp báo cáo "
    "dạng .xlsx theo mẫu.",
}


def where_vi(unit_code: str, tab: str, sheet_row: int | None, header: str | None,
             value: str | None) -> str:
    """The cell address in words: «Đơn vị X, trang «Hoạt động», dòng 12, cột «…» (giá trị …)»."""
    parts = [f"Đơn vị {unit_code}"]
    if tab:
        parts.append(f"trang «{tab}»")
    if sheet_row is not None:
        parts.append(f"dòng {sheet_row}")
    if header:
        parts.append(f"cột «{header}»")
    text = ", ".join(parts)
    if value is not None and value != "":
        text += f" (giá trị «{value}»)"
    elif header:
        text += " (ô trống)"
    return text


def message_vi(rule: str, *, unit_code: str, tab: str, sheet_row: int | None,
               header: str | None, value: str | None, **details: object) -> str:
    """The full Vietnamese message for one issue."""
    fields = {"hint": "giá trị đúng", "tab": tab, "header": header or "", "value": value or ""}
    fields.update({k: v for k, v in details.items() if v is not None})
    what = RULE_TEXT_VI[rule].format(**fields)
    return f"{where_vi(unit_code, tab, sheet_row, header, value)}: {what}"
