"""The indicator portal (reports.portal, tasks.portal) opened in headless Chromium.

One demo run of 2022–2025 with the 2025 reorganised registry (tests/fixtures/
units_reorganised_2025.csv) feeds every test: the annual flow builds output/portal/ after
each year, and the tests read the site as a person would, in Debian's chromium through
Selenium. Screenshots go to test-results/portal/.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from core.registry import DEFAULT_SEEDS_DIR, read_locality, read_registry
from core.report import PROGRESS_STATUS_VI, indicator_value_text
from reports.portal import Cell, Table, table_html
from tests.runs import flow_paths
from tests.runs import rows as query

FIXTURES = Path(__file__).parent.parent / "fixtures"
ALTERNATIVE = DEFAULT_SEEDS_DIR.parent / "seeds_alternatives" / "units_reorganised_2025.csv"
AXE = Path(__file__).parent.parent / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "portal"
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
HONG_BANG_PREDECESSORS = ("P-HUNGVUONG", "P-SODAU", "P-THUONGLY", "P-MINHKHAI",
                          "P-HOANGVANTHU", "P-PHANBOICHAU")
PAGE_LIMIT = 300 * 1024

needs_browser = pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                                   reason="Debian chromium and chromium-driver are not installed")


@pytest.fixture(scope="module")
def demo_portal(prefect_api, tmp_path_factory):
    """Demo workbooks 2022–2025 for the reorganised registry, run year by year through the
    annual flow; yields (portal folder, warehouse path)."""
    from demo.generate import generate
    from flows.annual_report import annual_report

    root = tmp_path_factory.mktemp("portal")
    seeds = root / "seeds"
    shutil.copytree(DEFAULT_SEEDS_DIR, seeds)
    shutil.copy(ALTERNATIVE, seeds / "units.csv")
    generate(root / "reports", range(2022, 2026), read_registry(seeds))
    for year in range(2022, 2026):
        annual_report(year=year, **flow_paths(root, seeds))
    return root / "out" / "portal", root / "w.duckdb"


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1280,900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def open_page(driver, portal: Path, relative: str) -> None:
    driver.get((portal / relative).as_uri())


def table_rows(driver, caption_start: str) -> list[list[str]]:
    """The body rows (cell texts) of the table whose caption starts with `caption_start`."""
    from selenium.webdriver.common.by import By

    for table in driver.find_elements(By.TAG_NAME, "table"):
        if table.find_element(By.TAG_NAME, "caption").text.startswith(caption_start):
            return [[c.text for c in row.find_elements(By.CSS_SELECTOR, "th, td")]
                    for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")]
    raise AssertionError(f"no table captioned {caption_start!r}")


def screenshot(driver, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def test_shipped_alternative_registry_is_the_tested_fixture():
    """The documented 2025 registry (warehouse/seeds_alternatives) is the tests' fixture."""
    assert (FIXTURES / "units_reorganised_2025.csv").read_bytes() == ALTERNATIVE.read_bytes()


def test_table_cells_are_escaped():
    """Text from a workbook or the registry reaches the page as text, never as markup."""
    table = Table("<b>", ("Đơn vị",), ((Cell('<script>alert("x")</script>', href="a&b.html"),),))
    html = table_html(table, "t", "../", "tai-ve/x-1", "tai-ve/x")
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert 'href="../a&amp;b.html"' in html


@needs_browser
def test_every_page_loads_light_with_no_console_error_and_no_broken_link(demo_portal, browser):
    """Every HTML page of the portal opens from the folder with no console error, is under
    300 KB, and each of its links points at a file of the site (or an id on the page)."""
    portal, _ = demo_portal
    pages = sorted(portal.rglob("*.html"))
    assert len(pages) > 50
    broken, errors, heavy = [], [], []
    for page in pages:
        if page.stat().st_size > PAGE_LIMIT:
            heavy.append(page.name)
        browser.get(page.as_uri())
        errors += [(page.name, e["message"]) for e in browser.get_log("browser")
                   if e["level"] == "SEVERE"]
        links = browser.execute_script(
            "return Array.from(document.querySelectorAll('a[href], link[href]'))"
            ".map(a => a.href)")
        for link in links:
            url = urlparse(link)
            if url.scheme == "data":
                continue
            target = Path(unquote(url.path))
            if url.scheme != "file" or not target.is_file() or portal not in target.parents:
                broken.append((page.name, link))
            elif url.fragment and target == page and not browser.execute_script(
                    "return document.getElementById(arguments[0]) !== null", url.fragment):
                broken.append((page.name, link))
    assert ([], [], []) == (broken, errors, heavy)
    for name in ("index.html", "chi-tieu/CT5.html", "don-vi/P-HONGBANG.html"):
        open_page(browser, portal, name)
        screenshot(browser, name.replace("/", "-").removesuffix(".html"))
    browser.set_window_size(390, 844)  # a phone
    open_page(browser, portal, "chi-tieu/CT5.html")
    wide = browser.execute_script("return document.documentElement.scrollWidth")
    screenshot(browser, "phone-CT5")
    browser.set_window_size(1280, 900)
    assert wide <= 390  # no sideways scrolling of the page (tables scroll in their own box)


@needs_browser
def test_home_tiles_show_the_marts_latest_values(demo_portal, browser):
    """Each tile shows the latest district value, its target and milestone as in
    marts.indicator_values and the Open SDG status of marts.indicator_progress; in 2025
    (two wards) CT5 is 16/16 = 100,0%, achieved; CT3 has no survey yet; 2/2 reports."""
    from selenium.webdriver.common.by import By

    portal, warehouse = demo_portal
    open_page(browser, portal, "index.html")
    shown = {}
    for tile in browser.find_elements(By.CSS_SELECTOR, ".tile"):
        shown[tile.get_attribute("data-indicator")] = tuple(
            tile.find_element(By.CSS_SELECTOR, f"dd.{k}").text
            for k in ("value", "target", "milestone", "status"))
    expected = {}
    for code, value, target, milestone, status in query(warehouse, """
            select v.indicator_code, v.value, v.target, v.milestone_year, p.status
            from marts.indicator_values v
            left join marts.indicator_progress p using (indicator_code, year, scope,
                scope_code, milestone_year)
            where v.scope = 'district' and v.year = 2025 order by 1"""):
        expected[code] = (indicator_value_text("rate", value),
                          indicator_value_text("rate", target), str(milestone),
                          PROGRESS_STATUS_VI[status])
    assert expected == shown
    assert ("100,0%", "95,0%", "2025", "Đạt") == shown["CT5"]
    assert ("–", "–", "2030", "Chưa có số liệu") == shown["CT3"]
    completeness = browser.find_element(By.CSS_SELECTOR, ".completeness")
    assert ("2", "2") == (completeness.get_attribute("data-received"),
                          completeness.get_attribute("data-expected"))


@needs_browser
def test_indicator_page_chart_has_alt_text_and_its_table_is_the_mart(demo_portal, browser):
    """CT5's chart is an image with a title and a description giving each value, and the
    series table lists 2022–2030 with the values of marts.indicator_values (2024: 89/94)."""
    from selenium.webdriver.common.by import By

    portal, warehouse = demo_portal
    open_page(browser, portal, "chi-tieu/CT5.html")
    chart = browser.find_element(By.CSS_SELECTOR, "figure svg[role=img]")
    title = chart.find_element(By.TAG_NAME, "title").get_attribute("textContent")
    desc = chart.find_element(By.TAG_NAME, "desc").get_attribute("textContent")
    assert title.startswith("CT5")
    assert "2024: 94,7%" in desc and "2025: 100,0%" in desc
    rows = table_rows(browser, "CT5: giá trị toàn quận")
    mart = {year: (indicator_value_text("rate", v), n, d)
            for year, v, n, d in query(warehouse, """
                select year, value, numerator::int, denominator::int from marts.indicator_values
                where indicator_code = 'CT5' and scope = 'district'""")}
    assert [str(y) for y in range(2022, 2031)] == [r[0] for r in rows]
    assert {y: (v, str(n), str(d)) for y, (v, n, d) in mart.items()} == {
        int(r[0]): (r[1], r[2], r[3]) for r in rows if r[1] != "–"}
    assert ["2024", "94,7%", "89", "94"] == rows[2][:4]
    download = (portal / "tai-ve" / "chi-tieu-CT5-1.csv").read_text(encoding="utf-8-sig")
    lines = download.splitlines()
    assert "Năm,Giá trị,Tử số,Mẫu số,Chỉ tiêu của năm,Đánh giá" == lines[0]
    assert lines[3].startswith("2024,0.946808")
    assert lines[3].endswith(",89,94,0.95,Chưa đến mốc đánh giá")
    assert "2030,,,,,Chưa có số liệu" == lines[9]
    from openpyxl import load_workbook

    book = load_workbook(portal / "tai-ve" / "chi-tieu-CT5.xlsx", read_only=True)
    sheet = list(book["Bảng 1"].iter_rows(values_only=True))
    assert ("CT5: giá trị toàn quận theo năm",) == sheet[0][:1]
    assert (2024, 89, 94) == (sheet[4][0], sheet[4][2], sheet[4][3])


@needs_browser
def test_lineage_link_of_a_ward_figure_lists_exactly_its_cells(demo_portal, browser):
    """From Minh Khai's CT5 reading of 2024 (10 of 11 conventions), the link opens the list
    of the cells it is made of: the same rows as marts.figure_lineage, nothing else, and
    they add up to 10 and 11."""
    from selenium.webdriver.common.by import By

    portal, warehouse = demo_portal
    open_page(browser, portal, "chi-tieu/CT5.html")
    link = browser.find_element(By.CSS_SELECTOR,
                                'a[href$="nguon/CT5-2024-ward-P-MINHKHAI.html"]')
    assert "90,9%" == link.text
    link.click()
    rows = table_rows(browser, "Các ô số liệu tạo nên CT5 năm 2024")
    expected = query(warehouse, """
        select unit_code, tab, sheet_row, column_key, value, counts_as
        from marts.figure_lineage where indicator_code = 'CT5' and year = 2024
            and scope = 'ward' and scope_code = 'P-MINHKHAI' order by all""")
    names = {"numerator": "Tử số", "denominator": "Mẫu số"}
    headers = {"conventions_non_discriminatory": "Trong đó không có nội dung phân biệt đối xử "
               "về giới", "conventions_total": "Số hương ước, quy ước đã thông qua"}
    assert [("UBND phường Minh Khai", tab, str(row), headers[column], f"{value:g}", names[role])
            for _, tab, row, column, value, role in expected] == [tuple(r[:6]) for r in rows]
    sums = {key: sum(int(r[4]) for r in rows if r[3] == header)
            for key, header in headers.items()}
    assert {"conventions_non_discriminatory": 10, "conventions_total": 11} == sums
    assert all(r[6] == "P-MINHKHAI.xlsx" for r in rows)  # the file, not the machine's path
    screenshot(browser, "lineage-CT5-2024-P-MINHKHAI")


@needs_browser
def test_successor_ward_carries_its_predecessors_history_without_double_count(demo_portal,
                                                                               browser):
    """Hồng Bàng (from 01/07/2025) shows the CT1 and CT5 readings of its six predecessors for
    2022–2024; on CT5's page its 2024 value adds up theirs (59/64 = 92,2%), and the 2025 ward
    total is the sum over the two wards active on 10/12/2025 (8/8 + 8/8 = 16/16), the same
    as the district's 2025 figure."""
    portal, warehouse = demo_portal
    open_page(browser, portal, "don-vi/P-HONGBANG.html")
    history = table_rows(browser, "Chỉ tiêu theo phường")
    wards = dict(query(warehouse, "select unit_name, unit_code from ref.units"))
    expected = query(warehouse, """
        select year, indicator_code, scope_code from marts.indicator_values
        where scope = 'ward' and (scope_code in ? or scope_code = 'P-HONGBANG')
        order by indicator_code, year, scope_code""", list(HONG_BANG_PREDECESSORS))
    assert [(int(r[0]), r[1], wards[r[2]]) for r in history] == [
        (y, c, u) for y, c, u in expected]
    assert {2022, 2023, 2024} == {int(r[0]) for r in history if wards[r[2]] != "P-HONGBANG"}
    assert 36 == sum(wards[r[2]] != "P-HONGBANG" for r in history)  # 6 wards × 3 years × 2
    reports = table_rows(browser, "Báo cáo của các đơn vị tiền thân")
    assert sorted((y, u) for y in (2022, 2023, 2024) for u in HONG_BANG_PREDECESSORS) == sorted(
        (int(r[0]), wards[r[1]]) for r in reports)

    open_page(browser, portal, "chi-tieu/CT5.html")
    followed = {(r[0], r[1]): r[2:5] for r in table_rows(browser, "CT5: theo phường hiện nay")}
    assert ["92,2%", "59", "64"] == followed[("UBND phường Hồng Bàng", "2024")]
    assert ["100,0%", "8", "8"] == followed[("UBND phường Hồng Bàng", "2025")]
    totals = {r[0]: r[1:] for r in table_rows(browser, "CT5: tổng các phường")}
    active = query(warehouse, """
        select sum(numerator)::int, sum(denominator)::int from marts.indicator_values
        where indicator_code = 'CT5' and year = 2025 and scope = 'ward'
            and scope_code in ('P-HONGBANG', 'P-HONGAN')""")[0]
    district = query(warehouse, """
        select numerator::int, denominator::int from marts.indicator_values
        where indicator_code = 'CT5' and year = 2025 and scope = 'district'""")[0]
    assert ["2", "100,0%", "16", "16"] == totals["2025"]
    assert (16, 16) == active == district


@needs_browser
def test_keyboard_reaches_the_skip_link_then_the_content(demo_portal, browser):
    """The first Tab lands on «Bỏ qua, đến nội dung chính», and following it moves to <main>."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    portal, _ = demo_portal
    open_page(browser, portal, "chi-tieu/CT5.html")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    focused = browser.switch_to.active_element
    assert "Bỏ qua, đến nội dung chính" == focused.text
    focused.send_keys(Keys.ENTER)
    assert browser.current_url.endswith("#noi-dung")


@needs_browser
def test_axe_finds_no_serious_or_critical_violation(demo_portal, browser):
    """axe-core (vendored in tests/vendor) on one page of each kind: home, indicator, unit
    with predecessors, lineage, unit list."""
    portal, _ = demo_portal
    script = AXE.read_text(encoding="utf-8")
    found = {}
    for name in ("index.html", "chi-tieu/CT5.html", "chi-tieu/CT1.html",
                 "don-vi/P-HONGBANG.html", "don-vi/index.html",
                 "nguon/CT5-2024-ward-P-MINHKHAI.html"):
        open_page(browser, portal, name)
        browser.execute_script(script)
        result = browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document).then(r => done({passes: r.passes.length, violations: "
            "r.violations.map(v => [v.id, v.impact, v.nodes.length])}))"
            ".catch(e => done({passes: 0, violations: [['axe-error', String(e), 0]]}));")
        assert result["passes"] > 10, result  # axe really ran its rules on the page
        found[name] = [v for v in result["violations"]
                       if v[1] in ("serious", "critical") or v[0] == "axe-error"]
    assert {name: [] for name in found} == found


def test_successor_series_counts_each_unit_only_while_it_is_active():
    """Wards A (9/10 in 2024) and B (5/5) merge into C on 01/07/2025: C's 2024 reading is
    14/15 from A and B; in 2025 only C counts (8/8), even if A's closed-unit row (3/3) were
    there, so nothing is counted twice; a year left with no active unit keeps its columns."""
    import pandas as pd

    from reports.portal import PortalData, active_readings, successor_series

    day = pd.Timestamp
    units = pd.DataFrame({
        "unit_code": ["A", "B", "C"], "unit_name": ["A", "B", "C"],
        "unit_kind": ["ward"] * 3, "successor_codes": ["C", "C", None],
        "is_reporting": [True] * 3,
        "valid_from": [day("2022-01-01"), day("2022-01-01"), day("2025-07-01")],
        "valid_to": [day("2025-06-30"), day("2025-06-30"), pd.NaT]})
    values = pd.DataFrame({
        "indicator_code": ["CT5"] * 4, "scope": ["ward"] * 4,
        "scope_code": ["A", "B", "C", "A"], "year": [2024, 2024, 2025, 2025],
        "numerator": [9.0, 5.0, 8.0, 3.0], "denominator": [10.0, 5.0, 8.0, 3.0]})
    indicators = pd.DataFrame({"indicator_code": ["CT5"], "measure": ["rate"]})
    empty = pd.DataFrame()
    data = PortalData(indicators, empty, empty, units, empty, values, empty,
                      pd.DataFrame({"year": [], "unit_code": [], "unit_name": []}), empty, empty,
                      read_locality())
    series = successor_series(data, "CT5", "C")
    assert [(2024, 14.0, 15.0, ("A", "B")), (2025, 8.0, 8.0, ("C",))] == [
        (r.year, r.numerator, r.denominator, r.units) for r in series.itertuples()]
    assert [14 / 15, 1.0] == list(series["value"])
    closed = active_readings(data, values[values["scope_code"] == "A"].tail(1), 2025)
    assert (0, list(values.columns)) == (len(closed), list(closed.columns))
