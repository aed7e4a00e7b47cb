"""Many workbooks parsed at once, as columns: for each, the same `ParsedWorkbook` as
`core.parse.parse_workbook` on its grid, worked out from the stored cells of a part of a
year's snapshots (`warehouse.db.snapshots_cell_columns`) without building the grids.
Pure, no I/O.

The rules are `core.parse`'s (header search, blank rows, the notes block under a table,
control characters, raw rows, the order of the issues); what changes is how the work is
laid out. The cells are sorted by tab, workbook, row and column; each distinct stored value
is decoded and looked at (blank, note, text for a person) once; each table tab's header
row is found over the few cells that are headers; each template column is read as one
array of stored values, each distinct value by `core.parse`'s reader for the column, and
an issue is made only for a cell that has one. The label/value tab ("Thông tin chung") is
read the same way, label by label.
`tests/unit/test_parse_columns.py` holds both ways to the same results.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from itertools import repeat

import numpy as np
import pandas as pd

from core.issues import Issue, Severity
from core.parse import (
    HEADER_SEARCH_ROWS,
    RAW_KEY,
    ParsedWorkbook,
    _cell_issues,
    _filled,
    _is_note_row,
    _issue,
    _labels,
    _reader,
    _shown,
    _text_of,
    assemble_workbook,
    find_tab,
    finish_key_value,
    parse_key_value,
)
from core.snapshot import VALUE_KINDS, decode
from core.template import TEMPLATE, Layout, Tab
from core.values import Cell, as_text, match_key, strip_controls

# the bits of a cell's sort key: template tab, workbook, row, column (xlsx: at most
# 16,384 columns and 1,048,576 rows; Google Sheets: 18,278 columns, 10 million cells)
_COL_BITS, _ROW_BITS, _K_BITS = 16, 24, 20
_TAB_SHIFT = _K_BITS + _ROW_BITS + _COL_BITS
_K_SHIFT = _ROW_BITS + _COL_BITS


def _key(tab: int | np.ndarray, k: int | np.ndarray, row: int | np.ndarray,
         col: int | np.ndarray) -> np.ndarray:
    return ((np.int64(tab) << _TAB_SHIFT) | (np.int64(k) << _K_SHIFT)
            | (np.asarray(row, np.int64) << _COL_BITS) | np.asarray(col, np.int64))


def _objects(values: Sequence[object]) -> np.ndarray:
    """An object array holding exactly `values` (numpy would unpack sequences)."""
    out = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        out[i] = value
    return out


def header_label(cell: Cell) -> str | None:
    """A header cell's label in a raw row (`core.parse._raw_keys`), None when it reads as
    nothing (the column is then «Cột n»)."""
    label = as_text(cell)
    return strip_controls(label)[0] if label else None


@lru_cache(maxsize=1 << 10)
def _template_tabs(names: tuple[str, ...]) -> tuple[list[str | None], list[tuple[int, int]]]:
    """A workbook's name for each template tab (`find_tab`), and (template tab's position,
    tab index) of each found: the last tab of that name, as a mapping of names keeps it."""
    by_name = dict.fromkeys(names)
    found = [find_tab(by_name, tab) for tab in TEMPLATE]
    indexes = [(t, max(i for i, n in enumerate(names) if n == name))
               for t, name in enumerate(found) if name is not None]
    return found, indexes


def _numbered(kinds: np.ndarray, texts: np.ndarray,
              hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each value's number (equal type and text, equal number) and the position of each
    number's first value: by the texts' hashes, checked against the texts themselves
    (two texts of one hash: numbered by the texts)."""
    codes = pd.factorize((hashes << np.uint64(2)) | kinds.astype(np.uint64))[0]
    firsts = _firsts(codes)
    if (texts == texts[firsts][codes]).all() and (kinds == kinds[firsts][codes]).all():
        return codes.astype(np.int64), firsts
    text_codes = pd.factorize(texts)[0]
    codes = pd.factorize(text_codes.astype(np.int64) * len(VALUE_KINDS) + kinds)[0]
    return codes.astype(np.int64), _firsts(codes)


def _firsts(codes: np.ndarray) -> np.ndarray:
    """The position of each number's first value (`pd.factorize` numbers in order of
    first appearance)."""
    if not len(codes):
        return np.zeros(0, np.int64)
    running = np.maximum.accumulate(codes)
    return np.flatnonzero(np.r_[True, running[1:] > running[:-1]])


class _Cells:
    """One part's cells sorted by template tab, workbook, row and column; each distinct
    stored value (type and text) numbered once (`code`) and decoded once (`values`)."""

    def __init__(self, tab_names: Sequence[Sequence[str]], columns: dict[str, np.ndarray]):
        k = np.asarray(columns["k"], np.int64)
        tab_index = np.asarray(columns["tab_index"], np.int64)
        rows = np.asarray(columns["row_number"], np.int64)
        cols = np.asarray(columns["column_number"], np.int64)
        # each workbook's template tabs: the grid `find_tab`'s name stands for (the last
        # tab of that name, as a workbook mapping of names keeps it)
        self.names: list[list[str | None]] = []
        widest = int(tab_index.max()) + 1 if len(tab_index) else 1
        order = np.full((len(tab_names), max(widest, 1)), -1, np.int64)
        for w, names in enumerate(tab_names):
            found, indexes = _template_tabs(tuple(names))
            self.names.append(found)  # read-only, shared by workbooks named alike
            for t, index in indexes:
                if index < widest:
                    order[w, index] = t
        if len(k) and (k.max() >= 1 << _K_BITS or rows.max() >= 1 << _ROW_BITS
                       or cols.max() >= 1 << _COL_BITS):
            raise ValueError("a part's cells are out of the sort key's range")
        tabs = order[k, tab_index] if len(k) else k
        keep = tabs >= 0
        keys = _key(tabs[keep], k[keep], rows[keep], cols[keep])
        by = np.argsort(keys, kind="stable")
        self.key = keys[by]
        self.tab = tabs[keep][by]
        self.k = k[keep][by]
        self.row = rows[keep][by]
        self.col = cols[keep][by]
        # a stored value is its type and text, numbered by both (1, 1.0 and TRUE apart)
        kinds = np.asarray(columns["value_kind"], np.int64)[keep][by]
        texts = np.asarray(columns["value_text"], dtype=object)[keep][by]
        self.code, firsts = _numbered(kinds, texts,
                                      np.asarray(columns["value_hash"], np.uint64)[keep][by])
        values: list[Cell] = []
        for kind, text in zip(kinds[firsts].tolist(), texts[firsts].tolist(), strict=True):
            values.append(text if kind == 0 else decode(VALUE_KINDS[kind], text))
        self.values = values
        self.filled = np.array([_filled(v) is not None for v in values], bool)
        self.bounds = np.searchsorted(self.tab, np.arange(len(TEMPLATE) + 1))

    def find(self, wanted: np.ndarray) -> np.ndarray:
        """The position of each wanted key's cell, -1 where no cell was stored."""
        if not len(self.key):
            return np.full(len(wanted), -1, np.int64)
        at = np.minimum(np.searchsorted(self.key, wanted), len(self.key) - 1)
        return np.where(self.key[at] == wanted, at, -1)


def parse_snapshots(units: Sequence[str], tab_names: Sequence[Sequence[str]],
                    columns: dict[str, np.ndarray], year: int) -> list[ParsedWorkbook]:
    """`parse_workbook` of each workbook of a part: `units[k]` and `tab_names[k]` are the
    k-th workbook's, `columns` its template tabs' cells (k, tab_index, row_number,
    column_number, value_type, value_text; in any order)."""
    cells = _Cells(tab_names, columns)
    found: list[dict[int, tuple[list[dict], list[Issue]]]] = []
    for t, tab in enumerate(TEMPLATE):
        part = slice(int(cells.bounds[t]), int(cells.bounds[t + 1]))
        if tab.layout is Layout.KEY_VALUE:
            found.append(_key_value_tab(cells, part, t, tab, units, year))
        else:
            found.append(_table_tab(cells, part, t, tab, units, year))
    return [assemble_workbook(unit, year, cells.names[w],
                              lambda t, tab, _, w=w, unit=unit:
                              found[t].get(w) or _empty(tab, unit, year))
            for w, unit in enumerate(units)]


def _empty(tab: Tab, unit: str, year: int) -> tuple[list[dict], list[Issue]]:
    """What the parser makes of a tab with no cell."""
    if tab.layout is Layout.KEY_VALUE:
        return parse_key_value([], tab, unit, year)
    return _unread(tab, unit, year, {})


def _unread(tab: Tab, unit: str, year: int,
            positions: dict[str, int]) -> tuple[list[dict], list[Issue]]:
    """`parse_table` of a tab whose header row is missing or lacks required headers."""
    missing = [col for col in tab.required_columns if col.key not in positions]
    return [], [_issue(unit, year, tab, None, col, None, "missing_column", Severity.BLOCKING)
                for col in (missing or tab.required_columns)]


def _key_value_tab(cells: _Cells, part: slice, t: int, tab: Tab, units: Sequence[str],
                   year: int) -> dict[int, tuple[list[dict], list[Issue]]]:
    """`parse_key_value` of one tab of every workbook of the part that has its cells: the
    first row of each label (column A), its value in column B."""
    _, _, by_label = _labels(tab)
    order_of = {col.key: j for j, col in enumerate(tab.columns)}
    ks, rows, cols, codes = cells.k[part], cells.row[part], cells.col[part], cells.code[part]
    in_a = np.flatnonzero(cols == 1)
    label_codes, distinct = pd.factorize(codes[in_a])
    column_of = np.full(len(distinct) + 1, -1, np.int64)
    for i, code in enumerate(distinct.tolist()):
        value = cells.values[code]
        if isinstance(value, str) and (col := by_label.get(match_key(value))) is not None:
            column_of[i] = order_of[col.key]
    js = column_of[label_codes]
    in_a, js = in_a[js >= 0], js[js >= 0]
    first = np.sort(np.unique((ks[in_a] << 6) | js, return_index=True)[1])  # in row order
    labels, js = in_a[first], js[first]
    at_b = cells.find(_key(t, ks[labels], rows[labels], 2))
    value_codes = np.where(at_b >= 0, cells.code[np.maximum(at_b, 0)], -1).tolist()
    entries: dict[int, list[tuple[int, int, int]]] = {}
    for w, row, j, code in zip(ks[labels].tolist(), rows[labels].tolist(), js.tolist(),
                               value_codes, strict=True):
        entries.setdefault(w, []).append((row, j, code))
    out: dict[int, tuple[list[dict], list[Issue]]] = {}
    for w in np.unique(ks).tolist():
        unit = units[w]
        raw: dict[str, str] = {}
        record: dict[str, object] = {"sheet_row": None, RAW_KEY: raw}
        issues: list[Issue] = []
        for row, j, code in entries.get(w, ()):
            col = tab.columns[j]
            cell = None if code < 0 else cells.values[code]
            cleaned, removed, got = _reader(col)(cell)
            record[col.key] = got.value
            record[f"row__{col.key}"] = row
            raw[col.header] = _text_of(type(cell), cell)
            if removed or got.error is not None:
                issues += _cell_issues(unit, year, tab, row, col, cleaned, removed, got)
        out[w] = finish_key_value(record, issues, tab, unit, year)
    return out


_NO_HEADER = np.iinfo(np.int64).max


def _headers(cells: _Cells, part: slice, tab: Tab, n: int
             ) -> tuple[np.ndarray, np.ndarray, dict[int, dict[str, int]]]:
    """`find_header` of each workbook's tab, from the text cells of the first rows that are
    one of the tab's headers: each workbook's header row number (`_NO_HEADER` when no row
    holds every required header) and each column's number in it (by column order, -1 when
    missing); and for a workbook whose tab has no such row, the headers of the row that
    holds the most (column key -> column number), as the parser names what is missing.

    Headers typed exactly as the template's name a row holding every required header in
    most workbooks: only the rows down to it can hold the first such row, so only their
    texts are matched as headers (accent-, case- and punctuation-folded); the other
    workbooks' first 30 rows all are."""
    by_header, required, _ = _labels(tab)
    order_of = {col.key: j for j, col in enumerate(tab.columns)}
    exact = {col.header: j for j, col in enumerate(tab.columns)}
    is_required = np.array([col.key in required for col in tab.columns])
    near = np.flatnonzero(cells.row[part] <= HEADER_SEARCH_ROWS)
    near_codes, distinct = pd.factorize(cells.code[part][near])
    values = [cells.values[code] for code in distinct.tolist()]
    typed = np.array([exact.get(v, -1) if isinstance(v, str) else -1 for v in values] + [-1],
                     np.int64)
    limit = np.full(n, HEADER_SEARCH_ROWS, np.int64)
    found = _first_full_rows(cells, part, near, typed[near_codes], is_required, n)[0]
    limit[found != _NO_HEADER] = found[found != _NO_HEADER]
    wanted = cells.row[part][near] <= limit[cells.k[part][near]]
    column_of = np.full(len(distinct) + 1, -1, np.int64)
    for i in np.unique(near_codes[wanted]).tolist():
        value = values[i]
        if isinstance(value, str) and (key := by_header.get(match_key(value))):
            column_of[i] = order_of[key]
    header_row, (ks, rows, cols, js) = _first_full_rows(
        cells, part, near[wanted], column_of[near_codes[wanted]], is_required, n)
    positions = np.full((len(tab.columns), n), -1, np.int64)
    chosen = header_row[ks] == rows
    positions[js[chosen], ks[chosen]] = cols[chosen]
    partial: dict[int, dict[int, dict[str, int]]] = {}
    lost = header_row[ks] == _NO_HEADER  # rare: the first row holding the most headers
    for w, row, col, j in zip(ks[lost].tolist(), rows[lost].tolist(), cols[lost].tolist(),
                              js[lost].tolist(), strict=True):
        partial.setdefault(w, {}).setdefault(row, {}).setdefault(tab.columns[j].key, col)
    best = {w: max(rows_of.values(), key=len) for w, rows_of in partial.items()}
    return header_row, positions, best


def _first_full_rows(cells: _Cells, part: slice, near: np.ndarray, js: np.ndarray,
                     is_required: np.ndarray, n: int
                     ) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """Of the cells at `near` that are a header (`js`: its column's order, -1 when none),
    each workbook's first row holding every required header (`_NO_HEADER`: none), and
    each header once per row at its leftmost column: workbook, row, column, order."""
    near, js = near[js >= 0], js[js >= 0]
    ks, rows, cols = cells.k[part][near], cells.row[part][near], cells.col[part][near]
    row_keys = (ks << _ROW_BITS) | rows
    first = np.unique((row_keys << 6) | js, return_index=True)[1]  # sorted by column
    ks, rows, cols, js, row_keys = ks[first], rows[first], cols[first], js[first], row_keys[first]
    listed, inverse = np.unique(row_keys, return_inverse=True)
    holds = np.bincount(inverse, weights=is_required[js], minlength=len(listed))
    full = listed[holds == is_required.sum()]
    found = full[np.unique(full >> _ROW_BITS, return_index=True)[1]]
    header_row = np.full(n, _NO_HEADER, np.int64)
    header_row[found >> _ROW_BITS] = found & ((1 << _ROW_BITS) - 1)
    return header_row, (ks, rows, cols, js)


def _table_tab(cells: _Cells, part: slice, t: int, tab: Tab, units: Sequence[str],
               year: int) -> dict[int, tuple[list[dict], list[Issue]]]:
    """`parse_table` of one tab of every workbook of the part that has its cells."""
    out: dict[int, tuple[list[dict], list[Issue]]] = {}
    header_row, positions, best = _headers(cells, part, tab, len(units))
    ks, rows, cols = cells.k[part], cells.row[part], cells.col[part]
    present = np.unique(ks)
    for w in present[header_row[present] == _NO_HEADER].tolist():
        out[w] = _unread(tab, units[w], year, best.get(w, {}))
    good = present[header_row[present] != _NO_HEADER].tolist()
    if not good:
        return out
    codes = cells.code[part]
    below = rows > header_row[ks]
    at_spot = np.zeros(len(ks), bool)
    for spots in positions:
        at_spot |= spots[ks] == cols
    # the rows with a filled cell under a header, each with its count and first filled cell
    filled = np.flatnonzero(below & at_spot & cells.filled[codes])
    row_keys = (ks[filled] << _ROW_BITS) | rows[filled]
    firsts, counts = np.unique(row_keys, return_index=True, return_counts=True)[1:]
    first_codes = codes[filled[firsts]].tolist()
    notes = {c: _is_note_row([_filled(cells.values[c])]) for c in set(first_codes)}
    # parse_table's walk down the rows; a row with no filled cell is one not listed here
    rec_k: list[int] = []
    rec_row: list[int] = []
    last_w, last_row, seen_blank, has_records = -1, 0, False, False
    for w, row, count, code in zip(ks[filled[firsts]].tolist(), rows[filled[firsts]].tolist(),
                                   counts.tolist(), first_codes, strict=True):
        if w != last_w:
            last_w, last_row, seen_blank, has_records = w, int(header_row[w]), False, False
        if row != last_row + 1:
            seen_blank = seen_blank or has_records
        last_row = row
        if notes[code] or (seen_blank and count <= 1):
            continue
        rec_k.append(w)
        rec_row.append(row)
        has_records = True
    rec_ks = np.asarray(rec_k, np.int64)
    rec_rows = np.asarray(rec_row, np.int64)
    values: dict[str, list[object]] = {}
    bad: list[tuple[int, int, tuple]] = []  # (record, column order, reading)
    for order, col in enumerate(tab.columns):
        spots = positions[order][rec_ks]
        where = cells.find(_key(t, rec_ks, rec_rows, np.maximum(spots, 0)))
        where[spots < 0] = -1
        code_of = np.where(where >= 0, cells.code[np.maximum(where, 0)], -1)
        inverse, distinct = pd.factorize(code_of)
        read = _reader(col)
        readings = [read(None if c < 0 else cells.values[c]) for c in distinct.tolist()]
        values[col.key] = _objects([r[2].value for r in readings])[inverse].tolist()
        wrong = [i for i, r in enumerate(readings) if r[1] or r[2].error is not None]
        if wrong:
            for i in np.flatnonzero(np.isin(inverse, wrong)).tolist():
                bad.append((i, order, readings[inverse[i]]))
    raws = _raw_rows(cells, part, t, header_row, rec_ks, rec_rows)
    names = ["sheet_row", RAW_KEY, *values]
    records = [dict(zip(names, row, strict=True))
               for row in zip(rec_row, raws, *values.values(), strict=True)]
    issues: dict[int, list[Issue]] = {}
    for i, order, (cleaned, removed, got) in sorted(bad, key=lambda b: (b[0], b[1])):
        w = rec_k[i]
        issues.setdefault(w, []).extend(_cell_issues(units[w], year, tab, rec_row[i],
                                                     tab.columns[order], cleaned, removed, got))
    starts = np.searchsorted(rec_ks, np.asarray(good, np.int64), side="left").tolist()
    ends = np.searchsorted(rec_ks, np.asarray(good, np.int64), side="right").tolist()
    for w, start, end in zip(good, starts, ends, strict=True):
        out[w] = (records[start:end], issues.get(w, []))
    return out


class _RawCells:
    """The non-blank cells of one tab's records in a part, for their raw rows: each cell's
    text as a person reads it and its header row's label (None: «Cột n»), record by
    record (`bounds`)."""

    __slots__ = ("bounds", "cols", "labels", "shown")

    def __init__(self, shown: np.ndarray, labels: np.ndarray, cols: np.ndarray,
                 bounds: np.ndarray) -> None:
        self.shown, self.labels, self.cols, self.bounds = shown, labels, cols, bounds

    def row(self, record: int) -> dict[str, str]:
        out: dict[str, str] = {}
        start, end = int(self.bounds[record]), int(self.bounds[record + 1])
        for shown, label, col in zip(self.shown[start:end].tolist(),
                                     self.labels[start:end].tolist(),
                                     self.cols[start:end].tolist(), strict=True):
            out[label if label is not None else f"Cột {col}"] = shown
        return out


class RawRow(Mapping[str, str]):
    """A record's raw row (`core.parse.RAW_KEY`), made when first read: the year's records
    are many, and only those of the quarantine are ever read."""

    __slots__ = ("_cells", "_record", "_row")

    def __init__(self, cells: _RawCells, record: int) -> None:
        self._cells, self._record = cells, record
        self._row: dict[str, str] | None = None

    def _made(self) -> dict[str, str]:
        if self._row is None:
            self._row = self._cells.row(self._record)
        return self._row

    def __getitem__(self, key: str) -> str:
        return self._made()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._made())

    def __len__(self) -> int:
        return len(self._made())

    def __repr__(self) -> str:
        return repr(self._made())

    def __reduce__(self) -> tuple[type, tuple[_RawCells, int]]:
        # pickled (a stored task result, Prefect's hash of the load's inputs) the same
        # whether or not the row was made: a retry's load is then served from the cache
        return RawRow, (self._cells, self._record)


def _raw_rows(cells: _Cells, part: slice, t: int, header_row: np.ndarray,
              rec_ks: np.ndarray, rec_rows: np.ndarray) -> list[RawRow]:
    """Each record's row as `core.parse._raw_row` keeps it: its non-blank cells as a person
    reads them, keyed by the header row's label of their column (or «Cột n»)."""
    if not len(rec_ks):
        return []
    ks, rows, cols, codes = cells.k[part], cells.row[part], cells.col[part], cells.code[part]
    wanted = (rec_ks << _ROW_BITS) | rec_rows
    mine = np.minimum(np.searchsorted(wanted, (ks << _ROW_BITS) | rows), len(wanted) - 1)
    take = np.flatnonzero(wanted[mine] == ((ks << _ROW_BITS) | rows))
    inverse, distinct = pd.factorize(codes[take])
    shown = _objects([_shown(type(v), v) if v is not None else None
                      for v in (cells.values[c] for c in distinct.tolist())])[inverse]
    take, shown = take[shown != None], shown[shown != None]  # noqa: E711 (elementwise)
    at_header = cells.find(_key(t, ks[take], header_row[ks[take]], cols[take]))
    header_codes = np.where(at_header >= 0, cells.code[np.maximum(at_header, 0)], -1)
    inverse, distinct = pd.factorize(header_codes)
    labels = _objects([header_label(cells.values[c]) if c >= 0 else None
                       for c in distinct.tolist()])[inverse]
    bounds = np.searchsorted(mine[take], np.arange(len(rec_ks) + 1))
    raw = _RawCells(shown, labels, cols[take], bounds)
    return list(map(RawRow, repeat(raw, len(rec_ks)), range(len(rec_ks))))
