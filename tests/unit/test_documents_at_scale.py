"""The formal documents at national scale (issue 12): the .docx tables written from a
formatted row read back as python-docx writes them, and the submission chart of more units
than a page holds, on hand-made reports and frames."""

from __future__ import annotations

import io
import re
import struct
from datetime import date

import pandas as pd

from core.registry import read_locality
from core.report import IndicatorRef
from reports.charts import SubmissionChart, SubmissionCountsChart, render_png
from reports.content import (
    DocumentSettings,
    PeriodFigures,
    Report,
    Table,
    build_report,
)
from reports.document import render_docx

SETTINGS = DocumentSettings(read_locality(), issued_on=date(2025, 12, 5))


def test_docx_table_rows_keep_their_text_and_form():
    """Each data row has its own texts (spaces at the ends kept, a tab and a line break as
    Word's, a control character dropped, an empty cell empty), the column's alignment, 12 pt,
    bold only in the total row, and cannot split across pages; the header row repeats."""
    import docx

    rows = (("1", " Phòng Y tế ", "a\tb"), ("2", "", "dòng 1\ndòng 2"),
            ("3", "A & <B>\x07", "x"), ("Tổng", "2", "3"))
    report = Report("annual", 2024, 2024, "Chủ đề", (
        Table("t", ("STT", "Đơn vị", "Ghi chú"), rows, (1, 3, 2), ("center", "left", "right"),
              bold_last_rows=1),), SETTINGS, ())
    document = docx.Document(io.BytesIO(render_docx(report, {})))
    table = document.tables[1]  # after the letterhead
    assert [["STT", "Đơn vị", "Ghi chú"], ["1", " Phòng Y tế ", "a\tb"],
            ["2", "", "dòng 1\ndòng 2"], ["3", "A & <B>", "x"], ["Tổng", "2", "3"]] == \
        [[cell.text for cell in row.cells] for row in table.rows]
    assert ['<w:t xml:space="preserve"> Phòng Y tế </w:t>'] == re.findall(
        r"<w:t [^>]*>[^<]*</w:t>", table._tbl.xml)  # Word keeps the spaces at the ends
    runs = [[[(r.bold, r.font.size.pt) for r in cell.paragraphs[0].runs] for cell in row.cells]
            for row in table.rows[1:]]
    assert [[[(False, 12.0)], [(False, 12.0)], [(False, 12.0)]],
            [[(False, 12.0)], [(False, 12.0)], [(False, 12.0)]],
            [[(False, 12.0)], [(False, 12.0)], [(False, 12.0)]],
            [[(True, 12.0)], [(True, 12.0)], [(True, 12.0)]]] == runs
    assert [[1, 0, 2]] * 4 == [[cell.paragraphs[0].alignment for cell in row.cells]
                               for row in table.rows[1:]]
    assert ([True] + [False] * 4, [False] + [True] * 4) == (
        ["w:tblHeader" in row._tr.xml for row in table.rows],
        ["w:cantSplit" in row._tr.xml for row in table.rows])


def _figures(units: int, missing_2023: int = 0) -> PeriodFigures:
    """`units` units reporting 2024 (the first 40 on time, then 3 late, a draft, an invalid
    and missing ones), every unit but the last `missing_2023` on time in 2023."""
    states = [("received", True)] * 40 + [("received", False)] * 3 + [("draft", None),
                                                                       ("invalid", None)]
    states += [("missing", None)] * (units - len(states))
    codes = [f"U{i:04d}" for i in range(units)]
    records = [(2024, code, status, on_time)
               for code, (status, on_time) in zip(codes, states, strict=True)]
    records += [(2023, code, "received", True) for code in codes[:units - missing_2023]]
    status = pd.DataFrame(records, columns=["year", "unit_code", "status", "is_on_time"])
    status["unit_name"] = "Đơn vị " + status["unit_code"]
    status["unit_kind"] = "agency"
    status["completed_on"] = None
    status["error_count"] = 0
    empty = pd.DataFrame(columns=["year", "scope", "indicator_code", "value", "status"])
    return PeriodFigures(
        2023, 2024, {"submission_status": status, "indicator_values": empty},
        pd.DataFrame(columns=["year", "unit_code", "activity_code", "description", "sessions",
                              "participants"]),
        pd.DataFrame(columns=["activity_code", "task_group", "activity_name", "years"]),
        dict(zip(status["unit_code"], status["unit_name"], strict=True)),
        IndicatorRef({}, {}, (), {}, {}))


def _submission_figure(report: Report):
    return next(f for f in report.figures() if f.key == "submissions")


def test_submission_chart_draws_each_unit_while_a_page_holds_them():
    """45 units: one row a unit (0,19 in a row fits an A4 page), in the registry's order."""
    figure = _submission_figure(build_report(_figures(45), "annual", SETTINGS))
    assert "Tình hình gửi báo cáo của các đơn vị, giai đoạn 2023-2024" == figure.caption
    assert isinstance(figure.chart, SubmissionChart)
    assert (45, ("on_time", "on_time"), ("on_time", "late"), ("on_time", "invalid")) == (
        len(figure.chart.units), figure.chart.states[0], figure.chart.states[40],
        figure.chart.states[44])


def test_submission_chart_counts_the_units_beyond_a_page():
    """1 047 units, two of them new in 2024: each year's units counted by state (on time,
    late, draft, invalid, missing), each unit's state left to the table before the chart,
    which lists them all; the image is as large for 1 047 units as for 10 000."""
    report = build_report(_figures(1047, missing_2023=2), "annual", SETTINGS)
    figure = _submission_figure(report)
    assert ("Tình hình gửi báo cáo của các đơn vị, giai đoạn 2023-2024: số đơn vị theo tình "
            "trạng (1.047 đơn vị; tình trạng của từng đơn vị năm 2024: bảng trên)") == \
        figure.caption
    assert SubmissionCountsChart((2023, 2024), ((1045, 0, 0, 0, 0), (40, 3, 1, 1, 1002))) == \
        figure.chart
    table = next(b for b in report.blocks if isinstance(b, Table) and b.key == "submissions")
    assert 1047 == len(table.rows)
    small, large = (render_png(SubmissionCountsChart((2023, 2024), counts))
                    for counts in (((1045, 0, 0, 0, 0), (40, 3, 1, 1, 1002)),
                                   ((9000, 0, 0, 0, 0), (9000, 300, 100, 100, 500))))
    assert struct.unpack(">II", small[16:24]) == struct.unpack(">II", large[16:24])
