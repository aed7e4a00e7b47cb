"""The words and numbers of the reports, in Vietnamese: statuses, number formats, the
indicators' labels and kinds (IndicatorRef) and the run's summary lines. Pure, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

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


@dataclass(frozen=True)
class IndicatorRef:
    """What the reports need to know of each indicator, as the registry holds it
    (ref.indicators, ref.indicator_targets, ref.ct1_audiences): never restated in code."""

    short_names: Mapping[str, str]  # indicator_code → the label of the reports' tables
    kinds: Mapping[tuple[str, str], str]  # (indicator_code, scope) → "rate" or "count"
    ward_indicators: tuple[str, ...]  # indicators also read per ward, by code
    audiences: Mapping[str, str]  # CT1 audience scope_code → group label
    measures: Mapping[str, str]  # indicator_code → what it counts: sessions or rate

    def label(self, code: str) -> str:
        return self.short_names.get(code, code)

    def kind(self, code: str, scope: str) -> str:
        return self.kinds.get((code, scope), "count")

    def value_text(self, code: str, scope: str, value: float | None) -> str:
        """A reading or target of `code` at `scope` as the reports print it."""
        return indicator_value_text(self.kind(code, scope), value)

    def unit_word(self, code: str, scope: str) -> str:
        """"tỷ lệ" for a rate, else what the indicator counts ("số cuộc" for sessions)."""
        if self.kind(code, scope) == "rate":
            return "tỷ lệ"
        return "số cuộc" if self.measures.get(code) == "sessions" else "số"

    def audience(self, scope_code: str) -> str:
        return self.audiences.get(scope_code, scope_code)


def indicator_ref(indicators: pd.DataFrame, targets: pd.DataFrame,
                  audiences: pd.DataFrame) -> IndicatorRef:
    """The IndicatorRef of the frames of ref.indicators, ref.indicator_targets and
    ref.ct1_audiences."""
    ordered = indicators.sort_values("indicator_code")
    return IndicatorRef(
        short_names=dict(zip(ordered["indicator_code"], ordered["short_name"], strict=True)),
        kinds={(str(r.indicator_code), str(r.scope)): str(r.kind)
               for r in targets.itertuples()},
        ward_indicators=tuple(str(c) for c in ordered.loc[
            ordered["has_ward_reading"].astype(bool), "indicator_code"]),
        audiences=dict(zip(audiences["scope_code"], audiences["group_vi"], strict=True)),
        measures=dict(zip(ordered["indicator_code"], ordered["measure"], strict=True)))


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


def indicator_value_text(kind: str, value: float | None) -> str:
    """A value of a reading of this kind (ref.indicator_targets.kind): rate or count."""
    return vn_percent(value) if kind == "rate" else vn_number(value)


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


def summary_lines(year: int, status: pd.DataFrame, indicators: pd.DataFrame,
                  ref: IndicatorRef) -> list[str]:
    """The few lines a person reads after a run: completeness and the district indicators."""
    c = submission_counts(status)
    lines = [
        f"Năm {year}: {c['expected']} đơn vị phải báo cáo — đã nộp {c['received']} "
        f"(muộn {c['late']}), bản nháp {c['draft']}, không hợp lệ {c['invalid']}, "
        f"chưa nộp {c['missing']}."
    ]
    district = indicators[indicators["scope"] == "district"].sort_values("indicator_code")
    parts = [
        f"{r.indicator_code} {ref.value_text(r.indicator_code, r.scope, r.value)} "
        f"({INDICATOR_STATUS_VI[r.status].lower()})"
        for r in district.itertuples()
    ]
    lines.append("  Chỉ tiêu: " + "; ".join(parts) + ".")
    return lines
