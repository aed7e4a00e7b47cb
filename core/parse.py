"""From the cells of a workbook, as read, to typed records. Pure functions, no I/O.

A workbook is a mapping of tab names (as the unit typed them) to rows of cells. Tabs and
headers are matched after accent and case folding; the header row is the first row that
holds every required header; rows above it (titles) and blank rows are skipped, and a notes
block under the table is ignored. Values are read with the rules of `core.values`; a cell
that cannot be read becomes None plus an `Issue` naming the cell. Control characters are
taken out of every cell first (XML, hence .docx and .xlsx, cannot hold them), each cell
they were in named by a warning.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from core.issues import Issue, Severity, message_vi
from core.pickled import by_values
from core.template import GENERAL, TEMPLATE, Column, Layout, Tab, ValueType
from core.values import (
    Cell,
    Parsed,
    as_text,
    is_blank,
    match_key,
    parse_activity,
    parse_choice,
    parse_code,
    parse_date,
    parse_money,
    parse_text,
    parse_whole,
    parse_yes_no,
    strip_controls,
)

Grid = Sequence[Sequence[Cell]]
Workbook = Mapping[str, Grid]
HEADER_SEARCH_ROWS = 30
RAW_KEY = "_raw"  # each record's cells as read, keyed by header, for the quarantine
_NOTE_PREFIXES = ("ghi chu", "luu y", "nguoi lap", "nguoi ky", "thu truong", "*")


@dataclass(frozen=True)
class ParsedWorkbook:
    """Typed records of one workbook, per tab key, plus the issues found while reading."""

    unit_code: str
    year: int
    records: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    issues: tuple[Issue, ...] = ()
    tab_names: dict[str, str] = field(default_factory=dict)  # tab key -> name in the file

    __reduce__ = by_values  # core.pickled

    @property
    def is_blocked(self) -> bool:
        return any(i.severity is Severity.BLOCKING for i in self.issues)


def read_cell(column: Column, cell: Cell) -> Parsed:
    """Read one cell by its column's type."""
    match column.type:
        case ValueType.TEXT:
            return parse_text(cell)
        case ValueType.CODE:
            return parse_code(cell)
        case ValueType.WHOLE:
            return parse_whole(cell)
        case ValueType.MONEY:
            return parse_money(cell)
        case ValueType.DATE:
            return parse_date(cell)
        case ValueType.YES_NO:
            got = parse_yes_no(cell)
            if got.ok and got.value is None and column.blank_means_no:
                return Parsed(False)
            return got
        case ValueType.CHOICE:
            return parse_choice(cell, column.choices)
        case ValueType.ACTIVITY:
            return parse_activity(cell)
    raise ValueError(column.type)


def find_tab(workbook: Workbook, tab: Tab) -> str | None:
    """The workbook's name for a template tab, matched accent-, case- and space-insensitively."""
    wanted = match_key(tab.name)
    return next((name for name in workbook if match_key(name) == wanted), None)


def template_tab_indexes(tab_names: Sequence[str]) -> list[int]:
    """The positions in `tab_names` of the tabs `parse_workbook` reads (each template tab's
    `find_tab`): the others need not be read from the warehouse."""
    names = dict.fromkeys(tab_names)
    found = {find_tab(names, tab) for tab in TEMPLATE}
    return [i for i, name in enumerate(tab_names) if name in found]


_LABELS: dict[int, tuple[Tab, dict[str, str], frozenset[str], dict[str, Column]]] = {}


def _labels(tab: Tab) -> tuple[dict[str, str], frozenset[str], dict[str, Column]]:
    """Of one tab, worked out once per tab object: each header's matching key -> column
    key, the required columns' keys, each header's matching key -> column."""
    entry = _LABELS.get(id(tab))
    if entry is None or entry[0] is not tab:
        entry = _LABELS[id(tab)] = (
            tab, {match_key(col.header): col.key for col in tab.columns},
            frozenset(col.key for col in tab.required_columns),
            {match_key(col.header): col for col in tab.columns},
        )
    return entry[1], entry[2], entry[3]


def _cell(row: Sequence[Cell], index: int) -> Cell:
    return row[index] if index < len(row) else None


def find_header(grid: Grid, tab: Tab) -> tuple[int, dict[str, int]] | None:
    """(0-based header row, column key -> 0-based column) of the first row holding every
    required header, or of the row holding the most headers when none holds them all."""
    by_header, required, _ = _labels(tab)
    best: tuple[int, dict[str, int]] | None = None
    for r, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        found: dict[str, int] = {}
        for c, cell in enumerate(row):
            if isinstance(cell, str) and (key := by_header.get(match_key(cell))):
                found.setdefault(key, c)
        if required <= found.keys():
            return r, found
        if found and (best is None or len(found) > len(best[1])):
            best = (r, found)
    return best


def _issue(unit: str, year: int, tab: Tab, row: int | None, column: Column | None,
           value: str | None, rule: str, severity: Severity = Severity.ERROR,
           **details: object) -> Issue:
    header = column.header if column else None
    hint = column.hint_vi if column and column.hint_vi else "giá trị đúng"
    return Issue(
        year=year, unit_code=unit, tab=tab.name, sheet_row=row,
        column_key=column.key if column else None, column_header=header, value=value,
        rule=rule, severity=severity,
        message_vi=message_vi(rule, unit_code=unit, tab=tab.name, sheet_row=row,
                              header=header, value=value, hint=hint, **details),
    )


def _read(unit: str, year: int, tab: Tab, row: int | None, column: Column,
          cell: Cell) -> tuple[Parsed, list[Issue]]:
    """Read one cell of a template column, first taking out its control characters (a
    warning naming the cell); the issues say what was wrong with it."""
    cleaned, removed, got = _reader(column)(cell)
    return got, _cell_issues(unit, year, tab, row, column, cleaned, removed, got)


def _cell_issues(unit: str, year: int, tab: Tab, row: int | None, column: Column,
                 cleaned: Cell, removed: tuple[str, ...], got: Parsed) -> list[Issue]:
    issues = []
    if removed:
        issues.append(_issue(unit, year, tab, row, column, as_text(cleaned),
                             "control_characters", Severity.WARNING,
                             characters=", ".join(removed)))
    if not got.ok:
        issues.append(_issue(unit, year, tab, row, column, as_text(cleaned), got.error))
    return issues


Reading = tuple[Cell, tuple[str, ...], Parsed]  # the cell cleaned, the characters out, its value
_VALUES_CACHED = 1 << 14  # distinct values remembered per column, then forgotten at once
_READERS: dict[int, tuple[Column, Callable[[Cell], Reading]]] = {}


def _reader(column: Column) -> Callable[[Cell], Reading]:
    """The reading of a cell of `column`: the cell without its control characters, the
    characters taken out, and its value. Pure, so each distinct value of a column is read
    once (keyed by the value and its type: 1, 1.0 and True are equal as keys); one reader
    per column object, found by identity (hashing a column costs more than reading most
    cells)."""
    entry = _READERS.get(id(column))
    if entry is not None and entry[0] is column:
        return entry[1]
    known: dict[tuple[type, Cell], Reading] = {}

    def read(cell: Cell) -> Reading:
        key = (type(cell), cell)
        got = known.get(key)
        if got is None:
            if len(known) >= _VALUES_CACHED:
                known.clear()
            cleaned, removed = strip_controls(cell)
            got = known[key] = (cleaned, removed, read_cell(column, cleaned))
        return got

    _READERS[id(column)] = (column, read)
    return read


@lru_cache(maxsize=1 << 16)
def _text_of(kind: type, cell: Cell) -> str:
    """A cell as a person reads it, without its control characters (`kind`: as above)."""
    return as_text(strip_controls(cell)[0])


@lru_cache(maxsize=1 << 16)
def _shown(kind: type, cell: Cell) -> str | None:
    """`_text_of`, or None when the cell is blank."""
    return None if is_blank(cell) else _text_of(kind, cell)


@lru_cache(maxsize=1 << 16)
def _filled_text(text: str) -> str | None:
    cleaned = strip_controls(text)[0]
    return None if is_blank(cleaned) else cleaned


def _filled(cell: Cell) -> Cell:
    """The cell without its control characters, None when it is then blank."""
    if cell is None or not isinstance(cell, str):
        return cell
    return _filled_text(cell)


def _is_note_row(filled: Sequence[Cell]) -> bool:
    """Whether a row whose non-blank cells are `filled` (in order) starts a notes block."""
    if not filled or not isinstance(filled[0], str):
        return False
    return match_key(filled[0]).startswith(_NOTE_PREFIXES) or filled[0].strip().startswith("*")


def _raw_row(row: Sequence[Cell], keys: list[str]) -> dict[str, str]:
    """The row's non-blank cells as a person reads them, keyed by their column header
    (`keys`: `_raw_keys` of the header row)."""
    out: dict[str, str] = {}
    for c, cell in enumerate(row):
        if cell is not None and (shown := _shown(type(cell), cell)) is not None:
            out[keys[c] if c < len(keys) else f"Cột {c + 1}"] = shown
    return out


@lru_cache(maxsize=1 << 10)
def _raw_keys(header: tuple[Cell, ...], kinds: tuple[type, ...]) -> list[str]:
    """Each column's key in a raw row: its header (the header row's cell as read, without
    control characters), or «Cột n» when it has none. Read-only: shared by every table
    with the same header row (`kinds`, the cells' types, keep 1 and True apart)."""
    labels = [as_text(c) for c in header]
    return [strip_controls(label)[0] if label else f"Cột {c + 1}"
            for c, label in enumerate(labels)]


def parse_table(grid: Grid, tab: Tab, unit: str, year: int) -> tuple[list[dict], list[Issue]]:
    """Typed rows of a table tab, each with its `sheet_row`, and the issues found."""
    header = find_header(grid, tab)
    found = header[1] if header else {}
    missing = [col for col in tab.required_columns if col.key not in found]
    if header is None or missing:
        return [], [
            _issue(unit, year, tab, None, col, None, "missing_column", Severity.BLOCKING)
            for col in (missing or tab.required_columns)
        ]
    header_row, positions = header
    header_cells = tuple(grid[header_row])
    keys = _raw_keys(header_cells, tuple(map(type, header_cells)))
    spots = list(positions.values())
    readers = [(col, positions.get(col.key), _reader(col)) for col in tab.columns]
    records: list[dict] = []
    issues: list[Issue] = []
    seen_blank_after_data = False
    for r in range(header_row + 1, len(grid)):
        row = grid[r]
        width = len(row)
        filled = [cell for c in spots if c < width and (cell := _filled(row[c])) is not None]
        if not filled:
            seen_blank_after_data = seen_blank_after_data or bool(records)
            continue
        if _is_note_row(filled) or (seen_blank_after_data and len(filled) <= 1):
            continue  # the notes block under the table: kept in raw, not data
        sheet_row = r + 1
        record: dict[str, object] = {"sheet_row": sheet_row, RAW_KEY: _raw_row(row, keys)}
        for col, spot, read in readers:
            cleaned, removed, got = read(row[spot] if spot is not None and spot < width
                                         else None)
            record[col.key] = got.value
            if removed or got.error is not None:
                issues += _cell_issues(unit, year, tab, sheet_row, col, cleaned, removed, got)
        records.append(record)
    return records, issues


def parse_key_value(grid: Grid, tab: Tab, unit: str, year: int) -> tuple[list[dict], list[Issue]]:
    """The one record of a label/value tab; `row__<key>` holds each label's sheet row."""
    _, _, by_label = _labels(tab)
    record: dict[str, object] = {"sheet_row": None, RAW_KEY: {}}
    issues: list[Issue] = []
    for r, row in enumerate(grid):
        label = _cell(row, 0)
        col = by_label.get(match_key(label)) if isinstance(label, str) else None
        if col is None or f"row__{col.key}" in record:
            continue
        sheet_row = r + 1
        cell = _cell(row, 1)
        got, found = _read(unit, year, tab, sheet_row, col, cell)
        record[col.key] = got.value
        record[f"row__{col.key}"] = sheet_row
        record[RAW_KEY][col.header] = _text_of(type(cell), cell)
        issues += found
    return finish_key_value(record, issues, tab, unit, year)


def finish_key_value(record: dict[str, object], issues: list[Issue], tab: Tab, unit: str,
                     year: int) -> tuple[list[dict], list[Issue]]:
    """A label/value tab's record once its labels are read (`record`, being built): each
    label not found is empty, an issue when required; `sheet_row` is the unit code's row."""
    for col in tab.columns:
        if f"row__{col.key}" not in record:
            record[f"row__{col.key}"] = None
            record[col.key] = read_cell(col, None).value
            if col.required or col.identity:
                severity = Severity.BLOCKING if col.identity else Severity.ERROR
                issues.append(_issue(unit, year, tab, None, col, None, "missing_label", severity))
    record["sheet_row"] = record.get("row__unit_code")
    return [record], issues


def assemble_workbook(unit_code: str, year: int, names: Sequence[str | None],
                      parse_tab: Callable[[int, Tab, str], tuple[list[dict], list[Issue]]]
                      ) -> ParsedWorkbook:
    """One workbook's parse from the name found for each template tab (`names`, in the
    template's order; None: not found) and `parse_tab(index, tab, name)`: a missing
    required tab is a blocking issue, a missing optional one nothing."""
    records: dict[str, list[dict]] = {}
    issues: list[Issue] = []
    tab_names: dict[str, str] = {}
    for t, (tab, name) in enumerate(zip(TEMPLATE, names, strict=True)):
        if name is None:
            if tab.required:
                issues.append(_issue(unit_code, year, tab, None, None, None, "missing_tab",
                                     Severity.BLOCKING))
            continue
        tab_names[tab.key] = name
        rows, found = parse_tab(t, tab, name)
        records[tab.key] = rows
        issues.extend(found)
    return ParsedWorkbook(unit_code, year, records, tuple(issues), tab_names)


def parse_workbook(workbook: Workbook, unit_code: str, year: int) -> ParsedWorkbook:
    """Every template tab of one workbook, typed, with the issues found while reading."""

    def parse_tab(_: int, tab: Tab, name: str) -> tuple[list[dict], list[Issue]]:
        parse = parse_key_value if tab.layout is Layout.KEY_VALUE else parse_table
        return parse(workbook[name], tab, unit_code, year)

    return assemble_workbook(unit_code, year, [find_tab(workbook, tab) for tab in TEMPLATE],
                             parse_tab)


def read_general(workbook: Workbook) -> dict[str, object]:
    """Only the "Thông tin chung" record (e.g. to see whether a version was marked complete)."""
    name = find_tab(workbook, GENERAL)
    if name is None:
        return {}
    records, _ = parse_key_value(workbook[name], GENERAL, "", 0)
    return records[0]
