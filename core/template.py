"""The report workbook: the one definition of tabs, columns, types and allowed values.

Everything else is derived from this module: the blank workbook (`core.blank_workbook`),
the parser (`core.parse`), the Great Expectations suites (`expectations.suites`) and the
template documentation (`python -m core.template`). TEMPLATE.md in the design folder is the
contract with the users; this file must say exactly the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ValueType(StrEnum):
    TEXT = "text"
    CODE = "code"  # short identifier, compared upper-case
    WHOLE = "whole"  # whole number ("1.234" is one thousand two hundred thirty-four)
    MONEY = "money"  # đồng, decimal comma allowed
    DATE = "date"
    YES_NO = "yes_no"
    CHOICE = "choice"  # one of `choices`, matched accent- and case-insensitively
    ACTIVITY = "activity"  # an activity code 1a…7c, written loosely ("1.a", "I.1.a")


class Layout(StrEnum):
    KEY_VALUE = "key_value"  # label in column A, value in column B
    TABLE = "table"  # a header row, then one row per record


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    type: ValueType
    required: bool = False
    choices: tuple[str, ...] = ()
    min_value: int | None = None
    blank_means_no: bool = False  # yes/no columns where blank = "Không"
    date_window: bool = False  # must fall between 01/12 of the year before and 31/12
    required_if_yes: str | None = None  # required when this yes/no column is "Có"
    identity: bool = False  # wrong value makes the whole submission invalid
    unique: bool = False  # unique within one workbook (after accent folding)
    hint_vi: str = ""  # what to type, shown in error messages and the blank workbook


@dataclass(frozen=True)
class Comparison:
    """`left` must be <= `right` (or >= when `op` is ">=") on the same row."""

    left: str
    op: str
    right: str
    message_vi: str


@dataclass(frozen=True)
class Tab:
    key: str
    name: str
    layout: Layout
    required: bool
    columns: tuple[Column, ...]
    comparisons: tuple[Comparison, ...] = ()
    note_vi: str = ""

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)

    @property
    def required_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)


FORMS: tuple[str, ...] = (
    "Hội nghị, hội thảo, tọa đàm",
    "Tập huấn, bồi dưỡng",
    "Nói chuyện chuyên đề, truyền thông trực tiếp",
    "Phát thanh, truyền thanh",
    "Trang thông tin điện tử, mạng xã hội",
    "Ấn phẩm (tờ rơi, bản tin, tài liệu, pano, áp phích)",
    "Văn nghệ, thi, triển lãm",
    "Câu lạc bộ, mô hình",
    "Khác",
)

AUDIENCES: tuple[str, ...] = (
    "Cán bộ, công chức, viên chức",
    "Doanh nghiệp, người lao động",
    "Người dân, cộng đồng",
    "Học sinh, sinh viên",
    "Nam giới, thanh niên, vị thành niên",
    "Nhóm đặc thù (người khuyết tật, người cao tuổi, …)",
    "Phóng viên, cán bộ truyền thông",
    "Khác",
)

OUTLET_TYPES: tuple[str, ...] = (
    "Đài truyền thanh",
    "Trang thông tin điện tử",
    "Bản tin",
    "Mạng xã hội",
    "Khác",
)

GENDER_INDEX_LEVELS: tuple[str, ...] = ("Chưa áp dụng", "Thí điểm", "Chính thức")

ACTIVITY_CODES: tuple[str, ...] = (
    "1a", "1b", "1c", "2a", "2b", "2c", "3a", "3b", "3c",
    "4a", "4b", "4c", "4d", "5a", "5b", "5c", "6a", "6b", "7a", "7b", "7c",
)  # fmt: skip

YES_WORDS: tuple[str, ...] = ("Có", "x", "✓", "1", "TRUE", "Yes")
NO_WORDS: tuple[str, ...] = ("Không", "0", "FALSE", "No")

GENERAL = Tab(
    key="general",
    name="Thông tin chung",
    layout=Layout.KEY_VALUE,
    required=True,
    columns=(
        Column("unit_code", "Mã đơn vị", ValueType.CODE, required=True, identity=True,
               hint_vi="mã đơn vị trong danh mục, ví dụ LDTBXH"),
        Column("year", "Năm báo cáo", ValueType.WHOLE, required=True, identity=True,
               hint_vi="năm báo cáo, ví dụ 2025"),
        Column("reporter", "Người lập báo cáo", ValueType.TEXT, required=True,
               hint_vi="họ và tên người lập báo cáo"),
        Column("completed_on", "Ngày hoàn thành báo cáo", ValueType.DATE, required=True,
               hint_vi="ngày dạng dd/mm/yyyy, ví dụ 05/12/2025"),
        Column("action_month_plan", "Đã ban hành kế hoạch Tháng hành động", ValueType.YES_NO,
               required=True, hint_vi="Có hoặc Không"),
        Column("action_month_plan_ref", "Số, ngày văn bản kế hoạch", ValueType.TEXT,
               required_if_yes="action_month_plan",
               hint_vi="số và ngày của văn bản, ví dụ 123/KH-UBND ngày 01/11/2025"),
        Column("is_complete", "Báo cáo đã hoàn thành", ValueType.YES_NO, blank_means_no=True,
               hint_vi="Có khi báo cáo đã hoàn thành, để trống nếu còn đang soạn"),
    ),
    note_vi="Nhãn ở cột A, giá trị ở cột B.",
)

ACTIVITIES = Tab(
    key="activities",
    name="Hoạt động",
    layout=Layout.TABLE,
    required=True,
    columns=(
        Column("activity_code", "Mã hoạt động", ValueType.ACTIVITY, required=True,
               choices=ACTIVITY_CODES, hint_vi="mã hoạt động của Kế hoạch, từ 1a đến 7c"),
        Column("description", "Nội dung", ValueType.TEXT, required=True,
               hint_vi="nội dung hoạt động"),
        Column("form", "Hình thức", ValueType.CHOICE, required=True, choices=FORMS,
               hint_vi="một hình thức trong danh sách"),
        Column("audience", "Đối tượng", ValueType.CHOICE, required=True, choices=AUDIENCES,
               hint_vi="một nhóm đối tượng trong danh sách"),
        Column("is_law_dissemination", "Phổ biến pháp luật, chính sách", ValueType.YES_NO,
               blank_means_no=True, hint_vi="Có hoặc Không"),
        Column("sessions", "Số cuộc, số lượng", ValueType.WHOLE, required=True, min_value=1,
               hint_vi="số nguyên từ 1 trở lên"),
        Column("participants", "Số người tham dự", ValueType.WHOLE, min_value=0,
               hint_vi="số nguyên từ 0 trở lên, để trống với sản phẩm, tin bài"),
        Column("participants_female", "Trong đó nữ", ValueType.WHOLE, min_value=0,
               hint_vi="số nguyên, không lớn hơn số người tham dự"),
        Column("started_on", "Từ ngày", ValueType.DATE, date_window=True,
               hint_vi="ngày dạng dd/mm/yyyy trong năm báo cáo"),
        Column("ended_on", "Đến ngày", ValueType.DATE, hint_vi="ngày dạng dd/mm/yyyy"),
        Column("budget_state_vnd", "Kinh phí ngân sách (đồng)", ValueType.MONEY, min_value=0,
               hint_vi="số tiền bằng đồng, ví dụ 15.000.000"),
        Column("budget_other_vnd", "Kinh phí xã hội hóa, tài trợ (đồng)", ValueType.MONEY,
               min_value=0, hint_vi="số tiền bằng đồng, ví dụ 5.000.000"),
        Column("is_electronic", "Hình thức điện tử", ValueType.YES_NO, blank_means_no=True,
               hint_vi="Có nếu sản phẩm, thông điệp được đưa lên kênh điện tử"),
        Column("note", "Ghi chú", ValueType.TEXT),
    ),
    comparisons=(
        Comparison("participants_female", "<=", "participants",
                   "Số người nữ không được lớn hơn tổng số người tham dự"),
        Comparison("ended_on", ">=", "started_on",
                   "Ngày kết thúc không được trước ngày bắt đầu"),
    ),
)

MEDIA_OUTLETS = Tab(
    key="media_outlets",
    name="Cơ quan truyền thông",
    layout=Layout.TABLE,
    required=False,
    columns=(
        Column("outlet_name", "Tên cơ quan, kênh truyền thông", ValueType.TEXT, required=True,
               unique=True, hint_vi="tên cơ quan, kênh truyền thông, không trùng nhau"),
        Column("outlet_type", "Loại hình", ValueType.CHOICE, required=True, choices=OUTLET_TYPES,
               hint_vi="một loại hình trong danh sách"),
        Column("gender_index_level", "Mức áp dụng Bộ chỉ số về giới", ValueType.CHOICE,
               required=True, choices=GENDER_INDEX_LEVELS,
               hint_vi="Chưa áp dụng, Thí điểm hoặc Chính thức"),
        Column("note", "Ghi chú", ValueType.TEXT),
    ),
)

CONVENTIONS = Tab(
    key="conventions",
    name="Hương ước, quy ước",
    layout=Layout.TABLE,
    required=False,
    columns=(
        Column("community", "Tổ dân phố, cộng đồng", ValueType.TEXT, required=True, unique=True,
               hint_vi="tên tổ dân phố, cộng đồng, không trùng nhau"),
        Column("conventions_total", "Số hương ước, quy ước đã thông qua", ValueType.WHOLE,
               required=True, min_value=0, hint_vi="số nguyên từ 0 trở lên"),
        Column("conventions_non_discriminatory",
               "Trong đó không có nội dung phân biệt đối xử về giới", ValueType.WHOLE,
               required=True, min_value=0,
               hint_vi="số nguyên, không lớn hơn số hương ước, quy ước đã thông qua"),
        Column("note", "Ghi chú", ValueType.TEXT),
    ),
    comparisons=(
        Comparison("conventions_non_discriminatory", "<=", "conventions_total",
                   "Số hương ước không phân biệt đối xử không được lớn hơn tổng số đã thông qua"),
    ),
)

SURVEY = Tab(
    key="survey",
    name="Khảo sát nhận thức",
    layout=Layout.TABLE,
    required=False,
    columns=(
        Column("audience", "Nhóm đối tượng", ValueType.CHOICE, required=True, choices=AUDIENCES,
               hint_vi="một nhóm đối tượng trong danh sách"),
        Column("respondents", "Số người được khảo sát", ValueType.WHOLE, required=True,
               min_value=1, hint_vi="số nguyên từ 1 trở lên"),
        Column("respondents_aware", "Số người có nhận thức đúng về bình đẳng giới",
               ValueType.WHOLE, required=True, min_value=0,
               hint_vi="số nguyên, không lớn hơn số người được khảo sát"),
        Column("note", "Ghi chú", ValueType.TEXT),
    ),
    comparisons=(
        Comparison("respondents_aware", "<=", "respondents",
                   "Số người có nhận thức đúng không được lớn hơn số người được khảo sát"),
    ),
)

TEMPLATE: tuple[Tab, ...] = (GENERAL, ACTIVITIES, MEDIA_OUTLETS, CONVENTIONS, SURVEY)
TABS: dict[str, Tab] = {tab.key: tab for tab in TEMPLATE}
LISTS_TAB_NAME = "Danh mục"  # hidden tab of the blank workbook that feeds the drop-downs


def describe_markdown() -> str:
    """The template as Markdown, for the docs (derived, never edited by hand)."""
    type_vi = {
        ValueType.TEXT: "chữ", ValueType.CODE: "mã", ValueType.WHOLE: "số nguyên",
        ValueType.MONEY: "số tiền (đồng)", ValueType.DATE: "ngày",
        ValueType.YES_NO: "Có/Không", ValueType.CHOICE: "chọn trong danh sách",
        ValueType.ACTIVITY: "mã hoạt động",
    }  # fmt: skip
    out: list[str] = ["# Mẫu báo cáo (sinh tự động từ core/template.py)", ""]
    for tab in TEMPLATE:
        need = "bắt buộc" if tab.required else "không bắt buộc"
        out += [f"## Trang «{tab.name}» ({need})", ""]
        out += ["| key | tiêu đề | kiểu | bắt buộc | giá trị cho phép |", "|---|---|---|---|---|"]
        for col in tab.columns:
            choices = " · ".join(col.choices) if col.type is ValueType.CHOICE else ""
            out.append(
                f"| {col.key} | {col.header} | {type_vi[col.type]} | "
                f"{'có' if col.required else ''} | {choices} |"
            )
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(describe_markdown())
