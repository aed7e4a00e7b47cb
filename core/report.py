"""The consolidated report of a year, in Vietnamese, from the marts. Pure, no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import pandas as pd

from core.escape import Markdown, markdown_text
from core.registry import Locality

STATUS_VI = {
    "received": "Đã nộp",
    "draft": "Bản nháp (chưa hoàn thành)",
    "invalid": "Không hợp lệ",
    "missing": "Chưa nộp",
}
INDICATOR_STATUS_VI = {
    "achieved": "Đạt",
    "not_achieved": "Chưa đạt",
    "not_yet_due": "Chưa đến mốc đánh giá",
    "no_data": "Chưa có số liệu",
}
# marts.indicator_progress: the assessment against a milestone (DOMAIN.md, Open SDG method)
PROGRESS_STATUS_VI = {
    "achieved": "Đạt",
    "not_achieved": "Không đạt",
    "on_track": "Đúng tiến độ",
    "acceleration_needed": "Cần đẩy nhanh tiến độ",
    "limited_progress": "Tiến bộ hạn chế",
    "deterioration": "Diễn biến xấu đi",
    "cannot_assess": "Chưa đủ số liệu để đánh giá",
    "no_data": "Chưa có số liệu",
}
SEVERITY_VI = {"error": "Lỗi", "blocking": "Lỗi nghiêm trọng", "warning": "Cảnh báo"}
SEX_VI = {"female": "Nữ", "male": "Nam", "unspecified": "Không rõ"}
SOURCE_VI = {"state": "Ngân sách nhà nước", "other": "Xã hội hóa, tài trợ"}
RATE_INDICATORS = ("CT2", "CT3", "CT4", "CT5")
CT1_AUDIENCE_VI = {"can_bo": "Cơ quan, tổ chức", "doanh_nghiep": "Doanh nghiệp",
                   "nguoi_dan": "Người dân"}
INDICATOR_SHORT_VI = {
    "CT1": "Phổ biến pháp luật về bình đẳng giới ≥ 02 cuộc/năm cho mỗi nhóm",
    "CT2": "Đơn vị xây dựng kế hoạch, triển khai Tháng hành động",
    "CT3": "Nhận thức về bình đẳng giới (tăng so với năm 2025)",
    "CT4": "Cơ quan truyền thông áp dụng Bộ chỉ số về giới",
    "CT5": "Hương ước, quy ước không phân biệt đối xử về giới",
}


def scope_vi(locality: Locality) -> dict[str, str]:
    """The scopes of a reading in words, the level and sub-unit words from the locality."""
    return {"district": f"Toàn {locality.level}", "audience": "Nhóm đối tượng",
            "ward": locality.sub_unit_title}


def unit_kind_vi(locality: Locality) -> dict[str, str]:
    """The kinds of unit in words: "Cơ quan, đơn vị cấp quận", "Phường"."""
    return {"agency": f"Cơ quan, đơn vị cấp {locality.level}", "ward": locality.sub_unit_title}


def vn_number(value: float | int | None, decimals: int = 0) -> str:
    """1234567 → "1.234.567"; 12.5 with one decimal → "12,5"; None → "–"."""
    if value is None or pd.isna(value):
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")


def vn_percent(value: float | None) -> str:
    if value is None or pd.isna(value):
        return "–"
    return f"{vn_number(value * 100, 1)}%"


def vn_date(value: object) -> str:
    if value is None or pd.isna(value) or not isinstance(value, date | datetime):
        return "–"
    return value.strftime("%d/%m/%Y")


def indicator_value_text(code: str, scope: str, value: float | None) -> str:
    if code in RATE_INDICATORS or (code == "CT1" and scope == "district"):
        return vn_percent(value)
    return vn_number(value)


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """A Markdown table; every cell is literal text (core.escape) unless it is `Markdown`."""
    out = ["| " + " | ".join(markdown_text(h) for h in headers) + " |",
           "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(markdown_text(v) for v in row) + " |" for row in rows]
    return out


def submission_counts(status: pd.DataFrame) -> dict[str, int]:
    """Expected, received (of which late), draft, invalid, missing."""
    counts = status["status"].value_counts().to_dict() if len(status) else {}
    late = int((status["status"].eq("received") & status["is_on_time"].eq(False)).sum())
    return {
        "expected": len(status),
        "received": int(counts.get("received", 0)),
        "late": late,
        "draft": int(counts.get("draft", 0)),
        "invalid": int(counts.get("invalid", 0)),
        "missing": int(counts.get("missing", 0)),
    }


def summary_lines(year: int, status: pd.DataFrame, indicators: pd.DataFrame) -> list[str]:
    """The few lines a person reads after a run: completeness and the district indicators."""
    c = submission_counts(status)
    lines = [
        f"Năm {year}: {c['expected']} đơn vị phải báo cáo — đã nộp {c['received']} "
        f"(muộn {c['late']}), bản nháp {c['draft']}, không hợp lệ {c['invalid']}, "
        f"chưa nộp {c['missing']}."
    ]
    district = indicators[indicators["scope"] == "district"].sort_values("indicator_code")
    parts = [
        f"{r.indicator_code} {indicator_value_text(r.indicator_code, r.scope, r.value)} "
        f"({INDICATOR_STATUS_VI[r.status].lower()})"
        for r in district.itertuples()
    ]
    lines.append("  Chỉ tiêu: " + "; ".join(parts) + ".")
    return lines


def render_markdown(year: int, marts: dict[str, pd.DataFrame], issues: pd.DataFrame,
                    as_of: object, unit_names: dict[str, str], locality: Locality) -> str:
    """The consolidated report of the year as Markdown."""
    scopes = scope_vi(locality)
    status = marts["submission_status"]
    indicators = marts["indicator_values"]
    c = submission_counts(status)
    out = [
        f"# Báo cáo tổng hợp kết quả thực hiện Kế hoạch truyền thông về bình đẳng giới "
        f"năm {year}",
        "",
        f"{locality.area}. Số liệu tổng hợp từ báo cáo của các phòng, ban, ngành, đoàn thể "
        f"{locality.level} và UBND các {locality.sub_unit}, cập nhật đến {vn_date(as_of)}.",
        "",
        "## 1. Tình hình nộp báo cáo",
        "",
        f"Số đơn vị phải báo cáo: **{c['expected']}**; đã nộp: **{c['received']}** "
        f"(trong đó nộp muộn sau ngày 10/12: {c['late']}); bản nháp: {c['draft']}; "
        f"không hợp lệ: {c['invalid']}; chưa nộp: {c['missing']}.",
        "",
    ]
    out += _table(
        ["Mã đơn vị", "Tên đơn vị", "Tình trạng", "Ngày hoàn thành", "Đúng hạn", "Lỗi",
         "Cảnh báo"],
        [
            [r.unit_code, r.unit_name, STATUS_VI[r.status], vn_date(r.completed_on),
             "Có" if r.is_on_time is True else ("Không" if r.is_on_time is False else "–"),
             r.error_count, r.warning_count]
            for r in status.itertuples()
        ],
    )
    out += ["", "## 2. Kết quả các chỉ tiêu của Kế hoạch", ""]
    main = indicators[indicators["scope"].isin(["district", "audience"])]
    out += _table(
        ["Chỉ tiêu", "Nội dung", "Phạm vi", "Kết quả", "Mục tiêu", "Mốc", "Đánh giá"],
        [
            [r.indicator_code,
             INDICATOR_SHORT_VI[r.indicator_code] if r.scope == "district"
             else CT1_AUDIENCE_VI.get(r.scope_code, r.scope_code),
             scopes[r.scope], indicator_value_text(r.indicator_code, r.scope, r.value),
             indicator_value_text(r.indicator_code, r.scope, r.target),
             r.milestone_year if not pd.isna(r.milestone_year) else "–",
             INDICATOR_STATUS_VI[r.status]]
            for r in main.itertuples()
        ],
    )
    wards = indicators[indicators["scope"] == "ward"]
    if len(wards):
        out += ["", f"### Chỉ tiêu theo {locality.sub_unit} (CT1: số cuộc cho người dân; CT5: "
                "tỷ lệ)", ""]
        out += _table(
            ["Chỉ tiêu", locality.sub_unit_title, "Kết quả", "Mục tiêu", "Đánh giá"],
            [
                [r.indicator_code, unit_names.get(r.scope_code, r.scope_code),
                 indicator_value_text(r.indicator_code, r.scope, r.value),
                 indicator_value_text(r.indicator_code, r.scope, r.target),
                 INDICATOR_STATUS_VI[r.status]]
                for r in wards.itertuples()
            ],
        )
    participation = marts["participation"]
    out += ["", "## 3. Người tham dự các hoạt động, theo giới", ""]
    if len(participation):
        by_sex = participation.groupby("sex")["participants"].sum()
        total = int(by_sex.sum())
        out.append(
            f"Tổng số lượt người tham dự: **{vn_number(total)}**, trong đó nữ "
            f"{vn_number(by_sex.get('female', 0))}, nam {vn_number(by_sex.get('male', 0))}, "
            f"không rõ giới {vn_number(by_sex.get('unspecified', 0))}."
        )
        out.append("")
        by_audience = participation.pivot_table(index="audience", columns="sex",
                                                values="participants", aggfunc="sum",
                                                fill_value=0)
        out += _table(
            ["Đối tượng", *[SEX_VI[s] for s in by_audience.columns]],
            [[aud, *[vn_number(v) for v in row]] for aud, row in by_audience.iterrows()],
        )
    else:
        out.append("Chưa có số liệu.")
    budget = marts["budget"]
    out += ["", "## 4. Kinh phí thực hiện (đồng)", ""]
    if len(budget):
        pivot = budget.pivot_table(index="unit_code", columns="source", values="amount_vnd",
                                   aggfunc="sum", fill_value=0)
        for source in SOURCE_VI:
            if source not in pivot.columns:
                pivot[source] = 0
        rows = [[unit_names.get(u, u), vn_number(r["state"]), vn_number(r["other"]),
                 vn_number(r["state"] + r["other"])] for u, r in pivot.iterrows()]
        rows.append([Markdown("**Tổng cộng**"), vn_number(pivot["state"].sum()),
                     vn_number(pivot["other"].sum()),
                     vn_number(pivot["state"].sum() + pivot["other"].sum())])
        out += _table(["Đơn vị", SOURCE_VI["state"], SOURCE_VI["other"], "Tổng"], rows)
    else:
        out.append("Chưa có số liệu.")
    coverage = marts["activity_coverage"]
    out += ["", "## 5. Hoạt động chưa có đơn vị chủ trì báo cáo", ""]
    reported = coverage.groupby("activity_code")["is_reported"].any() if len(coverage) else {}
    silent = sorted(code for code, any_reported in dict(reported).items() if not any_reported)
    out.append(", ".join(markdown_text(code) for code in silent) if silent
               else "Tất cả hoạt động đều có đơn vị chủ trì báo cáo.")
    out += ["", "## 6. Các lỗi cần đơn vị sửa", ""]
    if len(issues):
        out += _table(
            ["Đơn vị", "Mức độ", "Nội dung"],
            [[r.unit_code, SEVERITY_VI[r.severity], r.message_vi]
             for r in issues.itertuples()],
        )
    else:
        out.append("Không có lỗi.")
    return "\n".join(out) + "\n"


def collection_status_markdown(year: int, status: pd.DataFrame, issues: pd.DataFrame) -> str:
    """During the collection window: who has submitted, who is late, who must fix what."""
    c = submission_counts(status)
    out = [f"# Tình hình nộp báo cáo năm {year}", "",
           f"Phải báo cáo: {c['expected']}; đã nộp: {c['received']} (muộn {c['late']}); "
           f"bản nháp: {c['draft']}; không hợp lệ: {c['invalid']}; chưa nộp: {c['missing']}.",
           ""]
    out += _table(["Mã đơn vị", "Tên đơn vị", "Tình trạng", "Lỗi cần sửa"],
                  [[r.unit_code, r.unit_name, STATUS_VI[r.status], r.error_count]
                   for r in status.itertuples()])
    to_fix = issues[issues["severity"] != "warning"] if len(issues) else issues
    if len(to_fix):
        out += ["", "## Đơn vị cần sửa", ""]
        out += [f"- {markdown_text(r.message_vi)}" for r in to_fix.itertuples()]
    register = issues[issues["rule"] == "register_problem"] if len(issues) else issues
    if len(register):  # Google Sheets: what the focal office must fix in its register
        out += ["", "## Sổ đăng ký bảng tính cần sửa", ""]
        out += [f"- {markdown_text(r.message_vi.split(' (English: ')[0])}"
                for r in register.itertuples()]
    return "\n".join(out) + "\n"
