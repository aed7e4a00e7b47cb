"""Charts of the reports as PNG bytes: indicator trends against their targets, completeness
and timeliness of the units' reports, participants by sex.

Each chart is a small frozen description (built from the marts by `reports.content`) and
`render_png` draws it with matplotlib's Agg backend: no display, no network, DejaVu Sans
(shipped with matplotlib, it has every Vietnamese letter), and no timestamp or version in
the file, so the same description always gives the same bytes.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass

from core.report import vn_number, vn_percent

DPI = 150
WIDTH_IN = 6.3  # 16 cm: the text width of an A4 page with the decree's margins
FONT = "DejaVu Sans"
TITLE_WIDTH = 42  # characters per line of a panel title
CROWDED_YEARS = 5  # beyond this many years, label only the first and last values
COLOURS = {
    "value": "#1f5f8b",
    "target": "#c0392b",
    "female": "#c2185b",
    "male": "#1f5f8b",
    "unspecified": "#9e9e9e",
}
# Completeness and timeliness of one unit's report of one year
SUBMISSION_STATES = {
    "on_time": ("Nộp đúng hạn", "#2e7d32"),
    "late": ("Nộp muộn", "#f9a825"),
    "draft": ("Bản nháp", "#90caf9"),
    "invalid": ("Không hợp lệ", "#c62828"),
    "missing": ("Chưa nộp", "#424242"),
    "not_expected": ("Không phải báo cáo", "#ffffff"),
}
SEX_LABELS = {"female": "Nữ", "male": "Nam", "unspecified": "Không rõ giới"}


@dataclass(frozen=True)
class IndicatorSeries:
    """One indicator, year by year: its value and the target that applies to each year."""

    code: str
    title: str
    years: tuple[int, ...]
    values: tuple[float | None, ...]
    targets: tuple[float | None, ...]
    is_rate: bool


@dataclass(frozen=True)
class IndicatorTrendChart:
    series: tuple[IndicatorSeries, ...]


@dataclass(frozen=True)
class SubmissionChart:
    """One row per unit, one column per year; each cell a key of SUBMISSION_STATES."""

    units: tuple[str, ...]
    years: tuple[int, ...]
    states: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class SubmissionCountsChart:
    """How many units were in each state of a report (the keys of SUBMISSION_STATES but
    "not_expected"), one row per year: the submission chart of more units than a page holds
    a row each."""

    years: tuple[int, ...]
    counts: tuple[tuple[int, ...], ...]  # per year, per key of REPORT_STATES


REPORT_STATES = tuple(k for k in SUBMISSION_STATES if k != "not_expected")


@dataclass(frozen=True)
class ParticipantsChart:
    """Participants by sex for each category (an audience, or a year)."""

    categories: tuple[str, ...]
    female: tuple[int, ...]
    male: tuple[int, ...]
    unspecified: tuple[int, ...]
    horizontal: bool = False


Chart = IndicatorTrendChart | SubmissionChart | SubmissionCountsChart | ParticipantsChart


def render_png(chart: Chart) -> bytes:
    """The chart as PNG bytes (deterministic)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import rc_context

    style = {"font.family": FONT, "font.size": 8, "axes.titlesize": 8,
             "axes.spines.top": False, "axes.spines.right": False}
    with rc_context(style):
        if isinstance(chart, IndicatorTrendChart):
            figure = _trend_figure(chart)
        elif isinstance(chart, SubmissionChart):
            figure = _submission_figure(chart)
        elif isinstance(chart, SubmissionCountsChart):
            figure = _submission_counts_figure(chart)
        else:
            figure = _participants_figure(chart)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _figure(height_in: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(WIDTH_IN, height_in), layout="constrained")


def _value_text(value: float, is_rate: bool) -> str:
    return vn_percent(value) if is_rate else vn_number(value)


def _trend_figure(chart: IndicatorTrendChart):
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    count = len(chart.series)
    columns = 2 if count > 1 else 1
    rows = -(-count // columns)
    figure = _figure(2.2 * rows + 0.3)
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for ax, series in zip(axes, chart.series, strict=False):
        years = list(series.years)
        values = [float("nan") if v is None else v for v in series.values]
        targets = [float("nan") if t is None else t for t in series.targets]
        ax.plot(years, values, marker="o", color=COLOURS["value"], label="Kết quả")
        ax.plot(years, targets, linestyle="--", drawstyle="steps-mid",
                color=COLOURS["target"], label="Mục tiêu")
        crowded = len(years) > CROWDED_YEARS
        known = [y for y, v in zip(years, series.values, strict=True) if v is not None]
        for year, value in zip(years, series.values, strict=True):
            if value is not None and (not crowded or year in (known[0], known[-1])):
                ax.annotate(_value_text(value, series.is_rate), (year, value),
                            textcoords="offset points", xytext=(0, 5), ha="center",
                            fontsize=6.5)
        ax.set_title(textwrap.fill(f"{series.code}: {series.title}", TITLE_WIDTH), loc="left")
        ax.set_xticks(years, [str(y) for y in years], rotation=45 if crowded else 0,
                      fontsize=6.5 if crowded else 8)
        ax.set_xlim(years[0] - 0.5, years[-1] + 0.5)
        if series.is_rate:
            ax.set_ylim(0, 1.12)
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: vn_percent(v)))
        else:
            top = max([v for v in values + targets if v == v] or [1.0])
            ax.set_ylim(0, top * 1.2 + 0.5)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: vn_number(v)))
        ax.grid(axis="y", linewidth=0.3, alpha=0.6)
    for ax in axes[count:]:
        ax.set_axis_off()
    handles, labels = axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=2, frameon=False)
    return figure


def _submission_figure(chart: SubmissionChart):
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    keys = list(SUBMISSION_STATES)
    grid = [[keys.index(state) for state in row] for row in chart.states]
    figure = _figure(0.19 * len(chart.units) + 1.2)
    ax = figure.subplots()
    colours = ListedColormap([colour for _, colour in SUBMISSION_STATES.values()])
    ax.pcolormesh(grid, cmap=colours, vmin=-0.5, vmax=len(keys) - 0.5,
                  edgecolors="#bdbdbd", linewidth=0.5)
    ax.set_xticks([i + 0.5 for i in range(len(chart.years))], [str(y) for y in chart.years])
    ax.set_yticks([i + 0.5 for i in range(len(chart.units))], list(chart.units), fontsize=7)
    ax.invert_yaxis()
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    for side in ("left", "bottom", "top", "right"):
        ax.spines[side].set_visible(False)
    used = [k for k in keys if any(k in row for row in chart.states)]
    figure.legend([Patch(facecolor=SUBMISSION_STATES[k][1], edgecolor="#757575")
                   for k in used], [SUBMISSION_STATES[k][0] for k in used],
                  loc="outside lower center", ncols=min(len(used), 3), frameon=False)
    return figure


def _submission_counts_figure(chart: SubmissionCountsChart):
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    count = len(chart.years)
    figure = _figure(0.32 * count + 1.3)
    ax = figure.subplots()
    positions = list(range(count))
    base = [0] * count
    for index, key in enumerate(REPORT_STATES):
        numbers = [row[index] for row in chart.counts]
        if not any(numbers):
            continue
        label, colour = SUBMISSION_STATES[key]
        ax.barh(positions, numbers, left=base, color=colour, label=label,
                edgecolor="#757575", linewidth=0.5)
        base = [b + n for b, n in zip(base, numbers, strict=True)]
    ax.set_yticks(positions, [str(y) for y in chart.years])
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: vn_number(v)))
    ax.grid(axis="x", linewidth=0.3, alpha=0.6)
    for position, total in zip(positions, base, strict=True):
        ax.annotate(vn_number(total), (total, position), textcoords="offset points",
                    xytext=(3, 0), va="center", fontsize=7)
    _legend_below(figure, ax)
    return figure


def _participants_figure(chart: ParticipantsChart):
    from matplotlib.ticker import FuncFormatter

    count = len(chart.categories)
    figure = _figure(0.32 * count + 1.3 if chart.horizontal else 3.2)
    ax = figure.subplots()
    positions = list(range(count))
    base = [0] * count
    for sex, numbers in (("female", chart.female), ("male", chart.male),
                         ("unspecified", chart.unspecified)):
        if not any(numbers):
            continue
        if chart.horizontal:
            ax.barh(positions, numbers, left=base, color=COLOURS[sex], label=SEX_LABELS[sex])
        else:
            ax.bar(positions, numbers, bottom=base, color=COLOURS[sex], label=SEX_LABELS[sex])
        base = [b + n for b, n in zip(base, numbers, strict=True)]
    formatter = FuncFormatter(lambda v, _: vn_number(v))
    if chart.horizontal:
        ax.set_yticks(positions, list(chart.categories))
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(formatter)
        ax.grid(axis="x", linewidth=0.3, alpha=0.6)
    else:
        ax.set_xticks(positions, list(chart.categories))
        ax.yaxis.set_major_formatter(formatter)
        ax.grid(axis="y", linewidth=0.3, alpha=0.6)
    for position, total in zip(positions, base, strict=True):
        if chart.horizontal:
            ax.annotate(vn_number(total), (total, position), textcoords="offset points",
                        xytext=(3, 0), va="center", fontsize=7)
        else:
            ax.annotate(vn_number(total), (position, total), textcoords="offset points",
                        xytext=(0, 3), ha="center", fontsize=7)
    _legend_below(figure, ax)
    return figure


def _legend_below(figure, ax) -> None:
    """The legend of the chart's series under it; none when no series has a number (an
    empty year), where matplotlib would warn on the console that it found no labels."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        figure.legend(handles, labels, loc="outside lower center", ncols=3, frameon=False)
