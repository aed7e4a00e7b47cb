"""A streaming .xlsx writer for tables: each distinct value of a column becomes its cell once,
and the rows are written in one pass, a chunk at a time.

The report workbooks hold hundreds of thousands of cells (marts.figure_lineage is most of
them) and grow with the number of units. Cell-by-cell writers (openpyxl, XlsxWriter) spend
several microseconds of Python per cell; here a column is factorised (pandas), the caller's
function turns each distinct value into a `Cell` (its value as written and its `Style`),
and the rows are assembled by numpy from those cells' XML: no Python work per cell, memory
bounded by the chunk, not by the table.

What a workbook holds: one sheet per `Table` (a header row frozen, the data rows, an
optional closing row such as totals, column widths, optional print set-up with the header
row repeated on every page), a style per distinct `Style`, strings in the shared strings
table (XML-escaped; text is never written as a formula: a `Style` may carry Excel's quote
prefix), numbers as numbers, dates and times as Excel serial numbers (openpyxl's own
conversion), and the document properties given. Readers that open it: Excel, LibreOffice,
openpyxl, python-calamine.
"""

from __future__ import annotations

import math
import queue
import threading
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import pandas as pd

CHUNK_ROWS = 20_000  # rows assembled at once: bounds the memory, not the table
# zlib's fastest: both workbooks of 4,021 units in 2.2 s of CPU and 15 MB, against 3.2 s and
# 12 MB at the default level 6
COMPRESS_LEVEL = 1

# Excel's built-in number formats used here (others are declared in styles.xml, 164 on)
_BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9,
                    "0.00%": 10}
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


@dataclass(frozen=True)
class Style:
    """How a cell looks: its number format, bold, the header's fill and wrapping, and the
    quote prefix that keeps formula-like text text when someone edits the cell."""

    number_format: str = "General"
    bold: bool = False
    fill: str | None = None  # ARGB of a solid fill, e.g. "FFD9E1F2"
    wrap: bool = False  # wrap text, centred vertically
    quote_prefix: bool = False


PLAIN = Style()


class ErrorValue(str):
    """An error value of Excel's own (#REF!, #N/A…), written as one (`t="e"`), not as text."""


@dataclass(frozen=True)
class Cell:
    """One cell as written: None (blank), str, ErrorValue, bool, int, float (numpy's too),
    datetime, date, time or timedelta (no time zone), and its style."""

    value: object
    style: Style = PLAIN


@dataclass(frozen=True)
class Column:
    """A data column: `codes[i]` is the index in `cells` of row i's cell (-1: the last one,
    the cell of a missing value)."""

    codes: np.ndarray
    cells: Sequence[Cell]


@dataclass(frozen=True)
class PrintSetup:
    """A4 landscape, one page wide, the header row on every page, centred; a centred page
    header and footer in Excel's header codes ("&" written "&&", "&P" the page number)."""

    header: str
    footer: str


@dataclass(frozen=True)
class Table:
    """One sheet: the header row (frozen), the data columns, an optional closing row."""

    title: str  # already a valid, unique sheet name
    header: Sequence[Cell]
    columns: Sequence[Column]
    widths: Sequence[float]
    closing: Sequence[Cell] | None = None
    print_setup: PrintSetup | None = None


@dataclass(frozen=True)
class Properties:
    """Document properties (docProps/core.xml); None leaves one out."""

    title: str | None = None
    creator: str | None = None
    language: str | None = None


def column_cells(values: pd.Series, to_cell: Callable[..., Cell],
                 context: pd.Series | None = None) -> Column:
    """The column of `values`: `to_cell(value)` (or `to_cell(value, context value)`) is
    called once per distinct value (pair), and once with None for missing values."""
    if context is None:
        codes, uniques = distinct_values(values)
        cells = [to_cell(v) for v in uniques]
        cells.append(to_cell(None))
    else:
        pairs = pd.MultiIndex.from_arrays([_hashable(values), _hashable(context)])
        codes, uniques = pairs.factorize()
        cells = [to_cell(_missing_as_none(v), _missing_as_none(c)) for v, c in uniques]
        cells.append(to_cell(None, None))
        codes = np.where(codes < 0, len(cells) - 1, codes)
    return Column(np.asarray(codes, dtype=np.int64), cells)


def first_values(column: Column, rows: int) -> list[object]:
    """The values of the column's first `rows` cells (column widths are measured on them)."""
    return [column.cells[code].value for code in column.codes[:rows].tolist()]


def distinct_values(values: pd.Series) -> tuple[np.ndarray, list[object]]:
    """(codes, uniques): row i holds uniques[codes[i]], or a missing value where codes[i] is
    -1 (pandas.factorize; Python objects of different types kept apart)."""
    if values.dtype == object:  # mixed Python objects: 1, 1.0 and True must stay apart
        keyed = [(type(v), v) for v in values.tolist()]
        try:
            codes, uniques = pd.factorize(pd.Series(keyed, dtype=object), use_na_sentinel=False)
        except TypeError:  # unhashable values: one cell each
            return np.arange(len(values)), values.tolist()
        return codes, [v for _, v in uniques]
    codes, uniques = pd.factorize(values)
    return codes, list(uniques)


def _hashable(values: pd.Series) -> pd.Series:
    return values.astype(object) if values.dtype == object else values


def _missing_as_none(value: object) -> object:
    try:
        return None if pd.isna(value) else value  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return value


def write_workbook(path: Path, tables: Iterable[Table],
                   properties: Properties | None = None) -> Path:
    """Write the tables to `path` (one sheet each, in order) and return it."""
    book = _Book()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as zf:
        sheets = []
        for number, table in enumerate(tables, start=1):
            with zf.open(f"xl/worksheets/sheet{number}.xml", "w") as out:
                behind = _WriteBehind(out)
                try:
                    book.write_sheet(behind, table)
                finally:
                    behind.close()
            sheets.append(table)
        zf.writestr("xl/sharedStrings.xml", book.shared_strings_xml())
        zf.writestr("xl/styles.xml", book.styles_xml())
        zf.writestr("xl/workbook.xml", _workbook_xml(sheets))
        zf.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(sheets)))
        zf.writestr("xl/theme/theme1.xml", _theme_xml())
        zf.writestr("docProps/core.xml", _core_xml(properties or Properties()))
        zf.writestr("docProps/app.xml", _DECLARATION + '<Properties xmlns="http://schemas.'
                    'openxmlformats.org/officeDocument/2006/extended-properties"/>')
        zf.writestr("_rels/.rels", _root_rels())
        zf.writestr("[Content_Types].xml", _content_types(len(sheets)))
    return path


class _WriteBehind:
    """A sheet's bytes written to its zip entry by a thread: zlib compresses a chunk (without
    holding the GIL) while the next chunk is laid out, so the two share the machine's cores.
    At most `QUEUED` chunks wait; the first error is raised to the writer."""

    QUEUED = 2

    def __init__(self, out: IO[bytes]) -> None:
        self._out, self._error = out, None
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=self.QUEUED)
        self._thread = threading.Thread(target=self._drain, name="xlsx-writer", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while (data := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._out.write(data)
                except BaseException as exc:  # handed to the writer (write, close)
                    self._error = exc

    def write(self, data: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(data)

    def close(self) -> None:
        """Wait until every chunk is written; raise the first error."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error


class _Book:
    """What the sheets share: the strings and the styles, numbered as they first appear."""

    def __init__(self) -> None:
        self.strings: dict[str, int] = {}
        self.styles: dict[Style, int] = {PLAIN: 0}

    def string_index(self, text: str) -> int:
        return self.strings.setdefault(text, len(self.strings))

    def style_index(self, style: Style) -> int:
        return self.styles.setdefault(style, len(self.styles))

    def tail(self, cell: Cell) -> str:
        """The cell's XML after its reference (`<c r="B7` + tail), "" for a plain blank."""
        style = self.style_index(cell.style)
        s = f' s="{style}"' if style else ""
        value = cell.value
        if isinstance(value, np.generic):  # numpy's bool, integers and floats
            value = value.item()
        if isinstance(value, ErrorValue):
            return f'"{s} t="e"><v>{_text(value)}</v></c>'
        if isinstance(value, str) and value:
            return f'"{s} t="s"><v>{self.string_index(value)}</v></c>'
        if isinstance(value, bool):
            return f'"{s} t="b"><v>{int(value)}</v></c>'
        if isinstance(value, int | float):
            if isinstance(value, float) and not math.isfinite(value):
                return f'"{s}/>' if s else ""
            return f'"{s}><v>{value:.16g}</v></c>'
        if isinstance(value, datetime | date | time | timedelta):
            from openpyxl.utils.datetime import to_excel

            return f'"{s}><v>{to_excel(value):.16g}</v></c>'
        if value is None or value == "":
            return f'"{s}/>' if s else ""
        raise TypeError(f"cannot write {type(value).__name__} to a cell")

    def row_xml(self, number: int, cells: Sequence[Cell]) -> str:
        parts = [f'<row r="{number}">']
        for position, cell in enumerate(cells):
            if tail := self.tail(cell):
                parts.append(f'<c r="{column_letter(position)}{number}{tail}')
        parts.append("</row>")
        return "".join(parts)

    def write_sheet(self, out: IO[bytes], table: Table) -> None:
        rows = len(table.columns[0].codes) if table.columns else 0
        last_row = 1 + rows + (1 if table.closing is not None else 0)
        width = max(len(table.header), len(table.columns))
        out.write(_sheet_head(table, f"A1:{column_letter(max(width, 1) - 1)}{last_row}")
                  .encode("utf-8"))
        out.write(self.row_xml(1, table.header).encode("utf-8"))
        columns = []
        for column in table.columns:
            tails = np.array([self.tail(c) for c in column.cells], dtype=object)
            blank = tails == ""
            columns.append((tails, blank if blank.any() else None, column.codes))
        starts = [f'<c r="{column_letter(i)}' for i in range(len(columns))]
        for first in range(0, rows, CHUNK_ROWS):
            out.write(self._chunk(columns, starts, first, min(rows, first + CHUNK_ROWS)))
        if table.closing is not None:
            out.write(self.row_xml(last_row, table.closing).encode("utf-8"))
        out.write(_sheet_tail(table).encode("utf-8"))

    @staticmethod
    def _chunk(columns: list[tuple[np.ndarray, np.ndarray | None, np.ndarray]],
               starts: list[str], first: int, end: int) -> bytes:
        """Rows first..end-1 of the data (sheet rows first+2…): per cell three pieces,
        `<c r="B`, the row number and the tail, laid out row by row and joined once."""
        n = end - first
        numbers = np.arange(first + 2, end + 2).astype(str).astype(object)
        pieces = np.empty((n, 3 * len(columns) + 4), dtype=object)
        pieces[:, 0] = '<row r="'
        pieces[:, 1] = numbers
        pieces[:, 2] = '">'
        for i, ((tails, blanks, codes), start) in enumerate(zip(columns, starts, strict=True)):
            rows = codes[first:end]
            at = 3 + 3 * i
            pieces[:, at] = start
            pieces[:, at + 1] = numbers
            pieces[:, at + 2] = tails.take(rows)
            if blanks is not None:
                blank = blanks.take(rows)
                pieces[blank, at] = ""
                pieces[blank, at + 1] = ""
        pieces[:, -1] = "</row>"
        return "".join(pieces.ravel().tolist()).encode("utf-8")

    def shared_strings_xml(self) -> str:
        items = "".join(_string_item(text) for text in self.strings)
        return (f'{_DECLARATION}<sst xmlns="{_MAIN}" count="{len(self.strings)}" '
                f'uniqueCount="{len(self.strings)}">{items}</sst>')

    def styles_xml(self) -> str:
        formats: dict[str, int] = {}
        fills = {None: 0}
        xfs = []
        for style in self.styles:  # in index order (dicts keep insertion order)
            code = style.number_format
            if code in _BUILTIN_FORMATS:
                format_id = _BUILTIN_FORMATS[code]
            else:
                format_id = formats.setdefault(code, 164 + len(formats))
            fill_id = fills.setdefault(style.fill, len(fills) + 1)  # 1 is Excel's gray125
            attrs = (f'numFmtId="{format_id}" fontId="{int(style.bold)}" fillId="{fill_id}" '
                     f'borderId="0" xfId="0"')
            if format_id:
                attrs += ' applyNumberFormat="1"'
            if style.bold:
                attrs += ' applyFont="1"'
            if fill_id:
                attrs += ' applyFill="1"'
            if style.quote_prefix:
                attrs += ' quotePrefix="1"'
            if style.wrap:
                xfs.append(f'<xf {attrs} applyAlignment="1"><alignment vertical="center" '
                           f'wrapText="1"/></xf>')
            else:
                xfs.append(f"<xf {attrs}/>")
        num_fmts = "".join(f'<numFmt numFmtId="{i}" formatCode={quoteattr(code)}/>'
                           for code, i in formats.items())
        fill_xml = ['<fill><patternFill patternType="none"/></fill>',
                    '<fill><patternFill patternType="gray125"/></fill>']
        fill_xml += [f'<fill><patternFill patternType="solid"><fgColor rgb="{argb}"/>'
                     f'<bgColor rgb="{argb}"/></patternFill></fill>'
                     for argb in fills if argb is not None]
        return (f'{_DECLARATION}<styleSheet xmlns="{_MAIN}">'
                + (f'<numFmts count="{len(formats)}">{num_fmts}</numFmts>' if formats else "")
                + '<fonts count="2"><font><sz val="11"/><color theme="1"/><name val="Calibri"/>'
                '<family val="2"/><scheme val="minor"/></font><font><b val="1"/></font></fonts>'
                f'<fills count="{len(fill_xml)}">{"".join(fill_xml)}</fills>'
                '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
                '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
                f'borderId="0"/></cellStyleXfs><cellXfs count="{len(xfs)}">{"".join(xfs)}'
                '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" '
                'builtinId="0"/></cellStyles></styleSheet>')


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _string_item(text: str) -> str:
    return f"<si><t{space_kept(text)}>{_text(text)}</t></si>"


def _text(text: str) -> str:
    """XML character data; a CR written as a reference, or a parser reads it as a LF."""
    return escape(text, {"\r": "&#13;"})


# The cell rules the portal's per-page workbooks share (reports.portal writes its own
# inline-text cells): text as XML character data, when its spaces must be kept, Excel's
# error values (written as errors, not text) and the longest text a cell holds.
cell_text = _text
ERROR_VALUES = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))
MAX_CELL_TEXT = 32767


def space_kept(text: str) -> str:
    """The attribute that keeps a text's leading or trailing spaces (none without)."""
    return ' xml:space="preserve"' if text != text.strip() else ""


def _sheet_head(table: Table, dimension: str) -> str:
    fit = '<pageSetUpPr fitToPage="1"/>' if table.print_setup else ""
    cols = "".join(f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>'
                   for i, w in enumerate(table.widths, start=1))
    return (f'{_DECLARATION}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
            f'<sheetPr><outlinePr summaryBelow="1" summaryRight="1"/>{fit}</sheetPr>'
            f'<dimension ref="{dimension}"/><sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A1" sqref="A1"/></sheetView></sheetViews>'
            '<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>'
            + (f"<cols>{cols}</cols>" if cols else "") + "<sheetData>")


def _sheet_tail(table: Table) -> str:
    end = "</sheetData>"
    margins = ('<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" '
               'footer="0.5"/>')
    page = table.print_setup
    if page is None:
        return f"{end}{margins}</worksheet>"
    return (f'{end}<printOptions horizontalCentered="1"/>{margins}'
            '<pageSetup orientation="landscape" paperSize="9" fitToHeight="0" fitToWidth="1"/>'
            f"<headerFooter><oddHeader>{_text('&C' + page.header)}</oddHeader>"
            f"<oddFooter>{_text('&C' + page.footer)}</oddFooter></headerFooter></worksheet>")


def _workbook_xml(tables: Sequence[Table]) -> str:
    sheets = "".join(f'<sheet name={quoteattr(t.title)} sheetId="{i}" r:id="rId{i}"/>'
                     for i, t in enumerate(tables, start=1))
    titles = "".join(
        f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">'
        f"{_text(_quoted_sheet(t.title))}!$1:$1</definedName>"
        for i, t in enumerate(tables) if t.print_setup)
    names = f"<definedNames>{titles}</definedNames>" if titles else ""
    return (f'{_DECLARATION}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><workbookPr/>'
            '<bookViews><workbookView activeTab="0"/></bookViews>'
            f'<sheets>{sheets}</sheets>{names}<calcPr calcId="124519" fullCalcOnLoad="1"/>'
            "</workbook>")


def _quoted_sheet(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _workbook_rels(sheets: int) -> str:
    rels = [(f"rId{i}", "worksheet", f"worksheets/sheet{i}.xml")
            for i in range(1, sheets + 1)]
    rels += [(f"rId{sheets + 1}", "styles", "styles.xml"),
             (f"rId{sheets + 2}", "theme", "theme/theme1.xml"),
             (f"rId{sheets + 3}", "sharedStrings", "sharedStrings.xml")]
    body = "".join(f'<Relationship Id="{i}" Type="{_REL}/{kind}" Target="{target}"/>'
                   for i, kind, target in rels)
    return f'{_DECLARATION}<Relationships xmlns="{_PKG_REL}">{body}</Relationships>'


def _root_rels() -> str:
    return (f'{_DECLARATION}<Relationships xmlns="{_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            f'<Relationship Id="rId2" Type="{_PKG_REL}/metadata/core-properties" '
            'Target="docProps/core.xml"/>'
            f'<Relationship Id="rId3" Type="{_REL}/extended-properties" '
            'Target="docProps/app.xml"/></Relationships>')


def _content_types(sheets: int) -> str:
    parts = [(f"/xl/worksheets/sheet{i}.xml", f"{_CT}.worksheet+xml")
             for i in range(1, sheets + 1)]
    parts += [("/xl/workbook.xml", f"{_CT}.sheet.main+xml"),
              ("/xl/styles.xml", f"{_CT}.styles+xml"),
              ("/xl/sharedStrings.xml", f"{_CT}.sharedStrings+xml"),
              ("/xl/theme/theme1.xml", "application/vnd.openxmlformats-officedocument.theme+xml"),
              ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
              ("/docProps/app.xml",
               "application/vnd.openxmlformats-officedocument.extended-properties+xml")]
    overrides = "".join(f'<Override PartName="{name}" ContentType="{kind}"/>'
                        for name, kind in parts)
    return (f'{_DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            f'ContentType="application/xml"/>{overrides}</Types>')


def _core_xml(properties: Properties) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    fields = [("dc:title", properties.title), ("dc:creator", properties.creator),
              ("dc:language", properties.language)]
    body = "".join(f"<{tag}>{_text(value)}</{tag}>" for tag, value in fields if value)
    return (f'{_DECLARATION}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/'
            'package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f'{body}<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified>'
            "</cp:coreProperties>")


def _theme_xml() -> str:
    from openpyxl.writer.theme import theme_xml  # the Office default theme, as openpyxl has it

    return theme_xml

