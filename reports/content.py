"""What the formal reports say: the annual report and the mid-term and final reviews, as a
sequence of blocks (headings, paragraphs, tables, charts, space to write) that the .docx and
HTML writers render the same way. Pure: data frames and settings in, text out; no I/O.

The document form (letterhead, number, place and date, signature, recipients) follows
Decree 30/2020/NĐ-CP; its variable parts are `DocumentSettings`: the locality's (issuing
authority, place, plan title, recipients: `warehouse/seeds/locality.csv`) and the clerk's
(number, date, signer, recipients: HB_DOC_*, read by `core.settings.document_values`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

import pandas as pd

from core.registry import LOCAL_TZ, Locality
from core.report import (
    INDICATOR_STATUS_VI,
    PROGRESS_STATUS_VI,
    SEVERITY_VI,
    SEX_VI,
    SOURCE_VI,
    STATUS_VI,
    IndicatorRef,
    scope_vi,
    submission_counts,
    summary_lines,
    vn_date,
    vn_number,
    vn_percent,
)
from core.settings import document_values, parse_day
from reports.charts import (
    REPORT_STATES,
    Chart,
    IndicatorSeries,
    IndicatorTrendChart,
    ParticipantsChart,
    SubmissionChart,
    SubmissionCountsChart,
)

KINDS = ("annual", "midterm", "final")
REVIEW_END_YEAR = {"midterm": 2025, "final": 2030}  # task 7c of the plan
REVIEW_WORD = {"midterm": "Sơ kết", "final": "Tổng kết"}
PLAN_START_YEAR = 2022
PLAN_END_YEAR = 2030
# Section III of the plan: the seven task groups (its headings, shortened)
TASK_GROUP_VI = {
    1: "Tăng cường cung cấp thông tin, tuyên truyền, phổ biến pháp luật, chính sách và kết "
       "quả thực hiện công tác bình đẳng giới",
    2: "Đổi mới hình thức và phương tiện truyền thông, đẩy mạnh ứng dụng công nghệ và nền "
       "tảng số",
    3: "Đẩy mạnh xã hội hóa công tác truyền thông, huy động nguồn lực và sự tham gia của cơ "
       "quan, tổ chức, doanh nghiệp và người dân",
    4: "Mở rộng và đẩy mạnh giáo dục về bình đẳng giới trong gia đình, nhà trường, cộng đồng "
       "và thúc đẩy sự tham gia của trẻ em",
    5: "Triển khai, áp dụng Bộ chỉ số về giới trong truyền thông; nâng cao năng lực cho đội ngũ "
       "làm công tác truyền thông",
    6: "Tăng cường truyền thông cho các đối tác quốc tế; đấu tranh, phản bác thông tin sai "
       "lệch về bình đẳng giới",
    7: "Tăng cường kiểm tra, giám sát; sơ kết, tổng kết Kế hoạch và nhân rộng các mô hình "
       "truyền thông có hiệu quả",
}
# One row a unit in the submission chart fits on an A4 page up to this many units (0.19 in a
# row, 257 mm of text height); beyond, the chart counts the units in each state
SUBMISSION_CHART_MAX_UNITS = 45
MISSED_VI = {"draft": "bản nháp", "invalid": "không hợp lệ", "missing": "chưa nộp"}


# --- the document form ---------------------------------------------------------------------


def today_in_vietnam() -> date:
    return datetime.now(LOCAL_TZ).date()


@dataclass(frozen=True)
class DocumentSettings:
    """The variable parts of the document form: the locality's letterhead, place and
    recipients, and the clerk's number, date and signer. Blank number: "Số: …/BC-UBND", for
    the clerk to fill in on registration; blank signer: the line is left for the name; no
    recipients: the locality's."""

    locality: Locality
    number: str = ""
    issued_on: date = field(default_factory=today_in_vietnam)
    signer: str = ""
    recipients: tuple[str, ...] = ()
    symbol: str = "BC-UBND"
    signer_capacity: tuple[str, ...] = ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")

    @property
    def issuer(self) -> tuple[str, ...]:
        """The issuing authority's lines at the top left."""
        return self.locality.letterhead

    @property
    def place(self) -> str:
        return self.locality.place


def split_recipients(text: str) -> tuple[str, ...]:
    """Recipients separated by ";" or new lines, without the "- " marks."""
    parts = (part.strip().lstrip("-").strip() for chunk in text.splitlines()
             for part in chunk.split(";"))
    return tuple(part.rstrip(".").strip() for part in parts if part.strip(" .-"))


def document_settings(locality: Locality, environ: Mapping[str, str] | None = None, *,
                      number: str | None = None, issued_on: date | str | None = None,
                      signer: str | None = None,
                      recipients: Sequence[str] | str | None = None) -> DocumentSettings:
    """Settings from explicit values, else the environment (HB_DOC_*, read by
    `core.settings.document_values`), else the locality's and the defaults."""
    env = document_values(environ)
    number = number if number is not None else env.number
    signer = signer if signer is not None else env.signer
    day = issued_on if issued_on is not None else env.issued_on
    listed = recipients if recipients is not None else env.recipients
    given: dict[str, object] = {"locality": locality, "number": number.strip(),
                                "signer": signer.strip()}
    if isinstance(day, str):
        given["issued_on"] = parse_day(day)
    elif isinstance(day, date):
        given["issued_on"] = day
    if isinstance(listed, str) and listed.strip():
        given["recipients"] = split_recipients(listed)
    elif listed is not None and not isinstance(listed, str):
        given["recipients"] = tuple(listed)
    return DocumentSettings(**given)  # type: ignore[arg-type]


def number_line(settings: DocumentSettings) -> str:
    number = settings.number.strip()
    if "/" in number:
        return f"Số: {number}"
    return f"Số: {number or '…'}/{settings.symbol}"


def place_date_line(settings: DocumentSettings) -> str:
    """Decree 30/2020/NĐ-CP: a day below 10 and the months 1 and 2 take a leading zero."""
    day = settings.issued_on
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{settings.place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def recipient_lines(settings: DocumentSettings) -> tuple[str, ...]:
    items = settings.recipients or settings.locality.recipients
    return tuple(f"- {item}{'.' if i == len(items) - 1 else ';'}"
                 for i, item in enumerate(items))


NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
DOCUMENT_TYPE = "BÁO CÁO"


# --- the blocks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    text: str
    level: int  # 0: a summary's title; 1: "I. …"; 2: "1. …"; 3: under "1. …"


@dataclass(frozen=True)
class Strong:
    """A bold part of a paragraph's text."""

    text: str


Text = str | tuple[str | Strong, ...]


def spans(text: Text) -> tuple[tuple[str, bool], ...]:
    """A paragraph's text as (part, is bold) pairs, for the writers."""
    if isinstance(text, str):
        return ((text, False),)
    return tuple((part.text, True) if isinstance(part, Strong) else (part, False)
                 for part in text)


@dataclass(frozen=True)
class Paragraph:
    text: Text
    lead: str = ""  # a bold lead-in before the text
    italic: bool = False


@dataclass(frozen=True)
class Items:
    """A list, one line per item."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    key: str  # names the table (HTML id; tests find it by its headers)
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]  # relative column widths
    align: tuple[str, ...]  # "left", "center" or "right" per column
    bold_last_rows: int = 0  # total rows


@dataclass(frozen=True)
class Figure:
    key: str
    caption: str
    chart: Chart


@dataclass(frozen=True)
class WritingSpace:
    """Dotted lines for the office to write on."""

    lines: int


Block = Heading | Paragraph | Items | Table | Figure | WritingSpace


@dataclass(frozen=True)
class Report:
    kind: str
    first_year: int
    last_year: int
    subject: str  # the line under "BÁO CÁO"
    blocks: tuple[Block, ...]
    settings: DocumentSettings
    summary: tuple[str, ...]  # what a person reads in the run's artifact

    @property
    def file_stem(self) -> str:
        return document_stem(self.kind, self.first_year, self.last_year)

    def figures(self) -> tuple[Figure, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Figure))


def document_stem(kind: str, first_year: int, last_year: int) -> str:
    if kind == "annual":
        return f"bao-cao-{last_year}"
    prefix = {"midterm": "so-ket", "final": "tong-ket"}[kind]
    return f"{prefix}-{first_year}-{last_year}"


def subject_line(kind: str, first_year: int, last_year: int, plan_title: str) -> str:
    if kind == "annual":
        return f"Kết quả thực hiện {plan_title}, năm {last_year}"
    return f"{REVIEW_WORD[kind]} giai đoạn {first_year}-{last_year} thực hiện {plan_title}"


# --- the figures read from the warehouse -----------------------------------------------------


@dataclass(frozen=True)
class PeriodFigures:
    """The marts of the years first_year…last_year as data frames (`indicator_progress`
    only when the warehouse has it), the counted activity rows, and the names."""

    first_year: int
    last_year: int
    marts: Mapping[str, pd.DataFrame]
    activities: pd.DataFrame  # year, unit_code, activity_code, description, sessions
    activity_names: pd.DataFrame  # activity_code, task_group, activity_name, years
    unit_names: Mapping[str, str]
    ref: IndicatorRef  # labels, kinds and ward readings of the indicators (ref tables)
    as_of: Mapping[int, object] = field(default_factory=dict)  # latest fetch, by year
    # files in the reports folder that belong to no expected unit (kept, not counted), by year
    unexpected_files: Mapping[int, tuple[str, ...]] = field(default_factory=dict)

    @property
    def years(self) -> tuple[int, ...]:
        """The years of the period that were collected."""
        return tuple(sorted(int(y) for y in self.marts["submission_status"]["year"].unique()))

    def mart(self, name: str, years: Iterable[int] | None = None) -> pd.DataFrame:
        frame = self.marts.get(name)
        if frame is None:
            return pd.DataFrame()
        if years is None:
            return frame
        return frame[frame["year"].isin(list(years))]

    def unit_name(self, code: str) -> str:
        return self.unit_names.get(code, code)

    def unit_order(self, codes: Iterable[str]) -> list[str]:
        """Codes in the registry's order: agencies, then wards, each by code."""
        kinds = self._unit_kinds
        return sorted(set(codes), key=lambda code: (kinds.get(code, "~"), code))

    @cached_property
    def _unit_kinds(self) -> dict[str, str]:  # read once: a report orders units 20 times
        status = self.marts["submission_status"]
        return dict(zip(status["unit_code"], status["unit_kind"], strict=True))

    def unit_list(self, codes: Iterable[str], sub_unit: str) -> str:
        return unit_list([self.unit_name(code) for code in codes], sub_unit)


def unit_list(names: Sequence[str], sub_unit: str) -> str:
    """Names joined by commas, the sub-units (the locality's word: phường, xã) gathered:
    "Phòng Y tế, UBND 2 phường (Hạ Lý, Sở Dầu)"."""
    prefix = f"UBND {sub_unit} "
    wards = [n.removeprefix(prefix) for n in names if n.startswith(prefix)]
    parts = [n for n in names if not n.startswith(prefix)]
    if len(wards) == 1:
        parts.append(prefix + wards[0])
    elif wards:
        parts.append(f"UBND {len(wards)} {sub_unit} ({', '.join(wards)})")
    return ", ".join(parts)


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _int(value: object) -> int:
    return 0 if _missing(value) else int(value)  # type: ignore[call-overload]


def _share(part: float, whole: float) -> str:
    return vn_percent(part / whole) if whole else "–"


def _years_text(years: Sequence[int]) -> str:
    return ", ".join(str(y) for y in years)


def _period_text(first: int, last: int) -> str:
    return f"năm {first}" if first == last else f"giai đoạn {first}-{last}"


def _every_year_text(first: int, last: int) -> str:
    return f"năm {first}" if first == last else f"tất cả các năm {first}-{last}"


# --- section I: tasks and activities ---------------------------------------------------------


def _activity_years(names: pd.DataFrame) -> dict[str, tuple[int, ...] | None]:
    """The only years an activity runs (7a, 7c: 2025 and 2030), None when every year."""
    out: dict[str, tuple[int, ...] | None] = {}
    for row in names.itertuples():
        text = row.years if not _missing(row.years) else ""
        out[row.activity_code] = tuple(int(y) for y in str(text).split(";") if y) or None
    return out


def _people_by_activity(participation: pd.DataFrame) -> tuple[dict[str, int], dict[str, int]]:
    if participation.empty:
        return {}, {}
    total = participation.groupby("activity_code")["participants"].sum()
    women = participation[participation["sex"] == "female"].groupby(
        "activity_code")["participants"].sum()
    return ({k: int(v) for k, v in total.items()}, {k: int(v) for k, v in women.items()})


def _task_section(figures: PeriodFigures, years: Sequence[int], annual: bool,
                  locality: Locality) -> list[Block]:
    rows = figures.activities[figures.activities["year"].isin(list(years))]
    participation = figures.mart("participation", years)
    coverage = figures.mart("activity_coverage", years)
    people, women = _people_by_activity(participation)
    total_people, total_women = sum(people.values()), sum(women.values())
    period = _period_text(years[0], years[-1])
    blocks: list[Block] = [Heading(
        "I. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ, GIẢI PHÁP" + ("" if annual else
                                                       f" {period.upper()}"), 1)]
    blocks.append(Paragraph(
        f"Trong {period}, các phòng, ban, ngành, đoàn thể {locality.level} và Ủy ban nhân dân "
        f"các {locality.sub_unit} "
        f"đã báo cáo {vn_number(len(rows))} dòng hoạt động thuộc {rows['activity_code'].nunique()}"
        f" hoạt động của Kế hoạch, với tổng số {vn_number(rows['sessions'].sum())} cuộc, "
        f"sản phẩm; {vn_number(total_people)} lượt người tham dự, trong đó nữ "
        f"{vn_number(total_women)} lượt ({_share(total_women, total_people)})."))
    blocks.append(_participants_figure(figures, years, annual))
    run_years = _activity_years(figures.activity_names)
    names = figures.activity_names.sort_values("activity_code")
    for group in sorted(names["task_group"].unique()):
        group = int(group)
        in_group = names[names["task_group"] == group]
        blocks.append(Heading(f"{group}. {TASK_GROUP_VI.get(group, f'Nhiệm vụ {group}')}", 2))
        table_rows: list[tuple[str, ...]] = []
        gaps: list[str] = []
        for activity in in_group.itertuples():
            code = activity.activity_code
            mine = rows[rows["activity_code"] == code]
            ran = run_years.get(code)
            due = [y for y in years if ran is None or y in ran]
            cov = coverage[coverage["activity_code"] == code]
            label = f"{code}. {activity.activity_name}"
            if not due:
                table_rows.append((code, activity.activity_name, "–", "–", "–",
                                   f"Thực hiện năm {_years_text(ran or ())}"))
                continue
            reported = cov[cov["is_reported"]]
            if annual:
                leads = set(cov["unit_code"])
                lead_text = f"{reported['unit_code'].nunique()}/{len(leads)}"
                silent = figures.unit_order(leads - set(reported["unit_code"]))
                if silent:
                    gaps.append(f"{label}: {figures.unit_list(silent, locality.sub_unit)}")
            else:
                lead_text = f"{reported['year'].nunique()}/{len(due)}"
            table_rows.append((
                code, activity.activity_name,
                vn_number(mine["sessions"].sum()) if len(mine) else "0",
                vn_number(people.get(code, 0)), vn_number(women.get(code, 0)),
                f"{mine['unit_code'].nunique()} ({lead_text})"))
        last_header = ("Đơn vị đã báo cáo (đơn vị chủ trì đã báo cáo / phải báo cáo)" if annual
                       else "Đơn vị đã báo cáo (số năm có đơn vị chủ trì báo cáo / số năm "
                            "thực hiện)")
        blocks.append(Table(
            key=f"activities-{group}",
            headers=("Mã", "Hoạt động", "Số cuộc, sản phẩm", "Số người tham dự", "Trong đó nữ",
                     last_header),
            rows=tuple(table_rows), widths=(11, 58, 18, 19, 17, 30),
            align=("center", "left", "right", "right", "right", "center")))
        highlights = _highlights(figures, rows[rows["activity_code"].isin(in_group[
            "activity_code"])])
        if highlights:
            blocks.append(Paragraph(highlights, lead="Một số hoạt động tiêu biểu: "))
        if gaps:
            blocks.append(Paragraph("; ".join(gaps) + ".", lead="Đơn vị chủ trì chưa báo cáo: ",
                                    italic=True))
    blocks.append(_silent_activities(figures, coverage, period))
    return blocks


def _highlights(figures: PeriodFigures, rows: pd.DataFrame, limit: int = 3) -> str:
    """The few activities of a task group with the most participants, then sessions."""
    if rows.empty:
        return ""
    ranked = rows.assign(people=rows["participants"].fillna(0)).sort_values(
        ["people", "sessions", "year", "unit_code", "description"],
        ascending=[False, False, True, True, True])
    seen: set[str] = set()
    picked: list[str] = []
    for row in ranked.itertuples():
        key = str(row.description).strip().casefold()
        if key in seen:
            continue
        seen.add(key)
        people = f", {vn_number(row.people)} người tham dự" if row.people else ""
        picked.append(f"{str(row.description).strip()} ({figures.unit_name(row.unit_code)}"
                      f"{people})")
        if len(picked) == limit:
            break
    return "; ".join(picked) + "."


def _silent_activities(figures: PeriodFigures, coverage: pd.DataFrame, period: str) -> Paragraph:
    if coverage.empty:
        return Paragraph(f"Chưa có số liệu về các hoạt động trong {period}.")
    reported = coverage.groupby("activity_code")["is_reported"].any()
    silent = sorted(code for code, any_reported in reported.items() if not any_reported)
    if not silent:
        return Paragraph(f"Trong {period}, tất cả các hoạt động của Kế hoạch đều có đơn vị "
                         "chủ trì báo cáo kết quả thực hiện.")
    names = dict(zip(figures.activity_names["activity_code"],
                     figures.activity_names["activity_name"], strict=True))
    listed = "; ".join(f"{code}. {names.get(code, code)}" for code in silent)
    return Paragraph(f"{listed}.", lead=f"Hoạt động chưa có đơn vị chủ trì nào báo cáo "
                                         f"trong {period}: ")


def _participants_figure(figures: PeriodFigures, years: Sequence[int], annual: bool) -> Figure:
    participation = figures.mart("participation", years)
    if annual:
        key_column, categories = "audience", sorted(participation["audience"].unique()) \
            if len(participation) else []
        caption = f"Người tham dự các hoạt động năm {years[-1]}, theo đối tượng và giới"
    else:
        key_column, categories = "year", list(years)
        caption = f"Người tham dự các hoạt động giai đoạn {years[0]}-{years[-1]}, theo năm và giới"
    sums = (participation.groupby([key_column, "sex"])["participants"].sum()
            if len(participation) else pd.Series(dtype="int64"))

    def series(sex: str) -> tuple[int, ...]:
        return tuple(_int(sums.get((c, sex), 0)) for c in categories)

    chart = ParticipantsChart(tuple(str(c) for c in categories), series("female"),
                              series("male"), series("unspecified"), horizontal=annual)
    return Figure("participants", caption, chart)


# --- section II: indicators ------------------------------------------------------------------


def _indicator_label(ref: IndicatorRef, code: str, scope: str,
                     scope_code: str) -> tuple[str, str]:
    """(code cell, content cell) of an indicator reading: CT1's audiences are sub-rows."""
    if scope == "district":
        return code, ref.label(code)
    return "", f"Trong đó: {ref.audience(scope_code)} (số cuộc)"


def _main_readings(indicators: pd.DataFrame) -> pd.DataFrame:
    """District readings, each CT1 district row followed by CT1's audience rows."""
    main = indicators[indicators["scope"].isin(["district", "audience"])].copy()
    main["order"] = main["scope"].map({"district": 0, "audience": 1})
    return main.sort_values(["indicator_code", "order", "scope_code"])


def _milestone_text(value: object) -> str:
    return "–" if _missing(value) else str(int(value))  # type: ignore[call-overload]


def _next_milestone(figures: PeriodFigures, year: int) -> int | None:
    progress = figures.marts.get("indicator_progress")
    if progress is None or progress.empty:
        return None
    later = sorted(int(m) for m in progress["milestone_year"].unique() if int(m) > year)
    return later[0] if later else None


def _progress_rows(figures: PeriodFigures, year: int, milestone: int) -> pd.DataFrame:
    progress = figures.marts.get("indicator_progress")
    if progress is None or progress.empty:
        return pd.DataFrame()
    return progress[(progress["year"] == year) & (progress["scope"] == "district")
                    & (progress["milestone_year"] == milestone)]


def _annual_indicator_section(figures: PeriodFigures, year: int,
                              locality: Locality) -> list[Block]:
    indicators = figures.mart("indicator_values", [year])
    blocks: list[Block] = [Heading("II. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU", 1)]
    if indicators.empty:
        return [*blocks, Paragraph(f"Chưa có số liệu chỉ tiêu năm {year}.")]
    blocks.append(Paragraph(
        f"Kết quả các chỉ tiêu của Kế hoạch năm {year}, so với mục tiêu của mốc đánh giá gần "
        f"nhất (năm 2025 hoặc năm 2030):"))
    milestone = _next_milestone(figures, year)
    progress = _progress_rows(figures, year, milestone) if milestone else pd.DataFrame()
    progress_by_code = {r.indicator_code: r.status for r in progress.itertuples()}
    headers = ["Chỉ tiêu", "Nội dung", f"Kết quả năm {year}", "Mục tiêu", "Mốc", "Đánh giá"]
    widths = [14, 62, 22, 20, 13, 27]
    if progress_by_code:
        headers.append(f"Tiến độ đến năm {milestone}")
        widths = [13, 50, 20, 18, 12, 24, 26]
    rows: list[tuple[str, ...]] = []
    for row in _main_readings(indicators).itertuples():
        code, content = _indicator_label(figures.ref, row.indicator_code, row.scope,
                                         row.scope_code)
        cells = [code, content, figures.ref.value_text(row.indicator_code, row.scope, row.value),
                 figures.ref.value_text(row.indicator_code, row.scope, row.target),
                 _milestone_text(row.milestone_year), INDICATOR_STATUS_VI[row.status]]
        if progress_by_code:
            status = progress_by_code.get(row.indicator_code) if row.scope == "district" else None
            cells.append(PROGRESS_STATUS_VI[status] if status else "")
        rows.append(tuple(cells))
    blocks.append(Table("indicators", tuple(headers), tuple(rows), tuple(widths),
                        ("center", "left", *["center"] * (len(headers) - 2))))
    blocks += _indicator_notes(indicators)
    blocks += _ward_table(figures, indicators, locality)
    blocks.append(_trend_figure(figures, [y for y in figures.years if y <= year]))
    return blocks


def _indicator_notes(indicators: pd.DataFrame) -> list[Block]:
    notes: list[str] = []
    district = indicators[indicators["scope"] == "district"].sort_values("indicator_code")
    for row in district.itertuples():
        if row.basis == "relative_to_baseline" and not _missing(row.baseline_year):
            base = ("" if _missing(row.baseline_value) else
                    f" (năm {int(row.baseline_year)}: {vn_percent(row.baseline_value)})")
            notes.append(f"{row.indicator_code}: mục tiêu là mức tăng tương đối so với kết quả "
                         f"năm {int(row.baseline_year)}{base}")
        if row.qualifier == "pilot":
            notes.append(f"{row.indicator_code}: tính các cơ quan áp dụng thí điểm hoặc "
                         "chính thức")
        elif row.qualifier == "official":
            notes.append(f"{row.indicator_code}: chỉ tính các cơ quan áp dụng chính thức")
    no_data = [r.indicator_code for r in district.itertuples() if r.status == "no_data"]
    if no_data:
        notes.append(f"chưa có số liệu: {', '.join(no_data)}")
    if not notes:
        return []
    return [Paragraph("; ".join(notes) + ".", lead="Ghi chú: ", italic=True)]


def _ward_table(figures: PeriodFigures, indicators: pd.DataFrame,
                locality: Locality) -> list[Block]:
    wards = indicators[indicators["scope"] == "ward"]
    if wards.empty:
        return []
    codes = figures.unit_order(wards["scope_code"])
    readings: dict[tuple[str, str], tuple[object, str]] = {}  # the first of each ward's
    for r in wards.itertuples():
        readings.setdefault((r.scope_code, r.indicator_code), (r.value, r.status))
    rows = []
    for ward in codes:
        cells = [figures.unit_name(ward)]
        for code in figures.ref.ward_indicators:
            found = readings.get((ward, code))
            if found is None:
                cells += ["–", INDICATOR_STATUS_VI["no_data"]]
            else:
                cells += [figures.ref.value_text(code, "ward", found[0]),  # type: ignore[arg-type]
                          INDICATOR_STATUS_VI[found[1]]]
        rows.append(tuple(cells))
    ref = figures.ref
    listed = "; ".join(f"{code}: {ref.label(code)}" for code in ref.ward_indicators)
    headers = [h for code in ref.ward_indicators
               for h in (f"{code} ({ref.unit_word(code, 'ward')})", f"Đánh giá {code}")]
    return [
        Paragraph(f"Chỉ tiêu theo {locality.sub_unit} ({listed}):"),
        Table("indicators-wards", (locality.sub_unit_title, *headers), tuple(rows),
              (50, *[22, 34] * len(ref.ward_indicators)),
              ("left", *["center"] * len(headers))),
    ]


def _trend_figure(figures: PeriodFigures, years: Sequence[int]) -> Figure:
    indicators = figures.mart("indicator_values", years)
    district = indicators[indicators["scope"] == "district"]
    series = []
    for code in sorted(district["indicator_code"].unique()):
        rows = district[district["indicator_code"] == code].set_index("year")

        def pick(column: str, rows: pd.DataFrame = rows) -> tuple[float | None, ...]:
            return tuple(None if y not in rows.index or _missing(rows.at[y, column])
                         else float(rows.at[y, column]) for y in years)

        series.append(IndicatorSeries(code, figures.ref.label(code), tuple(years),
                                      pick("value"), pick("target"),
                                      is_rate=figures.ref.kind(code, "district") == "rate"))
    period = _period_text(years[0], years[-1])
    return Figure("indicator-trend", f"Diễn biến các chỉ tiêu {period} so với mục tiêu",
                  IndicatorTrendChart(tuple(series)))


def _review_indicator_section(figures: PeriodFigures, locality: Locality) -> list[Block]:
    years = figures.years
    first, last = years[0], years[-1]
    indicators = figures.mart("indicator_values", years)
    blocks: list[Block] = [
        Heading(f"II. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU {_period_text(first, last).upper()}", 1),
        Heading("1. Diễn biến các chỉ tiêu qua các năm", 2),
    ]
    readings = list(dict.fromkeys(
        (r.indicator_code, r.scope, r.scope_code) for r in _main_readings(indicators).itertuples()))
    values = {(r.indicator_code, r.scope, r.scope_code, int(r.year)): r.value
              for r in indicators.itertuples()}
    legend = "; ".join(f"{code}: {figures.ref.label(code)}"
                       for code, scope, _ in readings if scope == "district")
    blocks.append(Paragraph(f"{legend}.", lead="Các chỉ tiêu: "))
    rows = tuple(
        (str(year), *[figures.ref.value_text(code, scope,
                                             values.get((code, scope, scope_code, year)))
                      for code, scope, scope_code in readings])
        for year in years)
    headers = tuple(code if scope == "district" else
                    f"{code}: {figures.ref.audience(scope_code)} (số cuộc)"
                    for code, scope, scope_code in readings)
    blocks.append(Table("indicator-trend", ("Năm", *headers), rows,
                        (13, *[19] * len(headers)), ("center",) * (1 + len(headers))))
    blocks += _indicator_notes(figures.mart("indicator_values", [last]))
    blocks.append(_trend_figure(figures, years))
    blocks.append(Heading("2. Đánh giá mức độ đạt mục tiêu theo các mốc của Kế hoạch", 2))
    blocks += _milestone_judgement(figures, last, locality)
    return blocks


def _judged_milestones(figures: PeriodFigures, year: int) -> list[int]:
    progress = figures.marts.get("indicator_progress")
    source = progress if progress is not None and len(progress) else figures.mart(
        "indicator_values")
    milestones = sorted({int(m) for m in source["milestone_year"].dropna().unique()})
    ahead = [m for m in milestones if m >= year]
    return ahead or milestones[-1:]


def _milestone_judgement(figures: PeriodFigures, year: int,
                         locality: Locality) -> list[Block]:
    progress = figures.marts.get("indicator_progress")
    if progress is None or progress.empty or progress[progress["year"] == year].empty:
        return _judgement_from_values(figures, year, locality)
    rows: list[tuple[str, ...]] = []
    for milestone in _judged_milestones(figures, year):
        found = _progress_rows(figures, year, milestone).sort_values("indicator_code")
        for r in found.itertuples():
            base = ("–" if _missing(r.base_year) else
                    f"{int(r.base_year)}: "
                    f"{figures.ref.value_text(r.indicator_code, 'district', r.base_value)}")
            rows.append((r.indicator_code, str(milestone), base,
                         figures.ref.value_text(r.indicator_code, "district", r.current_value),
                         figures.ref.value_text(r.indicator_code, "district", r.target),
                         PROGRESS_STATUS_VI[r.status]))
    blocks: list[Block] = [
        Paragraph(f"Kết quả năm {year} so với mục tiêu của từng mốc. Với các chỉ tiêu tỷ lệ, "
                  "khi chưa đến mốc, tiến độ được đánh giá theo phương pháp Open SDG: so sánh "
                  "tốc độ tăng bình quân năm thực tế từ năm gốc với tốc độ cần có để đạt mục "
                  "tiêu (tỷ số từ 0,95 trở lên: đúng tiến độ; từ 0,60 đến dưới 0,95: cần đẩy "
                  "nhanh tiến độ; từ 0 đến dưới 0,60: tiến bộ hạn chế; dưới 0: diễn biến xấu "
                  "đi)."),
        Table("indicator-milestones",
              ("Chỉ tiêu", "Mốc", "Năm gốc: giá trị", f"Kết quả năm {year}", "Mục tiêu",
               "Đánh giá"),
              tuple(rows), (16, 14, 32, 26, 24, 53),
              ("center", "center", "center", "center", "center", "left")),
    ]
    return blocks + _ward_summary(figures, year, locality)


def _judgement_from_values(figures: PeriodFigures, year: int,
                           locality: Locality) -> list[Block]:
    indicators = figures.mart("indicator_values", [year])
    district = indicators[indicators["scope"] == "district"].sort_values("indicator_code")
    rows = tuple((r.indicator_code, _milestone_text(r.milestone_year),
                  figures.ref.value_text(r.indicator_code, r.scope, r.value),
                  figures.ref.value_text(r.indicator_code, r.scope, r.target),
                  INDICATOR_STATUS_VI[r.status]) for r in district.itertuples())
    return [Table("indicator-milestones",
                  ("Chỉ tiêu", "Mốc", f"Kết quả năm {year}", "Mục tiêu", "Đánh giá"),
                  rows, (18, 18, 34, 34, 61), ("center", "center", "center", "center", "left")),
            *_ward_summary(figures, year, locality)]


def _ward_summary(figures: PeriodFigures, year: int, locality: Locality) -> list[Block]:
    wards = figures.mart("indicator_values", [year])
    wards = wards[wards["scope"] == "ward"] if len(wards) else wards
    if wards.empty:
        return []
    parts = []
    for code in sorted(wards["indicator_code"].unique()):
        mine = wards[wards["indicator_code"] == code]
        achieved = int((mine["status"] == "achieved").sum())
        parts.append(f"{code}: {achieved}/{len(mine)} {locality.sub_unit} đạt mục tiêu")
    return [Paragraph("; ".join(parts) + ".",
                      lead=f"Theo {locality.sub_unit}, năm {year}: ")]


# --- section III: the units' reports ---------------------------------------------------------


def _submission_chart(figures: PeriodFigures, years: Sequence[int], detail: str) -> Figure:
    """Each unit's report, year by year, one row a unit; of more units than a page holds a
    row each, how many units were in each state, year by year (each unit's is in the table
    before the chart, which `detail` names)."""
    status = figures.mart("submission_status", years)
    units = figures.unit_order(status["unit_code"])
    state = {}
    for r in status[["unit_code", "year", "status", "is_on_time"]].itertuples():
        if r.status == "received":
            state[(r.unit_code, r.year)] = "late" if r.is_on_time is False else "on_time"
        else:
            state[(r.unit_code, r.year)] = r.status
    caption = f"Tình hình gửi báo cáo của các đơn vị, {_period_text(years[0], years[-1])}"
    if len(units) > SUBMISSION_CHART_MAX_UNITS:
        counts = Counter((year, key) for (_, year), key in state.items())
        chart: Chart = SubmissionCountsChart(
            tuple(years), tuple(tuple(counts[(y, key)] for key in REPORT_STATES)
                                for y in years))
        return Figure("submissions", f"{caption}: số đơn vị theo tình trạng "
                                     f"({vn_number(len(units))} đơn vị; tình trạng của từng "
                                     f"đơn vị {detail})", chart)
    chart = SubmissionChart(
        tuple(figures.unit_name(u) for u in units), tuple(years),
        tuple(tuple(state.get((u, y), "not_expected") for y in years) for u in units))
    return Figure("submissions", caption, chart)


def _counts_text(counts: Mapping[str, int]) -> str:
    return (f"Số đơn vị phải báo cáo: {counts['expected']}; đã nộp: {counts['received']} "
            f"(trong đó nộp muộn sau ngày 10/12: {counts['late']}); bản nháp chưa hoàn thành: "
            f"{counts['draft']}; không hợp lệ: {counts['invalid']}; chưa nộp: "
            f"{counts['missing']}.")


def _on_time_text(value: object) -> str:
    if value is True:
        return "Có"
    if value is False:
        return "Không"
    return "–"


def _annual_submission_section(figures: PeriodFigures, year: int) -> list[Block]:
    status = figures.mart("submission_status", [year])
    rows = tuple(
        (str(i), figures.unit_name(r.unit_code), STATUS_VI[r.status], vn_date(r.completed_on),
         _on_time_text(r.is_on_time), str(_int(r.error_count)))
        for i, r in enumerate(status[["unit_code", "status", "completed_on", "is_on_time",
                                      "error_count"]].itertuples(), start=1))
    return [
        Heading("III. TÌNH HÌNH GỬI BÁO CÁO CỦA CÁC ĐƠN VỊ", 1),
        Paragraph(_counts_text(submission_counts(status))),
        Table("submissions", ("STT", "Đơn vị", "Tình trạng", "Ngày hoàn thành", "Đúng hạn",
                              "Số lỗi"),
              rows, (13, 60, 32, 26, 18, 16),
              ("center", "left", "left", "center", "center", "center")),
        *_unexpected_files_note(figures.unexpected_files.get(year, ()), year),
        _submission_chart(figures, [y for y in figures.years if y <= year],
                          f"năm {year}: bảng trên"),
    ]


def _unexpected_files_note(names: Sequence[str], year: int) -> list[Block]:
    """The files that belong to no unit expected to report: named, as they are, so that
    the office can ask who sent them."""
    if not names:
        return []
    listed = ", ".join(f"«{name}»" for name in names)
    return [Paragraph(f"thư mục báo cáo năm {year} có {len(names)} tệp không thuộc đơn vị nào "
                      f"phải báo cáo, được lưu lại nhưng không tính vào tổng hợp: {listed}.",
                      lead="Lưu ý: ", italic=True)]


def _review_submission_section(figures: PeriodFigures, locality: Locality) -> list[Block]:
    years = figures.years
    status = figures.mart("submission_status", years)
    by_year = []
    for year in years:
        c = submission_counts(status[status["year"] == year])
        by_year.append((str(year), str(c["expected"]), str(c["received"]),
                        str(c["received"] - c["late"]), str(c["late"]), str(c["draft"]),
                        str(c["invalid"]), str(c["missing"])))
    units = figures.unit_order(status["unit_code"])
    years_of: dict[str, list] = {}  # each unit's rows by year, grouped in one pass
    for r in status.sort_values("year", kind="stable").itertuples():
        years_of.setdefault(r.unit_code, []).append(r)
    received_rows = status[status["status"] == "received"]
    on_time_of = received_rows[received_rows["is_on_time"].eq(True)].groupby("unit_code").size()
    by_unit, never_missed, missed = [], [], []
    for i, unit in enumerate(units, start=1):
        mine = years_of.get(unit, [])
        received = sum(1 for r in mine if r.status == "received")
        gaps = [f"{int(r.year)} ({MISSED_VI[r.status]})" for r in mine
                if r.status != "received"]
        (missed if gaps else never_missed).append(unit)
        by_unit.append((str(i), figures.unit_name(unit), str(len(mine)), str(received),
                        str(int(on_time_of.get(unit, 0))), "; ".join(gaps) if gaps else "–"))
    first, last = years[0], years[-1]
    return [
        Heading("III. TÌNH HÌNH GỬI BÁO CÁO CỦA CÁC ĐƠN VỊ", 1),
        Table("submissions-by-year",
              ("Năm", "Phải báo cáo", "Đã nộp", "Đúng hạn", "Muộn", "Bản nháp",
               "Không hợp lệ", "Chưa nộp"),
              tuple(by_year), (16, 22, 20, 22, 18, 22, 24, 21), ("center",) * 8),
        Paragraph(f"{figures.unit_list(never_missed, locality.sub_unit)}."
                  if never_missed else "không có.",
                  lead=f"Đơn vị nộp báo cáo đầy đủ {_every_year_text(first, last)} "
                       f"({len(never_missed)} đơn vị): "),
        Paragraph(f"{figures.unit_list(missed, locality.sub_unit)}." if missed else "không có.",
                  lead=f"Đơn vị có năm chưa nộp hoặc báo cáo chưa đạt yêu cầu "
                       f"({len(missed)} đơn vị): "),
        Table("submissions-by-unit",
              ("STT", "Đơn vị", "Số năm phải báo cáo", "Đã nộp", "Trong đó đúng hạn",
               "Năm chưa nộp hoặc chưa đạt yêu cầu"),
              tuple(by_unit), (13, 54, 20, 16, 20, 42),
              ("center", "left", "center", "center", "center", "left")),
        _submission_chart(figures, years, "trong giai đoạn: bảng trên"),
    ]


# --- section IV: budget ----------------------------------------------------------------------


def _budget_pivot(budget: pd.DataFrame, index: str) -> pd.DataFrame:
    pivot = budget.pivot_table(index=index, columns="source", values="amount_vnd",
                               aggfunc="sum", fill_value=0)
    for source in SOURCE_VI:
        if source not in pivot.columns:
            pivot[source] = 0
    return pivot


def _budget_rows(pivot: pd.DataFrame) -> list[tuple[object, object, object]]:
    """(index, state, other) of each row of a budget pivot, the values as `iterrows` gives
    them (a row of the frame's common type) without a Series per row."""
    at_state, at_other = pivot.columns.get_loc("state"), pivot.columns.get_loc("other")
    return [(k, v[at_state], v[at_other])
            for k, v in zip(pivot.index, pivot.values, strict=True)]


def _budget_section(figures: PeriodFigures, years: Sequence[int], annual: bool) -> list[Block]:
    budget = figures.mart("budget", years)
    period = _period_text(years[0], years[-1])
    blocks: list[Block] = [Heading("IV. KINH PHÍ THỰC HIỆN", 1)]
    if budget.empty:
        return [*blocks, Paragraph(f"Các đơn vị chưa báo cáo kinh phí trong {period}.")]
    index = "unit_code" if annual else "year"
    pivot = _budget_pivot(budget, index)
    state, other = float(pivot["state"].sum()), float(pivot["other"].sum())
    blocks.append(Paragraph(
        f"Tổng kinh phí thực hiện {period}: {vn_number(state + other)} đồng, trong đó "
        f"{SOURCE_VI['state'].lower()} {vn_number(state)} đồng ({_share(state, state + other)});"
        f" {SOURCE_VI['other'].lower()} {vn_number(other)} đồng "
        f"({_share(other, state + other)})."))
    if annual:
        pivot = pivot.loc[figures.unit_order(pivot.index)]
    rows = [(figures.unit_name(str(k)) if annual else str(k), vn_number(state_k),
             vn_number(other_k), vn_number(state_k + other_k))
            for k, state_k, other_k in _budget_rows(pivot)]
    rows.append(("Tổng cộng", vn_number(state), vn_number(other), vn_number(state + other)))
    blocks.append(Table(
        "budget", ("Đơn vị" if annual else "Năm", f"{SOURCE_VI['state']} (đồng)",
                   f"{SOURCE_VI['other']} (đồng)", "Tổng (đồng)"),
        tuple(rows), (60, 37, 37, 31), ("left" if annual else "center", "right", "right",
                                        "right"), bold_last_rows=1))
    return blocks


# --- section V: difficulties and proposals ---------------------------------------------------


def _proposals_section(kind: str, last_year: int) -> list[Block]:
    parts = ["Khó khăn, vướng mắc", "Đề xuất, kiến nghị"]
    if kind != "annual":
        parts.insert(1, "Bài học kinh nghiệm")
    if kind == "midterm" and last_year < PLAN_END_YEAR:
        parts.append(f"Đề xuất điều chỉnh, bổ sung Kế hoạch giai đoạn {last_year + 1}-"
                     f"{PLAN_END_YEAR}")
    if kind == "final":
        parts.append("Đề xuất khen thưởng tập thể, cá nhân có thành tích xuất sắc")
    title = ("V. KHÓ KHĂN, VƯỚNG MẮC VÀ ĐỀ XUẤT, KIẾN NGHỊ" if kind == "annual"
             else "V. KHÓ KHĂN, VƯỚNG MẮC, BÀI HỌC KINH NGHIỆM VÀ ĐỀ XUẤT, KIẾN NGHỊ")
    blocks: list[Block] = [Heading(title, 1)]
    for number, part in enumerate(parts, start=1):
        blocks += [Heading(f"{number}. {part}", 2), WritingSpace(4)]
    return blocks


# --- the reports -----------------------------------------------------------------------------


def _intro(figures: PeriodFigures, kind: str, first: int, last: int,
           locality: Locality) -> Paragraph:
    fetched = [t for y, t in figures.as_of.items() if (kind != "annual" or y == last)
               and isinstance(t, date | datetime)]
    as_of = f", số liệu cập nhật đến ngày {vn_date(max(fetched))}" if fetched else ""
    basis = (f"Thực hiện {locality.plan_title}; trên cơ sở báo cáo của các phòng, ban, ngành, "
             f"đoàn thể {locality.level} và Ủy ban nhân dân các {locality.sub_unit}{as_of}, "
             f"{locality.issuer} ")
    if kind == "annual":
        return Paragraph(basis + f"báo cáo kết quả thực hiện năm {last} như sau:")
    return Paragraph(basis + f"báo cáo {REVIEW_WORD[kind].lower()} giai đoạn {first}-{last} "
                             "như sau:")


def _closing(kind: str, first: int, last: int, locality: Locality) -> Paragraph:
    if kind == "annual":
        what = f"kết quả thực hiện {locality.plan_title}, năm {last}"
    else:
        what = (f"{REVIEW_WORD[kind].lower()} giai đoạn {first}-{last} thực hiện "
                f"{locality.plan_title}")
    return Paragraph(f"Trên đây là báo cáo {what} của {locality.issuer}./.")


def _missing_years_note(figures: PeriodFigures) -> list[Block]:
    wanted = range(figures.first_year, figures.last_year + 1)
    absent = [y for y in wanted if y not in figures.years]
    if not absent:
        return []
    return [Paragraph(f"chưa có số liệu tổng hợp các năm {_years_text(absent)}.", lead="Lưu ý: ",
                      italic=True)]


def build_annual(figures: PeriodFigures, year: int, settings: DocumentSettings) -> Report:
    """The annual report of `year` (trend charts cover the period's years up to `year`)."""
    if year not in figures.years:
        raise ValueError(f"chưa có số liệu năm {year} trong kho dữ liệu")
    blocks: list[Block] = [_intro(figures, "annual", year, year, settings.locality)]
    blocks += _task_section(figures, [year], annual=True, locality=settings.locality)
    blocks += _annual_indicator_section(figures, year, settings.locality)
    blocks += _annual_submission_section(figures, year)
    blocks += _budget_section(figures, [year], annual=True)
    blocks += _proposals_section("annual", year)
    blocks.append(_closing("annual", year, year, settings.locality))
    summary = summary_lines(year, figures.mart("submission_status", [year]),
                            figures.mart("indicator_values", [year]), figures.ref)
    subject = subject_line("annual", year, year, settings.locality.plan_title)
    return Report("annual", year, year, subject, tuple(blocks), settings, tuple(summary))


def build_review(figures: PeriodFigures, kind: str, settings: DocumentSettings) -> Report:
    """The mid-term or final review of the period's years."""
    if kind not in REVIEW_END_YEAR:
        raise ValueError(f"loại báo cáo không hợp lệ: {kind}")
    years = figures.years
    if not years:
        raise ValueError(f"chưa có số liệu giai đoạn {figures.first_year}-{figures.last_year}")
    first, last = figures.first_year, figures.last_year
    blocks: list[Block] = [_intro(figures, kind, first, last, settings.locality),
                           *_missing_years_note(figures)]
    blocks += _task_section(figures, years, annual=False, locality=settings.locality)
    blocks += _review_indicator_section(figures, settings.locality)
    blocks += _review_submission_section(figures, settings.locality)
    blocks += _budget_section(figures, years, annual=False)
    blocks += _proposals_section(kind, last)
    blocks.append(_closing(kind, first, last, settings.locality))
    subject = subject_line(kind, first, last, settings.locality.plan_title)
    return Report(kind, first, last, subject, tuple(blocks), settings,
                  tuple(_review_summary(figures, kind)))


def _review_summary(figures: PeriodFigures, kind: str) -> list[str]:
    years = figures.years
    lines = [f"{REVIEW_WORD[kind]} giai đoạn {figures.first_year}-{figures.last_year}: "
             f"số liệu các năm {_years_text(years)}."]
    last = years[-1]
    progress = figures.marts.get("indicator_progress")
    if progress is not None and len(progress) and not progress[progress["year"] == last].empty:
        for milestone in _judged_milestones(figures, last):
            found = _progress_rows(figures, last, milestone).sort_values("indicator_code")
            parts = [f"{r.indicator_code} {PROGRESS_STATUS_VI[r.status].lower()}"
                     for r in found.itertuples()]
            lines.append(f"  Mốc {milestone}: " + "; ".join(parts) + ".")
    else:
        lines += summary_lines(last, figures.mart("submission_status", [last]),
                               figures.mart("indicator_values", [last]), figures.ref)[1:]
    return lines


def build_report(figures: PeriodFigures, kind: str, settings: DocumentSettings) -> Report:
    """The annual report of the period's last year, or the period's review."""
    if kind == "annual":
        return build_annual(figures, figures.last_year, settings)
    return build_review(figures, kind, settings)


# --- the Markdown summaries (reports.markdown writes them) -----------------------------------


def _rows(rows: Iterable[Sequence[object]]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(str(cell) for cell in row) for row in rows)


def _plain_table(key: str, headers: Sequence[str], rows: Iterable[Sequence[object]],
                 bold_last_rows: int = 0) -> Table:
    """A table of a summary: plain columns of equal width."""
    n = len(headers)
    return Table(key, tuple(headers), _rows(rows), (1,) * n, ("left",) * n, bold_last_rows)


def annual_summary(year: int, marts: Mapping[str, pd.DataFrame], issues: pd.DataFrame,
                   as_of: object, unit_names: Mapping[str, str],
                   ref: IndicatorRef, locality: Locality) -> tuple[Block, ...]:
    """The consolidated report of the year as a plain summary (`bao-cao-<year>.md`): the
    submissions, every indicator reading, participants, budget, silent activities and the
    issues the units must fix."""
    scopes = scope_vi(locality)
    status = marts["submission_status"]
    indicators = marts["indicator_values"]
    c = submission_counts(status)
    blocks: list[Block] = [
        Heading(f"Báo cáo tổng hợp kết quả thực hiện Kế hoạch truyền thông về bình đẳng giới "
                f"năm {year}", 0),
        Paragraph(f"{locality.area}. Số liệu tổng hợp từ báo cáo của các phòng, ban, ngành, "
                  f"đoàn thể {locality.level} và UBND các {locality.sub_unit}, cập nhật đến "
                  f"{vn_date(as_of)}."),
        Heading("1. Tình hình nộp báo cáo", 1),
        Paragraph(("Số đơn vị phải báo cáo: ", Strong(str(c["expected"])), "; đã nộp: ",
                   Strong(str(c["received"])),
                   f" (trong đó nộp muộn sau ngày 10/12: {c['late']}); bản nháp: {c['draft']}; "
                   f"không hợp lệ: {c['invalid']}; chưa nộp: {c['missing']}.")),
        _plain_table("submissions", ["Mã đơn vị", "Tên đơn vị", "Tình trạng", "Ngày hoàn thành",
                                     "Đúng hạn", "Lỗi", "Cảnh báo"],
                     [[r.unit_code, r.unit_name, STATUS_VI[r.status], vn_date(r.completed_on),
                       _on_time_text(r.is_on_time), r.error_count, r.warning_count]
                      for r in status[["unit_code", "unit_name", "status", "completed_on",
                                       "is_on_time", "error_count",
                                       "warning_count"]].itertuples()]),
        Heading("2. Kết quả các chỉ tiêu của Kế hoạch", 1),
    ]
    main = indicators[indicators["scope"].isin(["district", "audience"])]
    blocks.append(_plain_table(
        "indicators", ["Chỉ tiêu", "Nội dung", "Phạm vi", "Kết quả", "Mục tiêu", "Mốc",
                       "Đánh giá"],
        [[r.indicator_code,
          ref.label(r.indicator_code) if r.scope == "district" else ref.audience(r.scope_code),
          scopes[r.scope], ref.value_text(r.indicator_code, r.scope, r.value),
          ref.value_text(r.indicator_code, r.scope, r.target),
          r.milestone_year if not pd.isna(r.milestone_year) else "–",
          INDICATOR_STATUS_VI[r.status]]
         for r in main.itertuples()]))
    wards = indicators[indicators["scope"] == "ward"]
    if len(wards):
        kinds = "; ".join(f"{code}: {ref.unit_word(code, 'ward')}" for code in ref.ward_indicators)
        blocks += [
            Heading(f"Chỉ tiêu theo {locality.sub_unit} ({kinds})", 2),
            _plain_table("indicators-wards", ["Chỉ tiêu", locality.sub_unit_title, "Kết quả",
                                              "Mục tiêu", "Đánh giá"],
                         [[r.indicator_code, unit_names.get(r.scope_code, r.scope_code),
                           ref.value_text(r.indicator_code, r.scope, r.value),
                           ref.value_text(r.indicator_code, r.scope, r.target),
                           INDICATOR_STATUS_VI[r.status]]
                          for r in wards.itertuples()])]
    participation = marts["participation"]
    blocks.append(Heading("3. Người tham dự các hoạt động, theo giới", 1))
    if len(participation):
        by_sex = participation.groupby("sex")["participants"].sum()
        by_audience = participation.pivot_table(index="audience", columns="sex",
                                                values="participants", aggfunc="sum",
                                                fill_value=0)
        blocks += [
            Paragraph(("Tổng số lượt người tham dự: ", Strong(vn_number(int(by_sex.sum()))),
                       f", trong đó nữ {vn_number(by_sex.get('female', 0))}, nam "
                       f"{vn_number(by_sex.get('male', 0))}, không rõ giới "
                       f"{vn_number(by_sex.get('unspecified', 0))}.")),
            _plain_table("participants", ["Đối tượng", *[SEX_VI[s] for s in by_audience.columns]],
                         [[aud, *[vn_number(v) for v in row]]
                          for aud, row in by_audience.iterrows()])]
    else:
        blocks.append(Paragraph("Chưa có số liệu."))
    budget = marts["budget"]
    blocks.append(Heading("4. Kinh phí thực hiện (đồng)", 1))
    if len(budget):
        pivot = _budget_pivot(budget, "unit_code")
        state, other = pivot["state"].sum(), pivot["other"].sum()
        rows = [[unit_names.get(u, u), vn_number(state_u), vn_number(other_u),
                 vn_number(state_u + other_u)] for u, state_u, other_u in _budget_rows(pivot)]
        rows.append(["Tổng cộng", vn_number(state), vn_number(other), vn_number(state + other)])
        blocks.append(_plain_table("budget", ["Đơn vị", SOURCE_VI["state"], SOURCE_VI["other"],
                                              "Tổng"], rows, bold_last_rows=1))
    else:
        blocks.append(Paragraph("Chưa có số liệu."))
    coverage = marts["activity_coverage"]
    reported = coverage.groupby("activity_code")["is_reported"].any() if len(coverage) else {}
    silent = sorted(code for code, any_reported in dict(reported).items() if not any_reported)
    blocks += [Heading("5. Hoạt động chưa có đơn vị chủ trì báo cáo", 1),
               Paragraph(", ".join(silent) if silent
                         else "Tất cả hoạt động đều có đơn vị chủ trì báo cáo."),
               Heading("6. Các lỗi cần đơn vị sửa", 1)]
    if len(issues):
        blocks.append(_plain_table("issues", ["Đơn vị", "Mức độ", "Nội dung"],
                                   [[r.unit_code, SEVERITY_VI[r.severity], r.message_vi]
                                    for r in issues.itertuples()]))
    else:
        blocks.append(Paragraph("Không có lỗi."))
    return tuple(blocks)


def collection_status(year: int, status: pd.DataFrame,
                      issues: pd.DataFrame) -> tuple[Block, ...]:
    """During the collection window: who has submitted, who is late, who must fix what."""
    c = submission_counts(status)
    blocks: list[Block] = [
        Heading(f"Tình hình nộp báo cáo năm {year}", 0),
        Paragraph(f"Phải báo cáo: {c['expected']}; đã nộp: {c['received']} (muộn {c['late']}); "
                  f"bản nháp: {c['draft']}; không hợp lệ: {c['invalid']}; chưa nộp: "
                  f"{c['missing']}."),
        _plain_table("submissions", ["Mã đơn vị", "Tên đơn vị", "Tình trạng", "Lỗi cần sửa"],
                     [[r.unit_code, r.unit_name, STATUS_VI[r.status], r.error_count]
                      for r in status.itertuples()]),
    ]
    to_fix = issues[issues["severity"] != "warning"] if len(issues) else issues
    if len(to_fix):
        blocks += [Heading("Đơn vị cần sửa", 1),
                   Items(tuple(r.message_vi for r in to_fix.itertuples()))]
    register = issues[issues["rule"] == "register_problem"] if len(issues) else issues
    if len(register):  # Google Sheets: what the focal office must fix in its register
        blocks += [Heading("Sổ đăng ký bảng tính cần sửa", 1),
                   Items(tuple(r.message_vi.split(" (English: ")[0]
                               for r in register.itertuples()))]
    return tuple(blocks)
