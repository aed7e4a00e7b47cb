"""The two parsers side by side on the same stored cells: `core.parse.parse_workbook` on
each workbook's grid, `core.parse_columns.parse_snapshots` on all of them at once."""

from __future__ import annotations

import numpy as np

from core.parse import parse_workbook
from core.parse_columns import parse_snapshots
from core.snapshot import VALUE_KINDS, cell_columns, grids_of


def parsed_both_ways(workbooks: dict[str, dict], hashed=hash) -> tuple[list, list]:
    """Each workbook parsed from its stored cells both ways (`hashed`: the texts' hash)."""
    units, names, parts = [], [], {"k": [], "tab_index": [], "row_number": [],
                                   "column_number": [], "value_type": [], "value_text": []}
    expected = []
    for k, (unit, workbook) in enumerate(workbooks.items()):
        cells = cell_columns(workbook)
        units.append(unit)
        names.append(list(workbook))
        expected.append(parse_workbook(grids_of(list(workbook), cells.tab_index,
                                                cells.row_number, cells.column_number,
                                                cells.value_type, cells.value_text),
                                       unit, 2024))
        parts["k"] += [k] * len(cells)
        for name in ("tab_index", "row_number", "column_number", "value_type", "value_text"):
            parts[name] += list(getattr(cells, name))
    shuffled = np.random.default_rng(7).permutation(len(parts["k"]))  # in any order
    columns = {name: np.asarray(values, dtype=object if name.startswith("value") else None)
               [shuffled] for name, values in parts.items()}
    columns["value_kind"] = np.array([VALUE_KINDS.index(kind) for kind in
                                      columns.pop("value_type")], np.int8)
    columns["value_hash"] = np.array([hashed(text) % 2**64 for text in columns["value_text"]],
                                     np.uint64)
    return expected, parse_snapshots(units, names, columns, 2024)
