"""Charts of a year without numbers: drawn without a legend and without the warning
matplotlib prints on the console when it finds no labelled series (reports.charts)."""

from __future__ import annotations

import warnings

from reports.charts import (
    ParticipantsChart,
    SubmissionCountsChart,
    _participants_figure,
    _submission_counts_figure,
    render_png,
)

EMPTY_PARTICIPANTS = ParticipantsChart(("Cán bộ",), (0,), (0,), (0,), horizontal=True)
EMPTY_COUNTS = SubmissionCountsChart((2024,), ((0, 0, 0, 0, 0),))


def test_empty_charts_are_drawn_without_a_warning():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        images = [render_png(EMPTY_PARTICIPANTS), render_png(EMPTY_COUNTS)]
    assert ([], [b"\x89PNG\r\n\x1a\n"] * 2) == (
        [str(w.message) for w in caught], [image[:8] for image in images])


def test_the_legend_names_the_series_that_have_numbers():
    """Women and men counted, nobody of unknown sex: a legend of «Nữ», «Nam»; two units on
    time and one missing: «Nộp đúng hạn», «Chưa nộp»; none for the empty charts."""
    participants = ParticipantsChart(("Cán bộ", "Học sinh"), (3, 0), (1, 2), (0, 0))
    counts = SubmissionCountsChart((2024,), ((2, 0, 0, 0, 1),))

    def legend_texts(figure) -> list[list[str]]:
        return [[t.get_text() for t in legend.get_texts()] for legend in figure.legends]

    assert ([["Nữ", "Nam"]], [["Nộp đúng hạn", "Chưa nộp"]], [], []) == (
        legend_texts(_participants_figure(participants)),
        legend_texts(_submission_counts_figure(counts)),
        legend_texts(_participants_figure(EMPTY_PARTICIPANTS)),
        legend_texts(_submission_counts_figure(EMPTY_COUNTS)))
