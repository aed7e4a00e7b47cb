"""Raw snapshots: the content of a workbook as fetched, and every cell of it as read.

Cells are stored as (type, text) so that the raw layer keeps exactly what was read and the
parser can be run again from the warehouse alone. Pure functions, no I/O.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from core.parse import Workbook
from core.values import Cell


@dataclass(frozen=True)
class RawCell:
    tab_index: int
    tab_name: str
    row_number: int  # 1-based, as the person sees it
    column_number: int  # 1-based
    value_type: str  # text | number | date | bool
    value_text: str


def content_sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def snapshot_id(year: int, unit_code: str, sha256: str) -> str:
    """Stable id: the same content for the same unit and year is the same snapshot."""
    return f"{year}-{unit_code}-{sha256[:16]}"


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(text: str) -> str:
    """Text the warehouse can store (valid UTF-8). A lone surrogate (half of an emoji cut
    by a spreadsheet formula, or bytes that were not UTF-8) is kept as Excel's own escape
    `_xD83D_`, which the parser reads as the control character it is and names in a
    warning (core.values.strip_controls)."""
    return _LONE_SURROGATE.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def has_lone_surrogate(texts: list[str]) -> bool:
    """Whether any of `texts` needs `storable`: looked for once in all of them."""
    return _LONE_SURROGATE.search("".join(texts)) is not None


def encode(cell: Cell) -> tuple[str, str]:
    if isinstance(cell, bool):
        return "bool", "TRUE" if cell else "FALSE"
    if isinstance(cell, int | float):
        return "number", repr(cell)
    if isinstance(cell, datetime):
        return "date", cell.isoformat()
    if isinstance(cell, date):
        return "date", datetime(cell.year, cell.month, cell.day).isoformat()
    return "text", storable(str(cell))


# the stored value types (raw.cells.value_type), numbered for sending cells across the
# reader's pipe (`sources.reader`) and reading many at once (`warehouse.db
# .snapshots_cell_columns`); `decode` reads any other type as text
VALUE_KINDS = ("text", "number", "date", "bool")


def decode(value_type: str, value_text: str) -> Cell:
    match value_type:
        case "bool":
            return value_text == "TRUE"
        case "number":
            return float(value_text) if any(c in value_text for c in ".eEn") else int(value_text)
        case "date":
            return datetime.fromisoformat(value_text)
    return value_text


def cells_of(workbook: Workbook) -> Iterator[RawCell]:
    """Every non-empty cell of every tab, extra columns and notes included."""
    for tab_index, (tab_name, grid) in enumerate(workbook.items()):
        for r, row in enumerate(grid, start=1):
            for c, cell in enumerate(row, start=1):
                if cell is None or cell == "":
                    continue
                value_type, value_text = encode(cell)
                yield RawCell(tab_index, storable(tab_name), r, c, value_type, value_text)


@dataclass(frozen=True)
class CellColumns:
    """The cells of one workbook as columns (the fields of `RawCell`, in the order of
    `cells_of`): what the reader process hands the pull, written with one insert a part."""

    # lists, or arrays (of machine integers in the reader, numpy's in the pull's process:
    # sources.xlsx.read_cells, sources.reader.unpack_cells)
    tab_index: Sequence[int]
    tab_name: Sequence[str]
    row_number: Sequence[int]
    column_number: Sequence[int]
    value_type: Sequence[str]
    value_text: list[str]

    def __len__(self) -> int:
        return len(self.tab_index)

    def cells(self) -> Iterator[RawCell]:
        return (RawCell(*cell) for cell in zip(
            self.tab_index, self.tab_name, self.row_number, self.column_number,
            self.value_type, self.value_text, strict=True))


def cell_columns(workbook: Workbook) -> CellColumns:
    """`cells_of` as columns, at a fraction of its cost: the common types are encoded
    inline, and lone surrogates are looked for once in all the text rather than per cell."""
    tab_index: list[int] = []
    tab_name: list[str] = []
    row_number: list[int] = []
    column_number: list[int] = []
    value_type: list[str] = []
    value_text: list[str] = []
    for index, (name, grid) in enumerate(workbook.items()):
        kept_name = storable(name)
        for r, row in enumerate(grid, start=1):
            for c, cell in enumerate(row, start=1):
                if cell is None or cell == "":
                    continue
                kind = type(cell)
                if kind is str:
                    value_type.append("text")
                    value_text.append(cell)  # made storable below
                elif kind is int or kind is float:
                    value_type.append("number")
                    value_text.append(repr(cell))
                else:
                    encoded = encode(cell)
                    value_type.append(encoded[0])
                    value_text.append(encoded[1])
                tab_index.append(index)
                tab_name.append(kept_name)
                row_number.append(r)
                column_number.append(c)
    if has_lone_surrogate(value_text):  # numbers and dates never have one
        value_text = [storable(text) for text in value_text]
    return CellColumns(tab_index, tab_name, row_number, column_number, value_type,
                       value_text)


def workbook_of(tab_names: list[str], cells: list[RawCell]) -> Workbook:
    """Rebuild the grid of every tab from stored cells (the inverse of `cells_of`)."""
    return grids_of(tab_names, [c.tab_index for c in cells], [c.row_number for c in cells],
                    [c.column_number for c in cells], [c.value_type for c in cells],
                    [c.value_text for c in cells])


@lru_cache(maxsize=1 << 16)
def _decoded(value_type: str, value_text: str) -> Cell:
    return decode(value_type, value_text)


def grids_of(tab_names: Sequence[str], tabs: Sequence[int], rows: Sequence[int],
             columns: Sequence[int], types: Sequence[str], texts: Sequence[str]) -> Workbook:
    """`workbook_of` from the stored cells as columns (the i-th cell is tabs[i], rows[i],
    ...; in any order): every tab of `tab_names` as a rectangular grid as high and as wide
    as its last cell, None where no cell was stored. A tab whose cells were not given is
    an empty grid. Each distinct number or date is decoded once."""
    size: dict[int, list[int]] = {}
    for tab, row, column in zip(tabs, rows, columns, strict=True):
        if (found := size.get(tab)) is None:
            size[tab] = [row, column]
        else:
            if row > found[0]:
                found[0] = row
            if column > found[1]:
                found[1] = column
    grids: dict[int, list[list[Cell]]] = {
        tab: [[None] * width for _ in range(height)] for tab, (height, width) in size.items()
    }
    for tab, row, column, kind, text in zip(tabs, rows, columns, types, texts, strict=True):
        grids[tab][row - 1][column - 1] = text if kind == "text" else _decoded(kind, text)
    return {name: grids.get(index, []) for index, name in enumerate(tab_names)}
