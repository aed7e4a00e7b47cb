"""The registry of units, activities and indicators, read from the seed files.

The registry is data (`warehouse/seeds/*.csv`): a reorganisation of units is a change of
`units.csv`, never of code. `read_registry` is the only I/O here; everything else is pure.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

DEFAULT_SEEDS_DIR = Path(__file__).resolve().parent.parent / "warehouse" / "seeds"
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

    def covers(self, unit: Unit) -> bool:
        if self.unit_selector.startswith("kind:"):
            return unit.kind == self.unit_selector.removeprefix("kind:")
        return unit.code == self.unit_selector


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
    """(unit code, activity code) pairs where the unit leads or coordinates the activity."""
    return frozenset(
        (unit.code, a.activity_code)
        for unit in units
        for a in registry.assignments
        if a.covers(unit)
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
