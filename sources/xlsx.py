"""Reading a workbook's bytes (.xlsx, .xlsm, .xls, .ods) into the cells of every tab, as a
person would see them, under limits.

The bytes are untrusted: nothing the file says about itself (extension, `<dimension>`,
sizes in the zip directory) is believed. The format is told from the content; a zip
container is inflated once with a budget before the reader sees it; every cell holding a
value is read wherever it lies, and an empty styled cell far away costs nothing (the
reader, python-calamine, builds each tab from the cells that hold values). Formula errors
(`#REF!`) are kept as text: calamine gives them as empty cells, so they are read from the
sheet XML of an .xlsx or .xlsm (an .xls or .ods error cell stays empty).

These functions run in the reader process (`sources.reader`), which adds the time and
memory limits; they raise `UnreadableWorkbook` with the reason and the remedy in
Vietnamese for anything they cannot read.
"""

from __future__ import annotations

import html
import io
import re
import struct
import zipfile
import zlib
from array import array
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from core.parse import Workbook
from core.settings import MB, ReadLimits
from core.snapshot import CellColumns, has_lone_surrogate, storable
from core.snapshot import encode as encode_cell
from core.values import Cell

T = TypeVar("T")

_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")  # .xls, and password-protected .xlsx
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")  # stream name of an encrypted .xlsx
_RESAVE = "hãy mở tệp bằng Excel, lưu lại dưới dạng .xlsx rồi nộp lại"
_CHUNK = 1 << 20
_MAX_ZIP_ENTRIES = 10_000
_MAX_INT_FLOAT = 2.0**53


class UnreadableWorkbook(Exception):
    """The content is not a workbook we can read; `detail_vi` says why and what to do,
    for the unit."""

    def __init__(self, detail_vi: str) -> None:
        super().__init__(detail_vi)
        self.detail_vi = detail_vi


def megabytes(size: int) -> str:
    """1536000 → "1,5 MB" (Vietnamese decimal comma)."""
    return f"{size / MB:.1f}".replace(".", ",") + " MB"


def sniff(content: bytes) -> str | None:
    """Why the bytes are certainly not a workbook we can read, in Vietnamese, or None."""
    if not content:
        return "tệp rỗng, 0 byte; " + _RESAVE
    if content.startswith(b"%PDF"):
        return "đây là tệp PDF được đổi đuôi thành bảng tính; " + _RESAVE
    if content.startswith(_OLE_MAGIC):
        if _ENCRYPTED in content:
            return ("tệp được đặt mật khẩu; hãy gỡ mật khẩu (Tệp › Thông tin › Bảo vệ sổ "
                    "làm việc), lưu lại rồi nộp lại")
        return None  # Excel 97-2003 (.xls): readable
    if not content.startswith(b"PK"):
        return "nội dung không phải một bảng tính Excel; " + _RESAVE
    return None


def _too_large(what: str, size_text: str, limit_text: str) -> UnreadableWorkbook:
    return UnreadableWorkbook(
        f"{what} quá lớn ({size_text}, giới hạn {limit_text}); hãy xóa các dòng, cột, hình "
        "ảnh thừa, chỉ giữ các trang của mẫu báo cáo, lưu lại rồi nộp lại")


def inflate_with_budget(content: bytes, limits: ReadLimits) -> dict[str, bytes]:
    """Inflate a zip container, counting the bytes really produced (never the sizes it
    declares), and stop at the budget. Returns the worksheet parts that hold error cells
    (the only parts kept), keyed by their name in the zip."""
    return _inflated(content, limits)[0]


def _inflated(content: bytes, limits: ReadLimits) -> tuple[dict[str, bytes], bytes | None]:
    """`inflate_with_budget`, and for a plain zip laid out as Excel writes it (`_stored`)
    the same zip with its entries stored as inflated, for calamine to read without
    inflating them again (None otherwise)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UnreadableWorkbook(f"tệp bị hỏng, không mở được ({type(exc).__name__}); "
                                 + _RESAVE) from None
    if len(entries) > _MAX_ZIP_ENTRIES:
        raise UnreadableWorkbook(f"tệp có quá nhiều thành phần ({len(entries)}); " + _RESAVE)
    budget = limits.max_unpacked_bytes or None
    plain = _inflate_plain(content, entries, budget)
    if plain is not None:
        return plain[0], _stored(content, entries, plain[1])
    total, with_errors = 0, {}
    for entry in entries:
        is_sheet = entry.filename.startswith("xl/worksheets/") and entry.filename.endswith(
            ".xml")
        kept = bytearray() if is_sheet else None
        tail, found = b"", False
        try:
            with archive.open(entry) as part:
                while chunk := part.read(_CHUNK):
                    total += len(chunk)
                    if budget is not None and total > budget:
                        raise _too_large("nội dung tệp khi giải nén", f"hơn {megabytes(budget)}",
                                         megabytes(budget))
                    if kept is not None:
                        window = tail + chunk
                        found = found or b't="e"' in window or b"t='e'" in window
                        tail = chunk[-8:]
                        kept += chunk
        except UnreadableWorkbook:
            raise
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError,
                RuntimeError) as exc:  # bad CRC, cut stream, unknown method, encrypted entry
            raise UnreadableWorkbook(
                f"tệp bị hỏng, phần «{entry.filename}» không đọc được "
                f"({type(exc).__name__}); " + _RESAVE) from None
        if found and kept is not None:
            with_errors[entry.filename] = bytes(kept)
    return with_errors, None


_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # a zip entry's local header (30 bytes)
_PLAIN_MOST = 16 * MB  # the largest entry (as declared) `_inflate_plain` inflates at once
_NOT_PLAIN_FLAGS = 0x61  # encrypted, patched data, strong encryption


def _inflate_plain(content: bytes, entries: list[zipfile.ZipInfo], budget: int | None
                   ) -> tuple[dict[str, bytes], list[bytes]] | None:
    """What `inflate_with_budget` returns, for a zip whose every entry is plain (stored or
    deflated, not encrypted, at most `_PLAIN_MOST` as declared, its local header, stream,
    size and CRC all right), with zlib directly: the same bytes counted against the same
    budget, for about a quarter less CPU than zipfile's reader. None at the first entry
    that is not plain or not right, or past the budget: the caller then reads the zip with
    zipfile, which says what is wrong. The declared sizes only bound the work: an entry is accepted
    only when what it really inflates to matches them. Also returns every entry as
    inflated, in order."""
    total, with_errors, inflated_all = 0, {}, []
    for entry in entries:
        if (entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
                or entry.flag_bits & _NOT_PLAIN_FLAGS or entry.file_size > _PLAIN_MOST):
            return None
        start = entry.header_offset
        header = content[start:start + _LOCAL_HEADER.size]
        if len(header) != _LOCAL_HEADER.size:
            return None
        magic, _, _, flags, *_, name_length, extra_length = _LOCAL_HEADER.unpack(header)
        name_start = start + _LOCAL_HEADER.size
        try:
            name = content[name_start:name_start + name_length].decode(
                "utf-8" if flags & 0x800 else "cp437")
        except UnicodeDecodeError:
            return None
        if magic != b"PK\x03\x04" or name != entry.orig_filename:
            return None
        data_start = name_start + name_length + extra_length
        data = content[data_start:data_start + entry.compress_size]
        if len(data) != entry.compress_size:
            return None
        if entry.compress_type == zipfile.ZIP_STORED:
            inflated = data
        else:
            inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            try:
                inflated = inflater.decompress(data, entry.file_size + 1)
            except zlib.error:
                return None
            if not inflater.eof or inflater.unconsumed_tail or inflater.unused_data:
                return None
        if len(inflated) != entry.file_size or zlib.crc32(inflated) != entry.CRC:
            return None
        total += len(inflated)
        if budget is not None and total > budget:
            return None
        if (entry.filename.startswith("xl/worksheets/") and entry.filename.endswith(".xml")
                and (b't="e"' in inflated or b"t='e'" in inflated)):
            with_errors[entry.filename] = inflated
        inflated_all.append(inflated)
    return with_errors, inflated_all


_CENTRAL_HEADER = struct.Struct("<4s6H3L5H2L")  # a zip entry's central directory header
_END = struct.Struct("<4s4H2LH")  # the end of central directory record (22 bytes)
_STORED_MOST = 16 * MB  # the most inflated bytes `_stored` lays out again
_JAN_1980 = 33  # an MS-DOS date (1980-01-01): the stored entries' dates are not read


def _stored(content: bytes, entries: list[zipfile.ZipInfo], inflated: list[bytes]
            ) -> bytes | None:
    """The zip `content` with each entry stored as `inflated` (checked by
    `_inflate_plain`), for calamine not to inflate again what was just inflated; only for
    a zip laid out as Excel writes it: entries one after the other from the first byte, no
    data descriptor, the central directory right after them with as many entries, and
    its end record last, without a comment. Anything else (or more than `_STORED_MOST`
    inflated) is None: calamine reads the file as it came, and fails on it as before."""
    if len(content) < _END.size or sum(map(len, inflated)) > _STORED_MOST:
        return None
    magic, _, _, _, count, directory_size, directory_start, comment = _END.unpack_from(
        content, len(content) - _END.size)
    if (magic != b"PK\x05\x06" or comment or count != len(entries)
            or directory_start + directory_size != len(content) - _END.size):
        return None
    parts, directory, offset = [], [], 0
    for entry, data in zip(entries, inflated, strict=True):
        if entry.header_offset != offset or entry.flag_bits & 0x08:
            return None
        (_, _, _, flags, *_, name_length, extra_length) = _LOCAL_HEADER.unpack_from(
            content, offset)
        name_start = offset + _LOCAL_HEADER.size
        name = content[name_start:name_start + name_length]
        offset = name_start + name_length + extra_length + entry.compress_size
        flags &= 0x800  # the name's encoding, nothing else
        parts += (_LOCAL_HEADER.pack(b"PK\x03\x04", 20, 0, flags, zipfile.ZIP_STORED, 0,
                                     _JAN_1980, entry.CRC, len(data), len(data), len(name),
                                     0), name, data)
        directory.append((flags, entry.CRC, len(data), name))
    if offset != directory_start:
        return None
    at, central = 0, []
    for flags, crc, size, name in directory:
        central += (_CENTRAL_HEADER.pack(b"PK\x01\x02", 20, 20, flags, zipfile.ZIP_STORED, 0,
                                         _JAN_1980, crc, size, size, len(name), 0, 0, 0, 0, 0, at),
                    name)
        at += _LOCAL_HEADER.size + len(name) + size
    central_bytes = b"".join(central)
    return b"".join(parts) + central_bytes + _END.pack(
        b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central_bytes), at, 0)


_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)>")
_REL_TAG = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)>")
_ATTR = re.compile(rb"""([\w:]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ERROR_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*)>(.*?)</(?:\w+:)?c>", re.S)
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_REF = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")


def _attrs(text: bytes) -> dict[str, str]:
    return {m.group(1).decode("ascii", "replace").split(":")[-1]:
            html.unescape((m.group(2) if m.group(2) is not None else m.group(3)).decode(
                "utf-8", "replace")) for m in _ATTR.finditer(text)}


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Tab name → its worksheet part in the zip, from workbook.xml and its relationships."""
    try:
        book = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError):
        return {}
    targets = {}
    for tag in _REL_TAG.finditer(rels):
        attrs = _attrs(tag.group(1))
        target = attrs.get("Target", "")
        targets[attrs.get("Id", "")] = target.lstrip("/") if target.startswith("/") else (
            "xl/" + target)
    parts = {}
    for tag in _SHEET_TAG.finditer(book):
        attrs = _attrs(tag.group(1))
        if "name" in attrs and attrs.get("id") in targets:
            parts[attrs["name"]] = targets[attrs["id"]]
    return parts


def _cell_position(ref: str) -> tuple[int, int] | None:
    """"B12" → (11, 1), 0-based (row, column)."""
    if not (match := _REF.match(ref)):
        return None
    column = 0
    for letter in match.group(1):
        column = column * 26 + ord(letter) - 64
    return int(match.group(2)) - 1, column - 1


def error_cells(sheet_xml: bytes) -> dict[tuple[int, int], str]:
    """The formula-error cells of a worksheet part: (row, column) 0-based → "#REF!"."""
    found = {}
    for cell in _ERROR_CELL.finditer(sheet_xml):
        attrs = _attrs(cell.group(1))
        if attrs.get("t") != "e" or not (value := _VALUE.search(cell.group(2))):
            continue
        if position := _cell_position(attrs.get("r", "")):
            found[position] = html.unescape(value.group(1).decode("utf-8", "replace"))
    return found


def _cell(value: object) -> Cell:
    """A calamine value as the parser expects it: as openpyxl gives it for a file Excel
    wrote (whole numbers as int, dates as datetime, blanks as None)."""
    if value == "" or value is None:
        return None
    if isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < _MAX_INT_FLOAT else value
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, time | timedelta):
        return str(value)
    return str(value)


def _check_size(name: str, rows: int, columns: int, limits: ReadLimits) -> None:
    if limits.max_rows and rows > limits.max_rows:
        raise UnreadableWorkbook(
            f"trang «{name}» có dữ liệu đến dòng {rows}, quá giới hạn {limits.max_rows} "
            "dòng; hãy xóa các dòng thừa phía dưới bảng, lưu lại rồi nộp lại")
    if limits.max_cells and rows * columns > limits.max_cells:
        raise UnreadableWorkbook(
            f"trang «{name}» có vùng dữ liệu {rows} dòng × {columns} cột, quá giới hạn "
            f"{limits.max_cells} ô; hãy xóa các dòng, cột thừa, lưu lại rồi nộp lại")


def too_large_reason(size: int, limit: int) -> str:
    """Why a file over the size limit was not read, and what to do, in Vietnamese."""
    return _too_large("tệp", megabytes(size), megabytes(limit)).detail_vi


DEFAULT_LIMITS = ReadLimits()


def read_workbook(content: bytes, limits: ReadLimits = DEFAULT_LIMITS) -> Workbook:
    """Every worksheet of the workbook as rows of cells (cached values, not formulas),
    trailing empty rows dropped. Raises `UnreadableWorkbook`."""
    return _read_tabs(content, limits, _grid)


def read_cells(content: bytes, limits: ReadLimits = DEFAULT_LIMITS
               ) -> tuple[list[str], CellColumns]:
    """`read_workbook`'s tab names and its cells as `core.snapshot.cell_columns` encodes
    them, without building the grid in between (what the pull keeps). Raises
    `UnreadableWorkbook`."""
    tabs = _read_tabs(content, limits, _tab_cells)
    # the numbers as machine integers: a fraction of the cost of lists of ints to send to
    # the pull and to turn into its columns there
    columns = CellColumns(array("i"), [], array("i"), array("i"), [], [])
    for index, (name, (rows, cols, types, texts)) in enumerate(tabs.items()):
        columns.tab_index.extend(array("i", [index]) * len(rows))
        columns.tab_name.extend([storable(name)] * len(rows))
        columns.row_number.extend(rows)
        columns.column_number.extend(cols)
        columns.value_type.extend(types)
        columns.value_text.extend(texts)
    if has_lone_surrogate(columns.value_text):  # numbers and dates never have one
        columns.value_text[:] = [storable(text) for text in columns.value_text]
    return list(tabs), columns


def _grid(rows: Iterable[list], errors: Mapping[tuple[int, int], str]) -> list[list[Cell]]:
    """A tab's rows of calamine values as `read_workbook` gives them: the parser's cells,
    formula errors in their place, trailing empty rows dropped."""
    grid = [[_cell(v) for v in row] for row in rows]
    for (r, c), text in errors.items():
        while len(grid) <= r:
            grid.append([])
        grid[r].extend([None] * (c + 1 - len(grid[r])))
        grid[r][c] = text
    while grid and all(v is None for v in grid[-1]):
        grid.pop()
    return grid


def _tab_cells(rows: Iterable[list], errors: Mapping[tuple[int, int], str]
               ) -> tuple[list[int], list[int], list[str], list[str]]:
    """A tab's non-empty cells as (rows, columns, types, texts), 1-based: `_cell` and then
    `core.snapshot.cell_columns` of `_grid`, in one pass (text made storable by the
    caller). `_cell` of a value it made already gives it back, so the grid of a tab with
    formula errors is encoded by the same loop."""
    if errors:
        rows = _grid(rows, errors)
    numbers, columns, types, texts = [], [], [], []
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            kind = type(value)
            if kind is str:
                if not value:
                    continue
                types.append("text")
                texts.append(value)
            elif kind is float:
                types.append("number")
                texts.append(repr(int(value)) if value.is_integer()
                             and abs(value) < _MAX_INT_FLOAT else repr(value))
            elif value is None:
                continue
            else:
                cell = _cell(value)
                if cell is None or cell == "":
                    continue
                kind_text = encode_cell(cell)
                types.append(kind_text[0])
                texts.append(kind_text[1])
            numbers.append(r)
            columns.append(c)
    return numbers, columns, types, texts


def _read_tabs(content: bytes, limits: ReadLimits,
               tab: Callable[[Iterable[list], Mapping[tuple[int, int], str]], T]
               ) -> dict[str, T]:
    """Each worksheet's name and `tab` of its rows of calamine values and its formula
    errors ((row, column) 0-based → text), once the file has passed every limit."""
    if limits.max_file_bytes and len(content) > limits.max_file_bytes:
        raise UnreadableWorkbook(too_large_reason(len(content), limits.max_file_bytes))
    if reason := sniff(content):
        raise UnreadableWorkbook(reason)
    errors_by_tab: Mapping[str, dict[tuple[int, int], str]] = {}
    unpacked = None  # the zip with its entries stored, when it can be laid out so
    if content.startswith(b"PK"):
        with_errors, unpacked = _inflated(content, limits)
        if with_errors:
            parts = sheet_parts(zipfile.ZipFile(io.BytesIO(content)))
            errors_by_tab = {name: error_cells(with_errors[part])
                             for name, part in parts.items() if part in with_errors}
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(unpacked or content))
        tabs: dict[str, T] = {}
        for meta in book.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue
            sheet = book.get_sheet_by_name(meta.name)
            errors = errors_by_tab.get(meta.name, {})
            end_row, end_column = sheet.end or (-1, -1)
            if errors:
                end_row = max(end_row, *(r for r, _ in errors))
                end_column = max(end_column, *(c for _, c in errors))
            _check_size(meta.name, end_row + 1, end_column + 1, limits)
            tabs[meta.name] = tab(sheet.to_python(skip_empty_area=False), errors)
        book.close()
        return tabs
    except UnreadableWorkbook:
        raise
    except Exception as exc:  # calamine's errors (zip, XML, password, format) and panics
        raise UnreadableWorkbook(
            f"tệp bị hỏng hoặc không phải bảng tính ({type(exc).__name__}); " + _RESAVE
        ) from None
