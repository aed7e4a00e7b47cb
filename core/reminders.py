"""Reminders before and after the 10 December deadline, in Vietnamese. Pure, no I/O."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from core.registry import Locality, deadline

OUTSTANDING = ("missing", "invalid")


@dataclass(frozen=True)
class Reminder:
    unit_code: str
    unit_name: str
    status: str
    outstanding_vi: tuple[str, ...]


def days_phrase(year: int, on: date) -> str:
    due = deadline(year)
    days = (due - on).days
    if days > 0:
        return f"Còn {days} ngày đến hạn nộp báo cáo ({due:%d/%m/%Y})."
    if days == 0:
        return f"Hôm nay ({due:%d/%m/%Y}) là hạn nộp báo cáo."
    return f"Đã quá hạn nộp báo cáo {-days} ngày (hạn {due:%d/%m/%Y})."


def build_reminders(status_rows: list[dict], blocking: dict[str, list[str]]) -> list[Reminder]:
    """One reminder per unit still missing or invalid, saying what is outstanding."""
    reminders = []
    for row in sorted(status_rows, key=lambda r: r["unit_code"]):
        if row["status"] not in OUTSTANDING:
            continue
        if row["status"] == "missing":
            outstanding = (f"Chưa nộp báo cáo năm {row['year']}.",)
        else:
            outstanding = tuple(blocking.get(row["unit_code"], [])) or (
                "Báo cáo không hợp lệ: hãy kiểm tra lại tệp báo cáo.",)
        reminders.append(Reminder(row["unit_code"], row["unit_name"], row["status"],
                                  outstanding))
    return reminders


def reminder_text(year: int, on: date, reminders: list[Reminder], locality: Locality,
                  literal: Callable[[str], str] = str) -> str:
    """The message sent to the focal office and kept as an artifact. `literal` writes a
    unit's code, name and messages as literal text of the target format (plain text as it
    is; core.escape.markdown_text for the artifact)."""
    head = (f"Nhắc nộp báo cáo năm {year} — Kế hoạch truyền thông về bình đẳng giới "
            f"{locality.full_name}. {days_phrase(year, on)}")
    if not reminders:
        return head + "\n\nTất cả đơn vị đã nộp báo cáo hợp lệ."
    lines = [head, "", f"Đơn vị còn phải nộp hoặc sửa ({len(reminders)}):"]
    for r in reminders:
        lines.append(f"- {literal(r.unit_code)} ({literal(r.unit_name)}):")
        lines += [f"    • {literal(item)}" for item in r.outstanding_vi]
    return "\n".join(lines)
