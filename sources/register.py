"""The register: which spreadsheet holds which unit's report of which year.

One row per unit and year: year, unit code, spreadsheet URL or key. It lives in a register
spreadsheet (tab «Sổ đăng ký», headers «Năm», «Mã đơn vị», «Bảng tính»), read through the
same client as the reports, or in a local CSV (`year,unit_code,spreadsheet`). Matching it
against the registry is pure: an expected unit without a row is missing (not a crash) and a
problem too; a row for an unknown unit, a unit that does not report that year, a duplicate
(even an exact copy of another row) or a bad link is a problem reported by name.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from core.registry import Registry, expected_units
from core.values import Cell, as_text, match_key
from sources.gsheets import SheetsApi, quote_tab, spreadsheet_id_of
from sources.gsheets_pull import fetch_tabs

REGISTER_TAB = "Sổ đăng ký"
HEADERS_VI = ("Năm", "Mã đơn vị", "Bảng tính", "Ghi chú")
CSV_HEADERS = ("year", "unit_code", "spreadsheet", "note")
_ALIASES = {
    "year": ("year", "nam", "nam bao cao"),
    "unit_code": ("unit code", "unit_code", "ma don vi", "don vi"),
    "spreadsheet": ("spreadsheet", "bang tinh", "duong dan", "url", "link", "ma bang tinh"),
}


@dataclass(frozen=True)
class RegisterRow:
    year: int
    unit_code: str
    spreadsheet_id: str
    line: int  # row number in the register, as a person sees it


@dataclass(frozen=True)
class RegisterProblem:
    """A register row the pull cannot use as it is."""

    unit_code: str
    line: int
    # unknown_unit | not_reporting | duplicate | duplicate_row | shared_spreadsheet |
    # bad_row | missing_row | register_unreadable
    kind: str
    message_vi: str
    message_en: str


@dataclass(frozen=True)
class YearAssignment:
    """The register read for one year against the registry."""

    spreadsheets: dict[str, RegisterRow]  # expected unit code → its row
    missing: tuple[str, ...]  # expected units without a row
    problems: tuple[RegisterProblem, ...]


def is_csv(reference: str) -> bool:
    """A register given as a local file (a .csv path) rather than a spreadsheet."""
    text = reference.strip()
    return text.lower().endswith(".csv") or (
        not text.startswith(("http://", "https://")) and Path(text).expanduser().is_file())


def read_csv_rows(path: Path) -> list[list[Cell]]:
    """The CSV's rows as cells (header included), like a fetched tab."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [list(row) for row in csv.reader(handle)]


def fetch_register_rows(api: SheetsApi, spreadsheet_id: str) -> list[list[Cell]]:
    """The register tab's cells (the first tab when none is called «Sổ đăng ký»): one
    batchGet, plus one metadata call when the tab has another name."""
    tabs, body = fetch_tabs(api, spreadsheet_id, (REGISTER_TAB,), choose=lambda t: t[:1])
    ranges = body.get("valueRanges") or [{}]
    values = ranges[0].get("values", []) if tabs else []
    return [[None if v == "" else v for v in row] for row in values]


def append_register_row(api: SheetsApi, spreadsheet_id: str, year: int, unit_code: str,
                        spreadsheet: str) -> None:
    """Add one row to a register spreadsheet's tab «Sổ đăng ký» (one values:append)."""
    api.values_append(spreadsheet_id, quote_tab(REGISTER_TAB), [[year, unit_code, spreadsheet]])


def append_csv_row(path: Path, year: int, unit_code: str, spreadsheet: str,
                   note: str = "") -> None:
    """Add one row to a CSV register (the header first when the file is new)."""
    is_new = not path.exists() or path.stat().st_size == 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        if is_new:
            writer.writerow(CSV_HEADERS)
        writer.writerow([year, unit_code, spreadsheet, note])


def _header(rows: Sequence[Sequence[Cell]]) -> tuple[int, dict[str, int]] | None:
    for r, row in enumerate(rows[:20]):
        found: dict[str, int] = {}
        for c, cell in enumerate(row):
            key = match_key(as_text(cell))
            for name, aliases in _ALIASES.items():
                if key in {match_key(a) for a in aliases}:
                    found.setdefault(name, c)
        if found.keys() == _ALIASES.keys():
            return r, found
    return None


def parse_register(rows: Sequence[Sequence[Cell]]) -> tuple[list[RegisterRow],
                                                             list[RegisterProblem]]:
    """Register rows from the cells of a register tab or CSV; bad rows as problems."""
    header = _header(rows)
    if header is None:
        problem = RegisterProblem("", 1, "bad_row", "Sổ đăng ký thiếu dòng tiêu đề «Năm», «Mã "
                                  "đơn vị», «Bảng tính».", "The register has no header row "
                                  "(year, unit code, spreadsheet).")
        return [], [problem]
    first, columns = header
    parsed: list[RegisterRow] = []
    problems: list[RegisterProblem] = []
    for r in range(first + 1, len(rows)):
        row = rows[r]
        cell = {name: as_text(row[c]) if c < len(row) else "" for name, c in columns.items()}
        if not any(v.strip() for v in cell.values()):
            continue
        line, code = r + 1, cell["unit_code"].strip().upper()
        try:
            year = int(float(cell["year"].strip()))
            spreadsheet_id = spreadsheet_id_of(cell["spreadsheet"])
            if not code:
                raise ValueError("thiếu mã đơn vị")
        except ValueError as exc:
            problems.append(RegisterProblem(code, line, "bad_row",
                                            f"Sổ đăng ký, dòng {line}: không dùng được ({exc}).",
                                            f"Register line {line} is unusable."))
            continue
        parsed.append(RegisterRow(year, code, spreadsheet_id, line))
    return parsed, problems


def assign_year(rows: Sequence[RegisterRow], row_problems: Sequence[RegisterProblem],
                registry: Registry, year: int) -> YearAssignment:
    """Which spreadsheet each expected unit of `year` reports in, and what is wrong."""
    expected = {u.code for u in expected_units(registry, year)}
    known = {u.code for u in registry.units}
    problems = [p for p in row_problems]
    chosen: dict[str, RegisterRow] = {}
    for row in (r for r in rows if r.year == year):
        if row.unit_code not in known:
            problems.append(RegisterProblem(
                row.unit_code, row.line, "unknown_unit",
                f"Sổ đăng ký, dòng {row.line}: mã đơn vị «{row.unit_code}» không có trong danh "
                "mục đơn vị; hãy sửa mã đơn vị.",
                f"Register line {row.line}: unit code {row.unit_code} is not in the registry."))
        elif row.unit_code not in expected:
            problems.append(RegisterProblem(
                row.unit_code, row.line, "not_reporting",
                f"Sổ đăng ký, dòng {row.line}: đơn vị {row.unit_code} không phải báo cáo năm "
                f"{year} (đã giải thể, sáp nhập hoặc không thuộc diện báo cáo).",
                f"Register line {row.line}: unit {row.unit_code} is closed or does not report "
                f"for {year}."))
        else:
            previous = chosen.get(row.unit_code)
            if previous and previous.spreadsheet_id == row.spreadsheet_id:
                problems.append(RegisterProblem(
                    row.unit_code, row.line, "duplicate_row",
                    f"Sổ đăng ký, dòng {row.line} lặp lại dòng {previous.line} (đơn vị "
                    f"{row.unit_code} năm {year}, cùng bảng tính): hãy xóa dòng {row.line}.",
                    f"Register line {row.line} repeats line {previous.line} ({row.unit_code}, "
                    f"{year}, same spreadsheet)."))
                continue
            if previous:
                problems.append(RegisterProblem(
                    row.unit_code, row.line, "duplicate",
                    f"Sổ đăng ký có hai dòng cho đơn vị {row.unit_code} năm {year} (dòng "
                    f"{previous.line} và {row.line}): dùng dòng {row.line}; hãy xóa dòng thừa.",
                    f"Register lines {previous.line} and {row.line} both give {row.unit_code} "
                    f"for {year}: line {row.line} is used."))
            chosen[row.unit_code] = row
    owners: dict[str, str] = {}
    for code, row in sorted(chosen.items(), key=lambda item: item[1].line):
        if (other := owners.setdefault(row.spreadsheet_id, code)) != code:
            problems.append(RegisterProblem(
                code, row.line, "shared_spreadsheet",
                f"Sổ đăng ký, dòng {row.line}: bảng tính của {code} cũng được ghi cho {other}; "
                "mỗi đơn vị cần một bảng tính riêng.",
                f"Register line {row.line}: {code} and {other} share one spreadsheet."))
    missing = tuple(sorted(expected - chosen.keys()))
    names = {u.code: u.name_vi for u in registry.units}
    for code in missing:
        problems.append(RegisterProblem(
            code, 0, "missing_row",
            f"Sổ đăng ký không có dòng nào cho đơn vị {code} ({names.get(code, '')}) năm "
            f"{year}: chưa biết bảng tính của đơn vị; hãy thêm dòng «{year}, {code}, đường dẫn "
            "bảng tính» vào sổ đăng ký.",
            f"The register has no row for unit {code} in {year}."))
    return YearAssignment(chosen, missing, tuple(problems))
