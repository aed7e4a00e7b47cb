"""The columnar parser against the per-workbook parser on many random messy workbooks.

`test_parse_columns.py` works a few workbooks by hand; this one draws 600 from a seeded
generator of what people do to the template (titles and blank rows above the headers,
partial decoy header rows, headers in capitals, without accents, moved, missing, doubled
or padded, extra columns, tabs renamed or missing, notes blocks, lone cells, values of
every type a spreadsheet holds, rows under the header search limit) and holds both parsers
to the same records, raw rows, issues, and their order, parsed 200 workbooks at a time.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import date, datetime

import pytest

from core.template import TEMPLATE, Layout, Tab
from tests.parsers import parsed_both_ways

VALUES: tuple[object, ...] = (
    None, None, None, "", " ", "Mít tinh", "  Tọa đàm  ", "Hội thảo\x01", "x", "Có", "không",
    "TRUE", "Yes", "0", "1", "#REF!", "#N/A", "=SUM(A1:A3)", "1.500.000", "1,5", "12,5",
    "2.000", "1 000", "15tr", "-3", "08/03/2024", "8/3/2024", "2024-03-08", "31/02/2024",
    "2024-13-01", "1a", "1A", " 2b ", "7c", "9z", "Khác", "Người dân, cộng đồng",
    "nguoi dan, cong dong", "Đài truyền thanh", "Thí điểm", "thi diem", "Ghi chú: tạm tính",
    0, 1, 2, 3, 40, -3, 1.5, 12.0, 2.5e9, 45300, 2024, 45300.5, True, False,
    date(2024, 3, 8), date(2023, 11, 30), datetime(2024, 3, 8, 10, 30), datetime(2024, 12, 31),
)
NOTES = ("Ghi chú: số liệu tạm tính", "GHI CHÚ", "Lưu ý: ...", "Người lập biểu",
         "* Số liệu chưa đủ", "Thủ trưởng đơn vị")


def _plain(text: str) -> str:
    """Without accents, as people type on a keyboard without Vietnamese input."""
    folded = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in folded if unicodedata.category(c) != "Mn")


def _label(rng: random.Random, header: str) -> object:
    return rng.choice((header, header, header, header.upper(), f"  {header} ", _plain(header),
                       f"{header} (*)", header.replace(" ", "\n", 1), header.lower()))


def _value(rng: random.Random) -> object:
    return rng.choice(VALUES)


def _table(rng: random.Random, tab: Tab) -> list[list[object]]:
    rows: list[list[object]] = []
    for _ in range(rng.choice((0, 0, 1, 2, 3))):  # titles and blank rows
        rows.append(rng.choice(([], [tab.name.upper()], ["BÁO CÁO", None, "Năm 2024"])))
    columns = [c.header for c in tab.columns]
    if rng.random() < 0.3:  # a partial header row above the real one
        rows.append(rng.sample(columns, k=max(1, len(columns) // 3)))
    if rng.random() < 0.3:
        rng.shuffle(columns)
    if rng.random() < 0.3:
        columns = [c for c in columns if rng.random() > 0.15]
    if rng.random() < 0.3:
        columns.insert(rng.randrange(len(columns) + 1), rng.choice(("STT", "Người phụ trách", 1)))
    if rng.random() < 0.1 and columns:
        columns.append(columns[0])  # a header twice
    if rng.random() < 0.1:
        rows.extend([[]] * rng.choice((20, 28, 29, 30)))  # near or under the search limit
    offset = [None] * rng.choice((0, 0, 0, 1, 3))
    rows.append(offset + [_label(rng, h) if isinstance(h, str) else h for h in columns])
    for _ in range(rng.randrange(9)):
        draw = rng.random()
        if draw < 0.08:
            rows.append([])
        elif draw < 0.14:
            rows.append([rng.choice(NOTES)])
        elif draw < 0.2:
            rows.append([None] * rng.randrange(6) + [_value(rng)])  # a lone cell
        else:
            width = len(offset) + len(columns) + rng.choice((0, 0, 1, 4))
            rows.append([_value(rng) if rng.random() < 0.75 else None for _ in range(width)])
    return rows


def _general(rng: random.Random, tab: Tab) -> list[list[object]]:
    rows: list[list[object]] = [rng.choice(([], ["THÔNG TIN CHUNG"], ["BÁO CÁO", None, 2024]))]
    pairs = [[_label(rng, c.header), _value(rng)] for c in tab.columns if rng.random() < 0.9]
    pairs[:0] = [["Mã đơn vị", rng.choice(("HLHPN", " hlhpn ", "KHAC", None, 12))],
                 ["Năm báo cáo", rng.choice((2024, "2024", 2023, None, 2024.0))]]
    if rng.random() < 0.3:
        rng.shuffle(pairs)
    if rng.random() < 0.2:
        pairs.append([rng.choice([c.header for c in tab.columns]), _value(rng)])  # twice
    for pair in pairs:
        if rng.random() < 0.1:
            pair.insert(1, None)  # the value one column too far
        rows.append(pair)
        if rng.random() < 0.1:
            rows.append([])
    return rows


def _workbook(rng: random.Random) -> dict[str, list[list[object]]]:
    workbook: dict[str, list[list[object]]] = {}
    tabs = list(TEMPLATE)
    if rng.random() < 0.2:
        rng.shuffle(tabs)
    for tab in tabs:
        if rng.random() < 0.1:
            continue  # a tab deleted
        name = rng.choice((tab.name, tab.name, tab.name, tab.name.upper(), f"{tab.name} ",
                           _plain(tab.name), f"{tab.name} (2)"))
        grid = _general(rng, tab) if tab.layout is Layout.KEY_VALUE else _table(rng, tab)
        workbook[name] = grid if rng.random() > 0.05 else []
    if rng.random() < 0.2:
        workbook["Sheet1"] = [["ghi chép riêng", 1]]
    return workbook


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_messy_workbooks_parse_the_same_both_ways(seed):
    rng = random.Random(seed)
    workbooks = {f"U{n:03d}": _workbook(rng) for n in range(200)}
    expected, got = parsed_both_ways(workbooks)
    for unit, old, new in zip(workbooks, expected, got, strict=True):
        assert old == new, unit
        assert list(old.records) == list(new.records), unit
        for key in old.records:
            assert [list(r.items()) for r in old.records[key]] == [
                list(r.items()) for r in new.records[key]], unit
    # the generator reaches what it is for: records kept, rows refused, tabs not found
    rules = {issue.rule for parsed in got for issue in parsed.issues}
    assert {"missing_tab", "missing_column", "missing_label"} <= rules
    assert sum(len(parsed.records.get("activities", ())) for parsed in got) > 200
