"""Reading values the way Vietnamese spreadsheets write them. Pure functions, no I/O.

Each parser returns a `Parsed`: the typed value, or the reason (a rule name) it could not
be read. Blank cells give `Parsed(None)`: whether blank is allowed is the caller's rule.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from core.escape import BREAKS, CONTROL_RANGES, is_control

Cell = str | int | float | bool | date | datetime | None

FORMULA_ERRORS = frozenset(
    {"#REF!", "#DIV/0!", "#N/A", "#VALUE!", "#NAME?", "#NUM!", "#NULL!", "#ERROR!", "#SPILL!"}
)
EXCEL_EPOCH = date(1899, 12, 30)
_SERIAL_RANGE = (10958, 73051)  # 01/01/1930 .. 31/12/2099


@dataclass(frozen=True)
class Parsed:
    value: Any = None
    error: str | None = None  # a rule name from core.messages, or None

    @property
    def ok(self) -> bool:
        return self.error is None


# The text functions below are pure and see the same few thousand texts again and again in a
# year's workbooks (headers, choices, "Có", units' codes): each distinct text is worked out
# once per process. Only `str` arguments are cached (1, 1.0 and True are equal as keys).
_TEXTS_CACHED = 1 << 16


@lru_cache(maxsize=_TEXTS_CACHED)
def nfc(text: str) -> str:
    """NFC-normalise and trim; non-breaking spaces become plain spaces."""
    return unicodedata.normalize("NFC", text.replace("\u00a0", " ")).strip()


@lru_cache(maxsize=_TEXTS_CACHED)
def fold(text: str) -> str:
    """Case-, accent- and spacing-insensitive form: "Hoạt  Động" and "hoat dong" meet."""
    lowered = nfc(text).lower().replace("đ", "d")
    stripped = "".join(
        ch for ch in unicodedata.normalize("NFD", lowered) if not unicodedata.combining(ch)
    )
    return " ".join(stripped.split())


@lru_cache(maxsize=_TEXTS_CACHED)
def match_key(text: str) -> str:
    """`fold` without punctuation, for matching labels, headers, tab names and choices."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", fold(text)).split())


def is_blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and nfc(cell) == "")


# A control character as Excel writes it in the file (`_x0001_`): some readers (openpyxl)
# hand the escape on as text, others (calamine) decode it; the parser takes both the same.
_CONTROL_OR_ESCAPE = re.compile(f"_x([0-9A-Fa-f]{{4}})_|[{CONTROL_RANGES}]")


def strip_controls(cell: Cell) -> tuple[Cell, tuple[str, ...]]:
    """A text cell without its control characters (core.escape), raw or in Excel's
    `_x0001_` form, and the code points removed ("U+0001", in order, once each); a pasted
    line or page break becomes a space. Other cells are returned as they are.

    Only escapes of control characters are taken out: `_x0041_` stays as typed."""
    if not isinstance(cell, str):
        return cell, ()
    return _strip_text(cell)


@lru_cache(maxsize=_TEXTS_CACHED)
def _strip_text(cell: str) -> tuple[str, tuple[str, ...]]:
    removed: dict[str, None] = {}

    def drop(match: re.Match[str]) -> str:
        character = chr(int(match.group(1), 16)) if match.group(1) else match.group()
        if not is_control(character):
            return match.group()
        removed[f"U+{ord(character):04X}"] = None
        return " " if character in BREAKS else ""

    cleaned = _CONTROL_OR_ESCAPE.sub(drop, cell)
    return cleaned, tuple(removed)


def formula_error(cell: Cell) -> bool:
    return isinstance(cell, str) and nfc(cell).upper() in FORMULA_ERRORS


def as_text(cell: Cell) -> str:
    """How a cell reads to a person, for messages and for text columns."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, datetime):
        if cell.time() == datetime.min.time():
            return cell.strftime("%d/%m/%Y")
        return cell.strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(cell, date):
        return cell.strftime("%d/%m/%Y")
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, str):
        return nfc(cell)
    return str(cell)


def parse_text(cell: Cell) -> Parsed:
    if is_blank(cell):
        return Parsed(None)
    if formula_error(cell):
        return Parsed(None, "formula_error")
    return Parsed(" ".join(as_text(cell).split()))


def parse_code(cell: Cell) -> Parsed:
    got = parse_text(cell)
    if not got.ok or got.value is None:
        return got
    return Parsed(got.value.replace(" ", "").upper())


_GROUPED_DOTS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")
_GROUPED_SPACES = re.compile(r"^-?\d{1,3}( \d{3})+$")
_PLAIN_INT = re.compile(r"^-?\d+$")
_DECIMAL_VI = re.compile(r"^-?\d{1,3}(\.\d{3})*,\d+$|^-?\d+,\d+$")
_CURRENCY = re.compile(r"\s*(đồng|đ|vnđ|vnd)\.?$", re.IGNORECASE)


def _number_text(text: str) -> str:
    return " ".join(_CURRENCY.sub("", nfc(text)).split())


def parse_whole(cell: Cell) -> Parsed:
    """A whole number: 1234, "1.234", "1 234", "80.000"; "12,5" or 12.5 is an error."""
    if is_blank(cell):
        return Parsed(None)
    if formula_error(cell):
        return Parsed(None, "formula_error")
    if isinstance(cell, bool) or isinstance(cell, date):
        return Parsed(None, "not_whole")
    if isinstance(cell, int):
        return Parsed(cell)
    if isinstance(cell, float):
        return Parsed(int(cell)) if cell.is_integer() else Parsed(None, "not_whole")
    text = _number_text(str(cell))
    if _PLAIN_INT.match(text):
        return Parsed(int(text))
    if _GROUPED_DOTS.match(text):
        return Parsed(int(text.replace(".", "")))
    if _GROUPED_SPACES.match(text):
        return Parsed(int(text.replace(" ", "")))
    return Parsed(None, "not_whole")


def parse_money(cell: Cell) -> Parsed:
    """An amount in đồng: whole-number forms plus a decimal comma ("1.234.567,5")."""
    got = parse_whole(cell)
    if got.ok:
        return got
    if isinstance(cell, float):
        return Parsed(cell)
    if isinstance(cell, str):
        text = _number_text(cell)
        if _DECIMAL_VI.match(text):
            return Parsed(float(text.replace(".", "").replace(",", ".")))
    return Parsed(None, "not_number")


_DMY = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")


def parse_date(cell: Cell) -> Parsed:
    """A date cell, an Excel/Sheets serial number, dd/mm/yyyy, d/m/yyyy or yyyy-mm-dd."""
    if is_blank(cell):
        return Parsed(None)
    if formula_error(cell):
        return Parsed(None, "formula_error")
    if isinstance(cell, datetime):
        return Parsed(cell.date())
    if isinstance(cell, date):
        return Parsed(cell)
    if isinstance(cell, bool):
        return Parsed(None, "not_date")
    if isinstance(cell, int | float):
        if _SERIAL_RANGE[0] <= cell <= _SERIAL_RANGE[1] and float(cell).is_integer():
            return Parsed(EXCEL_EPOCH + timedelta(days=int(cell)))
        return Parsed(None, "not_date")
    text = nfc(str(cell))
    try:
        if m := _DMY.match(text):
            day, month, year = (int(g) for g in m.groups())
            return Parsed(date(year, month, day))
        if m := _YMD.match(text):
            year, month, day = (int(g) for g in m.groups())
            return Parsed(date(year, month, day))
    except ValueError:
        return Parsed(None, "not_date")
    if re.fullmatch(r"\d{5}", text):
        return parse_date(int(text))
    return Parsed(None, "not_date")


_YES = frozenset({"co", "x", "v", "1", "true", "yes", "dung"})
_NO = frozenset({"khong", "0", "false", "no"})


def parse_yes_no(cell: Cell) -> Parsed:
    """Có / x / ✓ / 1 / TRUE / Yes, or Không / 0 / FALSE / No; blank is None."""
    if is_blank(cell):
        return Parsed(None)
    if formula_error(cell):
        return Parsed(None, "formula_error")
    if isinstance(cell, bool):
        return Parsed(cell)
    if isinstance(cell, int | float) and cell in (0, 1):
        return Parsed(bool(cell))
    text = nfc(str(cell))
    if text in {"✓", "✔", "☑"}:
        return Parsed(True)
    key = fold(text)
    if key in _YES:
        return Parsed(True)
    if key in _NO:
        return Parsed(False)
    return Parsed(None, "not_yes_no")


def parse_choice(cell: Cell, choices: tuple[str, ...]) -> Parsed:
    """The canonical choice whose folded form matches; an unknown text is kept as typed
    so that the allowed-values expectation reports it."""
    got = parse_text(cell)
    if not got.ok or got.value is None:
        return got
    wanted = match_key(got.value)
    for choice in choices:
        if match_key(choice) == wanted:
            return Parsed(choice)
    return Parsed(got.value)


_ACTIVITY = re.compile(r"^(?:[ivx]+\s*[.\-]\s*)?([1-7])\s*[.\-]?\s*([a-d])\s*[).]?$")


def parse_activity(cell: Cell) -> Parsed:
    """"1a", "1.a", "1a)", "I.1.a" and "1A" all mean activity 1a; anything else is kept as
    typed for the allowed-values expectation."""
    got = parse_text(cell)
    if not got.ok or got.value is None:
        return got
    m = _ACTIVITY.match(fold(got.value).replace(" ", ""))
    return Parsed(f"{m.group(1)}{m.group(2)}") if m else Parsed(got.value)
