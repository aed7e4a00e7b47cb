"""Text made safe for the format it is written into. Pure functions, no I/O.

Much of what the pipeline writes for people comes from the units: activity descriptions,
names, the file names of unexpected files, values quoted in issue messages. Each writer
passes every such text through the one function of its format, once, where the text is
written into that format (never earlier, so that nothing is escaped twice):

- `markdown_text`: Markdown inline text and table cells (the .md report, Prefect markdown
  artifacts, and Prefect table artifacts, whose cells the Prefect UI renders as Markdown).
  Raw HTML, links, images and emphasis become literal text.
- `markdown_code`: a code span (file paths).
- `html_text`: HTML text and attribute values.
- `xml_text`: text for python-docx and openpyxl, which escape `<` and `&` themselves but
  refuse the characters XML 1.0 forbids.

All of them first drop the control characters (`without_controls`), which no report needs
and which XML (hence .docx and .xlsx) cannot hold. The parser removes them from the cells
already, with a warning naming the cell (core.parse); here they are dropped silently, from
whatever else reaches a writer (file names, registry names, settings).
"""

from __future__ import annotations

import html
import re

# What XML 1.0 forbids (C0 controls except tab, line feed and carriage return; lone
# surrogates; U+FFFE and U+FFFF), plus DEL and the C1 controls, which it allows but which
# are invisible and never meant in a report.
CONTROL_RANGES = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
CONTROL_CHARACTER = re.compile(f"[{CONTROL_RANGES}]")
# Line and page breaks pasted from Word (vertical tab, form feed, next line): a space, so
# that the words on either side stay apart. Every other control character is removed.
BREAKS = frozenset("\x0b\x0c\x85")

# Markdown: characters escaped wherever they are (emphasis, code, links and images, raw
# HTML and entities, table cells, strikethrough, headings), and what would open a block at
# the start of a line (list item, heading, quote, setext underline, ordered list item).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~#])")
_MARKDOWN_BLOCK_START = re.compile(r"^(\s*|\s*\d+)((?<=\d)[.)]|(?<!\d)[-+=])(?=\s|$|[-=])")
_LINE_BREAK = re.compile(r"\r\n|[\r\n]")


def is_control(character: str) -> bool:
    return CONTROL_CHARACTER.fullmatch(character) is not None


def without_controls(text: str) -> str:
    """`text` without control characters; a pasted line or page break becomes a space."""
    if CONTROL_CHARACTER.search(text) is None:  # nearly always: a search is half a sub
        return text
    return CONTROL_CHARACTER.sub(lambda m: " " if m.group() in BREAKS else "", text)


class Markdown(str):
    """Text that is Markdown already (written by the pipeline, or escaped): `markdown_text`
    leaves it as it is."""


def markdown_text(text: object) -> Markdown:
    """Literal text for Markdown inline content or a table cell: "<img src=x>" reads as
    itself, "a|b*c" stays in one cell and is not emphasis. Line breaks become spaces."""
    if isinstance(text, Markdown):
        return text
    plain = _LINE_BREAK.sub(" ", without_controls(str(text)))
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", plain)
    return Markdown(_MARKDOWN_BLOCK_START.sub(r"\1\\\2", escaped, count=1))


def markdown_code(text: object) -> Markdown:
    """A code span holding `text` literally: fenced with one backtick more than the longest
    run of backticks inside, padded when the text starts or ends with one."""
    plain = _LINE_BREAK.sub(" ", without_controls(str(text)))
    longest = max((len(run) for run in re.findall(r"`+", plain)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if plain.startswith("`") or plain.endswith("`") else ""
    return Markdown(f"{fence}{pad}{plain}{pad}{fence}")


def html_text(text: object) -> str:
    """Text for HTML content or a quoted attribute value."""
    return html.escape(without_controls(str(text)), quote=True)


def xml_text(text: str) -> str:
    """Text that python-docx and openpyxl accept (they escape markup themselves)."""
    return without_controls(text)
