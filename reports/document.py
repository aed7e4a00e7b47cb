"""The formal report as a .docx, laid out per Decree 30/2020/NĐ-CP (Appendix I): A4, Times
New Roman, margins 20/20/30/15 mm; the letterhead as a borderless two-column table (issuing
body and number on the left; national title, motto, place and date on the right); the title;
the body; the signature block with "Nơi nhận" at the bottom left; page numbers from page 2.

`render_docx` builds the file in memory from a `reports.content.Report` and the chart images;
writing it to disk is the caller's.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from zipfile import ZIP_DEFLATED, ZipFile

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from core.escape import xml_text
from reports.content import (
    DOCUMENT_TYPE,
    MOTTO,
    NATIONAL_TITLE,
    Figure,
    Heading,
    Items,
    Paragraph,
    Report,
    Table,
    WritingSpace,
    number_line,
    place_date_line,
    recipient_lines,
    spans,
)

FONT = "Times New Roman"
PAGE_MM = (210, 297)  # A4
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
TEXT_WIDTH_MM = PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]  # 165
BODY_PT = 14
HEADER_PT = 13  # issuing body, number, national title
TABLE_PT = 12
WIDE_TABLE_PT = 10  # tables of more than 7 columns (a column per year)
RECIPIENTS_TITLE_PT = 12
RECIPIENTS_PT = 11
FIRST_LINE_INDENT = Cm(1.27)
CELL_PADDING_MM = 1.9  # Word's and LibreOffice's default left and right cell margins
LETTERHEAD_MM = (62, TEXT_WIDTH_MM - 62)
SIGNATURE_MM = (78, TEXT_WIDTH_MM - 78)
# The short rules: under the issuing body (a third to a half of its line) and under the motto
# (as long as the motto at 14 pt bold, 57 mm), and under the title's subject line
ISSUER_RULE_MM = 20
MOTTO_RULE_MM = 57
TITLE_RULE_MM = 50
FIGURE_WIDTH_MM = 160
PPR_AFTER_BORDER = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
    "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
    "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
    "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
    "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)


def render_docx(report: Report, images: Mapping[str, bytes]) -> bytes:
    """The report as .docx bytes; `images` maps each figure's key to its PNG."""
    document = Document()
    later: list[_LaterRows] = []
    _setup(document, report)
    _letterhead(document, report)
    _title(document, report)
    figure_number = 0
    for block in report.blocks:
        if isinstance(block, Heading):
            _heading(document, block)
        elif isinstance(block, Paragraph):
            _paragraph(document, block)
        elif isinstance(block, Items):
            _items(document, block)
        elif isinstance(block, Table):
            _table(document, block, later)
        elif isinstance(block, Figure):
            figure_number += 1
            _figure(document, block, images[block.key], figure_number)
        elif isinstance(block, WritingSpace):
            _writing_space(document, block)
    _signature(document, report)
    return _save(document, later)


# --- page, styles, header ----------------------------------------------------------------


def _setup(document, report: Report) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.header_distance = section.footer_distance = Mm(10)
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "vi-VN")
    normal.element.get_or_add_rPr().append(language)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    # page numbers: centred in the header, not on the first page
    section.different_first_page_header_footer = True
    number = section.header.paragraphs[0]
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    number._p.append(field)
    properties = document.core_properties
    properties.title = xml_text(f"{DOCUMENT_TYPE} {report.subject}")
    properties.author = xml_text(" ".join(report.settings.issuer).title())
    properties.language = "vi-VN"


def _run(paragraph, text: str, *, size: float = BODY_PT, bold: bool = False,
         italic: bool = False):
    """Every text of the document goes through here: python-docx escapes markup itself but
    refuses control characters (core.escape.xml_text)."""
    run = paragraph.add_run()
    _append_text(run._r, xml_text(text))
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    return run


def _append_text(r, text: str) -> None:
    """What python-docx's `Run.text` appends to a new run (a `w:t` per stretch of text, a
    tab `w:tab`, a line break `w:br`), a stretch at a time: python-docx goes character by
    character, and a paragraph listing thousands of units is 100,000 characters."""
    for part in _RUN_BREAK.split(text):
        if part == "\t":
            r.add_tab()
        elif part in ("\r", "\n"):
            r.add_br()
        elif part:
            r.add_t(part)


def _centred(container, text: str, *, size: float, bold: bool = False, italic: bool = False,
             before: float = 0, after: float = 0):
    paragraph = container.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_before = Pt(before)
    paragraph.paragraph_format.space_after = Pt(after)
    _run(paragraph, text, size=size, bold=bold, italic=italic)
    return paragraph


def _rule(container, rule_mm: float, area_mm: float) -> None:
    """A short centred horizontal line: the top border of an almost empty paragraph."""
    paragraph = container.add_paragraph()
    indent = Mm(max(0.0, (area_mm - rule_mm) / 2))
    paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = indent
    paragraph.paragraph_format.space_before = Pt(3)
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    paragraph.paragraph_format.line_spacing = Pt(2)
    properties = paragraph._p.get_or_add_pPr()
    mark = OxmlElement("w:rPr")  # the paragraph mark's size sets the line height in Word
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "4")
    mark.append(size)
    properties.insert_element_before(mark, "w:sectPr", "w:pPrChange")
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for name, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"),
                        ("w:color", "000000")):
        top.set(qn(name), value)
    borders.append(top)
    # OOXML fixes the order of a paragraph's properties: the border comes before these
    properties.insert_element_before(borders, *PPR_AFTER_BORDER)


def _fixed_widths(table, widths_mm) -> None:
    table.autofit = False  # w:tblLayout type="fixed"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
        for cell in column.cells:
            cell.width = Mm(width)


class _CellWriter:
    """Adds paragraphs to a table cell, reusing the empty one a new cell starts with."""

    def __init__(self, cell) -> None:
        self.cell = cell
        self.fresh = True

    def add_paragraph(self):
        if self.fresh:
            self.fresh = False
            return self.cell.paragraphs[0]
        return self.cell.add_paragraph()


def _letterhead(document, report: Report) -> None:
    settings = report.settings
    table = document.add_table(rows=2, cols=2)
    _fixed_widths(table, LETTERHEAD_MM)
    left, right = _CellWriter(table.cell(0, 0)), _CellWriter(table.cell(0, 1))
    for line in settings.issuer:
        _centred(left, line, size=HEADER_PT, bold=True)
    _rule(left, ISSUER_RULE_MM, LETTERHEAD_MM[0] - 2 * CELL_PADDING_MM)
    _centred(right, NATIONAL_TITLE, size=HEADER_PT, bold=True)
    _centred(right, MOTTO, size=BODY_PT, bold=True)
    _rule(right, MOTTO_RULE_MM, LETTERHEAD_MM[1] - 2 * CELL_PADDING_MM)
    _centred(_CellWriter(table.cell(1, 0)), number_line(settings), size=HEADER_PT, before=4)
    _centred(_CellWriter(table.cell(1, 1)), place_date_line(settings), size=BODY_PT,
             italic=True, before=4)


def _title(document, report: Report) -> None:
    _centred(document, DOCUMENT_TYPE, size=BODY_PT, bold=True, before=18)
    _centred(document, report.subject, size=BODY_PT, bold=True)
    _rule(document, TITLE_RULE_MM, TEXT_WIDTH_MM)
    document.add_paragraph().paragraph_format.space_after = Pt(6)


# --- body ----------------------------------------------------------------------------------


def _body_paragraph(document):
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.paragraph_format.first_line_indent = FIRST_LINE_INDENT
    paragraph.paragraph_format.space_after = Pt(6)
    paragraph.paragraph_format.line_spacing = 1.15
    return paragraph


def _heading(document, heading: Heading) -> None:
    paragraph = _body_paragraph(document)
    paragraph.paragraph_format.keep_with_next = True
    paragraph.paragraph_format.space_before = Pt(6 if heading.level == 1 else 3)
    _run(paragraph, heading.text, bold=True)


def _paragraph(document, block: Paragraph) -> None:
    paragraph = _body_paragraph(document)
    if block.lead:
        _run(paragraph, block.lead, bold=True, italic=block.italic)
    for part, bold in spans(block.text):
        _run(paragraph, part, bold=bold, italic=block.italic)


def _items(document, block: Items) -> None:
    for item in block.items:
        _run(_body_paragraph(document), f"- {item}")


ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
         "right": WD_ALIGN_PARAGRAPH.RIGHT}


def _table(document, block: Table, later: list[_LaterRows]) -> None:
    """A table with a repeated header row. Its data rows are not python-docx elements:
    python-docx reaches a cell through the whole table (quadratic in the rows) and a table
    of thousands of rows is hundreds of MB of elements. One row of each kind (plain, and
    bold for the totals) is formatted through python-docx with a marker in each cell, and
    `_save` writes the data rows in its place, as that row's XML with each text in its cell:
    the same XML, in time linear in the rows and with no element per row."""
    size = WIDE_TABLE_PT if len(block.headers) > 7 else TABLE_PT
    bold_from = len(block.rows) - block.bold_last_rows
    kinds = [(bold, rows) for bold, rows in ((False, block.rows[:bold_from]),
                                             (True, block.rows[bold_from:])) if rows]
    table = document.add_table(rows=1 + len(kinds), cols=len(block.headers))
    table.style = document.styles["Table Grid"]
    scale = TEXT_WIDTH_MM / sum(block.widths)
    _fixed_widths(table, [w * scale for w in block.widths])
    header_row, *template_rows = table.rows
    repeat = OxmlElement("w:tblHeader")
    header_row._tr.get_or_add_trPr().append(repeat)
    for cell, text in zip(header_row.cells, block.headers, strict=True):
        _cell_text(cell, text, size=size, bold=True, align="center")
    for (bold, rows), row in zip(kinds, template_rows, strict=True):
        cant_split = OxmlElement("w:cantSplit")
        row._tr.get_or_add_trPr().append(cant_split)
        rows_later = _LaterRows(len(later), len(block.headers), rows)
        for column, (cell, align) in enumerate(zip(row.cells, block.align, strict=True)):
            _cell_text(cell, rows_later.marker(column), size=size, bold=bold, align=align)
        later.append(rows_later)
    spacer = document.add_paragraph()
    spacer.paragraph_format.space_after = Pt(6)


@dataclass(frozen=True)
class _LaterRows:
    """Data rows of a table that `_save` writes in place of the template row whose cells
    hold `marker(0)`, `marker(1)`, …"""

    number: int  # of the template row in the document
    columns: int
    rows: Sequence[Sequence[str]]

    def marker(self, column: int) -> str:
        return f"\ue000{self.number}.{column}\ue001"  # private-use characters

    def marked_cell(self, column: int) -> bytes:
        return f"<w:t>{self.marker(column)}</w:t>".encode()


def _save(document, later: Sequence[_LaterRows]) -> bytes:
    """The .docx bytes: python-docx's package, its main part streamed into a new one with
    the data rows written in place of their template rows."""
    buffer = io.BytesIO()
    document.save(buffer)
    if not later:
        return buffer.getvalue()
    main = document.part.partname.membername
    out = io.BytesIO()
    with ZipFile(buffer) as source, ZipFile(out, "w", ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)  # before `target.open` resets info's sizes
            if info.filename != main:
                target.writestr(info, data)
                continue
            with target.open(info, "w") as part:
                for chunk in _with_rows(data, later):
                    part.write(chunk)
    return out.getvalue()


def _with_rows(xml: bytes, later: Sequence[_LaterRows]) -> Iterator[bytes]:
    """`xml` in chunks, each template row replaced by its data rows."""
    done = 0
    for rows in later:
        first = xml.index(rows.marked_cell(0), done)
        start = xml.rindex(b"<w:tr>", done, first)
        end = xml.index(b"</w:tr>", first) + len(b"</w:tr>")
        template = xml[start:end]
        parts = []
        for column in range(rows.columns):
            before, template = template.split(rows.marked_cell(column))
            parts.append(before)
        yield xml[done:start]
        contents: dict[str, bytes] = {}  # a column repeats its texts: each made once
        for batch in range(0, len(rows.rows), ROWS_PER_CHUNK):
            chunk = bytearray()
            for values in rows.rows[batch:batch + ROWS_PER_CHUNK]:
                for before, text in zip(parts, values, strict=True):
                    chunk += before
                    if (content := contents.get(text)) is None:
                        content = contents[text] = _run_content(text)
                    chunk += content
                chunk += template  # what follows the last cell's text
            yield bytes(chunk)
        done = end
    yield xml[done:]


ROWS_PER_CHUNK = 500  # rows handed to the compressor at a time
_RUN_BREAK = re.compile(r"([\t\r\n])")


def _run_content(text: str) -> bytes:
    """What python-docx writes into a run for `text` (`_run`, `Run.text`): each stretch of
    text a `w:t` (its spaces kept when it starts or ends with one), a tab `w:tab`, a line
    break `w:br`; `&`, `<` and `>` escaped as lxml escapes them."""
    out = []
    for part in _RUN_BREAK.split(xml_text(text)):
        if part == "\t":
            out.append("<w:tab/>")
        elif part in ("\r", "\n"):
            out.append("<w:br/>")
        elif part:
            space = ' xml:space="preserve"' if len(part.strip()) < len(part) else ""
            escaped = part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            out.append(f"<w:t{space}>{escaped}</w:t>")
    return "".join(out).encode()


def _cell_text(cell, text: str, *, size: float, bold: bool, align: str) -> None:
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    paragraph = cell.paragraphs[0]
    paragraph.alignment = ALIGN[align]
    paragraph.paragraph_format.space_before = Pt(2)
    paragraph.paragraph_format.space_after = Pt(2)
    _run(paragraph, text, size=size, bold=bold)


def _figure(document, block: Figure, png: bytes, number: int) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.keep_with_next = True
    paragraph.paragraph_format.space_before = Pt(6)
    paragraph.add_run().add_picture(io.BytesIO(png), width=Mm(FIGURE_WIDTH_MM))
    _centred(document, f"Biểu đồ {number}. {block.caption}", size=TABLE_PT, italic=True,
             after=6)


def _writing_space(document, block: WritingSpace) -> None:
    for _ in range(block.lines):
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.line_spacing = 1.5
        paragraph.paragraph_format.tab_stops.add_tab_stop(
            Mm(TEXT_WIDTH_MM - 0.5), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
        _run(paragraph, "\t")


# --- signature and recipients --------------------------------------------------------------


def _signature(document, report: Report) -> None:
    settings = report.settings
    document.paragraphs[-1].paragraph_format.keep_with_next = True  # the closing sentence
    spacer = document.add_paragraph()
    spacer.paragraph_format.space_after = Pt(6)
    spacer.paragraph_format.keep_with_next = True
    table = document.add_table(rows=1, cols=2)
    _fixed_widths(table, SIGNATURE_MM)
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    left, right = _CellWriter(table.cell(0, 0)), _CellWriter(table.cell(0, 1))
    title = left.add_paragraph()
    _run(title, "Nơi nhận:", size=RECIPIENTS_TITLE_PT, bold=True, italic=True)
    for line in recipient_lines(settings):
        _run(left.add_paragraph(), line, size=RECIPIENTS_PT)
    for line in settings.signer_capacity:
        _centred(right, line, size=BODY_PT, bold=True)
    for _ in range(4):  # room for the signature and the seal
        right.add_paragraph()
    _centred(right, settings.signer, size=BODY_PT, bold=True)
