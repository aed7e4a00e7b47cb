"""The Google Sheets source against the emulator (tests/emulator), with the real gspread
client over HTTP: settings and secrets, the register, request counts, faults, values as
they are, feedback to the units and provisioning.

Four units (small registry): LDTBXH, VHTT, P-MINHKHAI, P-HALY, one spreadsheet each for
2024 with the template's tab names unless a test says otherwise. Retries sleep through a
recorder, so a 429 storm costs no wall time and the waits can be checked.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook, load_workbook

from admin.provision import provision_unit
from core.registry import read_registry
from core.settings import RunSettings, SettingError, settings_from
from core.template import TABS
from sources.feedback import STATUS_DRAFT, STATUS_ERRORS, STATUS_RECEIVED
from sources.gsheets import (
    SCOPES_PROVISION,
    SCOPES_READ,
    CredentialError,
    Quota,
    RateLimiter,
    RetryPolicy,
    SheetsApi,
    load_service_account,
    route,
)
from sources.gsheets_pull import FEEDBACK_TAB
from sources.register import assign_year, parse_register
from sources.workbook_json import read_workbook_json
from tasks.feedback import write_feedback
from tasks.pull import pull_gsheets
from tasks.validate import fetch_issues, validate_submissions
from tests.emulator import ANY, DRIVE_LISTING, Emulator, Fault, running_emulator
from tests.keys import key_fragments, service_account
from tests.workbooks import general_rows, report_workbook, table_rows, write_grid

YEAR = 2024
UNITS = ("LDTBXH", "P-HALY", "P-MINHKHAI", "VHTT")
ACTIVITY = {"activity_code": "1a", "description": "Mít tinh", "form": "Khác",
            "audience": "Người dân, cộng đồng", "sessions": 2, "is_law_dissemination": "Có",
            "budget_state_vnd": 15_000_000, "started_on": "20/11/2024"}
LISTING, BATCH_GET, METADATA = DRIVE_LISTING, "sheets.values.batchGet", "sheets.get"


def sid(unit: str) -> str:
    return f"s-{YEAR}-{unit}"


def url(unit: str) -> str:
    return f"https://docs.google.com/spreadsheets/d/{sid(unit)}/edit#gid=0"


def workbook_file(folder: Path, unit: str, sessions: int = 2, complete: str = "Có",
                  **tables) -> Path:
    """A unit's report with every template tab (the optional ones empty)."""
    tables = {"activities": [{**ACTIVITY, "sessions": sessions}], "media_outlets": [],
              "conventions": [], "survey": [], **tables}
    return report_workbook(folder / f"{unit}.xlsx", unit, YEAR, complete=complete, **tables)


@pytest.fixture()
def emu(tmp_path):
    """The emulator with Drive pages of 3 files, one spreadsheet per unit, and a CSV
    register naming them."""
    with running_emulator(tmp_path / "drive", drive_page_cap=3) as emulator:
        lines = ["year,unit_code,spreadsheet"]
        for unit in UNITS:
            emulator.add_spreadsheet(sid(unit), workbook_file(tmp_path / "xlsx", unit),
                                     title=f"Báo cáo {YEAR} {unit}")
            lines.append(f"{YEAR},{unit},{url(unit)}")
        (tmp_path / "register.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        yield emulator


def make_settings(emu: Emulator, root: Path, seeds: Path, **given) -> RunSettings:
    values = dict(source="gsheets", gsheets_register=str(root / "register.csv"),
                  gsheets_credentials="anonymous", gsheets_api_base_url=emu.base_url,
                  warehouse=str(root / "w.duckdb"), seeds_dir=str(seeds),
                  gsheets_reads_per_minute=0, gsheets_writes_per_minute=0,
                  gsheets_timeout_seconds=2,
                  gsheets_max_retries=3, gsheets_workers=2)
    return settings_from(**{**values, **given})


@pytest.fixture()
def settings(emu, tmp_path, small_registry) -> RunSettings:
    return make_settings(emu, tmp_path, small_registry)


class Sleeps(list):
    """Records each back-off wait instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def api_for(settings: RunSettings, sleeps: Sleeps | None = None, scopes=SCOPES_READ,
            **policy) -> SheetsApi:
    retry = RetryPolicy(max_retries=settings.gsheets.max_retries,
                        timeout=settings.gsheets.timeout_seconds,
                        sleep=sleeps if sleeps is not None else Sleeps(), **policy)
    return SheetsApi.open(settings.gsheets, scopes, policy=retry)


def counts(emu: Emulator) -> dict[str, int]:
    return dict(Counter(r.kind for r in emu.requests()))


def by_spreadsheet(emu: Emulator) -> dict[str, list[tuple[str, int]]]:
    """Unit → (kind, status) of each request about its spreadsheet, in order."""
    found: dict[str, list[tuple[str, int]]] = {}
    for record in emu.requests():
        if record.spreadsheet_id:
            unit = record.spreadsheet_id.removeprefix(f"s-{YEAR}-")
            found.setdefault(unit, []).append((record.kind, record.status))
    return found


def fetch_rows(settings: RunSettings) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute("select unit_code, outcome, snapshot_id, detail from raw.fetches "
                           "order by fetch_id").fetchall()


def current(settings: RunSettings) -> dict[str, str]:
    """Unit → snapshot id of its latest good fetch."""
    current_ids: dict[str, str] = {}
    for unit, outcome, snapshot, _ in fetch_rows(settings):
        if outcome == "snapshot":
            current_ids[unit] = snapshot
    return current_ids


def snapshot_count(settings: RunSettings) -> int:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute("select count(*) from raw.snapshots").fetchone()[0]


def change(emu: Emulator, tmp_path: Path, unit: str, sessions: int) -> None:
    """The unit edits its spreadsheet (new content, later modifiedTime)."""
    emu.add_spreadsheet(sid(unit), workbook_file(tmp_path / "edit", unit, sessions))


# --- the client --------------------------------------------------------------------------


def test_route_sends_google_prefixes_to_the_base_url():
    """Sheets, Drive and the token endpoint go to the configured base URL; other URLs and
    an empty base URL are left alone."""
    base = "http://proxy.local:8080"
    assert [f"{base}/v4/spreadsheets/x", f"{base}/drive/v3/files", f"{base}/token",
            "https://example.org/a", "https://sheets.googleapis.com/v4/x"] == [
        route("https://sheets.googleapis.com/v4/spreadsheets/x", base),
        route("https://www.googleapis.com/drive/v3/files", base),
        route("https://oauth2.googleapis.com/token", base),
        route("https://example.org/a", base),
        route("https://sheets.googleapis.com/v4/x", ""),
    ]


def test_rate_limiter_allows_n_requests_in_any_minute_with_a_margin():
    """At 3 a minute, the 4th request waits until the 1st is 65 s old (a minute and the
    5-second margin), the 7th until the 4th is: a sliding window, never more than 3 in
    any 65 seconds; it counts 7 sent, at most 3 in one minute."""
    clock = [0.0]
    sent: list[float] = []

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    limiter = RateLimiter(3, clock=lambda: clock[0], sleep=sleep)
    for _ in range(7):
        limiter.acquire()
        sent.append(clock[0])
        clock[0] += 1.0
    assert [0.0, 1.0, 2.0, 65.0, 66.0, 67.0, 130.0] == sent
    assert (7, 3) == (limiter.sent, limiter.peak)


def test_back_off_grows_with_jitter_and_honours_retry_after():
    """Waits are drawn between half and all of 1, 2, 4, 8 … s (capped), never below a
    Retry-After."""
    policy = RetryPolicy(backoff_base=1.0, backoff_cap=4.0, random=lambda low, high: low)
    top = RetryPolicy(backoff_base=1.0, backoff_cap=4.0, random=lambda low, high: high)
    assert [0.5, 1.0, 2.0, 2.0, 30.0] == [policy.delay(1, None), policy.delay(2, None),
                                          policy.delay(3, None), policy.delay(5, None),
                                          policy.delay(1, 30.0)]
    assert [1.0, 2.0, 4.0, 4.0] == [top.delay(n, None) for n in (1, 2, 3, 9)]


# --- settings and secrets ----------------------------------------------------------------


def test_settings_from_file_env_and_arguments(tmp_path, monkeypatch):
    """A TOML settings file gives values, an environment variable overrides the file, an
    explicit value overrides both; numbers and switches are parsed; reads and writes
    have a limit each."""
    file = tmp_path / "hb.toml"
    file.write_text('source = "gsheets"\n[gsheets]\nregister = "reg.csv"\n'
                    'reads_per_minute = 30\nwrites_per_minute = 20\nfeedback = false\n',
                    encoding="utf-8")
    monkeypatch.setenv("HB_SETTINGS_FILE", str(file))
    monkeypatch.setenv("HB_GSHEETS_WRITES_PER_MINUTE", "45")
    got = settings_from(gsheets_register="other.csv")
    assert ("gsheets", "other.csv", 30, 45, False) == (
        got.source, got.gsheets.register, got.gsheets.reads_per_minute,
        got.gsheets.writes_per_minute, got.gsheets.feedback)


@pytest.mark.parametrize("where", ["env", "file"])
def test_the_removed_requests_per_minute_setting_is_refused(tmp_path, monkeypatch, where):
    """HB_GSHEETS_REQUESTS_PER_MINUTE set reads and writes at once: it is refused, from
    the environment or a settings file, with the two settings that replace it."""
    if where == "env":
        monkeypatch.setenv("HB_GSHEETS_REQUESTS_PER_MINUTE", "30")
    else:
        file = tmp_path / "hb.toml"
        file.write_text("[gsheets]\nrequests_per_minute = 30\n", encoding="utf-8")
        monkeypatch.setenv("HB_SETTINGS_FILE", str(file))
    with pytest.raises(SettingError) as caught:
        settings_from()
    message = str(caught.value)
    assert "HB_GSHEETS_REQUESTS_PER_MINUTE: đã bỏ; hãy dùng HB_GSHEETS_READS_PER_MINUTE và " \
        "HB_GSHEETS_WRITES_PER_MINUTE" == message.split(" (")[0]


@pytest.mark.parametrize(("given", "named"), [
    ({"source": "excel"}, "HB_SOURCE"),
    ({"source": "gsheets"}, "HB_GSHEETS_REGISTER"),
    ({"gsheets_reads_per_minute": "sixty"}, "HB_GSHEETS_READS_PER_MINUTE"),
    ({"gsheets_writes_per_minute": "-1"}, "HB_GSHEETS_WRITES_PER_MINUTE"),
    ({"gsheets_timeout_seconds": "0"}, "HB_GSHEETS_TIMEOUT_SECONDS"),
    ({"gsheets_feedback": "maybe"}, "HB_GSHEETS_FEEDBACK"),
])
def test_a_bad_setting_is_an_error_naming_it(given, named):
    """Each unusable value stops with a message that starts with the setting's name."""
    with pytest.raises(SettingError) as caught:
        settings_from(**given)
    assert named == str(caught.value).split(":")[0]


@pytest.mark.parametrize(("content", "expected"), [
    (None, "HB_GSHEETS_CREDENTIALS: không đọc được tệp khóa"),
    ("{not json SECRET-MARKER",
     "HB_GSHEETS_CREDENTIALS: khóa tài khoản dịch vụ không phải JSON hợp lệ"),
    ('{"type": "service_account", "client_email": "a@b", "private_key_id": "SECRET-MARKER"}',
     "HB_GSHEETS_CREDENTIALS: khóa tài khoản dịch vụ không đúng dạng (thiếu private_key, "
     "token_uri)"),
])
def test_a_missing_or_malformed_key_is_a_clear_error(tmp_path, content, expected):
    """A missing file, broken JSON or a key without its fields: an error naming the
    setting, quoting nothing of the file."""
    path = tmp_path / "key.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    settings = settings_from(gsheets_credentials=str(path)).gsheets
    with pytest.raises(CredentialError) as caught:
        load_service_account(settings)
    assert expected == str(caught.value)[:len(expected)]
    assert "SECRET-MARKER" not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__context__ is None


def test_a_broken_private_key_never_shows_in_the_error(tmp_path):
    """A key whose private_key is not a key: the error names the setting and holds no
    fragment of what was in the file."""
    info = service_account()
    info["private_key"] = info["private_key"].replace("A", "B")[:400] + "\n-----END"
    path = tmp_path / "key.json"
    path.write_text(json.dumps(info), encoding="utf-8")
    settings = settings_from(gsheets_credentials=str(path)).gsheets
    with pytest.raises(CredentialError) as caught:
        SheetsApi.open(settings, SCOPES_READ)
    message = str(caught.value)
    assert "HB_GSHEETS_CREDENTIALS" == message.split(":")[0]
    assert [] == [f for f in key_fragments(info) if f in message]


def test_no_credential_setting_is_an_error_naming_both_settings():
    """Neither a key file nor a Secret block: the error says which settings to set."""
    with pytest.raises(CredentialError) as caught:
        load_service_account(settings_from().gsheets)
    assert "HB_GSHEETS_CREDENTIALS hoặc HB_GSHEETS_CREDENTIALS_BLOCK" == \
        str(caught.value).split(":")[0]


def test_a_bad_key_stops_the_command_with_one_line(tmp_path):
    """`python -m flows.annual_report --source gsheets` with a key file that is not there
    (before: two Prefect tracebacks, ~80 lines): exit code 2, and the person reads one
    Vietnamese line naming the setting, no traceback, nothing on stdout; no run starts.
    (Every malformed key gives the same `CredentialError`, tested above.)"""
    import os
    import subprocess
    import sys

    key_file = tmp_path / "key.json"
    (tmp_path / "register.csv").write_text("year,unit_code,spreadsheet\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.getcwd(), "HB_GSHEETS_CREDENTIALS": str(key_file)}
    done = subprocess.run(
        [sys.executable, "-m", "flows.annual_report", "--year", "2024", "--source", "gsheets",
         "--register", str(tmp_path / "register.csv"), "--warehouse", str(tmp_path / "w.duckdb"),
         "--output-dir", str(tmp_path / "out")],
        env=env, capture_output=True, text=True, timeout=120)
    reason = f"không đọc được tệp khóa {key_file} (FileNotFoundError)."
    assert (2, "", f"Không dùng được khóa Google: HB_GSHEETS_CREDENTIALS: {reason}\n") == \
        (done.returncode, done.stdout, done.stderr)
    assert not (tmp_path / "w.duckdb").exists()


def _keyed_units(emu, tmp_path):
    """A service-account key file for the emulator's token endpoint, every unit's
    spreadsheet and the register listing them: (the key's content, the key file)."""
    info = service_account(emu.token_uri)
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(info), encoding="utf-8")
    lines = ["year,unit_code,spreadsheet"]
    for unit in UNITS:
        emu.add_spreadsheet(sid(unit), workbook_file(tmp_path / "xlsx", unit))
        lines.append(f"{YEAR},{unit},{url(unit)}")
    (tmp_path / "register.csv").write_text("\n".join(lines), encoding="utf-8")
    return info, key_file


def test_the_key_never_reaches_logs_the_warehouse_or_errors(tmp_path, small_registry, caplog):
    """A whole pull with a real service-account key (the emulator requires its token),
    including a 403 for one unit and retried 503s: no fragment of the key and not the
    access token appears in any log record, in raw.fetches, or in an error's text; the
    403's reason names the service account's address (public: the unit must share the
    sheet with it); the pull asked for read-only scopes."""
    caplog.set_level(logging.DEBUG)
    with running_emulator(tmp_path / "drive", require_token=True) as emu:
        info, key_file = _keyed_units(emu, tmp_path)
        emu.inject(sid("VHTT"), Fault.unshared())
        emu.inject(sid("LDTBXH"), Fault.error(503), Fault.error(503))
        settings = make_settings(emu, tmp_path, small_registry,
                                 gsheets_credentials=str(key_file))
        summary = pull_gsheets(settings, YEAR, api=api_for(settings))
        token_request = emu.requests("oauth.token")[0]
        authorized = {r.authorized for r in emu.requests() if r.kind != "oauth.token"}
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        stored = json.dumps(con.execute("select * from raw.fetches").fetchall(), default=str)
        errors = con.execute("select unit_code, detail from raw.fetches "
                             "where outcome = 'error'").fetchall()
    seen = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records) + stored
    secrets = [*key_fragments(info), "emulator-token"]
    assert ("VHTT",) == summary.errors
    assert [("VHTT", "Bảng tính chưa được chia sẻ với tài khoản của hệ thống: hãy chia sẻ bảng "
             "tính (quyền chỉnh sửa) cho địa chỉ pipeline@hongbang.iam.gserviceaccount.com. | "
             "The spreadsheet is not shared with the service account "
             "pipeline@hongbang.iam.gserviceaccount.com (HTTP 403).")] == errors
    assert {True} == authorized
    assert 200 == token_request.status
    assert [] == [s for s in secrets if s in seen]
    assert ("https://www.googleapis.com/auth/spreadsheets.readonly",
            "https://www.googleapis.com/auth/drive.metadata.readonly") == SCOPES_READ


def test_the_key_from_a_prefect_secret_block(prefect_api):
    """HB_GSHEETS_CREDENTIALS_BLOCK names a Prefect Secret block holding the JSON; a
    missing block is an error naming the setting."""
    from prefect.blocks.system import Secret

    info = service_account()
    Secret(value=json.dumps(info)).save("hb-gsheets-test-key", overwrite=True)
    account = load_service_account(
        settings_from(gsheets_credentials_block="hb-gsheets-test-key").gsheets)
    with pytest.raises(CredentialError) as caught:
        load_service_account(settings_from(gsheets_credentials_block="no-such-block").gsheets)
    assert info["client_email"] == account.email
    assert "private_key" not in repr(account) and info["private_key"] not in repr(account)
    assert "HB_GSHEETS_CREDENTIALS_BLOCK" == str(caught.value).split(":")[0]


# --- the register ------------------------------------------------------------------------


def test_register_rows_against_the_registry(small_registry):
    """An expected unit without a row is missing, and said; rows for an unknown unit, a
    unit that does not report, a duplicate, an exact copy of a row, a shared spreadsheet
    and a bad link are reported; other years are ignored."""
    rows = [["Năm", "Mã đơn vị", "Bảng tính"],
            [2024, "LDTBXH", url("LDTBXH")],
            [2024, "LDTBXH", url("LDTBXH")],
            [2024, "vhtt", "s-2024-VHTT"],
            [2024, "VHTT", "s-2024-VHTT-bis"],
            [2024, "XYZ", "s-xyz"],
            [2024, "HHDN", "s-hhdn"],
            [2024, "P-HALY", url("LDTBXH")],
            [2024, "P-MINHKHAI", "https://example.org/not-a-sheet"],
            [2023, "P-MINHKHAI", "s-2023"]]
    parsed, problems = parse_register(rows)
    got = assign_year(parsed, problems, read_registry(small_registry), YEAR)
    assert {"LDTBXH": sid("LDTBXH"), "VHTT": "s-2024-VHTT-bis", "P-HALY": sid("LDTBXH")} == \
        {code: row.spreadsheet_id for code, row in got.spreadsheets.items()}
    assert ("P-MINHKHAI",) == got.missing
    assert [("P-MINHKHAI", "bad_row"), ("LDTBXH", "duplicate_row"), ("VHTT", "duplicate"),
            ("XYZ", "unknown_unit"), ("HHDN", "not_reporting"),
            ("P-HALY", "shared_spreadsheet"), ("P-MINHKHAI", "missing_row")] == \
        [(p.unit_code, p.kind) for p in got.problems]
    assert "Sổ đăng ký, dòng 3 lặp lại dòng 2 (đơn vị LDTBXH năm 2024, cùng bảng tính): hãy " \
        "xóa dòng 3." == got.problems[1].message_vi
    assert "Sổ đăng ký không có dòng nào cho đơn vị P-MINHKHAI (UBND phường Minh Khai) năm " \
        "2024: chưa biết bảng tính của đơn vị; hãy thêm dòng «2024, P-MINHKHAI, đường dẫn " \
        "bảng tính» vào sổ đăng ký." == got.problems[-1].message_vi


class Lines(logging.Handler):
    """The progress lines a person sees on the console (logger hongbang.progress)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    def __enter__(self) -> Lines:
        logger = logging.getLogger("hongbang.progress")
        self._level = logger.level
        logger.setLevel(logging.INFO)
        logger.addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger("hongbang.progress").removeHandler(self)
        logging.getLogger("hongbang.progress").setLevel(self._level)


def test_register_gaps_are_said_and_become_warnings(emu, tmp_path, settings):
    """P-HALY has no row (missing: a 'not_found' fetch, nothing fetched), VHTT's row is
    copied exactly, a row names an unknown unit: each is a warning issue with a
    Vietnamese message naming the unit or the register row, and a console line; the
    others are pulled."""
    text = (tmp_path / "register.csv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if "P-HALY" not in line]
    lines += [line for line in lines if ",VHTT," in line] + ["2024,KHONGCO,s-x"]
    (tmp_path / "register.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with Lines() as console:
        summary = pull_gsheets(settings, YEAR, api=api_for(settings))
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        issues = fetch_issues(con, YEAR, set(UNITS))
    expected = [
        ("KHONGCO", "Sổ đăng ký, dòng 6: mã đơn vị «KHONGCO» không có trong danh mục đơn vị; "
         "hãy sửa mã đơn vị."),
        ("P-HALY", "Sổ đăng ký không có dòng nào cho đơn vị P-HALY (UBND phường Hạ Lý) năm "
         "2024: chưa biết bảng tính của đơn vị; hãy thêm dòng «2024, P-HALY, đường dẫn bảng "
         "tính» vào sổ đăng ký."),
        ("VHTT", "Sổ đăng ký, dòng 5 lặp lại dòng 4 (đơn vị VHTT năm 2024, cùng bảng tính): "
         "hãy xóa dòng 5."),
    ]
    assert (("P-HALY",), ("KHONGCO",), 3) == (summary.not_found, summary.unexpected_files,
                                              summary.fetched)
    assert 3 == counts(emu)[BATCH_GET]
    assert [(unit, "register_problem", "warning") for unit, _ in expected] == \
        [(i.unit_code, i.rule, str(i.severity)) for i in issues]
    assert [message for _, message in expected] == \
        [i.message_vi.split(" (English: ")[0] for i in issues]
    assert {f"Năm 2024: {message}" for _, message in expected} <= set(console.lines)


def test_register_spreadsheet_is_read_once_until_it_changes(emu, tmp_path, small_registry):
    """A register kept in a spreadsheet is read through the same client (one batchGet)
    and reused while its modifiedTime stays: the second pull costs the listing only."""
    book = Workbook()
    book.active.title = "Sổ đăng ký"
    book.active.append(["Năm", "Mã đơn vị", "Bảng tính"])
    for unit in UNITS:
        book.active.append([YEAR, unit, url(unit)])
    emu.add_spreadsheet("register", book, title="Sổ đăng ký báo cáo")
    settings = make_settings(emu, tmp_path, small_registry,
                             gsheets_register="https://docs.google.com/spreadsheets/d/register")
    first = pull_gsheets(settings, YEAR, api=api_for(settings))
    first_counts = counts(emu)
    emu.reset_log()
    pull_gsheets(settings, YEAR, api=api_for(settings))
    assert (4, {LISTING: 2, BATCH_GET: 5}) == (first.fetched, first_counts)
    assert {LISTING: 2} == counts(emu)


# --- request counts ----------------------------------------------------------------------


def test_steady_state_costs_the_listing_and_one_batch_get_per_change(emu, tmp_path, settings):
    """First pull of 4 spreadsheets (Drive pages of 3): 2 listing requests + 4 batchGets,
    no metadata call; nothing changed: the listing only, no new snapshot; one changed:
    the listing + 1 batchGet and one new snapshot."""
    first = pull_gsheets(settings, YEAR, api=api_for(settings))
    first_counts = counts(emu)
    emu.reset_log()
    pull_gsheets(settings, YEAR, api=api_for(settings))
    unchanged_counts, snapshots_after_unchanged = counts(emu), snapshot_count(settings)
    emu.reset_log()
    change(emu, tmp_path, "VHTT", sessions=5)
    third = pull_gsheets(settings, YEAR, api=api_for(settings))
    assert {LISTING: 2, BATCH_GET: 4} == first_counts
    assert (4, 4) == (first.new_snapshots, snapshots_after_unchanged)
    assert {LISTING: 2} == unchanged_counts
    assert {LISTING: 2, BATCH_GET: 1} == counts(emu)
    assert [sid("VHTT")] == [r.spreadsheet_id for r in emu.requests(BATCH_GET)]
    assert (1, 3, 5) == (third.new_snapshots, third.unchanged, snapshot_count(settings))


def test_values_are_fetched_unformatted_and_kept_as_fetched(emu, tmp_path, settings):
    """LDTBXH typed a true date (dd/mm/yyyy) and money as a number shown «15.000.000» by
    the vi_VN sheet: batchGet asks UNFORMATTED_VALUE and SERIAL_NUMBER, so the raw
    snapshot keeps 15000000 and the serial 45616 as fetched (canonical JSON), and the
    parser reads 15 000 000 đồng and 20/11/2024."""
    path = workbook_file(tmp_path / "typed", "LDTBXH",
                         activities=[{**ACTIVITY, "started_on": date(2024, 11, 20)}])
    book = load_workbook(path)
    book["Hoạt động"]["I4"].number_format = "dd/mm/yyyy"
    book["Hoạt động"]["K4"].number_format = "#,##0"
    emu.add_spreadsheet(sid("LDTBXH"), book)
    pull_gsheets(settings, YEAR, api=api_for(settings))
    query = emu.requests(BATCH_GET, sid("LDTBXH"))[0].query
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        kind, ref, content = con.execute(
            "select source_kind, source_ref, content from raw.snapshots where unit_code = "
            "'LDTBXH'").fetchone()
    document = json.loads(content)
    row = read_workbook_json(bytes(content))["Hoạt động"][3]
    record = next(s for s in validate_submissions.fn(settings, YEAR).submissions
                  if s.unit_code == "LDTBXH").parsed.records["activities"][0]
    assert (["UNFORMATTED_VALUE"], ["SERIAL_NUMBER"]) == (query["valueRenderOption"],
                                                         query["dateTimeRenderOption"])
    assert ("gsheets", f"https://docs.google.com/spreadsheets/d/{sid('LDTBXH')}") == (kind, ref)
    assert {"spreadsheetId", "modifiedTime", "request", "response"} == set(document)
    assert bytes(content) == json.dumps(document, sort_keys=True, ensure_ascii=False,
                                        separators=(",", ":")).encode("utf-8")
    assert [45616, None, 15000000] == row[8:11]
    assert (date(2024, 11, 20), 15000000) == (record["started_on"],
                                              record["budget_state_vnd"])


def test_renamed_and_missing_tabs_cost_one_metadata_call(emu, tmp_path, settings):
    """VHTT renamed «Hoạt động» to «HOAT DONG» and P-HALY has no optional tab: the first
    pull's batchGet with the template's names fails (400) and one metadata call finds the
    tabs. On the next change VHTT costs one batchGet with the names found; P-HALY asks the
    metadata first (a tab added since would otherwise be missed): 2 requests, no failure."""
    renamed = write_grid(tmp_path / "renamed.xlsx", {
        "Thông tin chung": general_rows("VHTT", YEAR, "05/12/2024", "Có", "Có"),
        "HOAT DONG": table_rows("activities", [ACTIVITY]),
        **{TABS[k].name: table_rows(k, []) for k in ("media_outlets", "conventions", "survey")}})
    emu.add_spreadsheet(sid("VHTT"), renamed)
    emu.add_spreadsheet(sid("P-HALY"), report_workbook(
        tmp_path / "short" / "P-HALY.xlsx", "P-HALY", YEAR, activities=[ACTIVITY]))
    pull_gsheets(settings, YEAR, api=api_for(settings))
    first = by_spreadsheet(emu)
    emu.reset_log()
    emu.add_spreadsheet(sid("VHTT"), renamed)  # saved again: a later modifiedTime
    emu.add_spreadsheet(sid("P-HALY"), tmp_path / "short" / "P-HALY.xlsx")
    summary = pull_gsheets(settings, YEAR, api=api_for(settings))
    second = by_spreadsheet(emu)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        tabs = dict(con.execute("select unit_code, tab_names from raw.snapshots").fetchall())
    assert {"LDTBXH": [(BATCH_GET, 200)], "P-MINHKHAI": [(BATCH_GET, 200)],
            "P-HALY": [(BATCH_GET, 400), (METADATA, 200), (BATCH_GET, 200)],
            "VHTT": [(BATCH_GET, 400), (METADATA, 200), (BATCH_GET, 200)]} == first
    assert {"P-HALY": [(METADATA, 200), (BATCH_GET, 200)], "VHTT": [(BATCH_GET, 200)]} == second
    assert 0 == summary.new_snapshots  # same values: only the modifiedTime moved
    assert ["Thông tin chung", "HOAT DONG", "Cơ quan truyền thông", "Hương ước, quy ước",
            "Khảo sát nhận thức"] == tabs["VHTT"]


class FakeClock:
    """One clock for the limiters and the emulator's request log: a wait moves it on at
    once, so a quota test takes no wall time and the log shows when each request came."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def most_in_any_window(times: list[float], seconds: float) -> int:
    """The most requests in any window of `seconds` (measured, from the request log)."""
    ordered = sorted(times)
    return max((sum(1 for t in ordered[i:] if t < start + seconds)
                for i, start in enumerate(ordered)), default=0)


def test_reads_and_writes_each_stay_under_their_limit_with_a_margin(tmp_path, small_registry):
    """With 3 reads and 2 writes a minute, a pull and a feedback of 4 spreadsheets (4
    batchGets, then per spreadsheet one metadata read and one write) send 8 reads and 4
    writes. Measured from the emulator's log: no 65-second window (a minute and the margin)
    holds more than 3 reads or 2 writes, so no minute of Google's, however its clock is
    set, sees more; the writes do not wait for the reads' quota. The run's log says how
    many of each were sent and the most in one minute."""
    clock = FakeClock()
    with running_emulator(tmp_path / "drive", drive_page_cap=3, clock=clock) as emu:
        lines = ["year,unit_code,spreadsheet"]
        for unit in UNITS:
            emu.add_spreadsheet(sid(unit), workbook_file(tmp_path / "xlsx", unit))
            lines.append(f"{YEAR},{unit},{url(unit)}")
        (tmp_path / "register.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        settings = make_settings(emu, tmp_path, small_registry, gsheets_workers=1,
                                 gsheets_reads_per_minute=3, gsheets_writes_per_minute=2)
        quota = Quota(RateLimiter(3, clock=clock, sleep=clock.sleep),
                      RateLimiter(2, clock=clock, sleep=clock.sleep))
        with Lines() as console:
            pull_gsheets(settings, YEAR, api=SheetsApi.open(settings.gsheets, SCOPES_READ,
                                                            quota=quota))
            checked = validate_submissions.fn(settings, YEAR)
            write_feedback.fn(settings, checked,
                              api=SheetsApi.open(settings.gsheets, (), quota=quota))
        sheets = [r for r in emu.requests() if r.kind.startswith("sheets.")]
    reads = [r.at for r in sheets if r.method == "GET"]
    writes = [r.at for r in sheets if r.method != "GET"]
    assert (8, 4) == (len(reads), len(writes))
    assert (3, 2) == (most_in_any_window(reads, 65.0), most_in_any_window(writes, 65.0))
    assert [0.0, 0.0, 0.0, 65.0, 65.0, 65.0, 130.0, 130.0] == [t - 1_000.0 for t in reads]
    assert writes[1] - writes[0] < 65.0  # two writes in the writes' first minute
    assert "Năm 2024: đã ghi kết quả kiểm tra vào 4 bảng tính (0 không đổi, 0 lỗi); 4 yêu " \
        "cầu ghi tới Google Sheets, nhiều nhất 2 trong một phút (giới hạn 2/phút); 4 yêu cầu " \
        "đọc tới Google Sheets, nhiều nhất 3 trong một phút (giới hạn 3/phút)." in console.lines
    assert any(line.endswith("(6 yêu cầu tới Google; 4 yêu cầu đọc tới Google Sheets, nhiều "
                             "nhất 3 trong một phút (giới hạn 3/phút)).")
               for line in console.lines)


def test_each_kind_of_request_shares_one_limiter_per_process(settings):
    """The pull's, the feedback's and the status writer's clients wait on the same read
    limiter and the same write limiter; reads and writes have one each."""
    pull = SheetsApi.open(settings.gsheets, SCOPES_READ)
    feedback = SheetsApi.open(settings.gsheets, ())
    assert pull.quota.reads is feedback.quota.reads
    assert pull.quota.writes is feedback.quota.writes
    assert pull.quota.reads is not pull.quota.writes


# --- faults ------------------------------------------------------------------------------


def test_a_429_storm_with_retry_after_ends_in_success(emu, settings):
    """Three 429s with Retry-After: 7 on LDTBXH's batchGet and two on the listing: the
    pull waits at least 7 s (recorded, not slept) each time and ends with every unit
    loaded, within the budget of 3 retries per request."""
    emu.inject(sid("LDTBXH"), *[Fault.rate_limited(retry_after=7)] * 3)
    emu.inject(DRIVE_LISTING, *[Fault.rate_limited(retry_after=7)] * 2)
    sleeps = Sleeps()
    summary = pull_gsheets(settings, YEAR, api=api_for(settings, sleeps))
    assert ((), 4) == (summary.errors, summary.fetched)
    assert 5 == len(sleeps) and min(sleeps) >= 7
    assert 4 == len(emu.requests(BATCH_GET, sid("LDTBXH")))


def test_5xx_bursts_are_retried_with_growing_waits(emu, settings):
    """500, 503, 500 on one spreadsheet then success: three waits that grow (1 s base,
    jitter between half and all), every unit loaded."""
    emu.inject(sid("P-HALY"), Fault.error(500), Fault.error(503), Fault.error(500))
    sleeps = Sleeps()
    summary = pull_gsheets(settings, YEAR, api=api_for(settings, sleeps))
    assert ((), 4) == (summary.errors, summary.fetched)
    assert 3 == len(sleeps)
    assert 0.5 <= sleeps[0] <= 1 and 1 <= sleeps[1] <= 2 and 2 <= sleeps[2] <= 4


def test_an_exhausted_retry_budget_is_an_error_for_that_unit(emu, settings):
    """Five 503s for VHTT with 3 retries: VHTT's fetch fails after 4 attempts with a
    Vietnamese and English reason; the others are loaded."""
    emu.inject(sid("VHTT"), *[Fault.error(503)] * 5)
    summary = pull_gsheets(settings, YEAR, api=api_for(settings))
    detail = [d for u, o, _, d in fetch_rows(settings) if u == "VHTT" and o == "error"]
    assert (("VHTT",), 3) == (summary.errors, summary.fetched)
    assert 4 == len(emu.requests(BATCH_GET, sid("VHTT")))
    assert ["Máy chủ Google gặp lỗi 503 (đã thử 4 lần). | Google server error HTTP 503 "
            "after 4 attempts."] == detail


@pytest.mark.parametrize(("fault", "reason"), [
    (Fault.unshared(), "Bảng tính chưa được chia sẻ với tài khoản của hệ thống"),
    (Fault.deleted(), "Không tìm thấy bảng tính: bảng tính đã bị xóa"),
    (Fault.truncated(), "Google Sheets trả về dữ liệu hỏng hoặc không đầy đủ"),
    (Fault.slow(1.5), "Google Sheets không trả lời trong 0.5 giây"),
], ids=["403", "404", "truncated", "timeout"])
def test_a_failed_unit_keeps_its_last_snapshot_and_the_others_load(
        emu, tmp_path, settings, fault, reason):
    """After a good first pull, P-MINHKHAI edits its spreadsheet and then fails (unshared,
    deleted, cut-off JSON every time, or too slow every time): its error is logged with a
    Vietnamese and English reason, its previous snapshot stays current, VHTT's edit is
    loaded, and validation reports a warning naming the failure."""
    settings = dataclasses.replace(settings, gsheets=dataclasses.replace(
        settings.gsheets, timeout_seconds=0.5, max_retries=1))
    pull_gsheets(settings, YEAR, api=api_for(settings))
    before = current(settings)
    change(emu, tmp_path, "P-MINHKHAI", sessions=7)
    change(emu, tmp_path, "VHTT", sessions=9)
    emu.inject(sid("P-MINHKHAI"), *[fault] * (1 if fault.permanent else 2))
    summary = pull_gsheets(settings, YEAR, api=api_for(settings))
    after = current(settings)
    detail = [d for u, o, _, d in fetch_rows(settings) if u == "P-MINHKHAI" and o == "error"]
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        issues = fetch_issues(con, YEAR, set(UNITS))
        kept = con.execute("select count(*) from raw.snapshots where snapshot_id = ?",
                           [before["P-MINHKHAI"]]).fetchone()[0]
    assert ("P-MINHKHAI",) == summary.errors
    assert (before["P-MINHKHAI"], 1) == (after["P-MINHKHAI"], kept)
    assert before["VHTT"] != after["VHTT"]
    assert reason == detail[0][:len(reason)] and " | " in detail[0]
    assert [("P-MINHKHAI", "fetch_failed", "warning")] == \
        [(i.unit_code, i.rule, str(i.severity)) for i in issues]
    assert "vẫn được dùng" in issues[0].message_vi and "(English: " in issues[0].message_vi


def test_one_truncated_answer_is_retried(emu, settings):
    """A single cut-off JSON body (and one on the listing) is retried: every unit loads."""
    emu.inject(sid("VHTT"), Fault.truncated())
    emu.inject(DRIVE_LISTING, Fault.truncated())
    summary = pull_gsheets(settings, YEAR, api=api_for(settings))
    assert ((), 4) == (summary.errors, summary.fetched)


def test_a_spreadsheet_in_the_trash_is_not_read(emu, tmp_path, settings):
    """P-HALY edits its spreadsheet, then moves it to the trash: the listing asks Drive for
    spreadsheets not in the trash, P-HALY is not among them, one Drive files.get finds it in
    the trash, and no Sheets request touches it; its fetch fails with the reason in
    Vietnamese and its last snapshot stands (a warning)."""
    pull_gsheets(settings, YEAR, api=api_for(settings))
    before = current(settings)
    change(emu, tmp_path, "P-HALY", sessions=5)
    emu.trash(sid("P-HALY"))
    emu.reset_log()
    summary = pull_gsheets(settings, YEAR, api=api_for(settings))
    listing = emu.requests(LISTING)[0].query["q"][0]
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        issues = fetch_issues(con, YEAR, set(UNITS))
    assert "mimeType = 'application/vnd.google-apps.spreadsheet' and trashed = false" == listing
    assert {"P-HALY": [("drive.files.get", 200)]} == by_spreadsheet(emu)
    assert (("P-HALY",), before["P-HALY"]) == (summary.errors, current(settings)["P-HALY"])
    assert [("P-HALY", "warning")] == [(i.unit_code, str(i.severity)) for i in issues]
    assert "Bảng tính đã bị chuyển vào thùng rác: hãy khôi phục bảng tính, hoặc ghi bảng " \
        "tính mới vào sổ đăng ký." in issues[0].message_vi


def test_the_token_endpoint_out_of_reach_is_a_network_failure(tmp_path, small_registry):
    """The connection to the token endpoint drops twice, then works: the pull goes on (two
    waits recorded). Dropped every time: every unit fails with "could not reach Google's
    sign-in server, a network failure" after 1 + 3 attempts, not "check the key". A key
    Google refuses (400 invalid_grant) is said as such, at once, without retries."""
    with running_emulator(tmp_path / "drive", require_token=True) as emu:
        info, key_file = _keyed_units(emu, tmp_path)
        settings = make_settings(emu, tmp_path, small_registry,
                                 gsheets_credentials=str(key_file))
        emu.inject(ANY, *[Fault.dropped(only="oauth.token")] * 2)
        sleeps = Sleeps()
        recovered = pull_gsheets(settings, YEAR, api=api_for(settings, sleeps))
        emu.reset_log()
        emu.inject(ANY, *[Fault.dropped(only="oauth.token")] * 4)
        cut = pull_gsheets(settings, YEAR, api=api_for(settings))
        cut_requests = [(r.kind, r.status) for r in emu.requests()]
        emu.reset_log()
        emu.inject(ANY, Fault.error(400, only="oauth.token"))
        refused = pull_gsheets(settings, YEAR, api=api_for(settings))
        refused_requests = [(r.kind, r.status) for r in emu.requests()]
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        details = [d for (d,) in con.execute(
            "select distinct detail from raw.fetches where outcome = 'error' "
            "order by fetch_id desc").fetchall()]
    assert ((), 2) == (recovered.errors, len(sleeps))
    assert tuple(sorted(UNITS)) == cut.errors == refused.errors
    assert [("oauth.token", 0)] * 4 == cut_requests
    assert [("oauth.token", 400)] == refused_requests
    assert ["Google từ chối khóa tài khoản dịch vụ của hệ thống: hãy kiểm tra khóa (có thể đã "
            "bị xóa hoặc thu hồi). | Google rejected the service-account key: check it (it may "
            "have been deleted or revoked).",
            "Không kết nối được tới máy chủ đăng nhập của Google (đã thử 4 lần): lỗi mạng, "
            "không phải lỗi khóa tài khoản dịch vụ. | Could not reach Google's token endpoint "
            "(4 attempts): a network failure, not a bad key."] == details


def test_a_unit_never_read_is_blocking_when_unshared(emu, settings):
    """P-HALY's spreadsheet was never shared: it is not listed, its batchGet gets 403, it
    has no snapshot, so its issue is blocking (and it stays missing)."""
    emu.inject(sid("P-HALY"), Fault.unshared())
    pull_gsheets(settings, YEAR, api=api_for(settings))
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        issues = fetch_issues(con, YEAR, set(UNITS))
    assert [("P-HALY", "blocking")] == [(i.unit_code, str(i.severity)) for i in issues]
    assert "P-HALY" not in current(settings)
    assert "shared with the service account" in issues[0].message_vi


def test_a_failed_listing_keeps_every_last_snapshot(emu, settings):
    """The Drive listing fails past the retry budget: every unit gets an error fetch and
    keeps its last snapshot; no Sheets request is made."""
    pull_gsheets(settings, YEAR, api=api_for(settings))
    before = current(settings)
    emu.reset_log()
    emu.inject(DRIVE_LISTING, *[Fault.error(500)] * 4)
    summary = pull_gsheets(settings, YEAR, api=api_for(settings))
    assert (tuple(sorted(UNITS)), before) == (summary.errors, current(settings))
    assert {LISTING: 4} == counts(emu)


# --- feedback ----------------------------------------------------------------------------


def test_feedback_is_written_once_per_changed_result(emu, tmp_path, small_registry):
    """After validation each unit's result goes into its tab «Kết quả kiểm tra»: status,
    time, one row per issue (P-MINHKHAI: 90 women of 80 participants, twice), in exactly
    one write request per spreadsheet (addSheet + updateCells + addProtectedRange in one
    batchUpdate, after one metadata read finding no such tab). The run after it sends no
    Sheets request: the spreadsheets moved only by our own writes (their Drive version is
    the one each write should leave). Once P-MINHKHAI fixes its rows, the pull reads it
    alone and one request rewrites its tab, the old error rows cleared, with no metadata
    read; and the run after that again sends no Sheets request."""
    bad = {**ACTIVITY, "participants": 80, "participants_female": 90}
    emu.add_spreadsheet(sid("P-MINHKHAI"), workbook_file(tmp_path / "bad", "P-MINHKHAI",
                                                         activities=[bad, bad]))
    emu.add_spreadsheet(sid("P-HALY"), workbook_file(tmp_path / "draft", "P-HALY",
                                                     complete=""))
    settings = make_settings(emu, tmp_path, small_registry)

    def run() -> object:
        pull_gsheets(settings, YEAR, api=api_for(settings))
        checked = validate_submissions.fn(settings, YEAR)
        return write_feedback.fn(settings, checked, api=api_for(settings, scopes=()))

    first = run()
    first_counts = counts(emu)
    first_writes = emu.requests("sheets.batchUpdate")
    tab = load_workbook(emu.path(sid("P-MINHKHAI")))[FEEDBACK_TAB]
    grid = [list(r) for r in tab.iter_rows(values_only=True, max_row=9, max_col=6)]
    status = {u: load_workbook(emu.path(sid(u)))[FEEDBACK_TAB]["B3"].value for u in UNITS}
    emu.reset_log()
    second = run()
    second_counts = counts(emu)
    emu.reset_log()
    fixing = load_workbook(emu.path(sid("P-MINHKHAI")))  # the unit fixes both rows
    fixing["Hoạt động"]["H4"] = fixing["Hoạt động"]["H5"] = 50
    emu.add_spreadsheet(sid("P-MINHKHAI"), fixing)
    third = run()
    third_counts = by_spreadsheet(emu)
    fixed = load_workbook(emu.path(sid("P-MINHKHAI")))[FEEDBACK_TAB]
    emu.reset_log()
    fourth = run()
    assert (4, 0) == (first.written, first.unchanged)
    assert {LISTING: 2, BATCH_GET: 4, METADATA: 4, "sheets.batchUpdate": 4} == first_counts
    assert [["addSheet", "updateCells", "addProtectedRange"]] * 4 == \
        [[next(iter(r)) for r in w.body["requests"]]
         for w in first_writes]
    assert ["KẾT QUẢ KIỂM TRA BÁO CÁO NĂM 2024", None] == grid[0][:2]
    assert ["Trạng thái", STATUS_ERRORS] == grid[2][:2]
    assert ["Mức độ", "Trang", "Dòng", "Cột", "Giá trị", "Cần sửa"] == grid[6]
    assert [["lỗi", "Hoạt động", 4, "Trong đó nữ", "90"],
            ["lỗi", "Hoạt động", 5, "Trong đó nữ", "90"]] == [r[:5] for r in grid[7:9]]
    assert {"LDTBXH": STATUS_RECEIVED, "VHTT": STATUS_RECEIVED, "P-HALY": STATUS_DRAFT,
            "P-MINHKHAI": STATUS_ERRORS} == status
    assert (0, 4) == (second.written, second.unchanged)
    assert {LISTING: 2} == second_counts  # our own writes are not changes
    assert (1, 3) == (third.written, third.unchanged)
    assert {"P-MINHKHAI": [(BATCH_GET, 200), ("sheets.batchUpdate", 200)]} == third_counts
    assert STATUS_RECEIVED == fixed["B3"].value
    assert (None, "Không có lỗi.") == (fixed["A9"].value, fixed["F8"].value)
    assert ((0, 4), {LISTING: 2}) == ((fourth.written, fourth.unchanged), counts(emu))


def test_a_feedback_tab_deleted_by_hand_or_already_there(emu, tmp_path, small_registry):
    """P-MINHKHAI deletes the tab «Kết quả kiểm tra» and fixes its rows: the write to the
    recorded sheetId answers 400, one metadata read finds no tab, and one more write adds
    it back with the new result. A spreadsheet that already has the tab (provisioned)
    is written on that tab, not given a second one."""
    from sources.gsheets_write_back import find_tab

    bad = {**ACTIVITY, "participants": 80, "participants_female": 90}
    emu.add_spreadsheet(sid("P-MINHKHAI"), workbook_file(tmp_path / "bad", "P-MINHKHAI",
                                                         activities=[bad]))
    settings = make_settings(emu, tmp_path, small_registry)

    def run() -> object:
        pull_gsheets(settings, YEAR, api=api_for(settings))
        checked = validate_submissions.fn(settings, YEAR)
        return write_feedback.fn(settings, checked, api=api_for(settings, scopes=()))

    run()
    book = load_workbook(emu.path(sid("P-MINHKHAI")))
    book.remove(book[FEEDBACK_TAB])
    book["Hoạt động"]["H4"] = 50
    emu.add_spreadsheet(sid("P-MINHKHAI"), book)
    emu.reset_log()
    summary = run()
    tab = load_workbook(emu.path(sid("P-MINHKHAI")))[FEEDBACK_TAB]
    provisioned = Workbook()
    provisioned.active.title = "Thông tin chung"
    provisioned.create_sheet(FEEDBACK_TAB)
    emu.add_spreadsheet("provisioned", provisioned)
    assert (1, ()) == (summary.written, summary.failed)
    assert [(BATCH_GET, 200), ("sheets.batchUpdate", 400), (METADATA, 200),
            ("sheets.batchUpdate", 200)] == by_spreadsheet(emu)["P-MINHKHAI"]
    assert STATUS_RECEIVED == tab["B3"].value
    assert (1, False) == find_tab(api_for(settings), "provisioned")


def test_an_edit_made_while_the_feedback_is_written_is_read(emu, tmp_path, settings):
    """VHTT edits its spreadsheet between the pull and the feedback write: the Drive
    version then moved by two (its edit and our write), not by the one our write accounts
    for, so the next pull reads VHTT again (and gets the edit); the other three, moved
    only by our writes, are not read."""
    pull_gsheets(settings, YEAR, api=api_for(settings))
    checked = validate_submissions.fn(settings, YEAR)
    change(emu, tmp_path, "VHTT", sessions=9)
    write_feedback.fn(settings, checked, api=api_for(settings, scopes=()))
    emu.reset_log()
    summary = pull_gsheets(settings, YEAR, api=api_for(settings))
    assert {"VHTT": [(BATCH_GET, 200)]} == by_spreadsheet(emu)
    assert (1, 3) == (summary.new_snapshots, summary.unchanged)


def test_a_quarantined_sheets_row_keeps_the_date_the_person_saw(emu, tmp_path, settings):
    """P-MINHKHAI's row 4 (90 women of 80 participants) starts on a date cell, 20/11/2024:
    the API gives its serial number, 45616 (days since 30/12/1899), which quality.quarantine
    keeps in row_values, and beside it row_shown holds 20/11/2024, as the sheet showed it
    and as the same row read from the .xlsx file gives it."""
    from datetime import datetime

    from core.parse import RAW_KEY, parse_workbook
    from sources.xlsx import read_workbook
    from tasks.load import load_year

    bad = {**ACTIVITY, "participants": 80, "participants_female": 90,
           "started_on": datetime(2024, 11, 20)}
    path = workbook_file(tmp_path / "bad", "P-MINHKHAI", activities=[bad])
    emu.add_spreadsheet(sid("P-MINHKHAI"), path)
    pull_gsheets(settings, YEAR, api=api_for(settings))
    load_year.fn(settings, validate_submissions.fn(settings, YEAR))
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        [(values, shown)] = con.execute(
            "select row_values, row_shown from quality.quarantine where unit_code = "
            "'P-MINHKHAI' and sheet_row = 4").fetchall()
    values, shown = json.loads(values), json.loads(shown)
    from_file = parse_workbook(read_workbook(path.read_bytes()), "P-MINHKHAI", YEAR)
    assert ("45616", "20/11/2024") == (values["Từ ngày"], shown["Từ ngày"])
    assert "20/11/2024" == from_file.records["activities"][0][RAW_KEY]["Từ ngày"]
    assert {k: v for k, v in values.items() if k != "Từ ngày"} == \
        {k: v for k, v in shown.items() if k != "Từ ngày"}
    assert ("90", "Mít tinh") == (shown["Trong đó nữ"], shown["Nội dung"])


def test_feedback_off_writes_nothing(emu, tmp_path, small_registry):
    """HB_GSHEETS_FEEDBACK=false: validation runs, no write request is made."""
    settings = make_settings(emu, tmp_path, small_registry, gsheets_feedback="false")
    pull_gsheets(settings, YEAR, api=api_for(settings))
    summary = write_feedback.fn(settings, validate_submissions.fn(settings, YEAR))
    assert 0 == summary.written and summary.skipped
    assert {LISTING: 2, BATCH_GET: 4} == counts(emu)


def test_a_failed_feedback_write_does_not_stop_the_others(emu, tmp_path, settings):
    """VHTT's write answers 500 every time: logged as an error with its reason; the three
    other units get their result."""
    pull_gsheets(settings, YEAR, api=api_for(settings))
    checked = validate_submissions.fn(settings, YEAR)
    emu.inject(sid("VHTT"), *[Fault.error(500, only="sheets.batchUpdate")] * 9)
    summary = write_feedback.fn(settings, checked, api=api_for(settings, scopes=()))
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        rows = con.execute("select unit_code, outcome from raw.feedback_writes "
                           "order by unit_code").fetchall()
    assert (3, ("VHTT",)) == (summary.written, summary.failed)
    assert [("LDTBXH", "written"), ("P-HALY", "written"), ("P-MINHKHAI", "written"),
            ("VHTT", "error")] == rows


# --- provisioning ------------------------------------------------------------------------


def test_provisioning_creates_shares_registers_then_checks(tmp_path, small_registry):
    """A new spreadsheet for LDTBXH 2025: every template tab with its headers, the unit
    and year filled in, the hidden lists tab, drop-downs and protected header rows in one
    batchUpdate, shared with the unit's e-mail and added to the (CSV) register, in 4
    requests.
    Provisioning again checks it (no problem); after a header is renamed, the check names
    the missing column."""
    with running_emulator(tmp_path / "drive") as emu:
        settings = make_settings(emu, tmp_path, small_registry,
                                 gsheets_register=str(tmp_path / "new-register.csv"))
        registry = read_registry(small_registry)
        unit = dataclasses.replace(registry.unit("LDTBXH"), email="ldtbxh@hongbang.gov.vn")
        api = api_for(settings, scopes=SCOPES_PROVISION)
        made = provision_unit(api, settings, registry, unit, 2025)
        made_counts = counts(emu)
        update = emu.requests("sheets.batchUpdate")[0].body["requests"]
        book = load_workbook(emu.path(made.spreadsheet_id))
        checked = provision_unit(api, settings, registry, unit, 2025)
        edited = load_workbook(emu.path(made.spreadsheet_id))
        edited["Hoạt động"]["F3"] = "Số lượng"
        emu.add_spreadsheet(made.spreadsheet_id, edited)
        broken = provision_unit(api, settings, registry, unit, 2025)
        permissions = emu.permissions(made.spreadsheet_id)
    register = (tmp_path / "new-register.csv").read_text(encoding="utf-8").splitlines()
    assert {"sheets.create": 1, "sheets.values.batchUpdate": 1, "sheets.batchUpdate": 1,
            "drive.permissions.create": 1} == made_counts
    assert [*[t.name for t in TABS.values()], "Danh mục", FEEDBACK_TAB] == book.sheetnames
    assert "hidden" == book["Danh mục"].sheet_state
    assert [c.header for c in TABS["activities"].columns] == \
        [c.value for c in book["Hoạt động"][3]][:14]
    assert ("LDTBXH", 2025) == (book["Thông tin chung"]["B3"].value,
                                book["Thông tin chung"]["B4"].value)
    assert {"setDataValidation": 10, "addProtectedRange": 7, "updateSheetProperties": 6} == \
        dict(Counter(next(iter(r)) for r in update))
    assert [f"2025,LDTBXH,https://docs.google.com/spreadsheets/d/{made.spreadsheet_id},"] == \
        register[1:]
    assert (True, False, ()) == (made.created, checked.created, checked.problems)
    assert [("user", "writer", "ldtbxh@hongbang.gov.vn")] == \
        [(p["type"], p["role"], p["emailAddress"]) for p in permissions]
    assert 1 == len(broken.problems) and "«Số cuộc, số lượng»" in broken.problems[0]
