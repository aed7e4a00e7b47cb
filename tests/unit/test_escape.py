"""Text made safe for each format (core.escape), and every writer using it: the Markdown
report and table artifacts, the HTML and .docx reports and both workbooks take text with
control characters and markup from the units and write it as literal text."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from markdown_it import MarkdownIt

from core.escape import Markdown, html_text, markdown_code, markdown_text, xml_text

HOSTILE_FILE = "<img src=x onerror=alert(9)>"
# CommonMark with raw HTML allowed and GitHub's tables: what the Prefect UI and most
# Markdown viewers render
MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable("table")


@pytest.mark.parametrize(
    ("text", "markdown", "rendered"),
    [
        (HOSTILE_FILE, r"\<img src=x onerror=alert(9)\>",
         "<p>&lt;img src=x onerror=alert(9)&gt;</p>\n"),
        ("a|b*c_d", r"a\|b\*c\_d", "<p>a|b*c_d</p>\n"),
        ("![x](http://e/t.png) [y](javascript:alert(1))",
         r"!\[x\](http://e/t.png) \[y\](javascript:alert(1))",
         "<p>![x](http://e/t.png) [y](javascript:alert(1))</p>\n"),
        ("&lt; `code` ~~s~~ #REF! a\\b", r"\&lt; \`code\` \~\~s\~\~ \#REF! a\\b",
         "<p>&amp;lt; `code` ~~s~~ #REF! a\\b</p>\n"),
        ("- item", r"\- item", "<p>- item</p>\n"),
        ("12. item", r"12\. item", "<p>12. item</p>\n"),
        ("---", r"\---", "<p>---</p>\n"),
        ("-1 và 3.5, 2024-12-05", "-1 và 3.5, 2024-12-05", "<p>-1 và 3.5, 2024-12-05</p>\n"),
        ("dòng 1\ndòng\r\n# 2\x01\x0bhết", r"dòng 1 dòng \# 2 hết",
         "<p>dòng 1 dòng # 2 hết</p>\n"),
    ],
)
def test_markdown_text_reads_as_itself(text, markdown, rendered):
    """Markup, links, images, emphasis, entities and block markers in a unit's text come
    out literal; control characters go, line breaks become spaces."""
    assert markdown == markdown_text(text)
    assert rendered == MARKDOWN.render(markdown_text(text))


def test_markdown_table_cell_stays_one_cell():
    """A `|` in a cell does not open another cell."""
    table = f"| Tệp | Mức độ |\n|---|---|\n| {markdown_text('a|b*c.xlsx')} | Cảnh báo |\n"
    assert ("<tr>\n<td>a|b*c.xlsx</td>\n<td>Cảnh báo</td>\n</tr>"
            in MARKDOWN.render(table))


def test_markdown_is_never_escaped_twice():
    """Escaped text is `Markdown`: escaping it again changes nothing; Markdown written by
    the pipeline is left as it is."""
    once = markdown_text("a*b")
    assert r"a\*b" == markdown_text(once)
    assert "**Tổng cộng**" == markdown_text(Markdown("**Tổng cộng**"))


def test_markdown_code_span_holds_any_path():
    """A path with backticks stays one code span."""
    assert "`/tmp/bao-cao.docx`" == markdown_code("/tmp/bao-cao.docx")
    assert "``/tmp/a`b.docx``" == markdown_code("/tmp/a`b.docx")
    assert "<p><code>`x</code></p>\n" == MARKDOWN.render(markdown_code("`x"))


def test_html_and_xml_text():
    """HTML: markup and quotes escaped, control characters dropped; XML for python-docx and
    openpyxl: only the characters XML 1.0 forbids (and DEL, C1) dropped."""
    assert "&lt;img src=x onerror=alert(9)&gt; &amp; &quot;a&quot; &#x27;b&#x27; xy z" == \
        html_text(f"{HOSTILE_FILE} & \"a\" 'b' x\x01y\x0bz")
    assert "<a> & b\tc\nd\re f" == xml_text("<a> & b\tc\nd\re\x00\x1f\x7f\x9f\ud800\uffff\x0cf")


def _hostile_report():
    from core.registry import read_locality
    from reports.content import DocumentSettings, Heading, Paragraph, Report, Table

    return Report("annual", 2024, 2024, "Chủ đề\x01", (
        Heading("I. Mục\x02", 1),
        Paragraph("Hội nghị\x0btuyên truyền\x1f <b>", lead="Lưu ý\x03: "),
        Table("t", ("Cột\x04",), (("Giá\x05 trị",),), (1,), ("left",)),
    ), DocumentSettings(read_locality(), issued_on=date(2024, 12, 5),
                        signer="Nguyễn\x06 Văn An", recipients=("Lưu\x07: VT",)), ())


def test_docx_takes_control_characters():
    """python-docx refuses control characters: the report writes the text without them."""
    import io

    from docx import Document

    from reports.document import render_docx

    document = Document(io.BytesIO(render_docx(_hostile_report(), {})))
    texts = [p.text for p in document.paragraphs]
    assert "Lưu ý: Hội nghị tuyên truyền <b>" in texts
    assert "I. Mục" in texts
    assert "Chủ đề" in texts
    assert [["Cột"], ["Giá trị"]] == [[c.text for c in row.cells]
                                      for row in document.tables[1].rows]
    assert "BÁO CÁO Chủ đề" == document.core_properties.title
    signature = [p.text for c in document.tables[-1].rows[0].cells for p in c.paragraphs]
    assert {"Nguyễn Văn An", "- Lưu: VT."} <= set(signature)


def test_html_drops_control_characters():
    from reports.html import render_html

    html = render_html(_hostile_report(), {})
    assert "<p><b>Lưu ý: </b>Hội nghị tuyên truyền &lt;b&gt;</p>" in html
    assert '<td class="left">Giá trị</td>' in html
    assert [] == [c for c in html if c < " " and c not in "\n"]


def test_workbooks_take_control_characters(tmp_path):
    """openpyxl refuses control characters: both workbooks write the text without them,
    formula-like text still as text."""
    from openpyxl import load_workbook

    from core.registry import read_locality
    from reports.appendix import write_appendix
    from tasks.publish import write_tables_xlsx

    issues = pd.DataFrame({"unit_code": [HOSTILE_FILE, "LDTBXH"],
                           "value": ["Hội nghị\x01\x0btuyên", "=1+1\x02"],
                           "source_ref": ["/r/2024/a\x1fb.xlsx", None]})
    write_appendix(tmp_path / "phu-luc.xlsx", {"Lỗi": (list(issues.columns), issues)},
                   locality=read_locality())
    write_tables_xlsx(tmp_path / "bao-cao.xlsx", {"quality_issues": issues})
    expected = [(HOSTILE_FILE, "Hội nghị tuyên", "/r/2024/ab.xlsx"), ("LDTBXH", "=1+1", None)]
    for path, sheet in (("phu-luc.xlsx", "Lỗi"), ("bao-cao.xlsx", "quality_issues")):
        rows = load_workbook(tmp_path / path)[sheet].iter_rows(min_row=2)
        cells = [[c for c in row] for row in rows]
        assert expected == [tuple(c.value for c in row) for row in cells]
        assert "s" == cells[1][1].data_type


def test_table_artifact_cells_are_literal_markdown():
    """The Prefect UI renders a table artifact's text cells as Markdown: text is escaped,
    numbers and missing values are not."""
    from tasks.publish import artifact_rows

    frame = pd.DataFrame({"unit_code": [HOSTILE_FILE, "a|b*c"], "error_count": [2, None],
                          "unit_name": ["Phòng\x01 Y tế", "- x"]})
    assert [
        {"unit_code": r"\<img src=x onerror=alert(9)\>", "error_count": "2.0",
         "unit_name": "Phòng Y tế"},
        {"unit_code": r"a\|b\*c", "error_count": None, "unit_name": r"\- x"},
    ] == artifact_rows(frame)
