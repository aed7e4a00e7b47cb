"""The formal report as one self-contained HTML file: the same blocks as the .docx, inline
CSS, charts as data URIs, no external resource or link. Every text is HTML-escaped
(core.escape.html_text), since much of it (activity descriptions, names, file names) comes
from the units."""

from __future__ import annotations

import base64
from collections.abc import Mapping

from core.escape import html_text
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

CSS = """
@page { size: A4; margin: 20mm 15mm 20mm 30mm; }
body { margin: 0; background: #f3f3f3; color: #000;
  font-family: "Times New Roman", "Liberation Serif", Times, serif; font-size: 14pt; }
main { box-sizing: border-box; width: 210mm; max-width: 100%; margin: 0 auto;
  padding: 20mm 15mm 20mm 30mm; background: #fff; }
@media print { body { background: #fff; } main { width: auto; padding: 0; } }
p { margin: 0 0 6pt; text-align: justify; text-indent: 1.27cm; line-height: 1.3; }
h2, h3 { font-size: 14pt; margin: 8pt 0 6pt; text-indent: 1.27cm; line-height: 1.3; }
.letterhead, .signature { width: 100%; border-collapse: collapse; }
.letterhead td, .signature td { vertical-align: top; text-align: center; padding: 0 2mm; }
.letterhead td:first-child { width: 37.6%; }
.signature td:first-child { width: 47.3%; text-align: left; }
.letterhead .head { font-size: 13pt; font-weight: bold; }
.letterhead .motto { font-size: 14pt; font-weight: bold; }
.letterhead .number { font-size: 13pt; padding-top: 4pt; }
.letterhead .place-date { font-style: italic; padding-top: 4pt; }
hr.rule { border: 0; border-top: 1px solid #000; margin: 2pt auto 0; }
hr.issuer { width: 20mm; } hr.motto { width: 57mm; } hr.title { width: 50mm; margin-bottom: 12pt; }
h1 { text-align: center; font-size: 14pt; margin: 18pt 0 0; }
table.data { width: 100%; border-collapse: collapse; margin: 0 0 8pt; font-size: 12pt;
  table-layout: fixed; }
table.data.wide { font-size: 10pt; }
table.data th, table.data td { border: 1px solid #000; padding: 2pt 3pt; vertical-align: middle;
  overflow-wrap: anywhere; }
table.data th { text-align: center; }
table.data td.left { text-align: left; } table.data td.center { text-align: center; }
table.data td.right { text-align: right; } table.data tr.total td { font-weight: bold; }
figure { margin: 6pt 0 8pt; text-align: center; }
figure img { width: 160mm; max-width: 100%; height: auto; }
figcaption { font-size: 12pt; font-style: italic; }
.writing div { border-bottom: 1px dotted #000; height: 1.5em; }
.recipients-title { font-size: 12pt; font-weight: bold; font-style: italic; }
.recipients { font-size: 11pt; }
.capacity { font-weight: bold; }
.signer { font-weight: bold; margin-top: 5.5em; min-height: 1.3em; }
"""


def render_html(report: Report, images: Mapping[str, bytes]) -> str:
    """The report as a standalone HTML page; `images` maps each figure's key to its PNG."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="vi">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html_text(DOCUMENT_TYPE)} {html_text(report.subject)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        _letterhead(report),
        f"<h1>{html_text(DOCUMENT_TYPE)}<br>{html_text(report.subject)}</h1>",
        '<hr class="rule title">',
    ]
    figure_number = 0
    for block in report.blocks:
        if isinstance(block, Heading):
            tag = "h2" if block.level == 1 else "h3"
            parts.append(f"<{tag}>{html_text(block.text)}</{tag}>")
        elif isinstance(block, Paragraph):
            parts.append(_paragraph(block))
        elif isinstance(block, Items):
            parts.append("<ul>" + "".join(f"<li>{html_text(item)}</li>" for item in block.items)
                         + "</ul>")
        elif isinstance(block, Table):
            parts.append(_table(block))
        elif isinstance(block, Figure):
            figure_number += 1
            parts.append(_figure(block, images[block.key], figure_number))
        elif isinstance(block, WritingSpace):
            parts.append('<div class="writing">' + "<div></div>" * block.lines + "</div>")
    parts += [_signature(report), "</main>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _letterhead(report: Report) -> str:
    settings = report.settings
    issuer = "".join(f'<div class="head">{html_text(line)}</div>' for line in settings.issuer)
    return (
        '<table class="letterhead"><tr>'
        f'<td>{issuer}<hr class="rule issuer"></td>'
        f'<td><div class="head">{html_text(NATIONAL_TITLE)}</div>'
        f'<div class="motto">{html_text(MOTTO)}</div><hr class="rule motto"></td>'
        "</tr><tr>"
        f'<td class="number">{html_text(number_line(settings))}</td>'
        f'<td class="place-date">{html_text(place_date_line(settings))}</td>'
        "</tr></table>"
    )


def _paragraph(block: Paragraph) -> str:
    lead = f"<b>{html_text(block.lead)}</b>" if block.lead else ""
    text = lead + "".join(f"<b>{html_text(part)}</b>" if bold else html_text(part)
                          for part, bold in spans(block.text))
    return f"<p><i>{text}</i></p>" if block.italic else f"<p>{text}</p>"


def _table(block: Table) -> str:
    wide = " wide" if len(block.headers) > 7 else ""
    total = sum(block.widths)
    columns = "".join(f'<col style="width:{100 * w / total:.1f}%">' for w in block.widths)
    head = "".join(f"<th>{html_text(h)}</th>" for h in block.headers)
    bold_from = len(block.rows) - block.bold_last_rows
    rows = []
    for index, row in enumerate(block.rows):
        css = ' class="total"' if index >= bold_from else ""
        cells = "".join(f'<td class="{align}">{html_text(text)}</td>'
                        for text, align in zip(row, block.align, strict=True))
        rows.append(f"<tr{css}>{cells}</tr>")
    return (f'<table class="data{wide}" id="{html_text(block.key)}"><colgroup>{columns}</colgroup>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _figure(block: Figure, png: bytes, number: int) -> str:
    data = base64.b64encode(png).decode("ascii")
    caption = html_text(f"Biểu đồ {number}. {block.caption}")
    return (f'<figure id="{html_text(block.key)}"><img alt="{caption}" '
            f'src="data:image/png;base64,{data}"><figcaption>{caption}</figcaption></figure>')


def _signature(report: Report) -> str:
    settings = report.settings
    recipients = "".join(f'<div class="recipients">{html_text(line)}</div>'
                         for line in recipient_lines(settings))
    capacity = "".join(f'<div class="capacity">{html_text(line)}</div>'
                       for line in settings.signer_capacity)
    return (
        '<table class="signature"><tr>'
        f'<td><div class="recipients-title">Nơi nhận:</div>{recipients}</td>'
        f'<td>{capacity}<div class="signer">{html_text(settings.signer)}</div></td>'
        "</tr></table>"
    )
