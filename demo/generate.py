"""Deterministic, realistic demo workbooks: `<reports dir>/<year>/<unit code>.xlsx`.

Everything that drives the plan's indicators is fixed in the SCENARIO below, one entry per
year, so the indicators can be worked out by hand from this file alone. A seeded random
generator (`random.Random(f"{year}:{unit_code}")`) only fills in the descriptive rest:
descriptions, the rows that are not law dissemination, participants, budgets and dates.

How the rows of «Hoạt động» are laid out (so an edit's sheet row can be read off):
sheet row 4 (`FIRST_DATA_ROW`) is the unit's one activity 1a row, unless the unit is listed
in `no_activity_1a`; then one law-dissemination row per audience in `law_sessions`, in the
order listed; then the descriptive rows (never 1a, never law dissemination).

    python -m demo.generate --reports-dir DIR [--years 2022-2025] [--units N]
"""

from __future__ import annotations

import argparse
import csv
import functools
import random
import shutil
import time
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import cast

from core.blank_workbook import FIRST_DATA_ROW, WorkbookLayout, write_workbook
from core.parse import read_cell
from core.registry import DEFAULT_SEEDS_DIR, Registry, Unit, expected_units, read_registry
from core.template import (
    AUDIENCES,
    FORMS,
    GENDER_INDEX_LEVELS,
    NO_WORDS,
    OUTLET_TYPES,
    TABS,
    YES_WORDS,
)
from core.values import Cell, Parsed, fold

DEFAULT_YEARS = range(2022, 2026)
SURVEY_UNIT = "LDTBXH"  # task 7a: the awareness survey is LĐTBXH's


def _choice(choices: tuple[str, ...], prefix: str) -> str:
    """The one template choice that starts with `prefix`: the template stays the only
    definition of the choices, and a renamed choice fails here at import."""
    found = [c for c in choices if fold(c).startswith(fold(prefix))]
    if len(found) != 1:
        raise ValueError(f"{prefix!r} matches {found} in {choices}")
    return found[0]


def _nfd(text: str) -> str:
    """Text as some keyboards and Macs store it: letters plus combining marks."""
    return unicodedata.normalize("NFD", text)


YES, NO = YES_WORDS[0], NO_WORDS[0]
# The three audiences of CT1 (the seed ct1_audiences.csv maps them to its groups)
CAN_BO = _choice(AUDIENCES, "Cán bộ")  # cơ quan, tổ chức
DOANH_NGHIEP = _choice(AUDIENCES, "Doanh nghiệp")  # doanh nghiệp
NGUOI_DAN = _choice(AUDIENCES, "Người dân")  # người dân (and each ward's own)
LEVELS = {"-": _choice(GENDER_INDEX_LEVELS, "Chưa"), "T": _choice(GENDER_INDEX_LEVELS, "Thí"),
          "C": _choice(GENDER_INDEX_LEVELS, "Chính")}  # fmt: skip


@dataclass(frozen=True)
class Edit:
    """One cell written differently from what the generator would write.

    `tab` and `column` are template keys; `sheet_row` is the row as a person sees it
    (None on the label/value tab «Thông tin chung»). `value` is written exactly as given."""

    unit: str
    tab: str
    column: str
    value: object
    sheet_row: int | None = None


@dataclass(frozen=True)
class YearScenario:
    """What one year's workbooks say about the indicators. Units not listed: complete, on
    time (completed 18/11–10/12), Action Month plan issued, one 1a row, no law rows."""

    missing: tuple[str, ...] = ()  # no workbook at all
    drafts: tuple[str, ...] = ()  # «Báo cáo đã hoàn thành» and completion date left blank
    late: Mapping[str, date] = field(default_factory=dict)  # completed after 10/12
    no_action_month_plan: tuple[str, ...] = ()  # «Đã ban hành kế hoạch …» = Không
    no_activity_1a: tuple[str, ...] = ()  # no row with activity 1a
    # law dissemination («Phổ biến pháp luật, chính sách» = Có): unit -> audience -> sessions,
    # one row per unit and audience
    law_sessions: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    # wards: "total/non-discriminatory" per residential group «Tổ dân phố số 1», «… số 2», …
    conventions: Mapping[str, str] = field(default_factory=dict)
    survey: tuple[tuple[str, int, int], ...] = ()  # SURVEY_UNIT: audience, respondents, aware
    layouts: Mapping[str, WorkbookLayout] = field(default_factory=dict)  # hand-edited layouts
    quirks: tuple[Edit, ...] = ()  # odd but readable: the meaning is what the pipeline reads
    wrong: tuple[Edit, ...] = ()  # genuinely wrong: the pipeline must report each one


# Media outlets (CT4): level of the gender indicator set per year, one letter per year
# 2022, 2023, 2024, 2025 (later years keep the 2025 letter):
# "-" Chưa áp dụng, "T" Thí điểm, "C" Chính thức.
DISTRICT_OUTLETS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "VHTT": (
        ("Trang thông tin điện tử quận Hồng Bàng", "Trang thông tin điện tử", "-TTC"),
        ("Bản tin Hồng Bàng", "Bản tin", "--TT"),
    ),
    "TTVHTTTT": (
        ("Đài phát thanh quận Hồng Bàng", "Đài truyền thanh", "-TTC"),
        ("Fanpage Trung tâm Văn hóa - Thông tin và Thể thao quận", "Mạng xã hội", "TTTC"),
    ),
}
# Each ward runs «Đài truyền thanh phường …» and «Fanpage UBND phường …»
WARD_OUTLETS: dict[str, tuple[str, str]] = {  # ward: (radio levels, fan page levels)
    "P-QUANTOAN": ("--TT", "----"),
    "P-HUNGVUONG": ("-TTT", "--TT"),
    "P-SODAU": ("--TC", "---T"),
    "P-THUONGLY": ("---T", "----"),
    "P-HALY": ("-TTT", "--TT"),
    "P-MINHKHAI": ("--TT", "----"),
    "P-TRAICHUOI": ("---T", "---T"),
    "P-HOANGVANTHU": ("-TTC", "--TT"),
    "P-PHANBOICHAU": ("--TT", "---T"),
}
DEFAULT_WARD_OUTLETS = ("-TTT", "--TT")  # wards not listed (new or synthetic wards)
DEFAULT_CONVENTIONS = "2/2 1/1 2/2 3/3"  # wards not in a year's `conventions`

SCENARIO: dict[int, YearScenario] = {
    2022: YearScenario(
        late={"TCKH": date(2022, 12, 14), "P-THUONGLY": date(2022, 12, 12)},
        no_action_month_plan=("TCKH", "KINHTE", "NOIVU", "P-TRAICHUOI"),
        no_activity_1a=("TCKH", "YTE"),
        law_sessions={
            "LDTBXH": {CAN_BO: 2, NGUOI_DAN: 1},
            "TUPHAP": {CAN_BO: 1},
            "LDLD": {DOANH_NGHIEP: 1},
            "HLHPN": {NGUOI_DAN: 1},
            "P-QUANTOAN": {NGUOI_DAN: 2},
            "P-HUNGVUONG": {NGUOI_DAN: 1},
            "P-SODAU": {NGUOI_DAN: 2},
            "P-THUONGLY": {NGUOI_DAN: 1},
            "P-HALY": {NGUOI_DAN: 2},
            "P-MINHKHAI": {NGUOI_DAN: 1},
            "P-TRAICHUOI": {NGUOI_DAN: 2},
            "P-HOANGVANTHU": {NGUOI_DAN: 1},
            "P-PHANBOICHAU": {NGUOI_DAN: 2},
        },
        conventions={
            "P-QUANTOAN": "2/1 1/1 3/2 2/2 1/1 2/2",
            "P-HUNGVUONG": "2/2 2/2 1/1 3/2 1/1",
            "P-SODAU": "1/1 2/1 2/2 3/2 1/1 2/2 1/1",
            "P-THUONGLY": "2/1 3/2 1/1 2/2",
            "P-HALY": "3/2 1/1 2/2 2/2 1/1",
            "P-MINHKHAI": "1/1 2/1 2/2 1/1 3/2 2/2",
            "P-TRAICHUOI": "2/2 2/2 3/2 1/1 2/2",
            "P-HOANGVANTHU": "1/1 1/1 2/1 2/2 3/2 1/1 2/2 1/1",
            "P-PHANBOICHAU": "2/2 1/1 2/2 3/2 2/2 1/1",
        },
        layouts={
            "TTVHTTTT": WorkbookLayout(tab_names={"media_outlets": "CO QUAN TRUYEN THONG"}),
        },
        quirks=(
            Edit("P-HUNGVUONG", "general", "completed_on", "02/12/2022"),  # a text date
            Edit("LDLD", "activities", "budget_state_vnd", "8.500.000", sheet_row=6),
        ),
    ),
    2023: YearScenario(
        missing=("TCKH",),
        late={"YTE": date(2023, 12, 11), "P-SODAU": date(2023, 12, 15)},
        no_action_month_plan=("KINHTE",),
        no_activity_1a=("NOIVU",),
        law_sessions={
            "LDTBXH": {CAN_BO: 2, DOANH_NGHIEP: 1, NGUOI_DAN: 1},
            "TUPHAP": {CAN_BO: 1},
            "LDLD": {DOANH_NGHIEP: 1},
            "HLHPN": {NGUOI_DAN: 1},
            "P-QUANTOAN": {NGUOI_DAN: 2},
            "P-HUNGVUONG": {NGUOI_DAN: 2},
            "P-SODAU": {NGUOI_DAN: 2},
            "P-THUONGLY": {NGUOI_DAN: 1},
            "P-HALY": {NGUOI_DAN: 2},
            "P-MINHKHAI": {NGUOI_DAN: 2},
            "P-TRAICHUOI": {NGUOI_DAN: 2},
            "P-HOANGVANTHU": {NGUOI_DAN: 1},
            "P-PHANBOICHAU": {NGUOI_DAN: 2},
        },
        conventions={
            "P-QUANTOAN": "2/2 1/1 3/2 2/2 1/1 2/2",
            "P-HUNGVUONG": "2/2 2/2 1/1 3/2 1/1",
            "P-SODAU": "1/1 2/2 2/2 3/2 1/1 2/2 1/1",
            "P-THUONGLY": "2/1 3/2 1/1 2/2",
            "P-HALY": "3/2 1/1 2/2 2/2 1/1",
            "P-MINHKHAI": "1/1 2/2 2/2 1/1 3/2 2/2",
            "P-TRAICHUOI": "2/2 2/2 3/2 1/1 2/2",
            "P-HOANGVANTHU": "1/1 1/1 2/2 2/2 3/2 1/1 2/2 1/1",
            "P-PHANBOICHAU": "2/2 1/1 2/2 3/2 2/2 1/1",
        },
        layouts={
            "GDDT": WorkbookLayout(extra_columns={"activities": ("Người phụ trách",)}),
        },
        quirks=(
            Edit("HLHPN", "general", "completed_on", 45266),  # Excel serial of 06/12/2023
            Edit("P-MINHKHAI", "general", "is_complete", "x"),
        ),
        wrong=(
            # blocking: the workbook was copied from last year and still says 2022
            Edit("P-HALY", "general", "year", 2022),
        ),
    ),
    2024: YearScenario(
        drafts=("KINHTE",),
        late={"GDDT": date(2024, 12, 12), "P-MINHKHAI": date(2024, 12, 11)},
        no_action_month_plan=("NOIVU",),
        no_activity_1a=("TUPHAP",),
        law_sessions={
            "LDTBXH": {CAN_BO: 2, DOANH_NGHIEP: 1, NGUOI_DAN: 1},
            "TUPHAP": {CAN_BO: 1},
            "LDLD": {DOANH_NGHIEP: 1},
            "HLHPN": {NGUOI_DAN: 1},
            "KINHTE": {DOANH_NGHIEP: 1},  # a draft: not counted
            "P-QUANTOAN": {NGUOI_DAN: 2},
            "P-HUNGVUONG": {NGUOI_DAN: 2},
            "P-SODAU": {NGUOI_DAN: 3},
            "P-THUONGLY": {NGUOI_DAN: 1},
            "P-HALY": {NGUOI_DAN: 2},
            "P-MINHKHAI": {NGUOI_DAN: 2},
            "P-TRAICHUOI": {NGUOI_DAN: 2},
            # P-HOANGVANTHU: no law dissemination in 2024
            "P-PHANBOICHAU": {NGUOI_DAN: 2},
        },
        conventions={
            "P-QUANTOAN": "2/2 1/1 3/3 2/2 1/1 2/2",
            "P-HUNGVUONG": "2/2 2/2 1/1 3/2 1/1",
            "P-SODAU": "1/1 2/2 2/2 3/2 1/1 2/2 1/1",
            "P-THUONGLY": "2/2 3/2 1/1 2/2",
            "P-HALY": "3/3 1/1 2/2 2/2 1/1",
            "P-MINHKHAI": "1/1 2/2 2/2 1/1 3/2 2/2",
            "P-TRAICHUOI": "2/2 2/2 3/3 1/1 2/2",
            "P-HOANGVANTHU": "1/1 1/1 2/2 2/2 3/2 1/1 2/2 1/1",
            "P-PHANBOICHAU": "2/2 1/1 2/2 3/3 2/2 1/1",
        },
        layouts={
            "P-QUANTOAN": WorkbookLayout(tab_names={"activities": "HOAT DONG"}),
            "VHTT": WorkbookLayout(column_order={"activities": (
                "activity_code", "description", "audience", "form", "participants",
                "participants_female", "sessions", "is_law_dissemination")}),
            "LDLD": WorkbookLayout(
                extra_columns={"activities": ("Người phụ trách",)},
                column_order={"activities": ("activity_code", "description", "Người phụ trách")},
            ),
            "P-PHANBOICHAU": WorkbookLayout(notes={"activities": (
                "Ghi chú: Số liệu tính đến ngày 30/11/2024.",
                "Người lập biểu: cán bộ Văn hóa - Xã hội phường.")}),
            "YTE": WorkbookLayout(omit_tabs=frozenset({"conventions", "survey"})),
        },
        quirks=(
            Edit("LDTBXH", "activities", "budget_state_vnd", "15.000.000", sheet_row=8),
            Edit("P-TRAICHUOI", "activities", "budget_other_vnd", "2.500.000", sheet_row=7),
            Edit("VHTT", "general", "completed_on", "05/12/2024"),  # a text date
            Edit("YTE", "general", "completed_on", 45630),  # Excel serial of 04/12/2024
            Edit("P-PHANBOICHAU", "activities", "started_on", "12/09/2024", sheet_row=7),
            Edit("P-TRAICHUOI", "activities", "description",
                 _nfd("Tuyên truyền về bình đẳng giới trong sinh hoạt tổ dân phố"), sheet_row=6),
            Edit("P-QUANTOAN", "activities", "audience", _nfd(NGUOI_DAN), sheet_row=5),
            Edit("P-SODAU", "activities", "is_law_dissemination", "x", sheet_row=5),
            Edit("P-HALY", "general", "action_month_plan", "x"),
        ),
        wrong=(
            Edit("P-SODAU", "activities", "participants", 120, sheet_row=8),
            Edit("P-SODAU", "activities", "participants_female", 135, sheet_row=8),
            Edit("P-HUNGVUONG", "activities", "sessions", "12,5", sheet_row=7),
            Edit("GDDT", "activities", "form", "Hội thi", sheet_row=6),
            Edit("HLHPN", "activities", "participants", "#REF!", sheet_row=6),
            Edit("DOANTN", "activities", "started_on", date(2023, 3, 26), sheet_row=7),
            Edit("DOANTN", "activities", "activity_code", "9z", sheet_row=5),
        ),
    ),
    2025: YearScenario(
        late={"TCKH": date(2025, 12, 11)},
        law_sessions={
            "LDTBXH": {CAN_BO: 2, DOANH_NGHIEP: 2, NGUOI_DAN: 1},
            "TUPHAP": {CAN_BO: 1},
            "NOIVU": {CAN_BO: 1},
            "LDLD": {DOANH_NGHIEP: 1},
            "KINHTE": {DOANH_NGHIEP: 1},
            "HLHPN": {NGUOI_DAN: 2},
            "P-QUANTOAN": {NGUOI_DAN: 2},
            "P-HUNGVUONG": {NGUOI_DAN: 3},
            "P-SODAU": {NGUOI_DAN: 2},
            "P-THUONGLY": {NGUOI_DAN: 2},
            "P-HALY": {NGUOI_DAN: 2},
            "P-MINHKHAI": {NGUOI_DAN: 2},
            "P-TRAICHUOI": {NGUOI_DAN: 4},
            "P-HOANGVANTHU": {NGUOI_DAN: 2},
            "P-PHANBOICHAU": {NGUOI_DAN: 2},
        },
        conventions={
            "P-QUANTOAN": "2/2 1/1 3/3 2/2 1/1 2/2",
            "P-HUNGVUONG": "2/2 2/2 1/1 3/3 1/1",
            "P-SODAU": "1/1 2/2 2/2 3/3 1/1 2/2 1/1",
            "P-THUONGLY": "2/2 3/2 1/1 2/2",
            "P-HALY": "3/3 1/1 2/2 2/2 1/1",
            "P-MINHKHAI": "1/1 2/2 2/2 1/1 3/2 2/2",
            "P-TRAICHUOI": "2/2 2/2 3/3 1/1 2/2",
            "P-HOANGVANTHU": "1/1 1/1 2/2 2/2 3/2 1/1 2/2 1/1",
            "P-PHANBOICHAU": "2/2 1/1 2/2 3/3 2/2 1/1",
        },
        survey=(
            (CAN_BO, 200, 158),
            (DOANH_NGHIEP, 250, 150),
            (NGUOI_DAN, 300, 189),
            (_choice(AUDIENCES, "Học sinh"), 180, 126),
            (_choice(AUDIENCES, "Nam giới"), 150, 87),
        ),
        layouts={
            "P-SODAU": WorkbookLayout(tab_names={"activities": "hoat  dong"}),
        },
        quirks=(
            Edit("HLHPN", "activities", "budget_other_vnd", "3.000.000", sheet_row=6),
            Edit("LDTBXH", "survey", "audience", _nfd(NGUOI_DAN), sheet_row=6),
        ),
    ),
}

# ---------------------------------------------------------------------------------------
# The descriptive rest: what units typically write, per activity code.
# (description, form, audience, anchor day); "{place}" is "phường …" or "quận", and an
# anchor (month, day) puts the activity around an observance day.
_RAW_CONTENT: dict[str, tuple[tuple[str, str, str, tuple[int, int] | None], ...]] = {
    "1b": (
        ("Duy trì mô hình «Địa chỉ tin cậy ở cộng đồng» tại {place}", "Câu lạc bộ", "Người dân",
         None),
        ("Truyền thông về bình đẳng giới cho người khuyết tật, người cao tuổi", "Nói chuyện",
         "Nhóm đặc thù", None),
    ),
    "1c": (
        ("Biên soạn, phát hành tờ rơi tuyên truyền về bình đẳng giới", "Ấn phẩm", "Người dân",
         None),
        ("Phát hành bản tin chuyên đề «Bình đẳng giới trong gia đình»", "Ấn phẩm", "Cán bộ",
         None),
        ("Treo pano, áp phích tuyên truyền Tháng hành động vì bình đẳng giới", "Ấn phẩm",
         "Người dân", (11, 10)),
    ),
    "2a": (
        ("Đăng tải tin, bài về bình đẳng giới trên trang thông tin điện tử và fanpage",
         "Trang thông tin", "Người dân", None),
        ("Chuyển tài liệu tuyên truyền bình đẳng giới sang bản điện tử, chia sẻ qua Zalo",
         "Trang thông tin", "Cán bộ", None),
    ),
    "2b": (
        ("Tọa đàm «Vai trò của nam giới trong chia sẻ công việc gia đình»", "Hội nghị",
         "Nam giới", None),
        ("Giao lưu với chuyên gia về phòng, chống bạo lực trên cơ sở giới", "Hội nghị",
         "Người dân", None),
    ),
    "2c": (
        ("Phát chuyên mục «Bình đẳng giới» trên đài truyền thanh {place}", "Phát thanh",
         "Người dân", None),
    ),
    "3a": (
        ("Phối hợp với doanh nghiệp tuyên truyền về bình đẳng giới tại nơi làm việc",
         "Hội nghị", "Doanh nghiệp", None),
    ),
    "3b": (
        ("Hội nghị kỷ niệm Ngày Quốc tế Phụ nữ 8/3", "Hội nghị", "Cán bộ", (3, 8)),
        ("Nói chuyện chuyên đề nhân Ngày Phụ nữ Việt Nam 20/10", "Nói chuyện", "Người dân",
         (10, 20)),
        ("Tập huấn kỹ năng truyền thông về bình đẳng giới cho tuyên truyền viên", "Tập huấn",
         "Phóng viên", None),
        ("Hội thi tìm hiểu kiến thức về bình đẳng giới", "Văn nghệ", "Người dân", (10, 15)),
    ),
    "3c": (
        ("Vận động nam giới, người có uy tín tham gia thúc đẩy bình đẳng giới ở tổ dân phố",
         "Nói chuyện", "Nam giới", None),
        ("Rà soát, lồng ghép tiêu chí bình đẳng giới vào hương ước, quy ước", "Hội nghị",
         "Người dân", None),
    ),
    "4a": (
        ("Sinh hoạt câu lạc bộ «Thủ lĩnh của sự thay đổi»", "Câu lạc bộ", "Nam giới", None),
        ("Duy trì «Góc thân thiện» tư vấn về giới cho vị thành niên", "Câu lạc bộ", "Học sinh",
         None),
    ),
    "4b": (
        ("Tập huấn kỹ năng hỗ trợ nạn nhân bạo lực trên cơ sở giới", "Tập huấn", "Khác", None),
    ),
    "4c": (
        ("Lồng ghép nội dung bình đẳng giới trong giờ sinh hoạt dưới cờ", "Nói chuyện",
         "Học sinh", None),
        ("Hoạt động ngoại khóa «Em yêu bình đẳng giới»", "Văn nghệ", "Học sinh", (11, 20)),
    ),
    "4d": (
        ("Liên hoan văn nghệ tuyên truyền bình đẳng giới", "Văn nghệ", "Nam giới", (6, 28)),
    ),
    "5a": (
        ("Hướng dẫn áp dụng Bộ chỉ số về giới trong truyền thông", "Tập huấn", "Phóng viên",
         None),
    ),
    "5b": (
        ("Cập nhật chính sách mới về bình đẳng giới cho báo cáo viên, tuyên truyền viên",
         "Hội nghị", "Phóng viên", None),
    ),
    "5c": (
        ("Tập huấn sử dụng thiết bị, phần mềm truyền thông hiện đại", "Tập huấn", "Phóng viên",
         None),
    ),
    "6a": (
        ("Trao đổi, học tập kinh nghiệm công tác bình đẳng giới tại quận bạn", "Hội nghị",
         "Cán bộ", None),
    ),
    "6b": (
        ("Đấu tranh, phản bác thông tin sai lệch về bình đẳng giới trên mạng xã hội",
         "Trang thông tin", "Người dân", None),
    ),
    "7a": (
        ("Khảo sát nhận thức về bình đẳng giới của các nhóm đối tượng", "Khác", "Khác", (9, 5)),
    ),
    "7b": (
        ("Kiểm tra, giám sát việc thực hiện kế hoạch truyền thông về bình đẳng giới",
         "Khác", "Cán bộ", (9, 15)),
    ),
    "7c": (
        ("Sơ kết giai đoạn 2022-2025 thực hiện kế hoạch truyền thông về bình đẳng giới",
         "Hội nghị", "Cán bộ", (11, 5)),
    ),
}


@dataclass(frozen=True)
class _Content:
    description: str
    form: str
    audience: str
    anchor: tuple[int, int] | None


_CONTENT: dict[str, tuple[_Content, ...]] = {
    code: tuple(_Content(text, _choice(FORMS, form), _choice(AUDIENCES, audience), anchor)
                for text, form, audience, anchor in items)
    for code, items in _RAW_CONTENT.items()
}
_FORM_PRINT = _choice(FORMS, "Ấn phẩm")
_FORM_RADIO = _choice(FORMS, "Phát thanh")
_FORM_ONLINE = _choice(FORMS, "Trang thông tin")
_FORM_CLUB = _choice(FORMS, "Câu lạc bộ")
_FORM_TRAINING = _choice(FORMS, "Tập huấn")
_FORM_SHOW = _choice(FORMS, "Văn nghệ")
_FORM_OTHER = _choice(FORMS, "Khác")
_FORM_MEETING = _choice(FORMS, "Hội nghị")
_FORM_TALK = _choice(FORMS, "Nói chuyện")
_LAW_ACTIVITY_PREFERENCE = ("3b", "5b", "2b", "1b", "6b", "7b")  # never 1a
_LAW_DESCRIPTIONS = {
    CAN_BO: "Hội nghị phổ biến Luật Bình đẳng giới và văn bản hướng dẫn cho cán bộ, "
    "công chức, viên chức",
    DOANH_NGHIEP: "Tuyên truyền pháp luật về bình đẳng giới, chính sách đối với lao động nữ "
    "cho người lao động tại doanh nghiệp",
    NGUOI_DAN: "Phổ biến Luật Bình đẳng giới, Luật Phòng, chống bạo lực gia đình tại "
    "các tổ dân phố",
}
_ACTION_MONTH_TEXTS = (
    "Tổ chức các hoạt động hưởng ứng Tháng hành động vì bình đẳng giới và phòng ngừa, "
    "ứng phó với bạo lực trên cơ sở giới năm {year}",
    "Mít tinh hưởng ứng Tháng hành động vì bình đẳng giới và phòng ngừa, ứng phó với bạo lực "
    "trên cơ sở giới năm {year}",
    "Triển khai Kế hoạch hưởng ứng Tháng hành động vì bình đẳng giới năm {year}",
)
_PLAN_DOC = {
    "LDTBXH": "KH-LĐTBXH", "VHTT": "KH-VHTT", "GDDT": "KH-GDĐT", "YTE": "KH-YT",
    "TUPHAP": "KH-TP", "NOIVU": "KH-NV", "KINHTE": "KH-KT", "TCKH": "KH-TCKH",
    "TTVHTTTT": "KH-TTVHTTTT", "HLHPN": "KH-HPN", "LDLD": "KH-LĐLĐ", "DOANTN": "KH-ĐTN",
}  # fmt: skip
_NOTES = ("Phối hợp với Hội Liên hiệp Phụ nữ", "Kinh phí lồng ghép chương trình khác",
          "Có ảnh minh chứng kèm theo")
_WARD_NOTES = (*_NOTES, "Lồng ghép trong sinh hoạt tổ dân phố")
_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô")
_WOMEN = (("Thị", "Thu", "Ngọc", "Hồng"),
          ("Hoa", "Lan", "Hương", "Thủy", "Hằng", "Nga", "Phương", "Thảo", "Yến", "Trang"))
_MEN = (("Văn", "Minh", "Đức", "Quang"), ("Dũng", "Tuấn", "Hải", "Bình", "Hùng", "Long"))


def _name(rng: random.Random) -> str:
    middle, given = _WOMEN if rng.random() < 0.7 else _MEN  # mostly women do this work
    return f"{rng.choice(_FAMILY)} {rng.choice(middle)} {rng.choice(given)}"


def _day_between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _afternoon_utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 30)  # 16:30 in Hồng Bàng


def _levels(letters: str, year: int) -> str:
    return LEVELS[letters[min(max(year - DEFAULT_YEARS.start, 0), len(letters) - 1)]]


def _place(unit: Unit) -> str:
    return unit.name_vi.removeprefix("UBND ") if unit.kind == "ward" else "quận"


@functools.cache
def _activity_years(seeds_dir: Path) -> dict[str, frozenset[int]]:
    """Activities done only in some years (survey, reviews), from the activities seed."""
    path = seeds_dir / "activities.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            row["activity_code"]: frozenset(int(y) for y in row["years"].split(";"))
            for row in csv.DictReader(handle) if row.get("years", "").strip()
        }


def _roles(registry: Registry, unit: Unit) -> dict[str, str]:
    """Activity code -> "lead" or "coordinate" for the unit (lead wins)."""
    roles: dict[str, str] = {}
    for a in registry.assignments:
        if a.covers(unit) and roles.get(a.activity_code) != "lead":
            roles[a.activity_code] = a.role
    return roles


def _people(rng: random.Random, low: int, high: int) -> tuple[int, int]:
    total = rng.randint(low, high)
    return total, round(total * rng.uniform(0.40, 0.75))


def _millions(rng: random.Random, low: int, high: int) -> int:
    return rng.randint(low * 2, high * 2) * 500_000


def _fill(rng: random.Random, row: dict[str, object], unit: Unit, year: int,
          anchor: tuple[int, int] | None, window: tuple[date, date] | None = None,
          sessions_fixed: int | None = None) -> None:
    """Sessions, participants, dates, budgets and the electronic flag, by the row's form
    (`sessions_fixed`: the SCENARIO's number of sessions)."""
    form = row["form"]
    ward = unit.kind == "ward"
    sessions: int
    people: tuple[int, int] | None = None
    state: int | None = None
    other: int | None = None
    span = 0
    if form == _FORM_PRINT:
        sessions = rng.randint(4, 60) * 50
        state = round(sessions * rng.choice((1_500, 2_000, 3_500, 5_000)), -3)
    elif form == _FORM_RADIO:
        sessions, span = rng.randint(4, 36), rng.randint(60, 240)
    elif form == _FORM_ONLINE:
        sessions, span = rng.randint(3, 24), rng.randint(30, 240)
    elif form == _FORM_CLUB:
        sessions, span = rng.randint(2, 12), rng.randint(90, 270)
        people = _people(rng, 15, 40)
        state = _millions(rng, 1, 5)
    elif form == _FORM_TRAINING:
        sessions, span = rng.randint(1, 3), rng.randint(0, 2)
        people = _people(rng, 20, 80)
        state = _millions(rng, 3, 20)
    elif form == _FORM_SHOW:
        sessions = rng.randint(1, 2)
        people = _people(rng, 80, 300)
        state = _millions(rng, 5, 30)
    elif form == _FORM_OTHER:
        sessions, span = 1, rng.randint(10, 40)
        state = _millions(rng, 2, 10) if rng.random() < 0.5 else None
    else:  # meetings, talks
        sessions = sessions_fixed or rng.randint(1, 4)
        span = 0 if sessions == 1 else rng.randint(20, 120)
        people = _people(rng, 30, 200) if ward else _people(rng, 40, 250)
        state = _millions(rng, 1, 10) if ward else _millions(rng, 3, 30)
    if state is not None and rng.random() < 0.25:
        other = _millions(rng, 1, 10)
    if window is not None:
        started = _day_between(rng, window[0], window[0] + timedelta(days=15))
        ended = min(started + timedelta(days=rng.randint(0, 10)), window[1])
    else:
        if anchor is not None:
            started = date(year, *anchor) - timedelta(days=rng.randint(0, 5))
        else:
            started = _day_between(rng, date(year, 1, 10), date(year, 11, 10))
        ended = min(started + timedelta(days=span), date(year, 11, 30))
    row.update(sessions=sessions, started_on=started, ended_on=ended,
               budget_state_vnd=state, budget_other_vnd=other)
    if people is not None:
        row["participants"], row["participants_female"] = people
    if form == _FORM_ONLINE:
        row["is_electronic"] = YES
    else:
        row["is_electronic"] = rng.choice((NO, None))
    if rng.random() < 0.2:
        row["note"] = rng.choice(_WARD_NOTES if ward else _NOTES)


def _activities(rng: random.Random, registry: Registry, unit: Unit, year: int,
                scenario: YearScenario, rows_needed: int) -> tuple[list[dict[str, object]], int]:
    """The unit's «Hoạt động» rows and how many of them the SCENARIO fixes."""
    roles = _roles(registry, unit)
    in_year = _activity_years(registry.seeds_dir)
    place = _place(unit)
    rows: list[dict[str, object]] = []
    if "1a" in roles and unit.code not in scenario.no_activity_1a:
        row: dict[str, object] = {
            "activity_code": "1a",
            "description": rng.choice(_ACTION_MONTH_TEXTS).format(year=year),
            "form": rng.choice((_FORM_MEETING, _FORM_TALK)),
            "audience": NGUOI_DAN if unit.kind == "ward" else CAN_BO,
            "is_law_dissemination": NO,
        }
        _fill(rng, row, unit, year, None, window=(date(year, 11, 15), date(year, 12, 15)))
        rows.append(row)
    law_code = next((c for c in _LAW_ACTIVITY_PREFERENCE if c in roles), "7b")
    for audience, sessions in scenario.law_sessions.get(unit.code, {}).items():
        row = {"activity_code": law_code, "description": _LAW_DESCRIPTIONS[audience],
               "form": rng.choice((_FORM_MEETING, _FORM_TALK)), "audience": audience,
               "is_law_dissemination": YES}
        _fill(rng, row, unit, year, None, sessions_fixed=sessions)
        rows.append(row)
    fixed = len(rows)
    low, high = (5, 12) if unit.kind == "ward" else (3, 8)
    count = max(rng.randint(low, high) - fixed, 1, rows_needed - fixed)
    # activities of some years only (survey, reviews) are reported by their lead that year
    forced = [c for c, role in roles.items()
              if role == "lead" and c in _CONTENT and c in in_year and year in in_year[c]]
    usable = [c for c, role in roles.items()
              if c != "1a" and c in _CONTENT and (c not in in_year or year in in_year[c])
              for _ in range(3 if role == "lead" else 1)]  # leads report their tasks more
    extra = max(count - len(forced), 0) if usable else 0
    codes = sorted(forced + [rng.choice(usable) for _ in range(extra)])
    used: dict[str, int] = {}
    for code in codes:
        content = rng.choice(_CONTENT[code])
        description = content.description.format(place=place)
        used[description] = used.get(description, 0) + 1
        if used[description] > 1:  # the same activity again: a second round
            description = f"{description} (đợt {used[description]})"
        row = {"activity_code": code, "description": description,
               "form": content.form, "audience": content.audience,
               "is_law_dissemination": rng.choice((NO, None))}
        _fill(rng, row, unit, year, content.anchor)
        rows.append(row)
    return rows, fixed


def _outlets(unit: Unit, year: int) -> list[dict[str, object]]:
    if unit.kind == "ward":
        radio, page = WARD_OUTLETS.get(unit.code, DEFAULT_WARD_OUTLETS)
        place = _place(unit)
        outlets = ((f"Đài truyền thanh {place}", "Đài truyền thanh", radio),
                   (f"Fanpage UBND {place}", "Mạng xã hội", page))
    else:
        outlets = DISTRICT_OUTLETS.get(unit.code, ())
    return [{"outlet_name": name, "outlet_type": _choice(OUTLET_TYPES, kind),
             "gender_index_level": _levels(letters, year)} for name, kind, letters in outlets]


def _conventions(unit: Unit, scenario: YearScenario) -> list[dict[str, object]]:
    if unit.kind != "ward":
        return []
    groups = scenario.conventions.get(unit.code, DEFAULT_CONVENTIONS).split()
    rows: list[dict[str, object]] = []
    for number, group in enumerate(groups, start=1):
        total, fair = (int(part) for part in group.split("/"))
        rows.append({"community": f"Tổ dân phố số {number}", "conventions_total": total,
                     "conventions_non_discriminatory": fair})
    return rows


def _general(rng: random.Random, unit: Unit, year: int, scenario: YearScenario
             ) -> dict[str, object]:
    draft = unit.code in scenario.drafts
    if draft:
        completed: date | None = None
    elif unit.code in scenario.late:
        completed = scenario.late[unit.code]
    else:
        completed = _day_between(rng, date(year, 11, 18), date(year, 12, 10))
    plan = unit.code not in scenario.no_action_month_plan
    doc = "KH-UBND" if unit.kind == "ward" else _PLAN_DOC.get(unit.code, f"KH-{unit.code}")
    plan_day = _day_between(rng, date(year, 10, 20), date(year, 11, 10))
    return {
        "unit_code": unit.code,
        "year": year,
        "reporter": _name(rng),
        "completed_on": completed,
        "action_month_plan": YES if plan else NO,
        "action_month_plan_ref": f"{rng.randint(60, 260)}/{doc} ngày {plan_day:%d/%m/%Y}"
        if plan else None,
        "is_complete": None if draft else YES,
    }


def _read(tab: str, column: str, value: object) -> Parsed:
    """What the pipeline makes of a value written in a template column."""
    return read_cell(TABS[tab].column(column), cast(Cell, value))


def _same_meaning(tab: str, column: str, old: object, new: object) -> bool:
    return _read(tab, column, old).value == _read(tab, column, new).value


def _apply(edits: Sequence[Edit], general: dict[str, object],
           tables: dict[str, list[dict[str, object]]], fixed_rows: int, readable: bool) -> None:
    """Write the SCENARIO's edits into the generated values, keeping dates in order."""
    for edit in edits:
        if edit.tab == "general":
            general[edit.column] = edit.value
            continue
        if edit.sheet_row is None:
            raise ValueError(f"{edit}: a table edit needs its sheet row")
        rows = tables[edit.tab]
        index = edit.sheet_row - FIRST_DATA_ROW
        if not 0 <= index < len(rows):
            raise ValueError(f"{edit}: the tab has rows {FIRST_DATA_ROW}–"
                             f"{FIRST_DATA_ROW + len(rows) - 1}")
        row = rows[index]
        if edit.tab == "activities" and index < fixed_rows:
            if not readable or not _same_meaning(edit.tab, edit.column, row.get(edit.column),
                                                 edit.value):
                raise ValueError(f"{edit}: would change a row the SCENARIO counts")
        row[edit.column] = edit.value
        if edit.column in ("started_on", "ended_on"):
            _keep_dates_in_order(row, edit.column)


def _keep_dates_in_order(row: dict[str, object], edited: str) -> None:
    start = _read("activities", "started_on", row.get("started_on")).value
    end = _read("activities", "ended_on", row.get("ended_on")).value
    if isinstance(start, date) and isinstance(end, date) and end < start:
        if edited == "started_on":
            row["ended_on"] = start
        else:
            row["started_on"] = end


def _check_readable(edits: Sequence[Edit]) -> None:
    for edit in edits:
        if not _read(edit.tab, edit.column, edit.value).ok:
            raise ValueError(f"{edit}: a quirk must stay readable")


def write_unit_workbook(path: Path, registry: Registry, unit: Unit, year: int) -> None:
    """One unit's workbook for one year, as the SCENARIO says."""
    scenario = SCENARIO.get(year, YearScenario())
    rng = random.Random(f"{year}:{unit.code}")
    quirks = [e for e in scenario.quirks if e.unit == unit.code]
    wrong = [e for e in scenario.wrong if e.unit == unit.code]
    _check_readable(quirks)
    needed = max((e.sheet_row - FIRST_DATA_ROW + 1 for e in (*quirks, *wrong)
                  if e.tab == "activities" and e.sheet_row is not None), default=0)
    general = _general(rng, unit, year, scenario)
    activities, fixed = _activities(rng, registry, unit, year, scenario, needed)
    survey = scenario.survey if unit.code == SURVEY_UNIT else ()
    tables: dict[str, list[dict[str, object]]] = {
        "activities": activities,
        "media_outlets": _outlets(unit, year),
        "conventions": _conventions(unit, scenario),
        "survey": [{"audience": a, "respondents": n, "respondents_aware": k}
                   for a, n, k in survey],
    }
    layout = scenario.layouts.get(unit.code, WorkbookLayout())
    for header in layout.extra_columns.get("activities", ()):
        for row in activities:
            row[header] = _name(rng)
    _apply(quirks, general, tables, fixed, readable=True)
    _apply(wrong, general, tables, fixed, readable=False)
    tables = {key: rows for key, rows in tables.items() if key not in layout.omit_tabs}
    completed = general.get("completed_on")
    stamp = completed if isinstance(completed, date) else date(year, 12, 1)
    write_workbook(path, general=general, tables=tables, layout=layout,
                   timestamp=_afternoon_utc(stamp))


def generate(reports_dir: Path, years: Iterable[int] = DEFAULT_YEARS,
             registry: Registry | None = None) -> list[Path]:
    """Write every expected unit's workbook for each year (none for the SCENARIO's missing
    units, whose stale file is removed); return the paths written."""
    registry = registry or read_registry()
    written: list[Path] = []
    for year in years:
        scenario = SCENARIO.get(year, YearScenario())
        for unit in expected_units(registry, year):
            path = Path(reports_dir) / str(year) / f"{unit.code}.xlsx"
            if unit.code in scenario.missing:
                path.unlink(missing_ok=True)
                continue
            write_unit_workbook(path, registry, unit, year)
            written.append(path)
    return written


def synthetic_registry(n: int, seeds_out_dir: Path) -> Path:
    """Copy the real seeds to `seeds_out_dir` and add `n` ward-like units P-BENCH0001…
    to units.csv, for benchmarks; returns the folder (pass it to `read_registry`)."""
    seeds_out_dir = Path(seeds_out_dir)
    seeds_out_dir.mkdir(parents=True, exist_ok=True)
    for source in sorted(DEFAULT_SEEDS_DIR.glob("*.csv")):
        shutil.copyfile(source, seeds_out_dir / source.name)
    units_path = seeds_out_dir / "units.csv"
    with units_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or ())
        rows = list(reader)
    digits = max(4, len(str(n)))
    for i in range(1, n + 1):
        number = f"{i:0{digits}d}"
        rows.append({name: "" for name in fields} | {
            "unit_code": f"P-BENCH{number}", "name_vi": f"UBND phường Thử nghiệm {number}",
            "kind": "ward", "valid_from": "2022-01-01", "reports": "true"})
    with units_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return seeds_out_dir


def _years(text: str) -> list[int]:
    """"2022-2025", "2024" or "2022,2024"."""
    years: list[int] = []
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        years.extend(range(int(first), int(last or first) + 1))
    return years


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m demo.generate",
        description="Write deterministic demo report workbooks <reports-dir>/<year>/<unit>.xlsx.",
    )
    parser.add_argument("--reports-dir", type=Path, required=True)
    parser.add_argument("--years", type=_years, default=list(DEFAULT_YEARS),
                        help="e.g. 2022-2025, 2024 or 2022,2024 (default 2022-2025)")
    parser.add_argument("--units", type=int, default=None,
                        help="add N synthetic wards (benchmarks); writes a registry copy")
    parser.add_argument("--seeds-out", type=Path, default=None,
                        help="where --units writes its registry (default <reports-dir>/_seeds)")
    args = parser.parse_args(argv)
    registry = None
    if args.units:
        seeds = synthetic_registry(args.units, args.seeds_out or args.reports_dir / "_seeds")
        registry = read_registry(seeds)
        print(f"registry: {seeds}")
    started = time.perf_counter()
    paths = generate(args.reports_dir, args.years, registry)
    print(f"{len(paths)} workbooks in {args.reports_dir} ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
