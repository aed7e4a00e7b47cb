"""The operator's journey in a real browser: Debian's chromium, driven by Selenium, on the
Prefect UI that `make serve` serves (flows.serve), with basic auth on and the browser in
Vietnam's time zone. The service reads the units' Google Sheets from the emulator (small
registry: LDTBXH and VHTT send reports for 2023 and 2024).

Screenshots of every step are written to test-results/operator-journey/ (ignored by git).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlparse

import duckdb
import pytest
from openpyxl import Workbook, load_workbook

from core.runtime import PROJECT_DIR
from tests.emulator import Fault, running_emulator
from tests.service_helpers import (
    declared_deployments,
    next_occurrence,
    running_service,
    wait_final,
)
from tests.workbooks import report_workbook

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
LOCAL_TZ = "Asia/Ho_Chi_Minh"
AUTH = f"van-hanh:{secrets.token_hex(8)}"
SHOTS = PROJECT_DIR / "test-results" / "operator-journey"
HORIZON = timedelta(days=1830)  # the scheduler plans this far ahead (the 2030 review too)
REGISTER = "so-dang-ky"
UNITS = ("LDTBXH", "VHTT")
ACTIVITY = {"activity_code": "1a", "description": "Mít tinh", "form": "Khác",
            "audience": "Người dân, cộng đồng", "sessions": 2}
# The deployment page: "Next Run", the run's card, then its time in the browser's zone.
NEXT_RUN = re.compile(r"Next Run\n(?:.*\n)*?(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d [AP]M)")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--window-size=1400,1000",
                  "--lang=en-US")


def _require(condition: bool, reason: str) -> None:
    """Skip on a developer's machine without the part; in CI the part must be there."""
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI installs it: .ci/run)")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def sheets(tmp_path_factory):
    """The emulator with a register and the two units' spreadsheets for 2023 and 2024."""
    folder = tmp_path_factory.mktemp("operator-sheets")
    register = Workbook()
    register.active.title = "Sổ đăng ký"
    register.active.append(["Năm", "Mã đơn vị", "Bảng tính"])
    with running_emulator(folder / "drive") as emu:
        for year in (2023, 2024):
            for unit in UNITS:
                path = report_workbook(folder / "src" / f"{unit}-{year}.xlsx", unit, year,
                                       completed_on=f"01/12/{year}", activities=[ACTIVITY])
                emu.add_spreadsheet(f"bc-{year}-{unit}", path)
                register.active.append([year, unit, f"bc-{year}-{unit}"])
        emu.add_spreadsheet(REGISTER, register)
        yield emu


@pytest.fixture(scope="module")
def service(sheets, small_registry, tmp_path_factory):
    """`make serve` with basic auth on, the Google Sheets source on the emulator, and the
    scheduler planning every schedule of prefect.yaml (the 2030 review too)."""
    _require(CHROMIUM.exists() and CHROMEDRIVER.exists(),
             "Debian's chromium and chromium-driver are not installed")
    home = tmp_path_factory.mktemp("operator-service")
    settings = {
        "PREFECT_SERVER_API_AUTH_STRING": AUTH,
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5",
        "PREFECT_WORKER_QUERY_SECONDS": "2",  # the worker picks a new run up sooner
        "PREFECT_SERVER_SERVICES_SCHEDULER_MAX_SCHEDULED_TIME": f"P{HORIZON.days}D",
        "HB_SOURCE": "gsheets", "HB_GSHEETS_REGISTER": REGISTER,
        "HB_GSHEETS_CREDENTIALS": "anonymous", "HB_GSHEETS_API_BASE_URL": sheets.base_url,
        "HB_GSHEETS_READS_PER_MINUTE": "0",
        "HB_GSHEETS_WRITES_PER_MINUTE": "0", "HB_GSHEETS_MAX_RETRIES": "0",
        "HB_GSHEETS_FEEDBACK": "false",
        "HB_WAREHOUSE": str(home / "data" / "warehouse.duckdb"),
        "HB_OUTPUT_DIR": str(home / "output"), "HB_SEEDS_DIR": str(small_registry),
    }
    with running_service(home, settings) as running:
        yield running


@pytest.fixture(scope="module")
def client(service):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: service.api_url, PREFECT_API_AUTH_STRING: AUTH}):
        with get_client(sync_client=True) as sync_client:
            yield sync_client


class Operator:
    """A person at the browser: opens pages, clicks what they read, takes screenshots."""

    def __init__(self, driver, address: str) -> None:
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver = driver
        self.address = address
        # the UI re-renders as data arrives: an element found may be replaced at once
        self.wait = WebDriverWait(driver, 90,
                                  ignored_exceptions=(StaleElementReferenceException,))
        self.first_page = ""
        shutil.rmtree(SHOTS, ignore_errors=True)  # only this run's steps
        SHOTS.mkdir(parents=True)

    def open(self, path: str) -> None:
        self.driver.get(self.address + path)

    def element(self, xpath: str):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ready

        return self.wait.until(ready.element_to_be_clickable((By.XPATH, xpath)))

    def _act(self, xpath: str, action) -> None:
        """Find the element and act on it, again if the page replaced it meanwhile."""
        from selenium.common.exceptions import (
            ElementClickInterceptedException,
            NoSuchElementException,
            StaleElementReferenceException,
        )
        from selenium.webdriver.common.by import By

        def done(driver) -> bool:
            try:
                element = driver.find_element(By.XPATH, xpath)
                if not (element.is_displayed() and element.is_enabled()):
                    return False
                action(element)
                return True
            except (ElementClickInterceptedException, NoSuchElementException,
                    StaleElementReferenceException):
                return False

        self.wait.until(done)

    def click(self, xpath: str) -> None:
        self._act(xpath, lambda element: element.click())

    def type(self, xpath: str, text: str) -> None:
        self._act(xpath, lambda element: (element.clear(), element.send_keys(text)))

    def sees(self, *texts: str) -> str:
        """Wait until the page shows every text; the page's text."""
        from selenium.webdriver.common.by import By

        def shown(driver):
            body = driver.find_element(By.TAG_NAME, "body").text
            return body if all(text in body for text in texts) else False

        return self.wait.until(shown)

    def until(self, condition):
        """Wait until condition(the page's text) is truthy; that value."""
        from selenium.webdriver.common.by import By

        return self.wait.until(lambda driver: condition(
            driver.find_element(By.TAG_NAME, "body").text))

    def scroll_to(self, text: str) -> None:
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})",
                                   self.element(f"//*[normalize-space()='{text}']"))

    def shot(self, name: str) -> Path:
        path = SHOTS / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path


@pytest.fixture(scope="module")
def operator(service):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    options.page_load_strategy = "eager"
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    driver_service = Service(str(CHROMEDRIVER), env={**os.environ, "TZ": LOCAL_TZ})
    driver = webdriver.Chrome(service=driver_service, options=options)
    try:
        person = Operator(driver, service.api_url.removesuffix("/api"))
        person.open("/")
        person.element("//input")
        person.first_page = driver.current_url
        person.shot("01-login")
        person.type("//input", AUTH)
        person.click("//button[normalize-space()='Login']")
        person.sees("Dashboard")
        yield person
    finally:
        driver.quit()


def _deployment_ids(client) -> dict[str, str]:
    return {d.name: str(d.id) for d in client.read_deployments()}


def test_the_ui_asks_for_the_login_then_shows_every_deployment_and_its_next_run_in_local_time(
        service, client, operator):
    """Without the auth string the API answers 401 and the UI opens on its login page; once
    logged in, the deployments page lists every deployment of prefect.yaml, and each
    deployment's page shows its next run at the local time its schedule says (07:00 for the
    collection window…), worked out from prefect.yaml here, not read from Prefect."""
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{service.api_url}/deployments/filter", data=b"{}", timeout=30)
    assert 401 == refused.value.code
    assert "/login" in operator.first_page
    operator.click("//a[normalize-space()='Deployments']")
    declared = declared_deployments()
    operator.sees(f"{len(declared)} Deployments", *declared)
    operator.shot("02-deployments")

    now = datetime.now(UTC)
    expected: dict[str, str | None] = {}
    for name, deployment in declared.items():
        times = [t for s in deployment.get("schedules") or [] if s.get("active", True)
                 if (t := next_occurrence(s, now, HORIZON)) is not None]
        expected[name] = f"{min(times):%Y/%m/%d %I:%M:%S %p}" if times else None
    ids = _deployment_ids(client)
    shown: dict[str, str | None] = {}
    for name in declared:
        runs = _wait_scheduled(client, name, expected[name] is not None)
        if not runs:  # nothing planned: the API says so, the page has no next run to show
            shown[name] = None
            continue
        operator.open(f"/v2/deployments/deployment/{ids[name]}")
        shown[name] = operator.until(lambda page: (found := NEXT_RUN.search(page)) and
                                     found.group(1))
        operator.shot(f"03-next-run-{name}")
    assert expected == shown


def _wait_scheduled(client, name: str, any_expected: bool, timeout: float = 120.0) -> list:
    """The scheduled runs of a deployment, once the scheduler has planned them."""
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    deadline = time.monotonic() + timeout
    while True:
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[name])),
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(
                type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))))
        if runs or not any_expected or time.monotonic() > deadline:
            return runs
        time.sleep(2)


def _fetch_rows(warehouse: Path, year: int) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select count(*) from raw.fetches where year = ?", [year]).fetchone()[0]


def test_a_failed_collection_window_run_retried_from_the_ui_resumes_without_refetching(
        service, client, operator, sheets):
    """The register spreadsheet refuses the status write (503): the collection-window run
    for 2024 fails and its page says why, in Vietnamese. The operator clicks Retry: the run
    completes, writes the status tab, and neither unit's spreadsheet is asked for anything
    again (no new request to either, the same raw.fetches rows)."""
    from prefect.deployments import run_deployment

    sheets.inject(REGISTER, Fault.error(503, only="sheets.batchUpdate"))
    run = run_deployment("collection-window/collection-window", parameters={"year": 2024},
                         timeout=0)
    failed = wait_final(client, run.id)
    assert "FAILED" == failed.state.type.value
    warehouse = service.home / "data" / "warehouse.duckdb"
    batch_gets = {unit: sheets.count("sheets.values.batchGet", f"bc-2024-{unit}")
                  for unit in UNITS}
    requests = {unit: sheets.count(spreadsheet_id=f"bc-2024-{unit}") for unit in UNITS}
    fetch_rows = _fetch_rows(warehouse, 2024)
    # first the template's tab names (these workbooks lack some: 400), then the tabs found
    assert {"LDTBXH": 2, "VHTT": 2} == batch_gets

    operator.open(f"/v2/runs/flow-run/{run.id}")
    operator.sees("collection-window-2024", "Failed")
    operator.click("//button[@role='tab'][normalize-space()='Details']")
    page = operator.sees("State Message")
    operator.scroll_to("State Message")
    operator.shot("04-failed-run")
    assert "Máy chủ Google gặp lỗi 503" in page

    operator.click("(//button[@aria-haspopup='menu'])[1]")  # the run's menu, top right
    operator.click("//*[@role='menuitem'][normalize-space()='Retry']")
    operator.sees("Retry Flow Run", "AwaitingRetry")
    operator.shot("05-retry-confirm")
    operator.click("//*[@role='dialog' or @role='alertdialog']//button[normalize-space()='Retry']")
    deadline = time.monotonic() + 60
    while client.read_flow_run(run.id).state.is_failed() and time.monotonic() < deadline:
        time.sleep(1)
    retried = wait_final(client, run.id)
    assert "COMPLETED" == retried.state.type.value
    operator.open(f"/v2/runs/flow-run/{run.id}")
    operator.sees("collection-window-2024", "Completed")
    operator.click("//button[@role='tab'][normalize-space()='Task Runs']")
    operator.sees("pull 2024", "Cached")  # the resumed run took the pull's persisted result
    operator.shot("06-retried-run-completed")
    assert requests == {unit: sheets.count(spreadsheet_id=f"bc-2024-{unit}") for unit in UNITS}
    assert fetch_rows == _fetch_rows(warehouse, 2024)
    status_tab = load_workbook(sheets.path(REGISTER))["Tình hình nộp báo cáo 2024"]
    assert "Tình hình nộp báo cáo năm 2024 (hạn 10/12/2024)" == status_tab["A1"].value


def test_a_custom_run_of_annual_report_for_2023_from_the_form_shows_its_artifacts(
        service, client, operator):
    """From the annual-report deployment, Run → Custom run, year 2023, Submit: the run
    completes on the worker, and its page lists the submission-status and indicator tables
    and the links to the report files, which exist."""
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName

    operator.open(f"/v2/deployments/deployment/{_deployment_ids(client)['annual-report']}")
    operator.click("//button[normalize-space()='Run']")
    operator.click("//*[@role='menuitem'][normalize-space()='Custom run']")
    year = ("//label[starts-with(normalize-space(), 'year')]"
            "/ancestor::div[contains(@class, 'group')][1]")
    operator.click(f"{year}//button[@role='tab'][normalize-space()='int']")
    operator.type(f"{year}//input", "2023")
    operator.shot("07-custom-run-form")
    operator.click("//button[normalize-space()='Submit']")

    deadline = time.monotonic() + 60
    runs = []
    while not runs and time.monotonic() < deadline:
        runs = [r for r in client.read_flow_runs(deployment_filter=DeploymentFilter(
            name=DeploymentFilterName(any_=["annual-report"]))) if r.parameters.get("year") == 2023]
        time.sleep(1)
    assert 1 == len(runs)
    done = wait_final(client, runs[0].id)
    assert "COMPLETED" == done.state.type.value

    operator.open(f"/v2/runs/flow-run/{done.id}")
    operator.sees("annual-report-2023", "Completed")
    operator.click("//button[@role='tab'][normalize-space()='Artifacts']")
    keys = ("submission-status-2023", "indicator-values-2023", "document-bao-cao-2023-docx",
            "document-bao-cao-2023-html")
    operator.sees(*keys)
    operator.shot("08-artifacts")
    operator.click("//*[normalize-space()='document-bao-cao-2023-docx']")
    operator.click("//button[@role='tab'][normalize-space()='Raw']")
    raw = operator.sees("bao-cao-2023.docx", "file://")
    operator.shot("09-report-link")
    uri = raw[raw.index("file://"):].split(")")[0].split()[0]
    report = Path(unquote(urlparse(uri).path))
    assert ("bao-cao-2023.docx", True) == (report.name, report.is_file())
