"""The workbook reader under limits, and the reading of a reports folder (no Prefect)."""

from __future__ import annotations

import io
import os
import signal
import time
import zipfile

import pytest
from openpyxl import Workbook

from core.settings import MB, ReadLimits
from core.snapshot import cell_columns
from sources.local import Entry, FolderNote, list_folder, plan_folder, read_file
from sources.reader import IsolatedReader
from sources.xlsx import UnreadableWorkbook, error_cells, read_cells, read_workbook


def _xlsx(rows: list[list[object]], title: str = "Trang") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _with_sheet_xml(content: bytes, change) -> bytes:
    original = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        for info in original.infolist():
            data = original.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = change(data)
            book.writestr(info.filename, data)
    return out.getvalue()


# --- reading one workbook ------------------------------------------------------------------


def test_cells_read_as_excel_shows_them():
    """Whole numbers as int, dates as datetime, blanks as None, trailing blank rows gone,
    a formula error kept as its text, wherever the sheet's <dimension> says it ends."""
    from datetime import datetime

    content = _xlsx([["Mã", 5, 2.5, datetime(2024, 2, 15), True, None]])
    content = _with_sheet_xml(content, lambda x: x.replace(
        b"</sheetData>", b'<row r="3"><c r="B3" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>'
        b"</sheetData>").replace(b'<dimension ref="A1:E1"', b'<dimension ref="A1:A1"'))
    assert {"Trang": [["Mã", 5, 2.5, datetime(2024, 2, 15), True],
                      [None, None, None, None, None],
                      [None, "#DIV/0!", None, None, None]]} == read_workbook(content)


def test_calamine_reads_the_zip_inflated_once_only_when_laid_out_as_excel_writes_it(
        monkeypatch):
    """The zip is inflated once under the budget; calamine is handed those inflated parts
    stored (not inflated again) when the zip is laid out as Excel writes it, and the file
    as it came otherwise (here: a comment after the zip). The cells are the same."""
    import sources.xlsx as xlsx

    content = _with_sheet_xml(
        _xlsx([["Số", 3], [None, 1.5]], title="Trang ổn"), lambda x: x.replace(
            b"</sheetData>", b'<row r="3"><c r="B3" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>'
            b"</sheetData>"))
    commented = io.BytesIO(content)
    with zipfile.ZipFile(commented, "a") as book:
        book.comment = b"ghi chu"
    handed = []
    stored = xlsx._stored
    monkeypatch.setattr(xlsx, "_stored", lambda *args: handed.append(stored(*args)) or
                        handed[-1])
    read = [(names, [tuple(vars(c).values()) for c in columns.cells()])
            for names, columns in (read_cells(content), read_cells(commented.getvalue()))]
    assert [["Trang ổn"]] * 2 == [names for names, _ in read]
    assert [[(0, "Trang ổn", 1, 1, "text", "Số"), (0, "Trang ổn", 1, 2, "number", "3"),
             (0, "Trang ổn", 2, 2, "number", "1.5"), (0, "Trang ổn", 3, 2, "text", "#DIV/0!")]
            ] * 2 == [cells for _, cells in read]
    assert handed[0].startswith(b"PK\x03\x04") and handed[1] is None
    entries = zipfile.ZipFile(io.BytesIO(handed[0])).infolist()
    assert {zipfile.ZIP_STORED} == {e.compress_type for e in entries}
    assert [e.filename for e in zipfile.ZipFile(io.BytesIO(content)).infolist()] == [
        e.filename for e in entries]


def test_error_cells_are_found_in_any_attribute_order():
    xml = (b'<sheetData><row r="2"><c t="e" r="C2" s="1"><f>A1/0</f><v>#REF!</v></c>'
           b"<c r='D2' t='e'><v>#N/A</v></c><c r=\"E2\" t=\"n\"><v>1</v></c></row></sheetData>")
    assert {(1, 2): "#REF!", (1, 3): "#N/A"} == error_cells(xml)


def test_rows_and_cells_are_limited_per_tab():
    content = _xlsx([[f"dòng {i}"] for i in range(1, 13)])
    with pytest.raises(UnreadableWorkbook) as rows:
        read_workbook(content, ReadLimits(max_rows=10))
    assert rows.value.detail_vi == (
        "trang «Trang» có dữ liệu đến dòng 12, quá giới hạn 10 dòng; hãy xóa các dòng thừa "
        "phía dưới bảng, lưu lại rồi nộp lại")
    with pytest.raises(UnreadableWorkbook) as cells:
        read_workbook(_xlsx([[1, 2, 3, 4]] * 3), ReadLimits(max_cells=11))
    assert cells.value.detail_vi.startswith("trang «Trang» có vùng dữ liệu 3 dòng × 4 cột, "
                                            "quá giới hạn 11 ô")


def test_unpacked_size_is_counted_not_believed():
    """A sheet that inflates past the budget is refused, whatever the zip directory says."""
    content = _with_sheet_xml(_xlsx([["a"]]), lambda x: x.replace(
        b"<sheetData>", b"<sheetData>" + b" " * (3 * MB)))
    with pytest.raises(UnreadableWorkbook) as refused:
        read_workbook(content, ReadLimits(max_unpacked_bytes=2 * MB))
    assert refused.value.detail_vi.startswith(
        "nội dung tệp khi giải nén quá lớn (hơn 2,0 MB, giới hạn 2,0 MB)")


def test_cells_for_the_pull_are_the_cells_of_the_workbook():
    """`read_cells` (grid and encoding in one pass, what the reader child sends the pull)
    gives what `cell_columns` gives for `read_workbook`'s grid: values typed and written
    as text, a formula error as text in its place, tab by tab."""
    from datetime import datetime

    content = _xlsx([["Mã", 5, 2.5, datetime(2024, 2, 15), True, None, 2.0**53]])
    content = _with_sheet_xml(content, lambda x: x.replace(
        b"</sheetData>", b'<row r="3"><c r="B3" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>'
        b"</sheetData>"))
    names, columns = read_cells(content)
    expected = [(0, "Trang", 1, 1, "text", "Mã"), (0, "Trang", 1, 2, "number", "5"),
                (0, "Trang", 1, 3, "number", "2.5"),
                (0, "Trang", 1, 4, "date", "2024-02-15T00:00:00"),
                (0, "Trang", 1, 5, "bool", "TRUE"),
                (0, "Trang", 1, 7, "number", "9007199254740992.0"),
                (0, "Trang", 3, 2, "text", "#DIV/0!")]
    assert (["Trang"], expected) == (names, [tuple(vars(c).values()) for c in columns.cells()])
    workbook = read_workbook(content)
    assert list(cell_columns(workbook).cells()) == list(columns.cells())


def test_a_zip_whose_directory_lies_is_read_by_zipfile_and_refused():
    """An entry that inflates to other than its declared size is not taken by the direct
    inflate: zipfile reads it, and the file is refused as it always was."""
    content = bytearray(_xlsx([["a" * 500]]))
    name = b"xl/worksheets/sheet1.xml"
    # the sheet's uncompressed size, in its local header and in the central directory
    for signature, name_at, size_at in ((b"PK\x03\x04", 30, 22), (b"PK\x01\x02", 46, 24)):
        header = content.index(signature)
        while content[header + name_at:header + name_at + len(name)] != name:
            header = content.index(signature, header + 4)
        content[header + size_at:header + size_at + 4] = (10).to_bytes(4, "little")
    with pytest.raises(UnreadableWorkbook) as refused:
        read_workbook(bytes(content))
    assert refused.value.detail_vi.startswith(
        "tệp bị hỏng, phần «xl/worksheets/sheet1.xml» không đọc được (BadZipFile)")


# --- the reader process ----------------------------------------------------------------------


def test_reader_survives_a_crash_and_a_timeout():
    """A workbook that kills the reader (a value in XFD1048576 makes it allocate a dense
    range of 17 billion cells) or outlasts its time fails alone; the next one is read."""
    good = _xlsx([["ổn"]])
    far = _with_sheet_xml(good, lambda x: x.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>xa</t>'
        b"</is></c></row></sheetData>"))
    with IsolatedReader(ReadLimits(seconds=20, memory_bytes=512 * MB)) as reader:
        assert {"Trang": [["ổn"]]} == reader.read(good)
        with pytest.raises(UnreadableWorkbook) as crashed:
            reader.read(far)
        assert "trình đọc dừng với mã" in crashed.value.detail_vi
        assert {"Trang": [["ổn"]]} == reader.read(good)
        assert 1 == reader.restarts

        reader.limits = ReadLimits(seconds=2)
        reader.read(good)  # the child is up; then it stalls, as a child stuck in a loop
        os.kill(reader._process.pid, signal.SIGSTOP)
        started = time.monotonic()
        with pytest.raises(UnreadableWorkbook) as slow:
            reader.read(good)
        assert 1.5 < time.monotonic() - started < 10
        assert slow.value.detail_vi.startswith("đọc tệp mất quá 2 giây (giới hạn)")
        assert {"Trang": [["ổn"]]} == reader.read(good)
        assert 2 == reader.restarts


def test_reader_asked_ahead_fails_only_the_workbook_it_was_reading():
    """`read_cells_each` keeps three workbooks in the child's hands. The one that kills
    the child fails alone, the two queued behind it are read by a new child; a child that
    stalls fails the one it had started (its 2 s counted from its start), and the two
    queued behind it, waiting as long, get 2 s of their own in a new child."""
    good = _xlsx([["ổn"]])
    far = _with_sheet_xml(good, lambda x: x.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>xa</t>'
        b"</is></c></row></sheetData>"))

    def outcome(answer) -> str:
        return answer.detail_vi if isinstance(answer, UnreadableWorkbook) else answer[0][0]

    with IsolatedReader(ReadLimits(seconds=20, memory_bytes=512 * MB)) as reader:
        crashed = [outcome(a) for a in reader.read_cells_each([good, far, good, good])]
        assert 1 == reader.restarts
        reader.limits = ReadLimits(seconds=2)
        os.kill(reader._process.pid, signal.SIGSTOP)
        started = time.monotonic()
        stalled = [outcome(a) for a in reader.read_cells_each([good, good, good])]
        waited = time.monotonic() - started
        assert 2 == reader.restarts
    assert ["Trang", "Trang", "Trang"] == [crashed[0], *crashed[2:]]
    assert "trình đọc dừng với mã" in crashed[1]
    assert stalled[0].startswith("đọc tệp mất quá 2 giây (giới hạn)")
    assert ["Trang", "Trang"] == stalled[1:]
    assert 1.5 < waited < 10


def test_reader_hands_the_pull_cells_as_columns():
    """`read_cells`: the tab names and the cells of `read`'s workbook, encoded in the child
    as `cell_columns` does; an unreadable file fails the same way."""
    content = _xlsx([["Số", 3], [None, 1.5]], title="Trang ổn")
    with IsolatedReader(ReadLimits()) as reader:
        names, columns = reader.read_cells(content)
        with pytest.raises(UnreadableWorkbook) as failed:
            reader.read_cells(b"%PDF-1.4")
    assert ["Trang ổn"] == names
    assert [(0, "Trang ổn", 1, 1, "text", "Số"), (0, "Trang ổn", 1, 2, "number", "3"),
            (0, "Trang ổn", 2, 2, "number", "1.5")] == [tuple(vars(c).values())
                                                     for c in columns.cells()]
    assert failed.value.detail_vi.startswith("đây là tệp PDF")


def test_reader_leaves_no_process_behind():
    with IsolatedReader(ReadLimits()) as reader:
        reader.read(_xlsx([["x"]]))
        pid = reader._process.pid
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


# --- the reports folder --------------------------------------------------------------------


def test_folder_plan_as_users_fill_it():
    entries = [
        Entry("LDTBXH.XLSX", "file", 10), Entry("p-haly.xlsx", "file", 30),
        Entry("P-HALY.xlsx", "file", 20), Entry("TUPHAP.xls", "file", 5),
        Entry("VHTT.xlsx", "folder"), Entry("YTE.xlsx", "symlink", 1),
        Entry("GDDT.pdf", "file", 3), Entry("~$LDTBXH.xlsx", "file", 11),
        Entry("HLHPN.ods", "file", 4), Entry("ghi-chu.txt", "file", 1),
        Entry("KHAC.xlsm", "file", 2), Entry("X.xlsx", "folder"),
    ]
    plan = plan_folder(entries, ["LDTBXH", "P-HALY", "TUPHAP", "VHTT", "YTE", "GDDT",
                                 "HLHPN"])
    assert {"LDTBXH": ("LDTBXH.XLSX",), "P-HALY": ("P-HALY.xlsx", "p-haly.xlsx"),
            "TUPHAP": ("TUPHAP.xls",), "HLHPN": ("HLHPN.ods",)} == plan.files
    assert ("KHAC.xlsm",) == plan.unexpected
    assert (FolderNote("VHTT", "not_a_file", ("VHTT.xlsx",)),
            FolderNote("X", "not_a_file", ("X.xlsx",)),
            FolderNote("YTE", "symlink_refused", ("YTE.xlsx",)),
            FolderNote("P-HALY", "duplicate_file", ("p-haly.xlsx", "P-HALY.xlsx")),
            FolderNote("GDDT", "not_a_workbook", ("GDDT.pdf",))) == plan.notes


def test_folder_listing_follows_nothing(tmp_path):
    (tmp_path / "A.xlsx").write_bytes(b"PK")
    (tmp_path / "B.xlsx").symlink_to(tmp_path / "A.xlsx")
    (tmp_path / "C.xlsx").mkdir()
    os.mkfifo(tmp_path / "D.xlsx")
    kinds = {e.name: e.kind for e in list_folder(tmp_path)}
    assert {"A.xlsx": "file", "B.xlsx": "symlink", "C.xlsx": "folder",
            "D.xlsx": "other"} == kinds
    assert [] == list_folder(tmp_path / "absent")


def test_files_are_read_up_to_the_limit_only(tmp_path):
    from sources.local import NotReadable

    (tmp_path / "big.xlsx").write_bytes(b"x" * 1000)
    assert (b"x" * 101, 1000) == read_file(tmp_path / "big.xlsx", 100)
    (tmp_path / "link.xlsx").symlink_to(tmp_path / "big.xlsx")
    with pytest.raises(NotReadable):
        read_file(tmp_path / "link.xlsx", 100)
    os.mkfifo(tmp_path / "pipe.xlsx")
    with pytest.raises(NotReadable):
        read_file(tmp_path / "pipe.xlsx", 100)  # returns at once: never blocks on a pipe


def test_a_file_name_that_is_not_utf8_is_kept_and_shown(tmp_path):
    """A name written in another encoding (Windows-1258 "Báo cáo.xlsx") is read and kept;
    its undecodable bytes are shown as U+FFFD instead of failing the pull."""
    from datetime import datetime

    from core.registry import DEFAULT_SEEDS_DIR, LOCAL_TZ
    from core.settings import RunSettings
    from tasks.pull import pull_folder
    from warehouse import db

    folder = tmp_path / "reports" / "2024"
    folder.mkdir(parents=True)
    (folder / os.fsdecode(b"B\xe1o c\xe1o.xlsx")).write_bytes(_xlsx([["x"]]))
    settings = RunSettings(tmp_path / "reports", tmp_path / "w.duckdb", tmp_path / "out",
                           DEFAULT_SEEDS_DIR)
    with db.open_migrated(settings.warehouse) as con:
        summary = pull_folder(con, settings, 2024, ["LDTBXH"], datetime.now(LOCAL_TZ))
        kept = con.execute("select unit_code, source_ref, read_error from raw.snapshots"
                           ).fetchall()
    assert ("B\ufffdo c\ufffdo",) == summary.unexpected_files
    assert [("B\ufffdo c\ufffdo", str(folder / "B\ufffdo c\ufffdo.xlsx"), None)] == kept
