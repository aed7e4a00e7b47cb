"""The registry of units, activities and indicators, read from the seed files.

The registry is data (`warehouse/seeds/*.csv`): a reorganisation of units is a change of
`units.csv`, never of code; another district or a province running the same programme is a
change of `locality.csv`. `read_registry` and `read_locality` are the only I/O here;
everything else is pure.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

DEFAULT_SEEDS_DIR = Path(__file__).resolve().parent.parent / "warehouse" / "seeds"
LOCALITY_SEED = "locality.csv"
DEADLINE_MONTH, DEADLINE_DAY = 12, 10  # section V of the plan: "trước ngày 10/12"
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # the deadline and every "today" are local time


@dataclass(frozen=True)
class Unit:
    code: str
    name_vi: str
    kind: str  # "agency" or "ward"
    valid_from: date
    valid_to: date | None
    successor_codes: tuple[str, ...]
    reports: bool
    email: str

    def active_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class ActivityAssignment:
    activity_code: str
    role: str  # "lead" or "coordinate"
    unit_selector: str  # a unit code, or "kind:agency" / "kind:ward"

    @property
    def selects(self) -> tuple[str, str]:
        """What the selector matches: ("kind", a unit kind) or ("code", a unit code)."""
        if self.unit_selector.startswith("kind:"):
            return "kind", self.unit_selector.removeprefix("kind:")
        return "code", self.unit_selector

    def covers(self, unit: Unit) -> bool:
        return self.selects in (("kind", unit.kind), ("code", unit.code))


@dataclass(frozen=True)
class Registry:
    units: tuple[Unit, ...]
    activity_codes: tuple[str, ...]
    assignments: tuple[ActivityAssignment, ...]
    seeds_dir: Path

    def unit(self, code: str) -> Unit | None:
        return next((u for u in self.units if u.code == code), None)


def deadline(year: int) -> date:
    """The reporting deadline of a year: 10 December."""
    return date(year, DEADLINE_MONTH, DEADLINE_DAY)


def expected_units(registry: Registry, year: int) -> tuple[Unit, ...]:
    """Units expected to report for `year`: reporting units active on that year's deadline."""
    day = deadline(year)
    return tuple(u for u in registry.units if u.reports and u.active_on(day))


def assigned_pairs(registry: Registry, units: tuple[Unit, ...]) -> frozenset[tuple[str, str]]:
    """(unit code, activity code) pairs where the unit leads or coordinates the activity
    (each assignment `covers` the unit: grouped by what it selects, not tried one by one)."""
    activities: dict[tuple[str, str], list[str]] = {}
    for a in registry.assignments:
        activities.setdefault(a.selects, []).append(a.activity_code)
    return frozenset(
        (unit.code, code)
        for unit in units
        for code in (*activities.get(("code", unit.code), ()),
                     *activities.get(("kind", unit.kind), ()))
    )


def _date(text: str) -> date | None:
    return date.fromisoformat(text) if text.strip() else None


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_registry(seeds_dir: Path = DEFAULT_SEEDS_DIR) -> Registry:
    """Read units, activities and their assignments from the seed folder."""
    units = tuple(
        Unit(
            code=row["unit_code"].strip(),
            name_vi=row["name_vi"].strip(),
            kind=row["kind"].strip(),
            valid_from=_date(row["valid_from"]) or date.min,
            valid_to=_date(row["valid_to"]),
            successor_codes=tuple(c for c in row["successor_codes"].split(";") if c.strip()),
            reports=row["reports"].strip().lower() == "true",
            email=row.get("email", "").strip(),
        )
        for row in _read_csv(seeds_dir / "units.csv")
    )
    activities = tuple(row["activity_code"] for row in _read_csv(seeds_dir / "activities.csv"))
    assignments = tuple(
        ActivityAssignment(row["activity_code"], row["role"], row["unit_selector"])
        for row in _read_csv(seeds_dir / "activity_units.csv")
    )
    return Registry(units, activities, assignments, seeds_dir)


# --- the locality: who reports to whom, where ----------------------------------------------

LOCALITY_KEYS = ("name", "level", "parent", "sub_unit", "issuer", "letterhead", "place",
                 "plan_title", "recipient")
_REPEATED = ("letterhead", "recipient")  # one row per line, in order
_OPTIONAL = ("parent",)  # a province has no level above it in the documents


class LocalityError(ValueError):
    """locality.csv cannot be used; the message names the file, the row and the key."""


@dataclass(frozen=True)
class Locality:
    """The place the plan belongs to (`warehouse/seeds/locality.csv`): every output's header
    reads it, so another district or a province is a change of the seed, not of code."""

    name: str  # the place's own name
    level: str  # its administrative level word: quận, huyện, thành phố, tỉnh
    parent: str  # the place it belongs to, with its level word ("" for a province)
    sub_unit: str  # the word for the units below it that report: phường, xã
    issuer: str  # the issuing authority, as a sentence names it
    letterhead: tuple[str, ...]  # the issuing authority's lines at the top left (Decree 30)
    place: str  # the place of the "<place>, ngày … tháng … năm …" line
    plan_title: str  # the plan's full title
    recipients: tuple[str, ...]  # the plan's "Nơi nhận"

    @property
    def full_name(self) -> str:
        """The level word and the name: "<level> <name>", as a sentence names the place."""
        return f"{self.level} {self.name}"

    @property
    def area(self) -> str:
        """The place within its parent, as a sentence starts: "<Level> <name>, <parent>"."""
        text = ", ".join(part for part in (self.full_name, self.parent) if part)
        return capitalised(text)

    @property
    def sub_unit_title(self) -> str:
        """The sub-unit word as a label starts: "Phường"."""
        return capitalised(self.sub_unit)


def capitalised(text: str) -> str:
    """The first letter in upper case, the rest as written ("xã Lê Lợi" → "Xã Lê Lợi";
    str.capitalize would lower "Lê Lợi")."""
    return text[:1].upper() + text[1:]


def locality_from_rows(rows: list[dict[str, str]], source: str = LOCALITY_SEED) -> Locality:
    """The locality from the seed's key/value rows; `LocalityError` names the row (as a
    spreadsheet numbers it, the header being row 1) and the key of what is wrong."""
    values: dict[str, list[str]] = {}
    for number, row in enumerate(rows, start=2):
        key = (row.get("key") or "").strip()
        value = (row.get("value") or "").strip()
        if key not in LOCALITY_KEYS:
            raise LocalityError(f"{source}, dòng {number}: khóa «{key}» không hợp lệ; dùng "
                                f"{', '.join(LOCALITY_KEYS)}")
        if key in values and key not in _REPEATED:
            raise LocalityError(f"{source}, dòng {number}: khóa «{key}» lặp lại; mỗi khóa "
                                f"một dòng (trừ {' và '.join(_REPEATED)})")
        if not value and key not in _OPTIONAL:
            raise LocalityError(f"{source}, dòng {number}: khóa «{key}» chưa có giá trị")
        values.setdefault(key, []).append(value)
    absent = [key for key in LOCALITY_KEYS if key not in values and key not in _OPTIONAL]
    if absent:
        raise LocalityError(f"{source}: thiếu khóa {', '.join(absent)}")
    one = {key: found[0] for key, found in values.items() if key not in _REPEATED}
    return Locality(name=one["name"], level=one["level"], parent=one.get("parent", ""),
                    sub_unit=one["sub_unit"], issuer=one["issuer"],
                    letterhead=tuple(values["letterhead"]), place=one["place"],
                    plan_title=one["plan_title"], recipients=tuple(values["recipient"]))


def read_locality(seeds_dir: Path = DEFAULT_SEEDS_DIR) -> Locality:
    """The locality of the seed folder (`locality.csv`)."""
    path = seeds_dir / LOCALITY_SEED
    try:
        rows = _read_csv(path)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise LocalityError(f"không đọc được {path} ({type(exc).__name__})") from None
    return locality_from_rows(rows, str(path))
