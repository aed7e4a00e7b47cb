"""From the cells of a hand-edited workbook to typed records (core.parse)."""

import unicodedata
from datetime import date, datetime

from core.issues import Severity
from core.parse import parse_workbook

GENERAL = [
    ["BÁO CÁO KẾT QUẢ THỰC HIỆN KẾ HOẠCH"],
    [],
    ["Mã đơn vị", "HLHPN"],
    ["Năm báo cáo", 2024],
    ["Người lập báo cáo", "Nguyễn Thị Hoa"],
    ["Ngày hoàn thành báo cáo", "05/12/2024"],
    ["Đã ban hành kế hoạch Tháng hành động", "x"],
    ["Số, ngày văn bản kế hoạch", "12/KH-HPN ngày 01/11/2024"],
    ["Báo cáo đã hoàn thành", "Có"],
]
HEADER = ["Mã hoạt động", "Nội dung", "Hình thức", "Đối tượng",
          "Phổ biến pháp luật, chính sách", "Số cuộc, số lượng", "Số người tham dự",
          "Trong đó nữ", "Từ ngày", "Đến ngày", "Kinh phí ngân sách (đồng)",
          "Kinh phí xã hội hóa, tài trợ (đồng)", "Hình thức điện tử", "Ghi chú"]


def _activities(*rows):
    return [["DANH SÁCH HOẠT ĐỘNG"], [], HEADER, *rows]


def test_hand_edited_workbook_reads_into_typed_records():
    """Title rows, a renamed tab ("HOAT DONG"), NFD text, "x" for yes, text dates and
    thousands dots all read; blank rows and the notes block under the table are skipped."""
    nfd_audience = unicodedata.normalize("NFD", "Người dân, cộng đồng")
    workbook = {
        "Thông tin chung": GENERAL,
        "HOAT DONG": _activities(
            ["I.1.a", "Mít tinh hưởng ứng Tháng hành động", "Hội nghị, hội thảo, tọa đàm",
             nfd_audience, "x", 2, "1.200", 700, "15/11/2024", datetime(2024, 11, 15),
             "15.000.000", None, None, None],
            [None] * 14,
            ["Ghi chú: số liệu tính đến 30/11"],
        ),
    }
    parsed = parse_workbook(workbook, "HLHPN", 2024)
    assert [] == list(parsed.issues)
    general = parsed.records["general"][0]
    assert ("HLHPN", 2024, date(2024, 12, 5), True, True) == (
        general["unit_code"], general["year"], general["completed_on"],
        general["action_month_plan"], general["is_complete"])
    assert 6 == general["row__completed_on"]
    [row] = parsed.records["activities"]
    assert {
        "sheet_row": 4, "activity_code": "1a", "audience": "Người dân, cộng đồng",
        "is_law_dissemination": True, "sessions": 2, "participants": 1200,
        "participants_female": 700, "started_on": date(2024, 11, 15),
        "ended_on": date(2024, 11, 15), "budget_state_vnd": 15000000, "budget_other_vnd": None,
        "is_electronic": False,
    } == {k: row[k] for k in ("sheet_row", "activity_code", "audience", "is_law_dissemination",
                              "sessions", "participants", "participants_female", "started_on",
                              "ended_on", "budget_state_vnd", "budget_other_vnd",
                              "is_electronic")}
    assert "HOAT DONG" == parsed.tab_names["activities"]


def test_moved_and_extra_columns_are_found_by_header():
    """Columns in another order with an extra column read by header, not position."""
    header = ["Người phụ trách", *reversed(HEADER)]
    row = ["Chị Lan", *reversed(["2a", "Đăng tin", "Trang thông tin điện tử, mạng xã hội",
                                 "Người dân, cộng đồng", None, 3, None, None, None, None,
                                 None, None, "Có", None])]
    parsed = parse_workbook({"Thông tin chung": GENERAL, "Hoạt động": [header, row]},
                            "HLHPN", 2024)
    [record] = parsed.records["activities"]
    assert ("2a", 3, True, 2) == (record["activity_code"], record["sessions"],
                                  record["is_electronic"], record["sheet_row"])
    assert "Chị Lan" == record["_raw"]["Người phụ trách"]


def test_bad_cells_are_named_in_vietnamese():
    """"12,5" sessions and a #REF! participants are errors naming unit, tab, row, column
    and value; the row is still returned with those cells empty."""
    workbook = {"Thông tin chung": GENERAL, "Hoạt động": _activities(
        ["3b", "Tập huấn", "Tập huấn, bồi dưỡng", "Cán bộ, công chức, viên chức", "Có",
         "12,5", "#REF!", None, None, None, None, None, None, None])}
    parsed = parse_workbook(workbook, "HLHPN", 2024)
    assert [("not_whole", 4, "sessions", "12,5"), ("formula_error", 4, "participants", "#REF!")] \
        == [(i.rule, i.sheet_row, i.column_key, i.value) for i in parsed.issues]
    assert parsed.issues[0].message_vi.startswith(
        "Đơn vị HLHPN, trang «Hoạt động», dòng 4, cột «Số cuộc, số lượng» (giá trị «12,5»): "
        "Giá trị phải là số nguyên")
    assert Severity.ERROR == parsed.issues[0].severity
    assert (None, None) == (parsed.records["activities"][0]["sessions"],
                            parsed.records["activities"][0]["participants"])


def test_missing_required_tab_and_column_block_the_submission():
    """No "Hoạt động" tab, or a table without a required column, blocks the submission and
    says which tab or column is missing; a missing optional tab is simply nothing."""
    no_tab = parse_workbook({"Thông tin chung": GENERAL}, "HLHPN", 2024)
    assert [("missing_tab", "Hoạt động")] == [(i.rule, i.tab) for i in no_tab.issues]
    assert no_tab.is_blocked
    header = [h for h in HEADER if h != "Số cuộc, số lượng"]
    no_column = parse_workbook({"Thông tin chung": GENERAL, "Hoạt động": [header]},
                               "HLHPN", 2024)
    assert [("missing_column", "sessions", Severity.BLOCKING)] == [
        (i.rule, i.column_key, i.severity) for i in no_column.issues]
    assert "media_outlets" not in no_column.records


CONTROL_MESSAGE = ("Ô có ký tự điều khiển không hiển thị được ({}), thường do dán từ phần mềm "
                   "khác: hệ thống đã bỏ các ký tự này khi đọc; hãy kiểm tra lại nội dung ô và "
                   "gõ lại nếu cần.")


def test_control_characters_are_removed_with_a_warning_naming_the_cell():
    """Control characters (raw, as Google Sheets gives them, or as Excel's `_x0001_`) are
    taken out of every cell read; each such cell is a warning naming unit, tab, row, column
    and the value kept, and the cleaned value is read as usual (a choice, a number)."""
    general = [row if row[:1] != ["Người lập báo cáo"] else ["Người lập báo cáo",
                                                             "Nguyễn Thị\x0bHoa"]
               for row in GENERAL]
    workbook = {"Thông tin chung": general, "Hoạt động": _activities(
        ["2a", "Đăng tin_x0001_ trên cổng\x9b", "Trang thông tin điện tử, mạng xã hội",
         "Người dân\x07, cộng đồng", None, "3\x1f", None, None, None, None, None, None, "Có",
         "Ghi\x02 chú"])}
    parsed = parse_workbook(workbook, "HLHPN", 2024)
    assert [
        ("Thông tin chung", 5, "reporter", "Nguyễn Thị Hoa",
         "Đơn vị HLHPN, trang «Thông tin chung», dòng 5, cột «Người lập báo cáo» "
         "(giá trị «Nguyễn Thị Hoa»): " + CONTROL_MESSAGE.format("U+000B")),
        ("Hoạt động", 4, "description", "Đăng tin trên cổng",
         "Đơn vị HLHPN, trang «Hoạt động», dòng 4, cột «Nội dung» (giá trị «Đăng tin trên "
         "cổng»): " + CONTROL_MESSAGE.format("U+0001, U+009B")),
        ("Hoạt động", 4, "audience", "Người dân, cộng đồng",
         "Đơn vị HLHPN, trang «Hoạt động», dòng 4, cột «Đối tượng» (giá trị «Người dân, cộng "
         "đồng»): " + CONTROL_MESSAGE.format("U+0007")),
        ("Hoạt động", 4, "sessions", "3",
         "Đơn vị HLHPN, trang «Hoạt động», dòng 4, cột «Số cuộc, số lượng» (giá trị «3»): "
         + CONTROL_MESSAGE.format("U+001F")),
        ("Hoạt động", 4, "note", "Ghi chú",
         "Đơn vị HLHPN, trang «Hoạt động», dòng 4, cột «Ghi chú» (giá trị «Ghi chú»): "
         + CONTROL_MESSAGE.format("U+0002")),
    ] == [(i.tab, i.sheet_row, i.column_key, i.value, i.message_vi) for i in parsed.issues]
    assert {Severity.WARNING} == {i.severity for i in parsed.issues}
    assert "Nguyễn Thị Hoa" == parsed.records["general"][0]["reporter"]
    [row] = parsed.records["activities"]
    assert ("Đăng tin trên cổng", "Người dân, cộng đồng", 3, "Ghi chú") == (
        row["description"], row["audience"], row["sessions"], row["note"])
    assert "Đăng tin trên cổng" == row["_raw"]["Nội dung"]


def test_a_warning_on_a_cell_hides_no_error_found_later():
    """A control-character warning on a cell does not hide a check's error on that cell."""
    from core.assemble import merge_issues
    from core.issues import Issue

    def issue(rule, severity):
        return Issue(2024, "HLHPN", "Hoạt động", 4, "audience", "Đối tượng", "Khách", rule,
                     severity, rule)

    warning, check = issue("control_characters", Severity.WARNING), issue(
        "allowed_values", Severity.ERROR)
    assert [warning, check] == merge_issues([warning], [check])
    error = issue("not_whole", Severity.ERROR)
    assert [error] == merge_issues([error], [check])


def test_a_row_of_control_characters_only_is_a_blank_row():
    """A row whose only content is a stray control character is blank: no record, no
    issue (the cell stays in raw)."""
    workbook = {"Thông tin chung": GENERAL, "Hoạt động": _activities(
        ["1a", "Mít tinh", "Khác", "Người dân, cộng đồng", None, 1, *[None] * 8],
        [None, "_x0001_", "\x0b", *[None] * 11])}
    parsed = parse_workbook(workbook, "HLHPN", 2024)
    assert ([], [4]) == (list(parsed.issues), [r["sheet_row"] for r in
                                               parsed.records["activities"]])


def test_a_lone_surrogate_is_stored_raw_and_warned_when_parsed():
    """Half an emoji (a spreadsheet's LEFT() cuts UTF-16) cannot be UTF-8: the raw layer
    keeps it as Excel's escape `_xD83D_`, DuckDB stores it, and the parser names the cell."""
    import duckdb

    from core.snapshot import cells_of, workbook_of

    workbook = {"Thông tin chung": GENERAL, "Hoạt động": _activities(
        ["1a", "Mít tinh \ud83d", "Khác", "Người dân, cộng đồng", None, 1, *[None] * 8])}
    cells = list(cells_of(workbook))
    assert ["Mít tinh _xD83D_"] == [c.value_text for c in cells if c.tab_name == "Hoạt động"
                                    and (c.row_number, c.column_number) == (4, 2)]
    with duckdb.connect() as con:
        con.execute("create table cells (value_text varchar)")
        con.executemany("insert into cells values (?)", [[c.value_text] for c in cells])
        assert [("Mít tinh _xD83D_",)] == con.execute(
            "select value_text from cells where value_text like 'Mít%'").fetchall()
    parsed = parse_workbook(workbook_of(list(workbook), cells), "HLHPN", 2024)
    assert [("Đơn vị HLHPN, trang «Hoạt động», dòng 4, cột «Nội dung» (giá trị «Mít tinh»): "
             + CONTROL_MESSAGE.format("U+D83D"))] == [i.message_vi for i in parsed.issues]
    assert "Mít tinh" == parsed.records["activities"][0]["description"]


def test_raw_cells_are_keyed_by_their_own_header_even_when_headers_are_equal_as_keys():
    """An extra column headed 1 in one workbook and TRUE in the next: equal as Python keys,
    each row's raw cells still carry the header as its own workbook shows it; the same
    value typed as text, number and yes/no reads by its own type in each workbook."""
    row = ["1a", "Mít tinh", "Khác", "Người dân, cộng đồng", None, 1, *[None] * 8]
    got = []
    for extra in (1, True, 1.0):
        workbook = {"Thông tin chung": GENERAL,
                    "Hoạt động": [HEADER + [extra], row[:5] + [extra] + row[6:] + ["ok"]]}
        [record] = parse_workbook(workbook, "HLHPN", 2024).records["activities"]
        got.append((record["_raw"], record["sessions"]))
    shown = {"Mã hoạt động": "1a", "Nội dung": "Mít tinh", "Hình thức": "Khác",
             "Đối tượng": "Người dân, cộng đồng"}
    assert [({**shown, "Số cuộc, số lượng": "1", "1": "ok"}, 1),
            ({**shown, "Số cuộc, số lượng": "TRUE", "TRUE": "ok"}, None),
            ({**shown, "Số cuộc, số lượng": "1", "1": "ok"}, 1)] == got
