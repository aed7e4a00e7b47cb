"""The one Markdown writer: blocks of the content model (reports.content) as Markdown, for
the annual summary (`bao-cao-<year>.md` and its artifact), the collection-window status and
any report. Every text is literal Markdown (core.escape.markdown_text): names, messages and
file names come from the units."""

from __future__ import annotations

import re
from collections.abc import Iterable

from core.escape import markdown_text
from reports.content import (
    Block,
    Figure,
    Heading,
    Items,
    Paragraph,
    Table,
    WritingSpace,
    spans,
)

_NUMBERED = re.compile(r"^(\d+)\\([.)])")  # "1\. …": a heading needs no list escape


def render_markdown(blocks: Iterable[Block]) -> str:
    """The blocks as Markdown: a heading of level n with n + 1 "#", paragraphs (lead and
    bold parts as **…**), lists, tables (total rows bold), figure captions in italics."""
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append("#" * (block.level + 1) + " "
                       + _NUMBERED.sub(r"\1\2", markdown_text(block.text)))
        elif isinstance(block, Paragraph):
            text = "".join(f"**{markdown_text(part)}**" if bold else markdown_text(part)
                           for part, bold in spans(block.text))
            lead = f"**{markdown_text(block.lead)}**" if block.lead else ""
            out.append(f"*{lead}{text}*" if block.italic else lead + text)
        elif isinstance(block, Items):
            out += [f"- {markdown_text(item)}" for item in block.items]
        elif isinstance(block, Table):
            out += _table(block)
        elif isinstance(block, Figure):
            out.append(f"*{markdown_text(block.caption)}*")
        elif isinstance(block, WritingSpace):
            continue
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _table(block: Table) -> list[str]:
    total_from = len(block.rows) - block.bold_last_rows
    escaped: dict[str, str] = {}  # a unit table repeats its values: each escaped once

    def literal(cell: object) -> str:
        if type(cell) is not str:  # Markdown already, or another type: as it comes
            return markdown_text(cell)
        if (text := escaped.get(cell)) is None:
            text = escaped[cell] = markdown_text(cell)
        return text

    rows = [[f"**{literal(cell)}**" if i >= total_from else literal(cell)
             for cell in row] for i, row in enumerate(block.rows)]
    return ["| " + " | ".join(markdown_text(h) for h in block.headers) + " |",
            "|" + "---|" * len(block.headers),
            *["| " + " | ".join(row) + " |" for row in rows]]

