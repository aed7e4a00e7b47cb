"""A1 ranges and cell values as the Sheets API renders and accepts them.

Rendering follows a Vietnamese-locale spreadsheet (vi_VN): FORMATTED_VALUE shows numbers
with "." thousands and "," decimals when the cell's number format groups digits
(e.g. "#,##0"), "12,5" for 12.5 under the automatic format, and dates as dd/mm/yyyy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .errors import invalid

SERIAL_EPOCH = datetime(1899, 12, 30)
VALUE_RENDER_OPTIONS = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
DATE_RENDER_OPTIONS = ("SERIAL_NUMBER", "FORMATTED_STRING")
JsonValue = str | int | float | bool

_A1 = re.compile(r"^([A-Za-z]{0,3})(\d*)(?::([A-Za-z]{0,3})(\d*))?$")
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9_]+$")


@dataclass(frozen=True)
class CellBox:
    """A rectangle of a tab, 1-based and inclusive; None as an end means "to the grid's end"."""

    first_row: int = 1
    first_col: int = 1
    last_row: int | None = None
    last_col: int | None = None


@dataclass(frozen=True)
class SheetRange:
    """A parsed range: the tab's title (None: the first tab) and the box within it."""

    title: str | None
    box: CellBox
    whole_tab: bool


def column_letters(index: int) -> str:
    """1 → "A", 27 → "AA"."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """"A" → 1, "AA" → 27."""
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - ord("A") + 1
    return index


def parse_a1(text: str) -> CellBox | None:
    """"A1", "A1:B2", "A:B", "2:5", "A5:C" as a box, or None when it is not A1 notation."""
    match = _A1.match(text.strip())
    if not match:
        return None
    col1, row1, col2, row2 = match.groups()
    if not (col1 or row1):
        return None
    if col2 is None and row2 is None:
        if not (col1 and row1):
            return None
        col2, row2 = col1, row1
    if not (col2 or row2):
        return None
    return CellBox(
        first_row=int(row1) if row1 else 1,
        first_col=column_index(col1) if col1 else 1,
        last_row=int(row2) if row2 else None,
        last_col=column_index(col2) if col2 else None,
    )


def _split_quoted(text: str) -> tuple[str, str] | None:
    """"'It''s'!A1" → ("It's", "A1"); None when the quotes are unbalanced."""
    title, index = [], 1
    while index < len(text):
        char = text[index]
        if char == "'" and text[index + 1:index + 2] == "'":
            title.append("'")
            index += 2
        elif char == "'":
            return "".join(title), text[index + 1:]
        else:
            title.append(char)
            index += 1
    return None


def parse_range(text: str, titles: list[str]) -> SheetRange:
    """Parse a range the way Sheets does: a tab name (quoted or not), optionally followed
    by "!" and A1 notation, or bare A1 notation on the first tab."""
    error = invalid(f"Unable to parse range: {text}")
    if text.startswith("'"):
        parts = _split_quoted(text)
        if parts is None or (parts[1] and not parts[1].startswith("!")):
            raise error
        title, rest = parts[0], parts[1][1:]
    elif text in titles or "!" not in text:
        title, rest = text, ""
    else:
        title, rest = text.rsplit("!", 1)
    found = find_title(title, titles)
    if found is None:
        box = parse_a1(text) if not text.startswith("'") and "!" not in text else None
        if box is None:
            raise error
        return SheetRange(None, box, whole_tab=False)
    if not rest:
        return SheetRange(found, CellBox(), whole_tab=True)
    box = parse_a1(rest)
    if box is None:
        raise error
    return SheetRange(found, box, whole_tab=False)


def find_title(title: str, titles: list[str]) -> str | None:
    """The tab called `title`: exact match first, then ignoring case as Sheets does."""
    if title in titles:
        return title
    folded = title.casefold()
    return next((t for t in titles if t.casefold() == folded), None)


def quote_title(title: str) -> str:
    """A tab name as Sheets writes it in a returned range: quoted unless plain."""
    if _PLAIN_NAME.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def a1_text(title: str, first_row: int, first_col: int, last_row: int, last_col: int) -> str:
    """"'Hoạt động'!A1:N20"."""
    start = f"{column_letters(first_col)}{first_row}"
    end = f"{column_letters(last_col)}{last_row}"
    return f"{quote_title(title)}!{start}" + ("" if start == end else f":{end}")


# ---------------------------------------------------------------- rendering values


def to_serial(value: datetime | date | time | timedelta) -> int | float:
    """Days since 1899-12-30, with a fraction for the time of day."""
    if isinstance(value, timedelta):
        days = value.total_seconds() / 86400
    elif isinstance(value, datetime):
        delta = value.replace(tzinfo=None) - SERIAL_EPOCH
        days = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
    elif isinstance(value, date):
        days = (value - SERIAL_EPOCH.date()).days
    else:
        days = (value.hour * 3600 + value.minute * 60 + value.second) / 86400
    return int(days) if float(days).is_integer() else days


def _format_date(value: datetime | date | time | timedelta) -> str:
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    text = value.strftime("%d/%m/%Y")
    if isinstance(value, datetime) and value.time() != time(0):
        text += value.strftime(" %H:%M:%S")
    return text


def _vietnamese_digits(text: str) -> str:
    """Swap "1,234.5" (Python's separators) to "1.234,5"."""
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def _format_general(number: int | float) -> str:
    if float(number).is_integer() and abs(number) < 1e15:
        return str(int(number))
    return _vietnamese_digits(f"{number:.10g}").upper()  # 1E+20 as Sheets writes it


def format_number(number: int | float, number_format: str) -> str:
    """A number as a vi_VN sheet shows it under the cell's number format (the common
    formats: General, 0, 0.00, #,##0, #,##0.00, 0%, 0.00%)."""
    section = re.sub(r'"[^"]*"|\[[^\]]*\]', "", number_format.split(";")[0])
    if "0" not in section and "#" not in section:
        return _format_general(number)
    decimals_match = re.search(r"\.(0+)", section)
    decimals = len(decimals_match.group(1)) if decimals_match else 0
    percent = "%" in section
    grouping = "," if "#,#" in section or "0,0" in section else ""
    shown = Decimal(repr(number)) * (100 if percent else 1)
    rounded = shown.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = _vietnamese_digits(f"{rounded:{grouping}.{decimals}f}")
    return text + ("%" if percent else "")


def render(value: Any, number_format: str, value_option: str, date_option: str) -> JsonValue:
    """One non-empty cell value as the API returns it for the given render options."""
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE") if value_option == "FORMATTED_VALUE" else value
    if isinstance(value, datetime | date | time | timedelta):
        if value_option == "FORMATTED_VALUE" or date_option == "FORMATTED_STRING":
            return _format_date(value)
        return to_serial(value)
    if isinstance(value, int | float):
        if value_option == "FORMATTED_VALUE":
            return format_number(value, number_format)
        return int(value) if float(value).is_integer() else value
    return str(value)


def is_blank(value: Any) -> bool:
    """Sheets treats an empty string cell as no value."""
    return value is None or value == ""


# ---------------------------------------------------------------- values written in

_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?\d*\.\d+$")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def user_entered(value: Any) -> Any:
    """What a value typed by a person becomes: formulas, TRUE/FALSE, plain numbers and
    dates (dd/mm/yyyy or yyyy-mm-dd) are parsed; other text stays text."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.upper() in ("TRUE", "FALSE"):
        return text.upper() == "TRUE"
    if _INTEGER.match(text):
        return int(text)
    if _DECIMAL.match(text):
        return float(text)
    for pattern, order in ((_DMY, (3, 2, 1)), (_ISO_DATE, (1, 2, 3))):
        if match := pattern.match(text):
            year, month, day = (int(match.group(i)) for i in order)
            try:
                return datetime(year, month, day)
            except ValueError:
                return value
    return value
