"""Adding an indicator is data and one SQL addition (issue 11): a CT6 with a seed row in
indicators.csv, target rows in indicator_targets.csv and one CTE in
warehouse/intermediate/int_indicator_inputs.sql (in a copy of the code) reaches the marts,
the lineage, the Markdown and HTML reports and the appendix, with no other change.

CT6, "women among the participants of the activities": participants_female / participants
of the counted activity rows that give a number of participants, for the district and for
each ward (has_ward_reading); targets 60% by 2025 and 70% by 2030 (rates).

Small registry (LDTBXH, VHTT, P-MINHKHAI, P-HALY expected), 2025:
- LDTBXH, complete: row 4 1a (Cán bộ) 100 participants of whom 60 women; row 5 3b
  (Doanh nghiệp) 50 / 20.
- VHTT, complete: row 4 2c (Doanh nghiệp), no number of participants: not a CT6 row.
- P-MINHKHAI, complete: row 4 1a (Người dân) 150 / 90.
- P-HALY: a draft (not marked complete), 1a 40 / 40: counts for nothing.
By hand: district (60 + 20 + 90) / (100 + 50 + 150) = 170 / 300 = 56.6667% < 60%, and 2025
is the milestone → not_achieved; against 2030 (70%): one year of data → cannot_assess.
Minh Khai 90 / 150 = 60% ≥ 60% → achieved (2025), cannot_assess against 2030; Hạ Lý
no_data.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.runs import rows
from tests.workbooks import report_workbook

ROOT = Path(__file__).resolve().parents[2]
CODE = ("core", "demo", "expectations", "flows", "reports", "sources", "tasks", "warehouse")
INPUTS = Path("warehouse") / "intermediate" / "int_indicator_inputs.sql"

INDICATOR_ROW = ('CT6,"Tỷ lệ nữ trong số người tham dự các hoạt động truyền thông về bình đẳng '
                 'giới","Nữ tham dự các hoạt động truyền thông",rate,>=,true,"Số người nữ tham '
                 'dự trên tổng số người tham dự các hoạt động có ghi số người tham dự."\n')
TARGET_ROWS = ("CT6,district,2025,0.6,absolute,,,,rate\n"
               "CT6,district,2030,0.7,absolute,,,,rate\n"
               "CT6,ward,2025,0.6,absolute,,,,rate\n"
               "CT6,ward,2030,0.7,absolute,,,,rate\n")
CT6_SQL = """
-- CT6: women among the participants of the activities that give a number of participants.
participant_rows as (
    select * from activities where participants is not null
),

ct6 as (
    select 'CT6' as indicator_code, year, 'district' as scope, 'QUAN' as scope_code,
        null::double as value, counts_as
    from years
    cross join (values ('numerator'), ('denominator')) as parts(counts_as)
    union all by name
    select 'CT6' as indicator_code, year, 'ward' as scope, unit_code as scope_code,
        unit_code, null::double as value, counts_as
    from expected
    cross join (values ('numerator'), ('denominator')) as parts(counts_as)
    where unit_kind = 'ward'
    union all by name
    select 'CT6' as indicator_code, year, scopes.scope,
        case when scopes.scope = 'ward' then unit_code else 'QUAN' end as scope_code,
        unit_code, 'Hoạt động' as tab, sheet_row, snapshot_id, parts.column_key,
        case parts.column_key when 'participants' then participants
            else participants_female end::double as value,
        parts.counts_as
    from participant_rows
    cross join (values ('participants_female', 'numerator'),
                       ('participants', 'denominator')) as parts(column_key, counts_as)
    cross join (values ('district'), ('ward')) as scopes(scope)
    where scopes.scope = 'district' or unit_kind = 'ward'
),

"""


def _activity(code, audience, participants=None, female=None):
    return {"activity_code": code, "description": f"Hoạt động {code}",
            "form": "Nói chuyện chuyên đề, truyền thông trực tiếp", "audience": audience,
            "is_law_dissemination": "Có", "sessions": 1, "participants": participants,
            "participants_female": female, "started_on": "20/11/2025",
            "ended_on": "20/11/2025"}


def _write_2025(folder: Path) -> None:
    report_workbook(folder / "LDTBXH.xlsx", "LDTBXH", 2025, completed_on="05/12/2025",
                    activities=[_activity("1a", "Cán bộ, công chức, viên chức", 100, 60),
                                _activity("3b", "Doanh nghiệp, người lao động", 50, 20)])
    report_workbook(folder / "VHTT.xlsx", "VHTT", 2025, completed_on="05/12/2025",
                    activities=[_activity("2c", "Doanh nghiệp, người lao động")])
    report_workbook(folder / "P-MINHKHAI.xlsx", "P-MINHKHAI", 2025, completed_on="01/12/2025",
                    activities=[_activity("1a", "Người dân, cộng đồng", 150, 90)])
    report_workbook(folder / "P-HALY.xlsx", "P-HALY", 2025, completed_on="01/12/2025",
                    complete="", activities=[_activity("1a", "Người dân, cộng đồng", 40, 40)])


def _add_ct6(code: Path, seeds: Path) -> None:
    """The whole change: two seed files and one CTE (with its line in `final`)."""
    with (seeds / "indicators.csv").open("a", encoding="utf-8") as handle:
        handle.write(INDICATOR_ROW)
    with (seeds / "indicator_targets.csv").open("a", encoding="utf-8") as handle:
        handle.write(TARGET_ROWS)
    sql = (code / INPUTS).read_text(encoding="utf-8")
    last = "    union all by name select * from ct5\n"
    assert sql.count("\nfinal as (") == 1 and sql.count(last) == 1
    sql = sql.replace("\nfinal as (", CT6_SQL + "final as (").replace(
        last, last + "    union all by name select * from ct6\n")
    (code / INPUTS).write_text(sql, encoding="utf-8")


@pytest.fixture(scope="module")
def ct6_run(prefect_api, small_registry, tmp_path_factory):
    """The annual flow of 2025, run from a copy of the code with CT6 added."""
    root = tmp_path_factory.mktemp("ct6")
    code = root / "code"
    for name in CODE:
        shutil.copytree(ROOT / name, code / name,
                        ignore=shutil.ignore_patterns("__pycache__"))
    seeds = root / "seeds"
    shutil.copytree(small_registry, seeds)
    _add_ct6(code, seeds)
    _write_2025(root / "reports" / "2025")
    env = {**os.environ, "PREFECT_API_URL": prefect_api,
           "PYTHONPATH": str(code)}
    done = subprocess.run(
        [sys.executable, "-m", "flows.annual_report", "--year", "2025",
         "--reports-dir", str(root / "reports"), "--warehouse", str(root / "w.duckdb"),
         "--output-dir", str(root / "out"), "--seeds-dir", str(seeds)],
        cwd=code, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return root, done.stdout


def test_only_the_inputs_model_changed(ct6_run):
    """The copy differs from the code in int_indicator_inputs.sql only, by the CT6 lines."""
    root, _ = ct6_run
    changed = sorted(str(p.relative_to(root / "code")) for p in (root / "code").rglob("*")
                     if p.is_file() and "__pycache__" not in p.parts
                     and p.read_bytes() != (ROOT / p.relative_to(root / "code")).read_bytes())
    assert [str(INPUTS)] == changed
    before = (ROOT / INPUTS).read_text(encoding="utf-8").splitlines()
    after = (root / "code" / INPUTS).read_text(encoding="utf-8").splitlines()
    edits = difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes()
    assert ["insert", "insert"] == [tag for tag, *_ in edits if tag != "equal"]


def test_ct6_reaches_indicator_values(ct6_run):
    root, stdout = ct6_run
    assert [
        ("district", "QUAN", 170.0, 300.0, 0.566667, 0.6, 2025, "not_achieved"),
        ("ward", "P-HALY", None, None, None, 0.6, 2025, "no_data"),
        ("ward", "P-MINHKHAI", 90.0, 150.0, 0.6, 0.6, 2025, "achieved"),
    ] == rows(root / "w.duckdb", """
        select scope, scope_code, numerator, denominator, round(value, 6), target,
            milestone_year, status
        from marts.indicator_values where indicator_code = 'CT6' and year = 2025
        order by scope, scope_code""")
    assert "CT6 56,7% (chưa đạt)" in stdout


def test_ct6_reaches_indicator_progress(ct6_run):
    root, _ = ct6_run
    assert [
        ("district", "QUAN", 2025, 2025, 0.566667, 0.566667, 0.6, None, "not_achieved"),
        ("district", "QUAN", 2030, 2025, 0.566667, 0.566667, 0.7, None, "cannot_assess"),
        ("ward", "P-HALY", 2025, None, None, None, 0.6, None, "no_data"),
        ("ward", "P-HALY", 2030, None, None, None, 0.7, None, "no_data"),
        ("ward", "P-MINHKHAI", 2025, 2025, 0.6, 0.6, 0.6, None, "achieved"),
        ("ward", "P-MINHKHAI", 2030, 2025, 0.6, 0.6, 0.7, None, "cannot_assess"),
    ] == rows(root / "w.duckdb", """
        select scope, scope_code, milestone_year, base_year, round(base_value, 6),
            round(current_value, 6), target, progress_ratio, status
        from marts.indicator_progress where indicator_code = 'CT6' and year = 2025
        order by scope, scope_code, milestone_year""")


def test_ct6_reaches_the_lineage(ct6_run):
    """Each counted row with participants, its two cells; Hạ Lý's draft and VHTT's row
    without participants are not there."""
    root, _ = ct6_run
    assert [
        ("district", "QUAN", "LDTBXH", 4, "participants", 100.0, "denominator"),
        ("district", "QUAN", "LDTBXH", 4, "participants_female", 60.0, "numerator"),
        ("district", "QUAN", "LDTBXH", 5, "participants", 50.0, "denominator"),
        ("district", "QUAN", "LDTBXH", 5, "participants_female", 20.0, "numerator"),
        ("district", "QUAN", "P-MINHKHAI", 4, "participants", 150.0, "denominator"),
        ("district", "QUAN", "P-MINHKHAI", 4, "participants_female", 90.0, "numerator"),
        ("ward", "P-MINHKHAI", "P-MINHKHAI", 4, "participants", 150.0, "denominator"),
        ("ward", "P-MINHKHAI", "P-MINHKHAI", 4, "participants_female", 90.0, "numerator"),
    ] == rows(root / "w.duckdb", """
        select scope, scope_code, unit_code, sheet_row, column_key, value, counts_as
        from marts.figure_lineage where indicator_code = 'CT6' and year = 2025
            and tab = 'Hoạt động'
        order by all""")


def test_ct6_reaches_the_markdown_and_html_reports(ct6_run):
    """The indicator tables (its short label from the seed, shown as a rate as its kind
    says) and the ward tables (has_ward_reading) have CT6. Minh Khai's CT1 is its one law
    session for residents (target 2: not achieved)."""
    root, _ = ct6_run
    folder = root / "out" / "2025"
    markdown = (folder / "bao-cao-2025.md").read_text(encoding="utf-8")
    assert "| CT6 | Nữ tham dự các hoạt động truyền thông | Toàn quận | 56,7% | 60,0% | 2025 " \
           "| Chưa đạt |" in markdown
    assert "| CT6 | UBND phường Minh Khai | 60,0% | 60,0% | Đạt |" in markdown
    assert "### Chỉ tiêu theo phường (CT1: số cuộc; CT5: tỷ lệ; CT6: tỷ lệ)" in markdown
    html = (folder / "bao-cao-2025.html").read_text(encoding="utf-8")
    row = html[html.index("<td class=\"center\">CT6</td>"):]
    row = row[:row.index("</tr>")]
    assert ["CT6", "Nữ tham dự các hoạt động truyền thông", "56,7%", "60,0%", "2025",
            "Chưa đạt", "Chưa đủ số liệu để đánh giá"] == _cells(row)
    wards = html[html.index('id="indicators-wards"'):]
    wards = wards[:wards.index("</table>")]
    assert "<th>CT5 (tỷ lệ)</th><th>Đánh giá CT5</th><th>CT6 (tỷ lệ)</th><th>Đánh giá CT6</th>" \
        in wards
    assert ["UBND phường Minh Khai", "1", "Chưa đạt", "–", "Chưa có số liệu", "60,0%", "Đạt"] \
        == _cells(wards[wards.index("UBND phường Minh Khai") - 20:])[:7]


def _cells(row: str) -> list[str]:
    import re

    return [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]


def test_ct6_reaches_the_appendix(ct6_run):
    """«Chỉ tiêu» and «Tiến độ so với mốc» have CT6's readings, «Nguồn số liệu» its cells
    with the template's column headers."""
    from openpyxl import load_workbook

    root, _ = ct6_run
    book = load_workbook(root / "out" / "2025" / "phu-luc-2025.xlsx")

    def ct6(sheet: str, width: int) -> list[tuple]:
        return [row[:width] for row in book[sheet].iter_rows(values_only=True)
                if row[0] == "CT6"]

    assert [
        ("CT6", "Toàn quận", "QUAN", 170, 300, 170 / 300, 0.6, 2025, "Chưa đạt"),
        ("CT6", "Phường", "P-HALY", None, None, None, 0.6, 2025, "Chưa có số liệu"),
        ("CT6", "Phường", "P-MINHKHAI", 90, 150, 0.6, 0.6, 2025, "Đạt"),
    ] == ct6("Chỉ tiêu", 9)
    assert [
        ("CT6", "Toàn quận", "QUAN", 2025, 2025, 170 / 300, 170 / 300, 0.6, "Chưa đạt"),
        ("CT6", "Toàn quận", "QUAN", 2030, 2025, 170 / 300, 170 / 300, 0.7,
         "Chưa đủ số liệu để đánh giá"),
    ] == [row[:8] + row[-1:] for row in
          (r for r in book["Tiến độ so với mốc"].iter_rows(values_only=True)
           if r[0] == "CT6" and r[2] == "QUAN")]
    assert [
        ("CT6", 2025, "Toàn quận", "QUAN", "LDTBXH", "Hoạt động", 4, "Số người tham dự", 100,
         "Mẫu số"),
        ("CT6", 2025, "Toàn quận", "QUAN", "LDTBXH", "Hoạt động", 4, "Trong đó nữ", 60,
         "Tử số"),
        ("CT6", 2025, "Toàn quận", "QUAN", "LDTBXH", "Hoạt động", 5, "Số người tham dự", 50,
         "Mẫu số"),
        ("CT6", 2025, "Toàn quận", "QUAN", "LDTBXH", "Hoạt động", 5, "Trong đó nữ", 20,
         "Tử số"),
        ("CT6", 2025, "Toàn quận", "QUAN", "P-MINHKHAI", "Hoạt động", 4, "Số người tham dự",
         150, "Mẫu số"),
        ("CT6", 2025, "Toàn quận", "QUAN", "P-MINHKHAI", "Hoạt động", 4, "Trong đó nữ", 90,
         "Tử số"),
        ("CT6", 2025, "Phường", "P-MINHKHAI", "P-MINHKHAI", "Hoạt động", 4, "Số người tham dự",
         150, "Mẫu số"),
        ("CT6", 2025, "Phường", "P-MINHKHAI", "P-MINHKHAI", "Hoạt động", 4, "Trong đó nữ", 90,
         "Tử số"),
    ] == ct6("Nguồn số liệu", 10)
