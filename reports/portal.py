"""The programme's indicator portal: a static site (plain HTML and CSS, relative links, no
script, no external resource) built from the marts and the registry.

Pure: `build_site(data)` turns the frames read by `tasks.portal` into a mapping of relative
path → file bytes; the task writes them. Every text that reaches HTML is escaped (names and
file names come from the registry and the units' workbooks).

Pages: `index.html` (CT1–CT5 tiles), `chi-tieu/<code>.html` (series 2022–2030 as SVG and
table, milestones, ward readings, definition, source), `don-vi/<code>.html` (submissions,
led activities, predecessors' history), `nguon/<key>.html` (the cells behind one figure),
`tai-ve/` (each page's tables as CSV and XLSX).

Across a reorganisation the registry says which ward succeeds which (`successor_codes`): a
current ward's series adds up the readings of itself and its predecessors, counting each
unit only in the years it was active on that year's deadline (10/12), so no unit is counted
twice and a closed unit never reappears.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import operator
import re
import struct
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from html import escape  # TODO(core/escape.py): switch to the shared escaper when it lands
from itertools import chain, repeat
from typing import NamedTuple, TypeVar

import numpy as np
import pandas as pd

from core.escape import xml_text
from core.registry import Locality, deadline
from core.report import (
    INDICATOR_STATUS_VI,
    PROGRESS_STATUS_VI,
    STATUS_VI,
    unit_kind_vi,
    vn_date,
    vn_number,
    vn_percent,
)
from core.runtime import cycles_not_collected
from core.template import TEMPLATE
from reports.content import PLAN_END_YEAR, PLAN_START_YEAR
from reports.xlsx import ERROR_VALUES, MAX_CELL_TEXT, cell_text, space_kept

_T = TypeVar("_T")
_K = TypeVar("_K")
COUNTS_AS_VI = {"numerator": "Tử số", "denominator": "Mẫu số", "condition": "Điều kiện"}
YES_NO = {True: "Có", False: "Không"}
# The column a cell was typed in, as the template's header reads (the one definition)
COLUMN_HEADERS = {col.key: col.header for tab in TEMPLATE for col in tab.columns}
MEASURE_VI = {"rate": "Tỷ lệ (%)", "sessions": "Số cuộc"}


@dataclass(frozen=True)
class PortalData:
    """What the portal reads: ref tables (labels, registry, targets) and marts, all years."""

    indicators: pd.DataFrame  # ref.indicators
    targets: pd.DataFrame  # ref.indicator_targets
    audiences: pd.DataFrame  # ref.ct1_audiences
    units: pd.DataFrame  # ref.units
    activities: pd.DataFrame  # ref.activities
    values: pd.DataFrame  # marts.indicator_values
    progress: pd.DataFrame  # marts.indicator_progress
    submissions: pd.DataFrame  # marts.submission_status
    coverage: pd.DataFrame  # marts.activity_coverage
    lineage: pd.DataFrame  # marts.figure_lineage
    locality: Locality  # the place in the title, the level and sub-unit words of the labels
    updated_at: Mapping[int, object] = field(default_factory=dict)  # year → last fetch
    plan_text: Mapping[str, str] = field(default_factory=dict)  # indicator → plan's words

    @cached_property
    def lineage_keys(self) -> frozenset[tuple[str, int, str, str]]:
        """The readings that have cells in marts.figure_lineage (a link is shown for them)."""
        keys = self.lineage[["indicator_code", "year", "scope", "scope_code"]].drop_duplicates()
        return frozenset((str(c), int(y), str(s), str(sc))
                         for c, y, s, sc in keys.itertuples(index=False))

    @cached_property
    def index(self) -> PortalIndex:
        """The frames' rows grouped once by the keys the pages look them up by."""
        return PortalIndex(self)

    @cached_property
    def registry(self) -> Registry:
        return Registry(self.units)


class Cell(NamedTuple):
    """One cell of a page's table (a tuple: a site makes a million of them)."""

    text: str
    raw: object = None  # the value in downloads (the text when None)
    href: str | None = None


@dataclass(frozen=True)
class Table:
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Page:
    path: str  # relative to the site's root, e.g. "chi-tieu/CT1.html"
    title: str
    body: str  # HTML of <main> after <h1>, tables included through {table:n}
    tables: tuple[Table, ...] = ()


def esc(text: object) -> str:
    text = str(text)
    return escape(text, quote=True) if _MARKUP.search(text) else text  # most text has none


_MARKUP = re.compile("[&<>\"']")


def missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, (str, int)):  # the common cases first (bool is an int)
        return False
    if isinstance(value, float):
        return value != value
    try:
        return value is None or bool(pd.isna(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


@functools.lru_cache(maxsize=1 << 16)  # a unit's or a figure's key is asked for on many pages
def slug(text: str) -> str:
    """A file-name-safe key: letters, digits, '-' and '_' only."""
    return _UNSAFE_IN_NAMES.sub("_", text)


_UNSAFE_IN_NAMES = re.compile(r"[^A-Za-z0-9_-]+")


def lineage_path(code: str, year: int, scope: str, scope_code: str) -> str:
    return f"nguon/{slug(f'{code}-{year}-{scope}-{scope_code}')}.html"


def unit_path(code: str) -> str:
    return f"don-vi/{slug(code)}.html"


def indicator_path(code: str) -> str:
    return f"chi-tieu/{slug(code)}.html"


def relative(from_page: str, target: str) -> str:
    depth = from_page.count("/")
    return "../" * depth + target


# --- the registry across the reorganisation ------------------------------------------------

def unit_names(data: PortalData) -> dict[str, str]:
    names = dict(zip(data.submissions.get("unit_code", []), data.submissions.get("unit_name", []),
                     strict=True))
    return names | dict(zip(data.units["unit_code"], data.units["unit_name"], strict=True))


def successors(units: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for code, text in zip(units["unit_code"], units["successor_codes"], strict=True):
        if not missing(text):
            out[code] = tuple(c.strip() for c in str(text).replace(";", ",").split(",")
                              if c.strip())
    return out


class Registry:
    """ref.units read once: each unit's row, its successors and predecessors, the days it
    was active (a site asks about every unit, so no question scans the frame)."""

    def __init__(self, units: pd.DataFrame) -> None:
        self.codes = list(units["unit_code"])  # registry order, as listed
        self.kinds = list(units["unit_kind"]) if "unit_kind" in units else [None] * len(units)
        self.successors = successors(units)
        self.rows: dict[str, dict[str, object]] = {}  # a code's first row
        for row in _records(units):
            self.rows.setdefault(row["unit_code"], row)
        self._order = {code: i for i, code in reversed(list(enumerate(self.codes)))}
        self._before: dict[str, list[str]] = {}  # code → the units it directly succeeds
        for unit, after in self.successors.items():
            for code in dict.fromkeys(after):
                self._before.setdefault(code, []).append(unit)
        self._predecessors: dict[str, tuple[str, ...]] = {}
        self._spans: dict[str, tuple[date | None, date | None] | None] = {}

    def row(self, code: str) -> Mapping[str, object] | None:
        return self.rows.get(code)

    def predecessors(self, code: str) -> tuple[str, ...]:
        """Every unit whose successors lead (directly or through others) to `code`, in
        registry order."""
        if code not in self._predecessors:
            found, frontier = {code}, [code]
            while frontier:
                for unit in self._before.get(frontier.pop(), ()):
                    if unit not in found:
                        found.add(unit)
                        frontier.append(unit)
            found.discard(code)
            self._predecessors[code] = tuple(sorted(found, key=self._order.__getitem__))
        return self._predecessors[code]

    def current(self, code: str) -> str:
        """The unit that carries `code`'s series today: follow successors while there is
        one."""
        seen = {code}
        while len(self.successors.get(code, ())) >= 1 and self.successors[code][0] not in seen:
            code = self.successors[code][0]
            seen.add(code)
        return code

    def active_on(self, code: str, day: date) -> bool:
        if code not in self._spans:
            row = self.rows.get(code)
            self._spans[code] = (None if row is None
                                 else (_day(row["valid_from"]), _day(row["valid_to"])))
        span = self._spans[code]
        if span is None:
            return False
        start, end = span
        return (start is None or start <= day) and (end is None or day <= end)


class PortalIndex:
    """The marts' rows grouped once by the keys the pages look them up by: a page costs its
    own rows, not a scan of every frame (a site has a page per unit and per figure). Each
    group keeps the mart's order; rows are dicts of Python values, as `iterrows` gives."""

    def __init__(self, data: PortalData) -> None:
        self._data = data

    @cached_property
    def measures(self) -> dict[object, object]:
        """indicator → its measure (the first row of ref.indicators)."""
        out: dict[object, object] = {}
        for code, measure in zip(self._data.indicators["indicator_code"],
                                 self._data.indicators["measure"], strict=True):
            out.setdefault(code, measure)
        return out

    @cached_property
    def target_kinds(self) -> dict[tuple[object, object], str]:
        """(indicator, scope) → the kind of its first target in ref.indicator_targets."""
        targets, out = self._data.targets, {}
        if len(targets):
            for code, scope, kind in zip(targets["indicator_code"], targets["scope"],
                                         targets["kind"], strict=True):
                out.setdefault((code, scope), str(kind))
        return out

    @cached_property
    def values(self) -> list[dict[str, object]]:
        return _records(self._data.values)

    @cached_property
    def readings(self) -> dict[tuple[object, ...], dict[str, object]]:
        """(indicator, year, scope, scope_code) → the first such row of the values."""
        out: dict[tuple[object, ...], dict[str, object]] = {}
        for row in self.values:
            out.setdefault((row["indicator_code"], row["year"], row["scope"], row["scope_code"]),
                           row)
        return out

    @cached_property
    def district_rows(self) -> dict[tuple[object, object], dict[str, object]]:
        """(indicator, year) → the first district row of the values."""
        out: dict[tuple[object, object], dict[str, object]] = {}
        for row in self.values:
            if row["scope"] == "district":
                out.setdefault((row["indicator_code"], row["year"]), row)
        return out

    @cached_property
    def scope_rows(self) -> dict[tuple[object, object], list[tuple[int, dict[str, object]]]]:
        """(indicator, scope) → (position in the mart, row) of each reading."""
        out: dict[tuple[object, object], list[tuple[int, dict[str, object]]]] = {}
        for position, row in enumerate(self.values):
            out.setdefault((row["indicator_code"], row["scope"]), []).append((position, row))
        return out

    @cached_property
    def ward_rows(self) -> dict[tuple[object, object], list[tuple[int, dict[str, object]]]]:
        """(indicator, ward) → (position in the mart, row) of each ward reading."""
        out: dict[tuple[object, object], list[tuple[int, dict[str, object]]]] = {}
        for position, row in enumerate(self.values):
            if row["scope"] == "ward":
                out.setdefault((row["indicator_code"], row["scope_code"]), []).append(
                    (position, row))
        return out

    @cached_property
    def ward_readings_of(self) -> dict[object, list[tuple[int, dict[str, object]]]]:
        """ward → (position in the mart, row) of each of its readings, every indicator."""
        out: dict[object, list[tuple[int, dict[str, object]]]] = {}
        for (_, ward), rows in self.ward_rows.items():
            out.setdefault(ward, []).extend(rows)
        return out

    @cached_property
    def submissions(self) -> dict[object, list[tuple[int, dict[str, object]]]]:
        """unit → (position, row) of its rows of marts.submission_status."""
        return _grouped(self._data.submissions, "unit_code")

    @cached_property
    def coverage(self) -> dict[object, list[tuple[int, dict[str, object]]]]:
        """unit → (position, row) of its rows of marts.activity_coverage."""
        return _grouped(self._data.coverage, "unit_code")

    @cached_property
    def lineage_columns(self) -> dict[str, list[object]]:
        """The columns of marts.figure_lineage the lineage pages show, as Python values."""
        return {c: self._data.lineage[c].tolist() for c in LINEAGE_COLUMNS}

    @cached_property
    def lineage(self) -> dict[tuple[object, ...], list[int]]:
        """(indicator, year, scope, scope_code) → the positions of its cells in
        `lineage_columns`, in the order of its page (unit, tab, row, column, as pandas'
        sort_values sorts them: blanks last, ties in the mart's order); a key with a blank
        part is left out, as pandas' groupby leaves it out. One sort of the whole mart
        instead of one per page; no row made a dict."""
        frame, columns = self._data.lineage, self.lineage_columns
        order_keys = list(zip(*(_sort_keys(columns[c], frame[c].isna().tolist())
                                for c in LINEAGE_ORDER), strict=True))
        keys = list(zip(*(columns[c] for c in LINEAGE_KEY), strict=True))
        blank = frame[list(LINEAGE_KEY)].isna().any(axis=1).tolist()
        out: dict[tuple[object, ...], list[int]] = {}
        for position in sorted(range(len(keys)), key=order_keys.__getitem__):  # stable
            if not blank[position]:
                out.setdefault(keys[position], []).append(position)
        return out

    @cached_property
    def made_rows(self) -> dict[str, dict]:
        """Table rows made once and reused by the pages that show the same values."""
        return {}

    def lineage_cells(self, names: Mapping[str, str]) -> dict[str, CellMemo]:
        """How each shown lineage column's values become cells, memoised for the site."""
        if getattr(self, "_lineage_cells", None) is None or self._lineage_cells[0] is not names:
            self._lineage_cells = (names, {c: CellMemo(make) for c, make
                                           in lineage_cell_makers(names).items()})
        return self._lineage_cells[1]

    @cached_property
    def activity_titles(self) -> dict[object, object]:
        return dict(zip(self._data.activities["activity_code"],
                        self._data.activities["activity_name"], strict=True))


def _records(frame: pd.DataFrame, columns: Sequence[str] | None = None) -> list[dict[str, object]]:
    """The rows (only `columns`, when given) as dicts of Python values (None, NaN, NA or NaT
    for a blank, as `iterrows` gives them)."""
    names = [str(c) for c in (frame.columns if columns is None else columns)]
    return [dict(zip(names, row, strict=True))
            for row in zip(*(frame[c].tolist() for c in names), strict=True)]


# what the lineage pages show of marts.figure_lineage (its time stamps cost the most to read)
LINEAGE_COLUMNS = ("indicator_code", "year", "scope", "scope_code", "unit_code", "tab",
                   "sheet_row", "column_key", "value", "counts_as", "source_ref")
LINEAGE_KEY = ("indicator_code", "year", "scope", "scope_code")  # a lineage page's reading
LINEAGE_ORDER = ("unit_code", "tab", "sheet_row", "column_key")  # its rows' order


def _sort_keys(values: Sequence[object], blank: Sequence[bool]) -> list[tuple[int, object]]:
    """`_sort_key` of each value, the blanks given (pandas' isna)."""
    return [(1, 0) if b else (0, v) for v, b in zip(values, blank, strict=True)]


def _grouped(frame: pd.DataFrame, column: str) -> dict[object, list[tuple[int, dict[str, object]]]]:
    out: dict[object, list[tuple[int, dict[str, object]]]] = {}
    for position, row in enumerate(_records(frame)):
        out.setdefault(row[column], []).append((position, row))
    return out


def _in_order(rows: Iterable[tuple[int, Mapping[str, object]]],
              columns: Sequence[str]) -> list[Mapping[str, object]]:
    """Rows sorted by `columns` as pandas' sort_values sorts them (blanks last, ties in the
    mart's order)."""
    rows = list(rows)
    if len(rows) < 2:  # a unit's reports of one year, most of its readings
        return [row for _, row in rows]
    pick = operator.itemgetter(*columns)
    if len(columns) == 1:
        def key(item: tuple[int, Mapping[str, object]]) -> tuple[object, ...]:
            return (_sort_key(pick(item[1])), item[0])
    else:
        def key(item: tuple[int, Mapping[str, object]]) -> tuple[object, ...]:
            return (*map(_sort_key, pick(item[1])), item[0])
    return [row for _, row in sorted(rows, key=key)]


def _sort_key(value: object) -> tuple[int, object]:
    blank = (value is None or value is pd.NA or value is pd.NaT
             or (isinstance(value, float) and value != value))
    return (1, 0) if blank else (0, value)


def active_readings(data: PortalData, readings: pd.DataFrame, year: int) -> pd.DataFrame:
    """The readings of units active on `year`'s deadline (a closed unit's row never counts)."""
    day = deadline(year)
    keep = pd.Series([data.registry.active_on(c, day) for c in readings["scope_code"]],
                     index=readings.index, dtype=bool)
    return readings[keep]


def _day(value: object) -> date | None:
    if missing(value):
        return None
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def successor_series(data: PortalData, code: str, ward: str) -> pd.DataFrame:
    """One row per year: the ward readings of `ward` and its predecessors summed, each unit
    counted only in the years it was active on the deadline. Columns year, numerator,
    denominator, value, units (the codes added up)."""
    return pd.DataFrame(_successor_rows(data, code, ward),
                        columns=["year", "numerator", "denominator", "value", "units"])


def _successor_rows(data: PortalData, code: str, ward: str) -> list[dict[str, object]]:
    members = dict.fromkeys((ward, *data.registry.predecessors(ward)))
    ward_rows = data.index.ward_rows
    readings = sorted((item for m in members for item in ward_rows.get((code, m), ())),
                      key=lambda item: item[0])  # the mart's order
    by_year: dict[int, list[Mapping[str, object]]] = {}
    for _, row in readings:
        by_year.setdefault(row["year"], []).append(row)  # type: ignore[arg-type]
    rows = []
    for year in sorted(by_year):
        day = deadline(int(year))
        group = [r for r in by_year[year] if data.registry.active_on(r["scope_code"], day)]
        if group:
            rows.append(_summed(code, data, int(year), group))
    return rows


def _summed(code: str, data: PortalData, year: int,
            group: Sequence[Mapping[str, object]]) -> dict[str, object]:
    numerator = _total(r["numerator"] for r in group)
    has_denominator = any(not missing(r["denominator"]) for r in group)
    denominator = _total(r["denominator"] for r in group) if has_denominator else None
    if is_rate(data, code):
        value = numerator / denominator if denominator else None
    else:
        value = numerator
    return {"year": year, "numerator": numerator, "denominator": denominator, "value": value,
            "units": tuple(r["scope_code"] for r in group)}


def _total(values: Iterable[object]) -> float:
    """The sum of a column with blanks as 0, added as pandas adds a column (numpy's pairwise
    sum), so that a total is the same to the last digit whichever way it is computed.
    Under 8 values numpy adds them one after the other from 0.0: so does the loop."""
    items = [0.0 if missing(v) else v for v in values]
    if len(items) >= 8:
        return float(np.array(items, dtype=np.float64).sum())
    total = 0.0
    for v in items:
        total += float(v)  # type: ignore[arg-type]
    return total


def is_rate(data: PortalData, code: str) -> bool:
    return data.index.measures.get(code) == "rate"


def current_wards(data: PortalData, year: int) -> list[str]:
    """Wards active on `year`'s deadline, in registry order."""
    day = deadline(year)
    registry = data.registry
    return [c for c, kind in zip(registry.codes, registry.kinds, strict=True)
            if kind == "ward" and registry.active_on(c, day)]


# --- numbers and labels --------------------------------------------------------------------

def is_share(data: PortalData, code: str, scope: str) -> bool:
    """A reading is a share when ref.indicator_targets says its kind at that scope is a rate
    (CT1's district reading is the share of audience groups that reached their target);
    without a target, when the indicator measures a rate."""
    kind = data.index.target_kinds.get((code, scope))
    if kind is not None:
        return kind == "rate"
    return is_rate(data, code)


def value_text(data: PortalData, code: str, scope: str, value: object) -> str:
    if missing(value):
        return "–"
    number = float(value)  # type: ignore[arg-type]
    return vn_percent(number) if is_share(data, code, scope) else vn_number(number)


def target_text(data: PortalData, code: str, row: Mapping[str, object]) -> str:
    if row["basis"] == "relative_to_baseline":
        base = "" if missing(row["baseline_year"]) else f" so với năm {int(row['baseline_year'])}"
        return f"tăng {vn_percent(float(row['target_value']))}{base}"  # type: ignore[arg-type]
    value = float(row["target_value"])  # type: ignore[arg-type]
    if is_share(data, code, str(row["scope"])):
        text = vn_percent(value)
    else:
        text = f"≥ {vn_number(value)} cuộc"
    qualifier = {"pilot": " (thí điểm trở lên)", "official": " (chính thức)"}
    return text + qualifier.get(str(row["qualifier"]), "")


def scope_each(locality: Locality) -> dict[str, str]:
    """What a target applies to: "Toàn quận", "Mỗi nhóm đối tượng", "Mỗi phường"."""
    return {"district": f"Toàn {locality.level}", "audience": "Mỗi nhóm đối tượng",
            "ward": f"Mỗi {locality.sub_unit}"}


def scope_label(data: PortalData, scope: str, scope_code: str, names: Mapping[str, str]) -> str:
    if scope == "district":
        return f"Toàn {data.locality.level}"
    if scope == "audience":
        found = data.audiences[data.audiences["scope_code"] == scope_code]
        return f"Nhóm {found.iloc[0]['audience_vi']}" if not found.empty else scope_code
    return names.get(scope_code, scope_code)


def indicator_name(data: PortalData, code: str) -> str:
    row = data.indicators[data.indicators["indicator_code"] == code]
    return str(row.iloc[0]["indicator_name"]) if not row.empty else code


def updated_text(data: PortalData, year: int | None = None) -> str:
    if not data.updated_at:
        return "–"
    year = year if year in data.updated_at else max(data.updated_at)
    return vn_date(pd.Timestamp(data.updated_at[year]).to_pydatetime())  # type: ignore[arg-type]


def plan_years(data: PortalData) -> tuple[int, int]:
    """The plan's period: from its first year (or the first collected one) to its last
    milestone (ref.indicator_targets)."""
    collected = [int(y) for y in data.values["year"]]
    milestones = [int(y) for y in data.targets["milestone_year"]]
    first = min([PLAN_START_YEAR, *collected])
    return first, max([first, *milestones]) if milestones else PLAN_END_YEAR


def plan_milestones(data: PortalData) -> list[int]:
    return sorted({int(y) for y in data.targets["milestone_year"]})


def milestones_text(milestones: Sequence[int]) -> str:
    """[2025, 2030] → "2025 và 2030"."""
    words = [str(m) for m in milestones]
    return " và ".join([", ".join(words[:-1]), words[-1]]) if len(words) > 1 else "".join(words)


def site_title(data: PortalData) -> str:
    """"Chỉ tiêu bình đẳng giới <level> <name> 2022–2030", the place from the locality."""
    first, last = plan_years(data)
    return f"Chỉ tiêu bình đẳng giới {data.locality.full_name} {first}–{last}"


def latest_year(data: PortalData) -> int | None:
    years = data.submissions["year"]
    return int(years.max()) if len(years) else None


# --- HTML ----------------------------------------------------------------------------------

CSS = """
:root { --ink: #1a1a1a; --muted: #4a4a4a; --link: #0b4f8a; --line: #c8c8c8;
  --band: #f2f5f8; --ok: #1b5e20; --warn: #8a4b00; --bad: #a31515; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.5;
  font-family: "Noto Sans", "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 1rem; }
a { color: var(--link); }
a:focus-visible, [tabindex]:focus-visible { outline: 3px solid #e8a200; outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: .5rem; }
.skip:focus { left: .5rem; }
header { background: #0b3a63; color: #fff; padding: .75rem 1rem; }
header a { color: #fff; }
header .site { margin: 0; font-weight: bold; }
nav ul { list-style: none; margin: .5rem 0 0; padding: 0; display: flex; flex-wrap: wrap;
  gap: .25rem 1rem; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; line-height: 1.3; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid var(--line); }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); gap: 1rem;
  padding: 0; list-style: none; }
.tile { border: 1px solid var(--line); border-radius: .4rem; padding: .75rem;
  background: var(--band); }
.tile h2 { margin: 0 0 .5rem; border: 0; font-size: 1.1rem; }
.tile dl, .facts { display: grid; grid-template-columns: auto 1fr; gap: .1rem .75rem; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; font-weight: bold; }
.table-wrap { overflow-x: auto; margin: .5rem 0; }
table { border-collapse: collapse; min-width: 100%; font-size: .95rem; }
caption { text-align: left; font-weight: bold; padding: .25rem 0; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left;
  vertical-align: top; }
thead th { background: var(--band); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.downloads { font-size: .9rem; margin: 0 0 1rem; }
figure { margin: 1rem 0; }
svg { max-width: 100%; height: auto; }
figcaption { font-size: .9rem; color: var(--muted); }
blockquote { margin: .5rem 0; padding: .25rem 1rem; border-left: 4px solid var(--line); }
footer { max-width: 60rem; margin: 2rem auto; padding: 1rem; color: var(--muted);
  border-top: 1px solid var(--line); font-size: .9rem; }
@media print { header nav, .skip, .downloads { display: none; } }
"""


def page_html(page: Page, indicator_codes: Sequence[str], site_title: str, footer: str) -> str:
    root = relative(page.path, "")
    stem = download_stem(page.path)
    tables = [table_html(table, f"bang-{number}", root, f"{stem}-{number}", stem)
              for number, table in enumerate(page.tables, start=1)]
    return _page_html(page, tables, _nav(root, tuple(indicator_codes)), site_title, footer)


@functools.lru_cache(maxsize=8)
def _nav(root: str, indicator_codes: tuple[str, ...]) -> str:
    """The main navigation of a page `root` away from the site's root (the same on every
    page at that depth)."""
    nav = [f'<li><a href="{root}index.html">Trang chủ</a></li>']
    nav += [f'<li><a href="{root}{esc(indicator_path(c))}">{esc(c)}</a></li>'
            for c in indicator_codes]
    nav.append(f'<li><a href="{root}don-vi/index.html">Đơn vị báo cáo</a></li>')
    return "".join(nav)


def _page_html(page: Page, tables: Sequence[str], nav: str, site_title: str,
               footer: str) -> str:
    """The page with its tables' HTML (`tables`, in order) in place of {table:n}."""
    root = relative(page.path, "")
    body = page.body
    for number, html in enumerate(tables, start=1):
        body = body.replace(f"{{table:{number}}}", html, 1)
    return (
        '<!doctype html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(page.title)} – {esc(site_title)}</title>\n"
        '<link rel="icon" href="data:,">\n'
        f'<link rel="stylesheet" href="{root}style.css">\n</head>\n<body>\n'
        '<a class="skip" href="#noi-dung">Bỏ qua, đến nội dung chính</a>\n'
        f'<header><p class="site"><a href="{root}index.html">{esc(site_title)}</a></p>\n'
        f'<nav aria-label="Điều hướng chính"><ul>{nav}</ul></nav></header>\n'
        f'<main id="noi-dung">\n<h1>{esc(page.title)}</h1>\n{body}\n</main>\n'
        f"<footer>{footer}</footer>\n</body>\n</html>\n"
    )


def download_stem(page_path: str) -> str:
    return "tai-ve/" + slug(page_path.removesuffix(".html").replace("/", "-"))


def table_html(table: Table, table_id: str, root: str, csv_stem: str, xlsx_stem: str) -> str:
    return render_table(table, table_id, root, csv_stem, xlsx_stem).html


def table_csv(table: Table) -> bytes:
    return render_table(table, "", "", "", "").csv


class RenderedTable(NamedTuple):
    html: str  # the table and its download links, as on the page
    csv: bytes  # its CSV file
    sheet: str  # its sheet of the page's workbook (XML)


def render_table(table: Table, table_id: str, root: str, csv_stem: str,
                 xlsx_stem: str) -> RenderedTable:
    """A table as HTML, CSV and a workbook's sheet: each distinct cell is worked out once
    for all three (`_cell_forms`; a page repeats most of its cells: names, years, tabs,
    statuses), then the table's text is laid out a column at a time (`_rows_text`)."""
    head, head_csv, head_sheet = _head_forms(tuple(table.headers))
    lengths = set(map(len, table.rows))
    width = max(len(table.headers), 1, *lengths)
    rows, step = table.rows, _SHEET_ROWS_KEPT  # a long table a part at a time
    parts = [_rows_text(rows[i:i + step], root, width, lengths, i + 3)
             for i in range(0, len(rows), step)] if len(rows) > step else [
                 _rows_text(rows, root, width, lengths)]
    # each text joined once from its parts (a long table's sheet is tens of MB)
    html = "".join([
        f'<div class="table-wrap" role="region" tabindex="0" aria-labelledby="{table_id}">'
        f'<table><caption id="{table_id}">{esc(table.caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>", *[part[0] for part in parts],
        "</tbody></table></div>\n"
        f'<p class="downloads">Tải bảng «{esc(table.caption)}»: '
        f'<a href="{root}{esc(csv_stem)}.csv">CSV</a> · '
        f'<a href="{root}{esc(xlsx_stem)}.xlsx">XLSX (mọi bảng của trang)</a></p>'])
    # BOM: Excel opens UTF-8 correctly
    csv_bytes = "".join(["\ufeff", head_csv, *[part[1] for part in parts]]).encode("utf-8")
    sheet = "".join([_SHEET_START, f'<row r="1">{_sheet_cells().cell("A1", table.caption, 1)}'
                     f'</row><row r="2">{head_sheet}</row>', *[part[2] for part in parts],
                     _SHEET_END])
    del parts
    return RenderedTable(html, csv_bytes, sheet)


def _rows_text(rows: Sequence[Sequence[Cell]], root: str, width: int,
               lengths: set[int], first: int = 3) -> tuple[str, str, str]:
    """The rows of a table (from row `first` of its sheet) as HTML, CSV lines and sheet
    rows.
    Rows of two cells or more, all as long (`lengths`: the rows' lengths): each column's
    cells looked up at once, and each text joined from the columns in one call (no Python
    work per row or cell)."""
    count = len(rows[0]) if rows else 0
    if count < 2 or len(lengths) > 1:
        return _rows_one_by_one(rows, root, width, first)
    memo = _forms_memo(root)
    columns = [_column_forms(column, root, memo) for column in zip(*rows, strict=True)]
    n = len(rows)
    html = [list(map(_TH, columns[0]))] + [list(map(_TD, column)) for column in columns[1:]]
    csv_parts: list[Iterable[str]] = []
    sheet_parts: list[Iterable[str]] = [_sheet_starts(first, n)]
    for number, column in enumerate(columns):
        fields, tails = list(map(_CSV, column)), list(map(_TAIL, column))
        refs: Iterable[str] = _sheet_refs(number, first, n)
        if None in tails:  # a blank: no cell
            refs = [ref if tail is not None else "" for ref, tail in zip(refs, tails,
                                                                          strict=True)]
            tails = [tail or "" for tail in tails]
        csv_parts += [fields, repeat(",")] if number + 1 < count else [fields]
        sheet_parts += [refs, tails]
    csv_parts.append(repeat("\r\n"))
    sheet_parts.append(repeat("</row>"))
    return ("".join(chain.from_iterable(zip(repeat("<tr>"), *html, repeat("</tr>")))),
            "".join(chain.from_iterable(zip(*csv_parts, strict=False))),  # with repeat()
            "".join(chain.from_iterable(zip(*sheet_parts, strict=False))))


def _rows_one_by_one(rows: Sequence[Sequence[Cell]], root: str, width: int,
                     first: int = 3) -> tuple[str, str, str]:
    """`_rows_text` of rows of one cell (csv.writer writes a row of one empty field as
    "") or of rows not all as long."""
    memo, letters = _forms_memo(root), _column_letters(width)
    html, lines, sheet = [], [], []
    for number, row in enumerate(rows, start=first):
        parts = _column_forms(row, root, memo)
        html.append("<tr>" + "".join([p[1] if i else p[0] for i, p in enumerate(parts)])
                    + "</tr>")
        fields = [p[2] for p in parts]
        lines.append(",".join(fields) + "\r\n" if len(fields) != 1 or fields[0]
                     else '""\r\n')
        sheet.append(f'<row r="{number}">'
                     + "".join([f'<c r="{letter}{number}{p[3]}' for letter, p
                                in zip(letters, parts, strict=False) if p[3] is not None])
                     + "</row>")
    return "".join(html), "".join(lines), "".join(sheet)


# a cell's forms (`_cell_forms`): the first cell of an HTML row, any other, its CSV field,
# its sheet cell after the column and row of its reference
_TH, _TD, _CSV, _TAIL = (operator.itemgetter(i) for i in range(4))
_RAW = operator.itemgetter(1)  # a cell's value
_FORMS_KEPT = 1 << 17  # distinct cells kept for each root (a site has about 20,000)
_FORMS: dict[str, dict[tuple[Cell, type], tuple[str, str, str, str | None]]] = {}


def _forms_memo(root: str) -> dict[tuple[Cell, type], tuple[str, str, str, str | None]]:
    """The forms of the cells seen on pages `root` away from the site's root, by cell and
    the type of its value (1, 1.0 and True are equal keys)."""
    return _FORMS.setdefault(root, {})


def _column_forms(cells: Sequence[Cell], root: str,
                  memo: dict[tuple[Cell, type], tuple[str, str, str, str | None]]
                  ) -> list[tuple[str, str, str, str | None]]:
    """The forms of `cells`: those seen already looked up at once. A float 0.0, -0.0 or
    NaN is never kept (equal as keys, not as text), so never found."""
    try:
        found = list(map(memo.get, zip(cells, map(type, map(_RAW, cells)), strict=True)))
    except TypeError:  # a value that cannot be a key
        return [_cell_forms(root, cell, cell[1].__class__) for cell in cells]
    if None in found:
        for i, forms in enumerate(found):
            if forms is None:
                cell = cells[i]
                raw = cell[1]
                kind = raw.__class__
                forms = memo.get((cell, kind))  # made for an earlier cell of the column
                if forms is None:
                    forms = _cell_forms(root, cell, kind)
                    if kind is not float or (raw == raw and raw):
                        if len(memo) >= _FORMS_KEPT:
                            memo.clear()
                        memo[cell, kind] = forms
                found[i] = forms
    return found


_SHEET_STARTS: list[str] = []  # '<row r="3">', '<row r="4">', …
_SHEET_REFS: list[list[str]] = []  # each column's '<c r="A3"', '<c r="A4"', … (less the ")


# a table's rows laid out at once, at most; the sheet rows whose starts are kept
_SHEET_ROWS_KEPT = 2048


def _sheet_starts(first: int, count: int) -> list[str]:
    """The start of `count` sheet rows from row `first`."""
    if not _SHEET_STARTS:
        _SHEET_STARTS.extend(f'<row r="{n}">' for n in range(3, _SHEET_ROWS_KEPT + 3))
    if first == 3 and count <= _SHEET_ROWS_KEPT:
        return _SHEET_STARTS[:count]
    return [f'<row r="{n}">' for n in range(first, first + count)]


def _sheet_refs(column: int, first: int, count: int) -> list[str]:
    """The start of the cells of column `column` (0: A) in `count` sheet rows from row
    `first`, up to the closing quote of the reference."""
    while len(_SHEET_REFS) <= column:
        letter = _column_letter(len(_SHEET_REFS) + 1)
        _SHEET_REFS.append([f'<c r="{letter}{n}' for n in range(3, _SHEET_ROWS_KEPT + 3)])
    if first == 3 and count <= _SHEET_ROWS_KEPT:
        return _SHEET_REFS[column][:count]
    letter = _column_letter(column + 1)
    return [f'<c r="{letter}{n}' for n in range(first, first + count)]


@functools.lru_cache(maxsize=256)
def _head_forms(headers: tuple[str, ...]) -> tuple[str, str, str]:
    """A table's header row as HTML, as its CSV line and as its sheet's cells (row 2): the
    same for every table of a kind."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(headers)
    cell = _sheet_cells().cell
    return ("".join(f'<th scope="col">{esc(h)}</th>' for h in headers), out.getvalue(),
            "".join(cell(f"{_column_letter(i)}2", h, 1) for i, h in enumerate(headers, 1)))


def _cell_forms(root: str, cell: Cell, kind: type) -> tuple[str, str, str, str | None]:
    """A cell of a table as the first cell of an HTML row, as any other, as its CSV field,
    and as its sheet cell after the column and row of its reference ('"' and what follows;
    None: no cell, a blank). `kind`: the type of its value."""
    text, raw, href = cell
    html = esc(text)
    if href:
        html = f'<a href="{root}{esc(href)}">{html}</a>'
    numeric = isinstance(raw, (int, float)) and not isinstance(raw, bool)
    value = download_value(cell)
    body = _sheet_cells().body(value, 0)
    return (f'<th scope="row">{html}</th>',
            f'<td class="num">{html}</td>' if numeric else f"<td>{html}</td>",
            _csv_field(_csv_safe(value)), None if body is None else f'"{body}</c>')


def _csv_field(value: object) -> str:
    """A value as csv.writer writes it as a field of a row of two or more (quoted where
    it must be)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([value, 0])
    return out.getvalue()[:-4]  # less ",0" and the line's end


def download_value(cell: Cell) -> object:
    """The number itself where there is one; a dash shown for "no value" is left empty."""
    if cell.raw is not None:
        return cell.raw
    return "" if cell.text == "–" else cell.text


def _csv_safe(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        try:
            float(value.replace(",", "."))
            return value
        except ValueError:
            return "'" + value
    return value


def tables_xlsx(tables: Sequence[Table]) -> bytes:
    """One sheet per table: caption, header (both bold), rows, panes frozen under the
    header; formula-like text stays text (quote prefix). Written as the few XML parts of a
    workbook straight into the zip, the cells as openpyxl's streaming writer writes them: a
    site has a workbook per page, and a general writer's set-up and objects per cell cost
    more than the page itself. Same bytes for the same tables (no time stamp inside)."""
    return Workbook(tuple(render_table(t, "", "", "", "").sheet.encode("utf-8")
                          for t in tables)).content()


class Workbook(NamedTuple):
    """A page's workbook before it is zipped: its sheets' XML. `content()` compresses and
    zips them (zlib lets go of the GIL: a thread that writes the site can do it)."""

    sheets: tuple[bytes, ...]

    def content(self) -> bytes:
        return _zip([(f"xl/worksheets/sheet{n}.xml", _deflated(sheet))
                     for n, sheet in enumerate(self.sheets, start=1)],
                    _zip_start(len(self.sheets)))


@functools.lru_cache(maxsize=64)
def _zip_start(count: int) -> tuple[bytes, bytes, int]:
    """The zip of a workbook of `count` sheets up to its sheets: the local entries and the
    central directory's entries of its other parts, and how many (the same bytes for every
    workbook of that many sheets)."""
    parts = [("[Content_Types].xml", _xlsx_part("types", count)),
             ("_rels/.rels", _xlsx_part("rels", count)),
             ("xl/workbook.xml", _xlsx_part("workbook", count)),
             ("xl/_rels/workbook.xml.rels", _xlsx_part("workbook_rels", count)),
             ("xl/styles.xml", _xlsx_part("styles", count))]
    out, directory = bytearray(), bytearray()
    _zip_entries(out, directory, parts)
    return bytes(out), bytes(directory), len(parts)


@functools.lru_cache(maxsize=64)
def _xlsx_part(part: str, sheets: int) -> tuple[int, int, bytes]:
    """A part of a workbook other than its sheets (it depends only on how many sheets the
    workbook has), deflated once."""
    numbers = range(1, sheets + 1)
    text = {
        "types": lambda: _XLSX_TYPES.format(sheets="".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for n in numbers)),
        "rels": lambda: _XLSX_RELS,
        "workbook": lambda: _XLSX_WORKBOOK.format(sheets="".join(
            f'<sheet name="Bảng {n}" sheetId="{n}" r:id="rId{n}"/>' for n in numbers)),
        "workbook_rels": lambda: _XLSX_WORKBOOK_RELS.format(
            sheets="".join(f'<Relationship Id="rId{n}" Type="{_XLSX_REL}/worksheet" '
                           f'Target="worksheets/sheet{n}.xml"/>' for n in numbers),
            styles=sheets + 1),
        "styles": lambda: _XLSX_STYLES,
    }[part]()
    return _deflated(text.encode("utf-8"))


def _deflated(data: bytes) -> tuple[int, int, bytes]:
    """(CRC-32, size, raw deflate stream) of a zip entry's bytes."""
    packer = zlib.compressobj(1, zlib.DEFLATED, -15)
    return zlib.crc32(data), len(data), packer.compress(data) + packer.flush()


_ZIP_DATE = (1 << 5) | 1  # 1980-01-01, the zip format's first day: no time stamp inside


def _zip(entries: Sequence[tuple[str, tuple[int, int, bytes]]],
         start: tuple[bytes, bytes, int] = (b"", b"", 0)) -> bytes:
    """A zip archive of deflated entries (the local headers, the data, the central
    directory), written directly: zipfile's per-entry work costs more than the data.
    `start`: entries already laid out (`_zip_start`), before these."""
    out, directory = bytearray(start[0]), bytearray(start[1])
    _zip_entries(out, directory, entries)
    count = start[2] + len(entries)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(directory), len(out), 0)
    return bytes(out + directory + end)


def _zip_entries(out: bytearray, directory: bytearray,
                 entries: Sequence[tuple[str, tuple[int, int, bytes]]]) -> None:
    for name, (crc, size, data) in entries:
        encoded = name.encode("ascii")
        header = (20, 0, 8, 0, _ZIP_DATE, crc, len(data), size, len(encoded))
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, _ZIP_DATE,
                                 crc, len(data), size, len(encoded), 0, 0, 0, 0, 0, len(out))
        directory += encoded
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, *header, 0) + encoded + data


_XLSX_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_XLSX_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XLSX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.styles+xml"/>'
    '{sheets}</Types>')
_XLSX_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_XLSX_REL}/officeDocument" Target="xl/workbook.xml"/>'
    '</Relationships>')
_XLSX_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<workbook xmlns="{_XLSX_NS}" xmlns:r="{_XLSX_REL}"><workbookPr/>'
    '<bookViews><workbookView activeTab="0"/></bookViews><sheets>{sheets}</sheets>'
    '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>')
_XLSX_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '{sheets}<Relationship Id="rId{styles}" Type="' + _XLSX_REL + '/styles" '
    'Target="styles.xml"/></Relationships>')
# cell styles: 0 plain, 1 bold, 2 quote prefix (text that looks like a formula), 3 both
_XLSX_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet xmlns="{_XLSX_NS}"><fonts count="2"><font><sz val="11"/>'
    '<name val="Calibri"/><family val="2"/></font><font><b val="1"/></font></fonts>'
    '<fills count="2"><fill><patternFill/></fill><fill><patternFill patternType="gray125"/>'
    '</fill></fills><borders count="1"><border><left/><right/><top/>'
    '<bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" '
    'fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="4">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" '
    'quotePrefix="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" '
    'builtinId="0"/></cellStyles></styleSheet>')
_XLSX_SHEET = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<worksheet xmlns="{_XLSX_NS}"><sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="2" topLeftCell="A3" activePane="bottomLeft" state="frozen"/>'
    '<selection pane="bottomLeft" activeCell="A1" sqref="A1"/></sheetView></sheetViews>'
    '<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/><sheetData>{rows}</sheetData>'
    '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
    '</worksheet>')


_SHEET_START, _SHEET_END = _XLSX_SHEET.split("{rows}")  # a sheet's XML around its rows


class _SheetWriter:
    """Sheet cells as openpyxl's streaming writer writes them: numbers, booleans, error
    codes, inline text (formula-like text with the quote prefix, never a formula). The
    cell rules are those of reports.xlsx (and reports.appendix's formula-like text)."""

    def __init__(self) -> None:
        from reports.appendix import excel_value, is_formula_like

        self.excel_value, self.is_formula_like = excel_value, is_formula_like

    def cell(self, ref: str, value: object, style: int) -> str:
        """The cell at `ref`, or nothing for a blank."""
        body = self.body(value, style)
        return "" if body is None else f'<c r="{ref}"{body}</c>'

    def body(self, value: object, style: int) -> str | None:
        """What follows a cell's reference (its style, type and content), None for a
        blank."""
        kind = type(value)
        if kind is str or kind is int:
            return _known_cell(value, style)  # type: ignore[arg-type]
        if kind is not float and kind is not bool:
            value = self.excel_value(value)  # numpy numbers, NA, time stamps
        if value is None or value != value:  # blank: no cell
            return None
        return self._body(value, style)

    def _body(self, value: object, style: int) -> str:
        if isinstance(value, str):
            return self._text(value, style)
        if isinstance(value, bool):
            return f'{_XLSX_STYLES_ATTR[style]} t="b"><v>{int(value)}</v>'
        number = float(value)  # type: ignore[arg-type]
        text = "" if math.isinf(number) else f"{number:.16g}"
        return f'{_XLSX_STYLES_ATTR[style]} t="n"><v>{text}</v>'

    def _text(self, text: str, style: int) -> str:
        """What follows a text cell's reference: its style, type and content."""
        text = text[:MAX_CELL_TEXT]
        if self.is_formula_like(text):
            style += 2
        elif text in ERROR_VALUES:
            return f'{_XLSX_STYLES_ATTR[style]} t="e"><v>{cell_text(text)}</v>'
        if not text:
            return f'{_XLSX_STYLES_ATTR[style]} t="inlineStr">'
        return (f'{_XLSX_STYLES_ATTR[style]} t="inlineStr"><is><t{space_kept(text)}>'
                f"{cell_text(text)}</t></is>")


@functools.lru_cache(maxsize=1 << 16, typed=True)
def _known_cell(value: str | int, style: int) -> str:
    """A text's or a whole number's cell after its reference, worked out once: the pages
    repeat their names, headers and years."""
    return _sheet_cells()._body(xml_text(value) if isinstance(value, str) else value, style)


@functools.cache
def _sheet_cells() -> _SheetWriter:
    """The one sheet-cell writer (made on first use: it imports reports.appendix)."""
    return _SheetWriter()
_XLSX_STYLES_ATTR = ("", ' s="1"', ' s="2"', ' s="3"')  # the cellXfs of _XLSX_STYLES
@functools.lru_cache(maxsize=64)
def _column_letters(width: int) -> tuple[str, ...]:
    return tuple(_column_letter(n) for n in range(1, width + 1))


def _column_letter(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --- the chart -----------------------------------------------------------------------------

def series_svg(title: str, years: Sequence[int], values: Sequence[float | None],
               targets: Sequence[float | None], as_percent: bool, chart_id: str,
               milestones: Sequence[int] = ()) -> str:
    """The series as an inline SVG: values as a line with points, targets as a dashed step
    line, each milestone year marked. `role="img"` with a title and a description
    that says every value, so a screen reader gets the chart in words."""
    width, height, left, right, top, bottom = 640, 300, 56, 16, 20, 40
    known = [v for v in (*values, *targets) if v is not None]
    top_value = 1.0 if as_percent else max([2.0, *known]) * 1.15
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(years) - 1)

    def x(i: int) -> float:
        return left + i * step

    def y(v: float) -> float:
        return top + plot_h * (1 - min(v, top_value) / top_value)

    def label(v: float | None) -> str:
        if v is None:
            return "chưa có số liệu"
        return vn_percent(v) if as_percent else vn_number(v, 1 if v % 1 else 0)

    desc = "; ".join(f"{year}: {label(v)}" for year, v in zip(years, values, strict=True)
                     if v is not None) or "chưa có số liệu"
    parts = [f'<svg role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
             f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             'xmlns="http://www.w3.org/2000/svg" font-family="DejaVu Sans, sans-serif" '
             'font-size="12">',
             f'<title id="{chart_id}-t">{esc(title)}</title>',
             f'<desc id="{chart_id}-d">Giá trị theo năm: {esc(desc)}.</desc>']
    for k in range(5):
        v = top_value * k / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                     'stroke="#d0d0d0"/>')
        parts.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" '
                     f'fill="#333">{esc(label(v))}</text>')
    for i, year in enumerate(years):
        parts.append(f'<text x="{x(i):.1f}" y="{height - bottom + 18}" text-anchor="middle" '
                     f'fill="#333">{year}</text>')
        if year in milestones:
            parts.append(f'<line x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{top}" '
                         f'y2="{height - bottom}" stroke="#6a1b9a" stroke-dasharray="2 3"/>')
            parts.append(f'<text x="{x(i) - 4:.1f}" y="{height - bottom - 6}" '
                         f'text-anchor="end" fill="#6a1b9a">Mốc {year}</text>')
    target_points = [(x(i), y(t)) for i, t in enumerate(targets) if t is not None]
    if target_points:
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in target_points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#a31515" '
                     'stroke-width="2" stroke-dasharray="6 4"/>')
    points = [(x(i), y(v), v, years[i]) for i, v in enumerate(values) if v is not None]
    if points:
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#0b4f8a" stroke-width="3"/>')
        for px, py, v, _ in points:
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="#0b4f8a"/>')
            parts.append(f'<text x="{px:.1f}" y="{py - 8:.1f}" text-anchor="middle" '
                         f'fill="#0b3a63">{esc(label(v))}</text>')
    parts.append(f'<text x="{width - right}" y="{height - 4}" text-anchor="end" fill="#333">'
                 'Đường liền: giá trị; đường đứt đỏ: chỉ tiêu</text>')
    parts.append("</svg>")
    return "\n".join(parts)


# --- pages ---------------------------------------------------------------------------------

def indicator_codes(data: PortalData) -> list[str]:
    return sorted(str(c) for c in data.indicators["indicator_code"])


def milestone_target(data: PortalData, code: str, year: int) -> float | None:
    """The district target of the first milestone at or after `year`, for the years not
    collected yet (a target relative to a baseline not known yet gives none)."""
    rows = data.targets[(data.targets["indicator_code"] == code)
                        & (data.targets["scope"] == "district")
                        & (data.targets["milestone_year"] >= year)].sort_values("milestone_year")
    if rows.empty or rows.iloc[0]["basis"] != "absolute":
        return None
    return float(rows.iloc[0]["target_value"])


def district_row(data: PortalData, code: str, year: int) -> Mapping[str, object] | None:
    return data.index.district_rows.get((code, year))


def progress_status(data: PortalData, code: str, year: int, milestone: object) -> str | None:
    if missing(milestone) or data.progress.empty:
        return None
    rows = data.progress[(data.progress["indicator_code"] == code)
                         & (data.progress["year"] == year)
                         & (data.progress["scope"] == "district")
                         & (data.progress["milestone_year"] == int(milestone))]  # type: ignore[call-overload]
    return None if rows.empty else str(rows.iloc[0]["status"])


@dataclass(frozen=True)
class Tile:
    code: str
    name: str
    year: int | None
    value: str
    target: str
    milestone: str
    status: str


def home_tiles(data: PortalData) -> list[Tile]:
    """Per indicator: the latest year with a district value (else the latest year), its
    value, the target and milestone that apply, and the Open SDG progress status."""
    tiles = []
    for code in indicator_codes(data):
        rows = data.values[(data.values["indicator_code"] == code)
                           & (data.values["scope"] == "district")].sort_values("year")
        with_value = rows[rows["value"].notna()]
        row = (with_value if not with_value.empty else rows).iloc[-1] if not rows.empty else None
        if row is None:
            tiles.append(Tile(code, indicator_name(data, code), None, "–", "–", "–",
                              PROGRESS_STATUS_VI["no_data"]))
            continue
        year = int(row["year"])
        status = progress_status(data, code, year, row["milestone_year"])
        status_text = (PROGRESS_STATUS_VI.get(status, status) if status
                       else INDICATOR_STATUS_VI.get(str(row["status"]), str(row["status"])))
        tiles.append(Tile(
            code, indicator_name(data, code), year,
            value_text(data, code, "district", row["value"]),
            value_text(data, code, "district", row["target"]),
            "–" if missing(row["milestone_year"]) else str(int(row["milestone_year"])),
            status_text))
    return tiles


def completeness(data: PortalData, year: int) -> tuple[int, int, int]:
    """(received, expected, on time) of a year's reports."""
    rows = data.submissions[data.submissions["year"] == year]
    received = rows[rows["status"] == "received"]
    return len(received), len(rows), int(received["is_on_time"].fillna(False).astype(bool).sum())


def home_page(data: PortalData) -> Page:
    year = latest_year(data)
    first, last = plan_years(data)
    items = []
    for tile in home_tiles(data):
        items.append(
            f'<li class="tile" data-indicator="{esc(tile.code)}">'
            f'<h2><a href="{esc(indicator_path(tile.code))}">{esc(tile.code)}</a></h2>'
            f"<p>{esc(tile.name)}</p><dl>"
            f'<dt>Giá trị mới nhất{"" if tile.year is None else f" ({tile.year})"}</dt>'
            f'<dd class="value">{esc(tile.value)}</dd>'
            f'<dt>Chỉ tiêu</dt><dd class="target">{esc(tile.target)}</dd>'
            f'<dt>Mốc</dt><dd class="milestone">{esc(tile.milestone)}</dd>'
            f'<dt>Tiến độ</dt><dd class="status">{esc(tile.status)}</dd></dl></li>')
    body = [f'<p>Tình hình thực hiện các chỉ tiêu của Kế hoạch truyền thông về bình đẳng giới '
            f'giai đoạn {first}–{last}, từ báo cáo của các đơn vị. Đánh giá tiến độ '
            'theo phương pháp Open SDG.</p>']
    body.append(f'<ul class="tiles">{"".join(items)}</ul>')
    if year is not None:
        received, expected, on_time = completeness(data, year)
        share = vn_percent(received / expected) if expected else "–"
        body.append(
            f'<h2 id="bao-cao-nam">Tình hình báo cáo năm {year}</h2>'
            f'<p class="completeness" data-received="{received}" data-expected="{expected}">'
            f"Đã nhận {received}/{expected} báo cáo ({esc(share)}), trong đó {on_time} "
            f'báo cáo đúng hạn. <a href="don-vi/index.html">Xem từng đơn vị</a>.</p>')
    return Page("index.html", "Các chỉ tiêu của Kế hoạch", "\n".join(body))


def indicator_page(data: PortalData, code: str, names: Mapping[str, str]) -> Page:
    path = indicator_path(code)
    ind = data.indicators[data.indicators["indicator_code"] == code].iloc[0]
    first, last = plan_years(data)
    years = list(range(first, last + 1))
    values, targets, series_rows = [], [], []
    for year in years:
        row = district_row(data, code, year)
        value = None if row is None or missing(row["value"]) else float(row["value"])
        target = None if row is None or missing(row["target"]) else float(row["target"])
        values.append(value)
        targets.append(target if row is not None else milestone_target(data, code, year))
        if row is None:
            series_rows.append((Cell(str(year), year), Cell("–"), Cell("–"), Cell("–"),
                                Cell("–"), Cell("Chưa có số liệu")))
            continue
        link = lineage_path(code, year, "district", str(row["scope_code"]))
        has_cells = _has_lineage(data, code, year, "district", str(row["scope_code"]))
        series_rows.append((
            Cell(str(year), year),
            Cell(value_text(data, code, "district", value), value, link if has_cells else None),
            Cell(_count(row["numerator"]), _raw(row["numerator"])),
            Cell(_count(row["denominator"]), _raw(row["denominator"])),
            Cell(value_text(data, code, "district", target), target),
            Cell(INDICATOR_STATUS_VI.get(str(row["status"]), str(row["status"])))))
    as_percent = is_share(data, code, "district")
    milestones = plan_milestones(data)
    whole = f"toàn {data.locality.level}"
    chart = series_svg(f"{code}: giá trị {whole} {first}–{last} so với chỉ tiêu",
                       years, values, targets, as_percent, f"bieu-do-{slug(code)}",
                       milestones)
    tables = [Table(f"{code}: giá trị {whole} theo năm",
                    ("Năm", "Giá trị", "Tử số", "Mẫu số", "Chỉ tiêu của năm", "Đánh giá"),
                    tuple(series_rows))]
    milestone_rows = []
    for _, t in data.targets[(data.targets["indicator_code"] == code)].sort_values(
            ["scope", "milestone_year"]).iterrows():
        milestone_rows.append((Cell(str(int(t["milestone_year"])), int(t["milestone_year"])),
                               Cell(scope_each(data.locality).get(str(t["scope"]),
                                                                  str(t["scope"]))),
                               Cell(target_text(data, code, t))))
    tables.append(Table(f"{code}: các mốc {milestones_text(milestones)}",
                        ("Mốc", "Phạm vi", "Chỉ tiêu"), tuple(milestone_rows)))
    progress_rows = []
    for _, p in data.progress[(data.progress["indicator_code"] == code)
                              & (data.progress["scope"] == "district")].sort_values(
                                  ["year", "milestone_year"]).iterrows():
        progress_rows.append((Cell(str(int(p["year"])), int(p["year"])),
                              Cell(str(int(p["milestone_year"])), int(p["milestone_year"])),
                              Cell(value_text(data, code, "district", p["current_value"]),
                                   _raw(p["current_value"])),
                              Cell(value_text(data, code, "district", p["target"]),
                                   _raw(p["target"])),
                              Cell(_ratio(p["progress_ratio"]), _raw(p["progress_ratio"])),
                              Cell(PROGRESS_STATUS_VI.get(str(p["status"]), str(p["status"])))))
    body = [f'<h2 id="dien-bien">Diễn biến {first}–{last}</h2>',
            f'<figure>{chart}<figcaption>Biểu đồ: giá trị {esc(whole)} của {esc(code)} từng năm '
            "(đường liền) và chỉ tiêu của năm (đường đứt); các số liệu có trong bảng dưới. "
            "Bấm vào một giá trị để xem các ô số liệu tạo nên nó.</figcaption></figure>",
            "{table:1}",
            f'<h2 id="moc">Mốc {milestones_text(milestones)}</h2>', "{table:2}"]
    number = 3
    if progress_rows:
        tables.append(Table(f"{code}: tiến độ so với mốc (phương pháp Open SDG)",
                            ("Năm", "Mốc", "Giá trị", "Chỉ tiêu", "Tỷ số tiến độ", "Đánh giá"),
                            tuple(progress_rows)))
        body += ['<h2 id="tien-do">Tiến độ so với mốc</h2>', f"{{table:{number}}}"]
        number += 1
    audience_table = _audience_table(data, code, names)
    if audience_table.rows:
        tables.append(audience_table)
        body += ['<h2 id="nhom">Theo nhóm đối tượng</h2>', f"{{table:{number}}}"]
        number += 1
    if bool(ind["has_ward_reading"]):
        ward_tables = _ward_tables(data, code, names)
        sub = esc(data.locality.sub_unit)
        body += [f'<h2 id="phuong">Theo {sub}</h2>',
                 f"<p>Số liệu từng {sub} như đã báo cáo, và theo {sub} hiện nay: mỗi {sub} "
                 f"hiện nay cộng số liệu của các {sub} tiền thân theo danh mục đơn vị, mỗi đơn "
                 "vị chỉ được tính trong các năm nó còn hoạt động vào hạn báo cáo 10/12, nên "
                 "không đơn vị nào bị tính hai lần.</p>"]
        for table in ward_tables:
            tables.append(table)
            body.append(f"{{table:{number}}}")
            number += 1
    body += ['<h2 id="dinh-nghia">Định nghĩa và phương pháp</h2>',
             f"<p>{esc(ind['description_vi'])}</p>",
             f"<p>Đơn vị đo: {esc(MEASURE_VI.get(str(ind['measure']), str(ind['measure'])))}."
             "</p>"]
    if code in data.plan_text:
        body.append(f"<p>Theo Kế hoạch (mục II. Mục tiêu):</p><blockquote><p>"
                    f"{esc(data.plan_text[code])}</p></blockquote>")
    body += ['<h2 id="nguon">Nguồn số liệu</h2>', f"<p>{esc(_source_text(data, code))}</p>",
             f"<p>Cập nhật lần cuối: {esc(updated_text(data))}.</p>"]
    return Page(path, f"{code}: {indicator_name(data, code)}", "\n".join(body), tuple(tables))


def _audience_table(data: PortalData, code: str, names: Mapping[str, str]) -> Table:
    rows = []
    audience = _in_order(data.index.scope_rows.get((code, "audience"), ()),
                         ["year", "scope_code"])
    for r in audience:
        year = int(r["year"])  # type: ignore[call-overload]
        rows.append((Cell(str(year), year),
                     Cell(scope_label(data, "audience", str(r["scope_code"]), names)),
                     Cell(value_text(data, code, "audience", r["value"]), _raw(r["value"]),
                          lineage_path(code, year, "audience", str(r["scope_code"]))
                          if _has_lineage(data, code, year, "audience", str(r["scope_code"]))
                          else None),
                     Cell(INDICATOR_STATUS_VI.get(str(r["status"]), str(r["status"])))))
    return Table(f"{code}: số cuộc theo nhóm đối tượng", ("Năm", "Nhóm", "Số cuộc", "Đánh giá"),
                 tuple(rows))


def _ward_tables(data: PortalData, code: str, names: Mapping[str, str]) -> list[Table]:
    sub, title = data.locality.sub_unit, data.locality.sub_unit_title
    wards = _in_order(data.index.scope_rows.get((code, "ward"), ()), ["year", "scope_code"])
    reported = []
    for r in wards:
        year, ward = int(r["year"]), str(r["scope_code"])  # type: ignore[call-overload]
        now = data.registry.current(ward)
        reported.append((
            Cell(str(year), year), Cell(names.get(ward, ward), ward, unit_path(ward)),
            Cell(value_text(data, code, "ward", r["value"]), _raw(r["value"]),
                 lineage_path(code, year, "ward", ward)
                 if _has_lineage(data, code, year, "ward", ward) else None),
            Cell(_count(r["numerator"]), _raw(r["numerator"])),
            Cell(_count(r["denominator"]), _raw(r["denominator"])),
            Cell(_now_text(data, ward, now, names), None if now == ward else now),
            Cell(INDICATOR_STATUS_VI.get(str(r["status"]), str(r["status"])))))
    tables = [Table(f"{code}: từng {sub} như đã báo cáo",
                    ("Năm", title, "Giá trị", "Tử số", "Mẫu số", f"Nay thuộc {sub}",
                     "Đánh giá"), tuple(reported))]
    year = latest_year(data)
    if year is None:
        return tables
    followed = []
    for ward in current_wards(data, year):
        for s in _successor_rows(data, code, ward):
            members = ", ".join(names.get(u, u) for u in s["units"])
            followed.append((Cell(names.get(ward, ward), ward, unit_path(ward)),
                             Cell(str(int(s["year"])), int(s["year"])),
                             Cell(value_text(data, code, "ward", s["value"]), _raw(s["value"])),
                             Cell(_count(s["numerator"]), _raw(s["numerator"])),
                             Cell(_count(s["denominator"]), _raw(s["denominator"])),
                             Cell(members, ", ".join(s["units"]))))
    tables.append(Table(f"{code}: theo {sub} hiện nay (gồm các {sub} tiền thân)",
                        (f"{title} hiện nay", "Năm", "Giá trị", "Tử số", "Mẫu số",
                         "Số liệu của"), tuple(followed)))
    totals = []
    for y in sorted({int(r["year"]) for r in wards}):  # type: ignore[call-overload]
        day = deadline(y)
        active = [r for r in wards if r["year"] == y and not missing(r["value"])
                  and data.registry.active_on(r["scope_code"], day)]  # type: ignore[arg-type]
        s = _summed(code, data, y, active)
        totals.append((Cell(str(y), y), Cell(str(len(active)), len(active)),
                       Cell(value_text(data, code, "ward", s["value"]), _raw(s["value"])),
                       Cell(_count(s["numerator"]), _raw(s["numerator"])),
                       Cell(_count(s["denominator"]), _raw(s["denominator"]))))
    tables.append(Table(f"{code}: tổng các {sub} hoạt động vào hạn báo cáo 10/12 của năm",
                        ("Năm", f"Số {sub} có số liệu", "Giá trị", "Tử số", "Mẫu số"),
                        tuple(totals)))
    return tables


def _now_text(data: PortalData, ward: str, now: str, names: Mapping[str, str]) -> str:
    if now != ward:
        return names.get(now, now)
    row = data.registry.row(ward)
    closed = row is not None and not missing(row["valid_to"])
    return "không có đơn vị kế thừa" if closed else "–"


def _has_lineage(data: PortalData, code: str, year: int, scope: str, scope_code: str) -> bool:
    return (code, year, scope, scope_code) in data.lineage_keys


def _source_text(data: PortalData, code: str) -> str:
    cells = data.lineage[data.lineage["indicator_code"] == code]
    tabs = sorted(str(t) for t in cells["tab"].unique())
    units = cells["unit_code"].nunique()
    years = sorted(int(y) for y in cells["year"].unique())
    if not tabs:
        return "Báo cáo năm của các đơn vị (chưa có ô số liệu nào được tính)."
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
    return (f"Báo cáo năm của {units} đơn vị ({span}), trang tính: {', '.join(tabs)}; chỉ "
            "tính các báo cáo hợp lệ, đã hoàn thành, của đơn vị phải báo cáo trong năm.")


def _by_value(make: Callable[[object], _T]) -> Callable[[object], _T]:
    """`make` of a number worked out once per distinct number (the pages repeat their
    counts); other values (text, blanks, NaN, 0.0 and -0.0, which are equal keys but not
    the same text) go to `make` each time."""
    made: dict[tuple[type, object], _T] = {}

    @functools.wraps(make)
    def memo(value: object) -> _T:
        kind = value.__class__
        if kind is int or (kind is float and value == value and value):
            try:
                return made[kind, value]
            except KeyError:
                if len(made) >= 1 << 16:
                    made.clear()
                result = made[kind, value] = make(value)
                return result
        return make(value)

    return memo


@_by_value
def _count(value: object) -> str:
    if missing(value):
        return "–"
    number = float(value)  # type: ignore[arg-type]
    return vn_number(number, 0 if number == int(number) else 2)


@_by_value
def _raw(value: object) -> object:
    if missing(value):
        return ""
    if isinstance(value, bool):
        return value
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return value
    return int(number) if number == int(number) else round(number, 6)


def _ratio(value: object) -> str:
    return "–" if missing(value) else vn_number(float(value), 2)  # type: ignore[arg-type]


def unit_page(data: PortalData, code: str, names: Mapping[str, str]) -> Page:
    path = unit_path(code)
    kinds, sub = unit_kind_vi(data.locality), esc(data.locality.sub_unit)
    info = data.registry.row(code)
    facts = []
    if info is not None:
        u = info
        facts += [("Loại", kinds.get(str(u["unit_kind"]), str(u["unit_kind"]))),
                  ("Hoạt động từ", vn_date(u["valid_from"])),
                  ("Đến", "nay" if missing(u["valid_to"]) else vn_date(u["valid_to"])),
                  ("Phải báo cáo", YES_NO[bool(u["is_reporting"])])]
    links = []
    for label, codes in (("Đơn vị kế thừa", data.registry.successors.get(code, ())),
                         ("Đơn vị tiền thân", data.registry.predecessors(code))):
        if codes:
            items = ", ".join(f'<a href="{esc(relative(path, unit_path(c)))}">'
                              f"{esc(names.get(c, c))}</a>" for c in codes)
            links.append(f"<dt>{esc(label)}</dt><dd>{items}</dd>")
    body = ['<dl class="facts">'
            + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts)
            + "".join(links) + "</dl>"]
    subs = _in_order(data.index.submissions.get(code, ()), ["year"])
    sub_rows = tuple(
        (Cell(str(int(s["year"])), int(s["year"])),
         Cell(STATUS_VI.get(str(s["status"]), str(s["status"])), str(s["status"])),
         Cell(vn_date(s["completed_on"])),
         Cell("–" if missing(s["is_on_time"]) else YES_NO[bool(s["is_on_time"])]),
         Cell(_count(s["days_late"]), _raw(s["days_late"])),
         Cell(_count(s["error_count"]), _raw(s["error_count"])),
         Cell(_count(s["warning_count"]), _raw(s["warning_count"])))
        for s in subs)
    tables = [Table(f"{names.get(code, code)}: báo cáo từng năm",
                    ("Năm", "Tình trạng", "Ngày hoàn thành", "Đúng hạn", "Số ngày muộn",
                     "Số lỗi", "Số cảnh báo"), sub_rows)]
    body += ['<h2 id="bao-cao">Báo cáo từng năm</h2>', "{table:1}"]
    titles = data.index.activity_titles
    led = _in_order(data.index.coverage.get(code, ()), ["year", "activity_code"])
    def led_row(a: Mapping[str, object]) -> tuple[Cell, ...]:
        return (Cell(str(int(a["year"])), int(a["year"])),  # type: ignore[call-overload]
                Cell(str(a["activity_code"])), Cell(titles.get(a["activity_code"], "")),
                Cell(YES_NO[bool(a["is_reported"])], bool(a["is_reported"])),
                Cell(_count(a["sessions"]), _raw(a["sessions"])))

    made = data.index.made_rows.setdefault("led", {})  # units share their activities' rows
    led_rows = tuple(_made_once(made, (a["year"], a["activity_code"], a["is_reported"],
                                       *_exactly(a["sessions"])), led_row, a)
                     for a in led)
    tables.append(Table(f"{names.get(code, code)}: hoạt động chủ trì",
                        ("Năm", "Mã", "Hoạt động", "Đã báo cáo", "Số cuộc"), led_rows))
    body += ['<h2 id="hoat-dong">Hoạt động chủ trì</h2>', "{table:2}"]
    earlier = data.registry.predecessors(code)
    history = _ward_history(data, (code, *earlier), names)
    if history.rows:
        tables.append(history)
        body += [f'<h2 id="lich-su">Chỉ tiêu theo {sub}, gồm các {sub} tiền thân</h2>',
                 f"<p>Số liệu của {sub} này và của các {sub} tiền thân (theo danh mục đơn "
                 "vị), từng năm như đã báo cáo.</p>", f"{{table:{len(tables)}}}"]
    if earlier:
        tables.append(_predecessor_submissions(data, earlier, names))
        body += ['<h2 id="bao-cao-tien-than">Báo cáo của các đơn vị tiền thân</h2>',
                 f"{{table:{len(tables)}}}"]
    kind = "" if info is None else kinds.get(str(info["unit_kind"]), "")
    return Page(path, names.get(code, code) + (f" ({kind})" if kind else ""), "\n".join(body),
                tuple(tables))


def _predecessor_submissions(data: PortalData, codes: Sequence[str],
                             names: Mapping[str, str]) -> Table:
    subs = [item for code in dict.fromkeys(codes)
            for item in data.index.submissions.get(code, ())]
    rows = tuple(
        (Cell(str(int(s["year"])), int(s["year"])),
         Cell(names.get(str(s["unit_code"]), str(s["unit_code"])), str(s["unit_code"]),
              unit_path(str(s["unit_code"]))),
         Cell(STATUS_VI.get(str(s["status"]), str(s["status"])), str(s["status"])),
         Cell("–" if missing(s["is_on_time"]) else YES_NO[bool(s["is_on_time"])]),
         Cell(_count(s["error_count"]), _raw(s["error_count"])))
        for s in _in_order(subs, ["year", "unit_code"]))
    return Table("Báo cáo của các đơn vị tiền thân từng năm",
                 ("Năm", "Đơn vị", "Tình trạng", "Đúng hạn", "Số lỗi"), rows)


def _ward_history(data: PortalData, members: Sequence[str], names: Mapping[str, str]) -> Table:
    rows = []
    readings = [item for ward in dict.fromkeys(members)
                for item in data.index.ward_readings_of.get(ward, ())]
    for r in _in_order(readings, ["indicator_code", "year", "scope_code"]):
        code, ward = str(r["indicator_code"]), str(r["scope_code"])
        year = int(r["year"])  # type: ignore[call-overload]
        rows.append((Cell(str(year), year), Cell(code, code, indicator_path(code)),
                     Cell(names.get(ward, ward), ward, unit_path(ward)),
                     Cell(value_text(data, code, "ward", r["value"]), _raw(r["value"]),
                          lineage_path(code, year, "ward", ward)
                          if _has_lineage(data, code, year, "ward", ward) else None),
                     Cell(INDICATOR_STATUS_VI.get(str(r["status"]), str(r["status"])))))
    sub = data.locality.sub_unit
    return Table(f"Chỉ tiêu theo {sub} từng năm (gồm các {sub} tiền thân)",
                 ("Năm", "Chỉ tiêu", data.locality.sub_unit_title, "Giá trị", "Đánh giá"),
                 tuple(rows))


def units_index(data: PortalData, codes: Sequence[str], names: Mapping[str, str]) -> Page:
    rows, kinds = [], unit_kind_vi(data.locality)
    following = successors(data.units)
    for code in codes:
        u = data.registry.row(code)
        rows.append((Cell(names.get(code, code), code, unit_path(code)),
                     Cell("" if u is None else kinds.get(str(u["unit_kind"]), "")),
                     Cell("–" if u is None else vn_date(u["valid_from"])),
                     Cell("–" if u is None or missing(u["valid_to"]) else vn_date(u["valid_to"])),
                     Cell(", ".join(names.get(c, c) for c in following.get(code, ())))))
    table = Table("Các đơn vị trong danh mục", ("Đơn vị", "Loại", "Từ ngày", "Đến ngày",
                                               "Đơn vị kế thừa"), tuple(rows))
    return Page("don-vi/index.html", "Đơn vị báo cáo", "{table:1}", (table,))


def lineage_page(data: PortalData, key: tuple[str, int, str, str],
                 cells: Sequence[int], names: Mapping[str, str]) -> Page:
    """The cells of marts.figure_lineage behind one reading: their positions in
    `PortalIndex.lineage_columns`, in the page's order."""
    code, year, scope, scope_code = key
    path = lineage_path(code, year, scope, scope_code)
    where = scope_label(data, scope, scope_code, names)
    value = data.index.readings.get((code, year, scope, scope_code))
    shown = value_text(data, code, scope, value["value"]) if value is not None else "–"
    columns, made = data.index.lineage_columns, data.index.lineage_cells(names)
    rows = tuple(zip(*(_cells_of(columns[c], cells, made[c]) for c in LINEAGE_SHOWN),
                     strict=True))
    table = Table(f"Các ô số liệu tạo nên {code} năm {year}, {where}",
                  ("Đơn vị", "Trang tính", "Dòng", "Cột (tiêu đề trong mẫu)", "Giá trị",
                   "Vai trò", "Tệp"), rows)
    body = (f'<p>Giá trị: <strong>{esc(shown)}</strong>. '
            f'<a href="{esc(relative(path, indicator_path(code)))}">Về trang {esc(code)}</a>.</p>'
            "<p>Tử số và mẫu số là tổng cột «Giá trị» của các dòng cùng vai trò; «Điều kiện» là "
            "ô được so sánh chứ không cộng vào.</p>{table:1}")
    return Page(path, f"Nguồn số liệu: {code} năm {year}, {where}", body, (table,))


# the columns of a lineage page's table, in order, and how each value becomes its cell
LINEAGE_SHOWN = ("unit_code", "tab", "sheet_row", "column_key", "value", "counts_as",
                 "source_ref")


def lineage_cell_makers(names: Mapping[str, str]) -> dict[str, Callable[[object], Cell]]:
    return {
        "unit_code": lambda u: Cell(names.get(str(u), str(u)), str(u), unit_path(str(u))),
        "tab": lambda t: Cell(str(t)),
        "sheet_row": lambda r: Cell("–" if missing(r) else str(int(r)), _raw(r)),  # type: ignore[call-overload]
        "column_key": lambda k: Cell(COLUMN_HEADERS.get(str(k), str(k)), str(k)),
        "value": lambda v: Cell(_count(v), _raw(v)),
        "counts_as": lambda c: Cell(COUNTS_AS_VI.get(str(c), str(c)), str(c)),
        "source_ref": lambda ref: Cell(_file_name(ref)),
    }


def _exactly(value: object) -> tuple[type, object]:
    """A value as part of a key that tells apart what its text does: its type, and a
    float by its repr (NaN, 0.0 and -0.0 are then keys like any other)."""
    kind = value.__class__
    return kind, repr(value) if kind is float else value


def _made_once(made: dict, key: tuple, make: Callable[[_K], _T], source: _K) -> _T:
    """`make(source)`, kept in `made` under `key` (its values and whatever types tell equal
    values apart) and reused for the same key; a key holding NaN, 0.0 or -0.0 (equal as
    keys, not as text) is never kept, so never found."""
    try:
        found = made.get(key)
    except TypeError:  # not a key
        return make(source)
    if found is None:
        found = make(source)
        if not any(v.__class__ is float and (v != v or not v) for v in key):
            made[key] = found
    return found


class CellMemo:
    """A column's cells made once per distinct value (a lineage page repeats its unit, tab,
    file and most numbers)."""

    def __init__(self, make: Callable[[object], Cell]) -> None:
        self.make, self.made = make, {}

    def __call__(self, value: object) -> Cell:
        kind = value.__class__
        if kind is float and (value != value or not value):  # NaN; 0.0 and -0.0 equal as keys
            return self.make(value)
        try:
            return self.made[(kind, value)]
        except KeyError:
            cell = self.made[(kind, value)] = self.make(value)
            return cell
        except TypeError:  # not a key
            return self.make(value)


def _cells_of(values: Sequence[object], positions: Sequence[int], memo: CellMemo) -> list[Cell]:
    """The cells of `values` at `positions`: those made already looked up in place (a
    float 0.0, -0.0 or NaN is never kept, so never found)."""
    picked = list(map(values.__getitem__, positions))
    try:
        cells = list(map(memo.made.get, zip(map(type, picked), picked, strict=True)))
    except TypeError:  # a value that is not a key
        return [memo(v) for v in picked]
    if None in cells:
        for i, cell in enumerate(cells):
            if cell is None:
                cells[i] = memo(picked[i])
    return cells


def _file_name(ref: object) -> str:
    """Only the file's own name: a folder path of the machine is nobody's business."""
    if missing(ref):
        return "–"
    text = str(ref)
    return text[max(text.rfind("/"), text.rfind("\\")) + 1:]


def build_pages(data: PortalData) -> Iterator[Page]:
    """Every page, one at a time (a page is written out before the next one is made)."""
    names = unit_names(data)
    yield home_page(data)
    for code in indicator_codes(data):
        yield indicator_page(data, code, names)
    unit_codes = list(dict.fromkeys([*data.units["unit_code"], *data.submissions["unit_code"]]))
    yield units_index(data, unit_codes, names)
    for code in unit_codes:
        yield unit_page(data, code, names)
    lineage = data.index.lineage
    for key in sorted(lineage):
        code, year, scope, scope_code = key
        yield lineage_page(data, (str(code), int(year), str(scope), str(scope_code)),  # type: ignore[call-overload]
                           lineage[key], names)


def build_site(data: PortalData) -> dict[str, bytes]:
    """Every file of the site: relative path → bytes."""
    with cycles_not_collected():  # core.runtime: a site is many small objects, no cycles
        return {name: content if isinstance(content, bytes) else content.content()
                for name, content in site_files(data)}


def site_files(data: PortalData) -> Iterator[tuple[str, bytes | Workbook]]:
    """Every file of the site, one page's files at a time, in the order of `build_site`:
    relative path → bytes, or the page's workbook still to be zipped (`Workbook.content`)."""
    codes = tuple(indicator_codes(data))
    title = site_title(data)
    footer = (f"{esc(title)}. Cập nhật số liệu lần cuối: {esc(updated_text(data))}. "
              "Trang tĩnh, dùng được khi không có mạng.")
    yield "style.css", CSS.lstrip().encode("utf-8")
    for page in build_pages(data):
        root = relative(page.path, "")
        stem = download_stem(page.path)
        tables = [render_table(table, f"bang-{number}", root, f"{stem}-{number}", stem)
                  for number, table in enumerate(page.tables, start=1)]
        yield page.path, _page_html(page, [t.html for t in tables], _nav(root, codes), title,
                                    footer).encode("utf-8")
        for number, table in enumerate(tables, start=1):
            yield f"{stem}-{number}.csv", table.csv
        if tables:
            yield f"{stem}.xlsx", Workbook(tuple(t.sheet.encode("utf-8") for t in tables))


def plan_text_from_rows(rows: Iterable[Mapping[str, str]]) -> dict[str, str]:
    return {r["indicator_code"].strip(): r["plan_text_vi"].strip() for r in rows
            if r.get("indicator_code") and r.get("plan_text_vi")}
