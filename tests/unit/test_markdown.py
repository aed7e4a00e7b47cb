"""The one Markdown writer (reports.markdown) and the indicators' words from the ref tables
(core.report.IndicatorRef), on hand-made blocks and frames."""

from __future__ import annotations

import pandas as pd

from core.report import indicator_ref
from reports.content import Heading, Items, Paragraph, Strong, Table, WritingSpace
from reports.markdown import render_markdown


def test_blocks_as_markdown():
    """Headings take level + 1 "#" (a numbered heading keeps its "1."), bold parts and leads
    are **…**, every text is literal, total rows are bold, writing space is left out."""
    blocks = [
        Heading("Tình hình <năm>", 0),
        Heading("1. Nộp báo cáo", 1),
        Paragraph(("Đã nộp: ", Strong("3"), " của 4 (a|b*c)."), lead="Lưu ý: "),
        Paragraph("nghiêng", italic=True),
        Items(("Đơn vị X: sai năm", "<b>")),
        WritingSpace(3),
        Table("t", ("Đơn vị", "Tiền"), (("A_1", "5"), ("Tổng cộng", "5")), (1, 1),
              ("left", "right"), bold_last_rows=1),
    ]
    assert (
        "# Tình hình \\<năm\\>\n\n"
        "## 1. Nộp báo cáo\n\n"
        "**Lưu ý: **Đã nộp: **3** của 4 (a\\|b\\*c).\n\n"
        "*nghiêng*\n\n"
        "- Đơn vị X: sai năm\n- \\<b\\>\n\n"
        "| Đơn vị | Tiền |\n|---|---|\n| A\\_1 | 5 |\n| **Tổng cộng** | **5** |\n"
    ) == render_markdown(blocks)


def test_indicator_words_come_from_the_ref_frames():
    """Kinds by indicator and scope (CT1: a rate for the district, a count per group or
    ward), labels, ward indicators in code order, audience groups."""
    ref = indicator_ref(
        pd.DataFrame({"indicator_code": ["CT9", "CT1"], "short_name": ["Chín", "Một"],
                      "measure": ["rate", "sessions"], "has_ward_reading": [True, True]}),
        pd.DataFrame({"indicator_code": ["CT1", "CT1", "CT9"],
                      "scope": ["district", "ward", "ward"],
                      "kind": ["rate", "count", "rate"]}),
        pd.DataFrame({"scope_code": ["can_bo"], "group_vi": ["Cơ quan, tổ chức"]}))
    assert ("100,0%", "3", "62,5%") == (ref.value_text("CT1", "district", 1.0),
                                        ref.value_text("CT1", "ward", 3.0),
                                        ref.value_text("CT9", "ward", 0.625))
    assert ("Một", "CT7") == (ref.label("CT1"), ref.label("CT7"))
    assert ("CT1", "CT9") == ref.ward_indicators
    assert ("số cuộc", "tỷ lệ") == (ref.unit_word("CT1", "ward"), ref.unit_word("CT9", "ward"))
    assert ("Cơ quan, tổ chức", "khac") == (ref.audience("can_bo"), ref.audience("khac"))
