"""Another district is a seed, not code: the small registry with its locality.csv replaced by
one for huyện Thủy Nguyên (sub-units: xã) runs through the annual flow once, and every
output's header names Thủy Nguyên: the Markdown report, the .docx and HTML document, the
appendix workbook and the portal. None of them names the default district or its level
("Hồng Bàng", "Toàn quận", "cấp quận").

By hand (two workbooks of 2024): LDTBXH (an agency) and P-MINHKHAI (a ward, here a "xã"
by the seed's word) each ran the Action Month; Minh Khai passed 3 of 4 conventions with no
discrimination, so CT5 has a ward reading and the ward tables exist.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from datetime import date

import pytest
from docx import Document
from openpyxl import load_workbook

from core.registry import read_locality
from tests.workbooks import report_workbook

THUY_NGUYEN = """key,value
name,Thủy Nguyên
level,huyện
parent,thành phố Hải Phòng
sub_unit,xã
issuer,Ủy ban nhân dân huyện Thủy Nguyên
letterhead,ỦY BAN NHÂN DÂN
letterhead,HUYỆN THỦY NGUYÊN
place,Thủy Nguyên
plan_title,Kế hoạch truyền thông về bình đẳng giới huyện Thủy Nguyên giai đoạn 2022-2030
recipient,Sở Lao động - TBXH HP
recipient,"UBND các xã, thị trấn"
recipient,Lưu: VT
"""
PLAN_TITLE = "Kế hoạch truyền thông về bình đẳng giới huyện Thủy Nguyên giai đoạn 2022-2030"
DEFAULT_PLACE = re.compile("Hồng Bàng|HỒNG BÀNG|Toàn quận|cấp quận")


def _activity(unit: str) -> dict[str, object]:
    return {"activity_code": "1a", "description": f"Tháng hành động ({unit})",
            "form": "Nói chuyện chuyên đề, truyền thông trực tiếp",
            "audience": "Người dân, cộng đồng", "is_law_dissemination": "Có", "sessions": 2,
            "participants": 60, "participants_female": 30, "started_on": "20/11/2024",
            "ended_on": "20/11/2024", "budget_state_vnd": "1.000.000"}


@pytest.fixture(scope="module")
def thuy_nguyen(prefect_api, small_registry, tmp_path_factory):
    """One annual run of 2024 with the Thủy Nguyên seeds; its output folder."""
    from flows.annual_report import annual_report

    root = tmp_path_factory.mktemp("locality")
    seeds = root / "seeds"
    shutil.copytree(small_registry, seeds)
    (seeds / "locality.csv").write_text(THUY_NGUYEN, encoding="utf-8")
    reports = root / "reports" / "2024"
    report_workbook(reports / "LDTBXH.xlsx", "LDTBXH", 2024, activities=[_activity("LDTBXH")])
    report_workbook(reports / "P-MINHKHAI.xlsx", "P-MINHKHAI", 2024,
                    activities=[_activity("P-MINHKHAI")],
                    conventions=[{"community": "Thôn 1", "conventions_total": 4,
                                  "conventions_non_discriminatory": 3}])
    annual_report(year=2024, reports_dir=str(root / "reports"),
                  warehouse=str(root / "warehouse.duckdb"), output_dir=str(root / "output"),
                  seeds_dir=str(seeds))
    return root / "output"


def test_markdown_report_header_names_the_seeds_locality(thuy_nguyen):
    """The report's second paragraph names the district, its level and sub-unit words; the
    scope of a district reading is "Toàn huyện", the ward table is by "xã"."""
    text = (thuy_nguyen / "2024" / "bao-cao-2024.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[2].startswith(
        "Huyện Thủy Nguyên, thành phố Hải Phòng. Số liệu tổng hợp từ báo cáo của các phòng, "
        "ban, ngành, đoàn thể huyện và UBND các xã, cập nhật đến ")
    assert "| CT5 | Hương ước, quy ước không phân biệt đối xử về giới | Toàn huyện | 75,0% |" \
        in text
    assert "### Chỉ tiêu theo xã (CT1: số cuộc; CT5: tỷ lệ)" in lines
    assert [] == DEFAULT_PLACE.findall(text)


def _lines(cell) -> list[str]:
    return [p.text for p in cell.paragraphs if p.text]


def test_document_letterhead_place_subject_and_recipients(thuy_nguyen):
    """The .docx: the issuer's letterhead, "Thủy Nguyên, ngày …", the plan title in the
    subject and the closing line, the seed's recipients; the HTML says the same."""
    document = Document(str(thuy_nguyen / "2024" / "bao-cao-2024.docx"))
    head, signature = document.tables[0], document.tables[-1]
    assert ["ỦY BAN NHÂN DÂN", "HUYỆN THỦY NGUYÊN"] == _lines(head.cell(0, 0))
    [place_line] = _lines(head.cell(1, 1))
    assert re.fullmatch(r"Thủy Nguyên, ngày \d\d tháng \d{1,2} năm \d{4}", place_line)
    paragraphs = [p.text for p in document.paragraphs if p.text]
    assert ["BÁO CÁO", f"Kết quả thực hiện {PLAN_TITLE}, năm 2024"] == paragraphs[:2]
    assert paragraphs[2].startswith(f"Thực hiện {PLAN_TITLE}; trên cơ sở báo cáo của các "
                                    "phòng, ban, ngành, đoàn thể huyện và Ủy ban nhân dân "
                                    "các xã")
    assert f"Trên đây là báo cáo kết quả thực hiện {PLAN_TITLE}, năm 2024 của Ủy ban nhân " \
        "dân huyện Thủy Nguyên./." in paragraphs
    assert ["Nơi nhận:", "- Sở Lao động - TBXH HP;", "- UBND các xã, thị trấn;",
            "- Lưu: VT."] == _lines(signature.cell(0, 0))
    html = (thuy_nguyen / "2024" / "bao-cao-2024.html").read_text(encoding="utf-8")
    assert '<div class="head">HUYỆN THỦY NGUYÊN</div>' in html
    assert [] == DEFAULT_PLACE.findall(html)


def test_appendix_title_page_header_and_labels(thuy_nguyen):
    """The appendix workbook's title and each printed page's header name the district; a
    district reading's scope reads "Toàn huyện", a ward "Xã"."""
    path = thuy_nguyen / "2024" / "phu-luc-2024.xlsx"
    book = load_workbook(path)
    title = "Phụ lục số liệu – Huyện Thủy Nguyên, thành phố Hải Phòng"
    assert title == book.properties.title
    assert "Ủy ban nhân dân huyện Thủy Nguyên" == book.properties.creator
    assert {title} == {sheet.oddHeader.center.text for sheet in book.worksheets}
    kinds = [row[2] for row in book["Tình hình nộp báo cáo"].iter_rows(min_row=2, values_only=True)]
    assert ["Cơ quan, đơn vị cấp huyện", "Cơ quan, đơn vị cấp huyện", "Xã", "Xã"] == kinds
    scopes = {row[1] for row in book["Chỉ tiêu"].iter_rows(min_row=2, values_only=True)}
    assert {"Toàn huyện", "Nhóm đối tượng", "Xã"} == scopes
    with zipfile.ZipFile(path) as archive:
        xml = "".join(archive.read(n).decode("utf-8") for n in archive.namelist()
                      if n.endswith(".xml"))
    assert [] == DEFAULT_PLACE.findall(xml)


def test_portal_title_and_labels(thuy_nguyen):
    """The portal's title names the district; the ward tables and a ward's kind use "xã";
    no page names the default district."""
    portal = thuy_nguyen / "portal"
    index = (portal / "index.html").read_text(encoding="utf-8")
    assert "<title>Các chỉ tiêu của Kế hoạch – Chỉ tiêu bình đẳng giới huyện Thủy Nguyên " \
        "2022–2030</title>" in index
    ct5 = (portal / "chi-tieu" / "CT5.html").read_text(encoding="utf-8")
    assert '<h2 id="phuong">Theo xã</h2>' in ct5
    assert "CT5: từng xã như đã báo cáo" in ct5
    assert "CT5: giá trị toàn huyện theo năm" in ct5
    ward = (portal / "don-vi" / "P-MINHKHAI.html").read_text(encoding="utf-8")
    assert "<dt>Loại</dt><dd>Xã</dd>" in ward
    pages = {p: p.read_text(encoding="utf-8") for p in portal.rglob("*.html")}
    assert {} == {str(p): DEFAULT_PLACE.findall(t) for p, t in pages.items()
                  if DEFAULT_PLACE.search(t)}


def test_reminder_names_the_seeds_locality(tmp_path):
    """The reminder sent to the focal office names the district of the seed."""
    from core.reminders import reminder_text

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "locality.csv").write_text(THUY_NGUYEN, encoding="utf-8")
    text = reminder_text(2024, date(2024, 12, 8), [], read_locality(seeds))
    assert ("Nhắc nộp báo cáo năm 2024 — Kế hoạch truyền thông về bình đẳng giới huyện Thủy "
            "Nguyên. Còn 2 ngày đến hạn nộp báo cáo (10/12/2024).\n\nTất cả đơn vị đã nộp "
            "báo cáo hợp lệ.") == text
