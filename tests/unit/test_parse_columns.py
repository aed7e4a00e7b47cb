"""Many workbooks parsed at once as columns (core.parse_columns) give what the parser gives
each workbook's grid (core.parse.parse_workbook): records, raw rows, issues in order."""

from datetime import date

import numpy as np

from core.parse import RAW_KEY
from tests.parsers import parsed_both_ways

GENERAL = [
    ["BÁO CÁO"],
    [],
    ["Mã đơn vị", "HLHPN"],
    ["Năm báo cáo", 2024],
    ["Người lập báo cáo", "Nguyễn Thị Hoa\x07"],
    ["Ngày hoàn thành báo cáo", "31/02/2024"],
    ["Đã ban hành kế hoạch Tháng hành động", "x"],
    ["Báo cáo đã hoàn thành", "Có"],
]
HEADER = ["Mã hoạt động", "Nội dung", "Hình thức", "Đối tượng", "Số cuộc, số lượng",
          "Số người tham dự", "Trong đó nữ", "Từ ngày", "Kinh phí ngân sách (đồng)"]
ROW = ["1a", "Mít tinh", "Khác", "Người dân, cộng đồng", 2, 40, 25, date(2024, 3, 8),
       "1.500.000"]
OUTLETS = [["Tên cơ quan, kênh truyền thông", "Loại hình", "Mức áp dụng Bộ chỉ số về giới"],
           ["Đài huyện", "Đài truyền thanh", "Thí điểm"]]


def _activities(*rows):
    return [["DANH SÁCH HOẠT ĐỘNG"], [], HEADER + ["Người phụ trách"], *rows]


WORKBOOKS = {
    # notes block, blank rows, a lone cell after a blank row, bad and control cells
    "A": {"Thông tin chung": GENERAL, "Hoạt động": _activities(
        ROW + ["Chị Lan"],
        ["1.b", "Tọa đàm\x01", "hoi nghi, hoi thao, toa dam", "Khác", "1,5", "#REF!", 5,
         "2024-13-01", 12.5],  # a float amount is read as it is
        [],
        ["2a", "Tập huấn", "Khác", "Khác", 1, None, None, 45300, None, "anh Nam"],
        [None, "lạc lõng"],
        ["Ghi chú: số liệu tạm tính", None, None, None, 3],
        ["3a", None, None, None, 4],
    ), "Cơ quan truyền thông": OUTLETS},
    # columns moved, an extra column headed 1, the header row found below a decoy
    "B": {"Thông tin chung": GENERAL[:4], "Hoạt động": [
        ["Mã hoạt động", "Nội dung"],
        [1, *reversed(HEADER)],
        ["x", *reversed(ROW)],
        [True, *reversed(ROW[:4] + [1.0, 2, 3, 44927, "12,5"])],
    ]},
    # no activities tab; an outlets tab without its required headers; an empty tab
    "C": {"Thông tin chung": [], "Cơ quan truyền thông": [["Tên cơ quan, kênh truyền thông"],
                                                          ["Đài"]],
          "Hương ước, quy ước": []},
    # headers under row 30 are not searched; a label twice, a label without its value
    "D": {"Thông tin chung": [["Mã đơn vị", " hlhpn "], ["Năm báo cáo"], [2024, "x"],
                              ["MÃ ĐƠN VỊ", "KHAC"], ["Người lập báo cáo", None, "Lan"]],
          "Hoạt động": [[]] * 30 + [HEADER, ROW]},
    # headers typed loosely above headers typed as the template's: the first full row counts
    "E": {"Thông tin chung": GENERAL, "Hoạt động": [
        ["HOẠT ĐỘNG"], [h.upper() for h in HEADER], ROW, HEADER, ROW]},
}


def test_workbooks_parsed_as_columns_equal_each_workbook_parsed_alone():
    """Records, raw rows (keys in order), issues in order and tab names are the parser's,
    and the hand-worked rows and rules below hold."""
    expected, got = parsed_both_ways(WORKBOOKS)
    assert expected == got
    for old, new in zip(expected, got, strict=True):
        for key in old.records:
            assert [list(r) for r in old.records[key]] == [list(r) for r in new.records[key]]
            assert ([list(r[RAW_KEY].items()) for r in old.records[key]]
                    == [list(r[RAW_KEY].items()) for r in new.records[key]])
    a, b, c, d, e = got
    assert [4, 5, 7, 10] == [r["sheet_row"] for r in a.records["activities"]]
    assert ["Chị Lan", None] == [a.records["activities"][0][RAW_KEY].get("Người phụ trách"),
                                 a.records["activities"][1][RAW_KEY].get("Người phụ trách")]
    assert [("control_characters", "general", 5), ("not_date", "general", 6),
            ("control_characters", "activities", 5), ("not_whole", "activities", 5),
            ("formula_error", "activities", 5), ("not_date", "activities", 5)] == [
        (i.rule, "general" if i.tab == "Thông tin chung" else "activities", i.sheet_row)
        for i in a.issues]
    assert [3, 4] == [r["sheet_row"] for r in b.records["activities"]]
    assert {"1", "Mã hoạt động", "Số cuộc, số lượng"} <= set(b.records["activities"][1][RAW_KEY])
    assert [*["missing_label"] * 5, "missing_tab", *["missing_column"] * 5] == [
        i.rule for i in c.issues]
    assert [None, "outlet_type", "gender_index_level", "community", "conventions_total",
            "conventions_non_discriminatory"] == [i.column_key for i in c.issues[5:]]
    assert ["missing_column"] * 5 == [i.rule for i in d.issues if i.tab == "Hoạt động"]
    assert [3, 4, 5] == [r["sheet_row"] for r in e.records["activities"]]
    general = d.records["general"][0]
    assert ("HLHPN", 1, None, 2, 5) == (general["unit_code"], general["row__unit_code"],
                                        general["year"], general["row__year"],
                                        general["row__reporter"])
    assert {"Mã đơn vị": "hlhpn", "Năm báo cáo": "", "Người lập báo cáo": ""} == general[RAW_KEY]


def test_texts_of_one_hash_are_told_apart():
    """Texts are numbered by their hash and checked: with every hash equal, the same."""
    expected, got = parsed_both_ways(WORKBOOKS, hashed=lambda text: 0)
    assert expected == got
    assert "Tọa đàm" == got[0].records["activities"][1]["description"]


def test_a_raw_row_pickles_and_hashes_the_same_before_and_after_it_is_read():
    """Prefect keys the load's cache on a hash of its inputs (the validated records, raw rows
    included): a retry, whose records come back from storage unread, must find the key the
    first attempt made after the feedback had read the quarantine's rows."""
    import pickle

    from prefect.utilities.hashing import hash_objects

    from core.parse_columns import RawRow, _objects, _RawCells

    cells = _RawCells(_objects(["12", "Hội thảo"]), _objects(["Số buổi", None]),
                      np.array([3, 7]), np.array([0, 2]))
    records = [{"sessions": 12, "_raw": RawRow(cells, 0)}]
    unread, pickled = hash_objects(records), pickle.dumps(records)
    assert {"Số buổi": "12", "Cột 7": "Hội thảo"} == dict(records[0]["_raw"])
    assert unread == hash_objects(records)
    assert pickled == pickle.dumps(records)
    assert {"Số buổi": "12", "Cột 7": "Hội thảo"} == pickle.loads(pickled)[0]["_raw"]
