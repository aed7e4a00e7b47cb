"""The formal documents (.docx per Decree 30/2020/NĐ-CP, and HTML) from demo data run through
the annual flow for 2022–2030, once per module: the annual report 2024, the mid-term review
2022–2025 and the final review 2022–2030, each .docx rendered to PDF by LibreOffice.

The demo SCENARIO stops at 2025. 2026–2030 (`_later_year`) repeat 2025's law dissemination
and conventions, with no late or draft report; 2030 adds the final awareness survey: each
group of the 2025 survey, with 12% of its respondents more aware. By hand:
- CT3 2025: 710 aware of 1 080 = 65,7%; target 2030 = 65,74% × 1,15 = 75,6%.
  CT3 2030: 182 + 180 + 225 + 147 + 105 = 839 of 1 080 = 77,7% → achieved.
- CT1 2030: cán bộ 2 + 1 + 1, doanh nghiệp 2 + 1 + 1, người dân 2 + 2 + 2 × 9 … ≥ 2 → achieved.
- CT2 2030: every unit planned and ran the Action Month → 100% → achieved.
- CT4 2030: 5 of 22 outlets at the official level = 22,7% < 90% → not achieved.
- CT5 2030: 2025's conventions again, 92 of 95 = 96,8% < 100% → not achieved.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from core.registry import read_locality
from core.report import vn_number, vn_percent
from tests.runs import flow_paths, rows

YEARS = range(2022, 2031)
ISSUED_ON = date(2025, 12, 5)
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
CT_CODES = ("CT1", "CT2", "CT3", "CT4", "CT5")
PLACEHOLDERS = re.compile(r"[{}]|TODO|xxx|\bNone\b|\bnan\b|\bNaN\b", re.IGNORECASE)


def _later_year(year: int):
    """A scenario for 2026–2030, which the demo generator does not define."""
    from demo.generate import SCENARIO, YearScenario

    base = SCENARIO[2025]
    survey = tuple((audience, n, aware + n * 12 // 100) for audience, n, aware in base.survey)
    return YearScenario(law_sessions=base.law_sessions, conventions=base.conventions,
                        survey=survey if year == 2030 else ())


@pytest.fixture(scope="module")
def demo_warehouse(prefect_api, tmp_path_factory):
    """Demo workbooks 2022–2030 run through the annual flow into one warehouse."""
    from demo.generate import SCENARIO, generate
    from flows.annual_report import annual_report

    root = tmp_path_factory.mktemp("documents")
    with pytest.MonkeyPatch.context() as patch:
        for year in range(2026, 2031):
            patch.setitem(SCENARIO, year, _later_year(year))
        generate(root / "reports", YEARS)
    for year in YEARS:
        annual_report(year=year, **flow_paths(root))
    return root


@pytest.fixture(scope="module")
def documents(demo_warehouse, prefect_api):
    """The three documents: annual 2024 and final 2030 through the flow, the mid-term review
    through the command line with its number and signer from the environment; then every
    .docx converted to PDF in one LibreOffice run (a private profile, so runs never clash)."""
    import os

    from flows.reviews import review_report

    root = demo_warehouse
    common = {"warehouse": str(root / "w.duckdb"), "output_dir": str(root / "out")}
    annual = review_report(kind="annual", end_year=2024, issued_on=ISSUED_ON, **common)
    final = review_report(kind="final", number="12", issued_on=ISSUED_ON, **common)
    env = dict(os.environ, PREFECT_API_URL=prefect_api, PYTHONPATH=os.getcwd(),
               HB_DOC_NUMBER="58", HB_DOC_SIGNER="Trần Văn Bình",
               HB_DOC_RECIPIENTS="Sở Lao động - TBXH HP; CT, các PCT UBND quận; Lưu: VT, LĐTBXH")
    done = subprocess.run(
        [sys.executable, "-m", "flows.reviews", "--kind", "midterm", "--date", "05/12/2025",
         "--warehouse", common["warehouse"], "--output-dir", common["output_dir"]],
        env=env, capture_output=True, text=True, timeout=300)
    assert 0 == done.returncode, done.stderr
    midterm = root / "out" / "2025" / "so-ket-2022-2025.docx"
    paths = {"annual": annual.docx, "midterm": midterm, "final": final.docx}
    pdfs = root / "pdf"
    if SOFFICE:
        subprocess.run(
            [SOFFICE, f"-env:UserInstallation={(root / 'lo-profile').as_uri()}", "--headless",
             "--convert-to", "pdf", "--outdir", str(pdfs), *map(str, paths.values())],
            capture_output=True, timeout=300, check=True)
    return {"paths": paths, "pdfs": pdfs, "warehouse": root / "w.duckdb",
            "cli_output": done.stdout}


def _docx(path: Path):
    import docx

    return docx.Document(str(path))


def _table(document, first_headers: tuple[str, ...]) -> list[list[str]]:
    """The rows (as text) of the one table whose header row starts with `first_headers`."""
    found = [t for t in document.tables
             if tuple(c.text for c in t.rows[0].cells[:len(first_headers)]) == first_headers]
    assert 1 == len(found), first_headers
    return [[cell.text for cell in row.cells] for row in found[0].rows]


def _all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs]
    return "\n".join(parts)


def _pdf(documents, kind: str) -> bytes:
    if not SOFFICE:
        pytest.skip("LibreOffice (soffice) is not installed: cannot render the .docx to PDF")
    return (documents["pdfs"] / f"{documents['paths'][kind].stem}.pdf").read_bytes()


# --- the document form ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["annual", "midterm", "final"])
def test_pdf_pages_are_a4_in_times_new_roman(documents, kind):
    """LibreOffice lays every page out on A4 (595,3 × 841,9 pt) and sets all text in Times
    New Roman or its metric twin Liberation Serif, with no fallback font for any Vietnamese
    letter."""
    pdf = _pdf(documents, kind)
    boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert {(0.0, 0.0, 595.3, 841.9)} == {tuple(round(float(v), 1) for v in box)
                                          for box in boxes}
    fonts = {name.decode().split("+")[-1] for name in re.findall(rb"/BaseFont\s*/([\w+-]+)", pdf)}
    assert set() == {f for f in fonts if not f.startswith(("LiberationSerif", "TimesNewRoman"))}


def test_docx_page_setup_per_decree_30(documents):
    """A4 portrait, margins top 20, bottom 20, left 30, right 15 mm; body in Times New Roman
    14 pt; page numbers in the header from page 2."""
    document = _docx(documents["paths"]["annual"])
    section = document.sections[0]
    assert (210, 297) == (round(section.page_width.mm), round(section.page_height.mm))
    assert (20, 20, 30, 15) == tuple(round(m.mm) for m in (
        section.top_margin, section.bottom_margin, section.left_margin, section.right_margin))
    normal = document.styles["Normal"].font
    assert ("Times New Roman", 14.0) == (normal.name, normal.size.pt)
    assert (True, True) == (section.different_first_page_header_footer,
                            'w:instr="PAGE"' in section.header._element.xml)


def _cell_lines(cell) -> list[tuple[str, bool, bool]]:
    return [(p.text, any(r.bold for r in p.runs), any(r.italic for r in p.runs))
            for p in cell.paragraphs if p.text]


def test_annual_letterhead_and_title(documents):
    """The letterhead: issuing body (bold) and a blank number on the left; national title and
    motto (bold) and the place and date (italic, day zero-padded) on the right; then the
    title "BÁO CÁO" and the subject line, bold and centred."""
    document = _docx(documents["paths"]["annual"])
    head = document.tables[0]
    assert [("ỦY BAN NHÂN DÂN", True, False), ("QUẬN HỒNG BÀNG", True, False)] == \
        _cell_lines(head.cell(0, 0))
    assert [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", True, False),
            ("Độc lập - Tự do - Hạnh phúc", True, False)] == _cell_lines(head.cell(0, 1))
    assert [("Số: …/BC-UBND", False, False)] == _cell_lines(head.cell(1, 0))
    assert [("Hồng Bàng, ngày 05 tháng 12 năm 2025", False, True)] == \
        _cell_lines(head.cell(1, 1))
    title = [(p.text, p.alignment, all(r.bold for r in p.runs))
             for p in document.paragraphs if p.text][:2]
    assert [("BÁO CÁO", 1, True),
            ("Kết quả thực hiện Kế hoạch thực hiện Chương trình truyền thông về bình đẳng giới "
             "trên địa bàn quận Hồng Bàng đến năm 2030, năm 2024", 1, True)] == title


def test_signature_block_and_recipients(documents):
    """Bottom: "Nơi nhận:" and the plan's recipients on the left; "TM. ỦY BAN NHÂN DÂN / KT.
    CHỦ TỊCH / PHÓ CHỦ TỊCH" and the signer on the right. The mid-term review took its
    number, signer and recipients from the environment."""
    annual = _docx(documents["paths"]["annual"]).tables[-1]
    assert [("Nơi nhận:", True, True), ("- Sở Lao động - TBXH HP;", False, False),
            ("- CT, các PCT UBND quận;", False, False),
            ("- Các Phòng, Ban, Ngành, Đoàn thể quận liên quan;", False, False),
            ("- UBND 09 phường;", False, False), ("- CVP, P. Lao động - TBXH;", False, False),
            ("- Lưu: VT.", False, False)] == _cell_lines(annual.cell(0, 0))
    assert [("TM. ỦY BAN NHÂN DÂN", True, False), ("KT. CHỦ TỊCH", True, False),
            ("PHÓ CHỦ TỊCH", True, False)] == _cell_lines(annual.cell(0, 1))
    midterm = _docx(documents["paths"]["midterm"])
    assert [("Số: 58/BC-UBND", False, False)] == _cell_lines(midterm.tables[0].cell(1, 0))
    signature = midterm.tables[-1]
    assert ["Nơi nhận:", "- Sở Lao động - TBXH HP;", "- CT, các PCT UBND quận;",
            "- Lưu: VT, LĐTBXH."] == [t for t, _, _ in _cell_lines(signature.cell(0, 0))]
    assert ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Trần Văn Bình"] == \
        [t for t, _, _ in _cell_lines(signature.cell(0, 1))]
    final = _docx(documents["paths"]["final"])
    assert [("Số: 12/BC-UBND", False, False)] == _cell_lines(final.tables[0].cell(1, 0))


@pytest.mark.parametrize("kind", ["annual", "midterm", "final"])
def test_no_placeholder_text_left(documents, kind):
    """No template braces, TODO, xxx, None or nan anywhere in the document."""
    text = _all_text(_docx(documents["paths"][kind]))
    assert [] == PLACEHOLDERS.findall(text)


# --- the annual report 2024 ----------------------------------------------------------------


def test_annual_indicator_table_equals_the_mart(documents):
    """Each district indicator's value and target as printed equal marts.indicator_values
    formatted (percentages), and the hand-worked 2024 figures of tests/e2e/test_demo_year.py."""
    table = _table(_docx(documents["paths"]["annual"]), ("Chỉ tiêu", "Nội dung"))
    assert ["Chỉ tiêu", "Nội dung", "Kết quả năm 2024", "Mục tiêu", "Mốc", "Đánh giá"] == \
        table[0][:6]
    printed = {r[0]: (r[2], r[3], r[4]) for r in table[1:] if r[0] in CT_CODES}
    mart = rows(documents["warehouse"],
                "select indicator_code, value, target, milestone_year from marts.indicator_values"
                " where year = 2024 and scope = 'district' order by 1")
    assert {code: (vn_percent(value), vn_percent(target), str(milestone))
            for code, value, target, milestone in mart} == printed
    assert {"CT1": ("100,0%", "100,0%", "2025"), "CT2": ("85,7%", "100,0%", "2025"),
            "CT3": ("–", "75,6%", "2030"), "CT4": ("63,6%", "70,0%", "2025"),
            "CT5": ("94,7%", "95,0%", "2025")} == printed


def test_annual_ct1_audiences_equal_the_mart(documents):
    """CT1's three audiences (sessions, target 02) printed under CT1 equal the mart: 3, 2, 18."""
    table = _table(_docx(documents["paths"]["annual"]), ("Chỉ tiêu", "Nội dung"))
    printed = [(r[1], r[2], r[3]) for r in table[1:] if r[0] == ""]
    mart = rows(documents["warehouse"],
                "select scope_code, value, target from marts.indicator_values "
                "where year = 2024 and scope = 'audience' order by 1")
    groups = {"can_bo": "Cơ quan, tổ chức", "doanh_nghiep": "Doanh nghiệp",
              "nguoi_dan": "Người dân"}
    assert [(f"Trong đó: {groups[c]} (số cuộc)", vn_number(v), vn_number(t))
            for c, v, t in mart] == printed
    assert ["3", "2", "18"] == [value for _, value, _ in printed]


def test_annual_submission_counts(documents):
    """Section III counts the 2024 reports: 21 expected, 20 received of which 2 late, 1 draft."""
    text = _all_text(_docx(documents["paths"]["annual"]))
    assert ("Số đơn vị phải báo cáo: 21; đã nộp: 20 (trong đó nộp muộn sau ngày 10/12: 2); "
            "bản nháp chưa hoàn thành: 1; không hợp lệ: 0; chưa nộp: 0.") in text


def test_annual_activity_rows_equal_the_activity_rows(documents):
    """Each activity's sessions, participants and women in section I equal the sums of the
    counted activity rows and of marts.participation for 2024."""
    document = _docx(documents["paths"]["annual"])
    printed = {}
    for table in document.tables:
        if table.rows[0].cells[0].text == "Mã":
            for row in table.rows[1:]:
                cells = [c.text for c in row.cells]
                printed[cells[0]] = (cells[2], cells[3], cells[4])
    db = documents["warehouse"]
    sessions = dict(rows(db, "select activity_code, sum(sessions) from "
                             "intermediate.int_counted_activities where year = 2024 group by 1"))
    people = dict(rows(db, "select activity_code, sum(participants) from marts.participation "
                           "where year = 2024 group by 1"))
    women = dict(rows(db, "select activity_code, sum(participants) from marts.participation "
                          "where year = 2024 and sex = 'female' group by 1"))
    running = [code for code, years in rows(db, "select activity_code, years from ref.activities")
               if years is None or "2024" in years.split(";")]
    expected = {code: (vn_number(sessions.get(code, 0)), vn_number(people.get(code, 0)),
                       vn_number(women.get(code, 0))) for code in running}
    assert expected == {code: value for code, value in printed.items() if code in running}
    assert {"7a": ("–", "–", "–"), "7c": ("–", "–", "–")} == {
        code: value for code, value in printed.items() if code not in running}


def test_html_is_self_contained_with_the_same_content(documents):
    """The HTML twin loads nothing from outside (inline CSS, charts as data URIs, no link or
    script) and carries the letterhead, the title and the indicator values of the .docx."""
    html = documents["paths"]["annual"].with_suffix(".html").read_text(encoding="utf-8")
    sources = re.findall(r'src="([^"]*)"', html)
    assert (3, []) == (len(sources), [s for s in sources if not s.startswith(
        "data:image/png;base64,")])
    assert [] == re.findall(r"https?://|<link|<script|@import|url\(", html)
    for text in ("ỦY BAN NHÂN DÂN", "QUẬN HỒNG BÀNG", "Số: …/BC-UBND",
                 "Hồng Bàng, ngày 05 tháng 12 năm 2025", "Độc lập - Tự do - Hạnh phúc",
                 "<td class=\"center\">CT2</td>", "<td class=\"center\">85,7%</td>"):
        assert text in html


def test_flow_run_carries_summary_and_link_artifacts(documents):
    """The run publishes the summary as markdown and a file:// link to each file (Prefect
    stores a link artifact as markdown)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    keys = ["document-bao-cao-2024", "document-bao-cao-2024-docx", "document-bao-cao-2024-html"]
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=keys)))
    latest = {a.key: a for a in sorted(artifacts, key=lambda a: a.created)}
    assert [(key, "markdown") for key in keys] == sorted((k, a.type) for k, a in latest.items())
    docx_path = documents["paths"]["annual"]
    assert f"[bao-cao-2024.docx]({docx_path.resolve().as_uri()})" == \
        latest["document-bao-cao-2024-docx"].data
    assert "Năm 2024: 21 đơn vị phải báo cáo" in latest["document-bao-cao-2024"].data


# --- the reviews ---------------------------------------------------------------------------


def test_midterm_trend_table_equals_the_mart(documents):
    """Year by year 2022–2025, each indicator as printed equals marts.indicator_values:
    district readings as percentages, CT1's audiences as sessions."""
    table = _table(_docx(documents["paths"]["midterm"]), ("Năm", "CT1"))
    assert ["Năm", "CT1", "CT1: Cơ quan, tổ chức (số cuộc)", "CT1: Doanh nghiệp (số cuộc)",
            "CT1: Người dân (số cuộc)", "CT2", "CT3", "CT4", "CT5"] == table[0]
    mart = rows(documents["warehouse"], """
        select year, indicator_code, scope, value from marts.indicator_values
        where scope in ('district', 'audience') and year between 2022 and 2025
        order by year, indicator_code, scope desc, scope_code""")
    expected = {}
    for year, _code, scope, value in mart:
        text = vn_percent(value) if scope == "district" else vn_number(value)
        expected.setdefault(str(year), []).append(text)
    assert expected == {row[0]: row[1:] for row in table[1:]}


def test_midterm_milestone_judgement_equals_the_progress_mart(documents):
    """The judgement at 2025 against the 2025 and 2030 milestones equals
    marts.indicator_progress (value, target, status), district readings."""
    from reports.content import PROGRESS_STATUS_VI

    db = documents["warehouse"]

    table = _table(_docx(documents["paths"]["midterm"]), ("Chỉ tiêu", "Mốc"))
    mart = rows(db, """
        select indicator_code, milestone_year, current_value, target, status
        from marts.indicator_progress where year = 2025 and scope = 'district'
        order by milestone_year, indicator_code""")
    assert [[code, str(milestone), vn_percent(value), vn_percent(target),
             PROGRESS_STATUS_VI[status]] for code, milestone, value, target, status in mart] == \
        [[r[0], r[1], r[3], r[4], r[5]] for r in table[1:]]


def test_midterm_units_that_missed_a_report(documents):
    """Over 2022–2025 the units with a year not received are the ones submission_status says
    (TCKH missing 2023, P-HALY invalid 2023, KINHTE a draft 2024); the 18 others never
    missed."""
    db = documents["warehouse"]
    missed = rows(db, """
        select unit_name, string_agg(year::varchar, ', ' order by year)
        from marts.submission_status where year between 2022 and 2025 and status <> 'received'
        group by 1 order by 1""")
    assert [("Phòng Kinh tế", "2024"), ("Phòng Tài chính - Kế hoạch", "2023"),
            ("UBND phường Hạ Lý", "2023")] == missed
    table = _table(_docx(documents["paths"]["midterm"]), ("STT", "Đơn vị", "Số năm phải báo cáo"))
    assert {"Phòng Kinh tế": "2024 (bản nháp)", "Phòng Tài chính - Kế hoạch": "2023 (chưa nộp)",
            "UBND phường Hạ Lý": "2023 (không hợp lệ)"} == {r[1]: r[5] for r in table[1:]
                                                            if r[5] != "–"}
    assert 21 == len(table) - 1
    text = _all_text(_docx(documents["paths"]["midterm"]))
    assert ("Đơn vị có năm chưa nộp hoặc báo cáo chưa đạt yêu cầu (3 đơn vị): Phòng Kinh tế, "
            "Phòng Tài chính - Kế hoạch, UBND phường Hạ Lý.") in text
    assert "Đơn vị nộp báo cáo đầy đủ tất cả các năm 2022-2025 (18 đơn vị): " in text


def test_midterm_activities_no_lead_reported(documents):
    """The activities that no lead unit reported in 2022–2025 are those of
    marts.activity_coverage with no reported row in the period."""
    silent = rows(documents["warehouse"], """
        select activity_code from marts.activity_coverage where year between 2022 and 2025
        group by 1 having not bool_or(is_reported) order by 1""")
    names = dict(rows(documents["warehouse"], "select activity_code, activity_name "
                                               "from ref.activities"))
    listed = "; ".join(f"{code}. {names[code]}" for (code,) in silent)
    text = _all_text(_docx(documents["paths"]["midterm"]))
    assert 1 == text.count("Hoạt động chưa có đơn vị chủ trì nào báo cáo trong giai đoạn "
                           f"2022-2025: {listed}.")


def test_final_review_judges_the_2030_milestone(documents):
    """At 2030 against the 2030 milestone: CT1, CT2, CT3 achieved; CT4 and CT5 not (worked
    by hand in the module docstring), with CT3 at 77,7% of a 75,6% target."""
    rows = _table(_docx(documents["paths"]["final"]), ("Chỉ tiêu", "Mốc"))
    assert [["CT1", "2030", "100,0%", "100,0%", "Đạt"], ["CT2", "2030", "100,0%", "100,0%", "Đạt"],
            ["CT3", "2030", "77,7%", "75,6%", "Đạt"],
            ["CT4", "2030", "22,7%", "90,0%", "Không đạt"],
            ["CT5", "2030", "96,8%", "100,0%", "Không đạt"]] == \
        [[r[0], r[1], r[3], r[4], r[5]] for r in rows[1:]]
    trend = _table(_docx(documents["paths"]["final"]), ("Năm", "CT1"))
    assert [str(y) for y in YEARS] == [r[0] for r in trend[1:]]


# --- pure parts ----------------------------------------------------------------------------


def test_place_and_date_line_pads_as_the_decree_says():
    """Decree 30: a day below 10 and the months 1 and 2 take a leading zero, other months
    do not."""
    from reports.content import DocumentSettings, place_date_line

    assert ["Hồng Bàng, ngày 05 tháng 12 năm 2025", "Hồng Bàng, ngày 03 tháng 02 năm 2026",
            "Hồng Bàng, ngày 15 tháng 3 năm 2026"] == [
        place_date_line(DocumentSettings(read_locality(), issued_on=d))
        for d in (date(2025, 12, 5), date(2026, 2, 3), date(2026, 3, 15))]


def test_document_settings_from_environment_and_arguments():
    """Environment variables give number, date, signer and recipients; arguments win; blank
    gives "Số: …/BC-UBND", the plan's six recipients and today's date in Vietnam."""
    from reports.content import (
        document_settings,
        number_line,
        recipient_lines,
        today_in_vietnam,
    )

    env = {"HB_DOC_NUMBER": "58", "HB_DOC_DATE": "05/12/2025", "HB_DOC_SIGNER": "Trần Văn Bình",
           "HB_DOC_RECIPIENTS": "Sở Lao động - TBXH HP;\n- Lưu: VT."}
    locality = read_locality()
    from_env = document_settings(locality, env)
    assert ("Số: 58/BC-UBND", date(2025, 12, 5), "Trần Văn Bình",
            ("- Sở Lao động - TBXH HP;", "- Lưu: VT.")) == (
        number_line(from_env), from_env.issued_on, from_env.signer, recipient_lines(from_env))
    given = document_settings(locality, env, number="7", issued_on="2026-01-02", signer="")
    assert ("Số: 7/BC-UBND", date(2026, 1, 2), "") == (number_line(given), given.issued_on,
                                                       given.signer)
    blank = document_settings(locality, {})
    assert ("Số: …/BC-UBND", "- Sở Lao động - TBXH HP;", "- Lưu: VT.", 6, "") == (
        number_line(blank), recipient_lines(blank)[0], recipient_lines(blank)[-1],
        len(recipient_lines(blank)), blank.signer)
    assert blank.issued_on in {today_in_vietnam(), date.fromordinal(
        today_in_vietnam().toordinal() - 1)}


def test_html_escapes_every_text():
    """Text from the workbooks (here a description with markup) and from the settings comes
    out escaped in the HTML: no tag or entity of theirs survives."""
    from reports.content import DocumentSettings, Paragraph, Report, Table
    from reports.html import render_html

    hostile = '<script>alert("x")</script> & «Hòa»'
    report = Report("annual", 2024, 2024, "Chủ đề <b>", (
        Paragraph(hostile, lead="<i>"),
        Table("t", ("<th>",), ((hostile,),), (1,), ("left",)),
    ), DocumentSettings(read_locality(), issued_on=ISSUED_ON, signer="<img src=x>",
                        recipients=("<a href='http://x'>",)), ())
    html = render_html(report, {})
    raw = ["<script", "<img", "<a href", "<i>", "Chủ đề <b>", "<th><th>"]
    assert [] == [fragment for fragment in raw if fragment in html]
    escaped = ["&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; «Hòa»", "&lt;i&gt;",
               "Chủ đề &lt;b&gt;", "<th>&lt;th&gt;</th>", "&lt;img src=x&gt;",
               "&lt;a href=&#x27;http://x&#x27;&gt;"]
    assert [2, 1, 2, 1, 1, 1] == [html.count(fragment) for fragment in escaped]


def test_chart_png_is_deterministic():
    """The same chart description gives the same PNG bytes, twice."""
    from reports.charts import IndicatorSeries, IndicatorTrendChart, render_png

    chart = IndicatorTrendChart((IndicatorSeries("CT2", "Tháng hành động", (2022, 2023),
                                                 (0.75, None), (1.0, 1.0), is_rate=True),))
    first, second = render_png(chart), render_png(chart)
    assert (b"\x89PNG", first) == (second[:4], second)


def test_review_period_of_each_kind():
    """A review ends in 2025 (mid-term) or 2030 (final) unless told; the annual document
    covers the given year, its trend from 2022."""
    from flows.reviews import end_year_of
    from tasks.documents import period_of

    assert [2025, 2030, 2027, 2024] == [end_year_of("midterm", None), end_year_of("final", None),
                                        end_year_of("final", 2027),
                                        end_year_of("annual", None, date(2024, 12, 1))]
    assert [(2022, 2024), (2022, 2025), (2023, 2030)] == [
        period_of("annual", 2024, None), period_of("midterm", 2025, 2022),
        period_of("final", 2030, 2023)]
