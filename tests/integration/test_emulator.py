"""The Sheets/Drive emulator, exercised with the real gspread 6 client over HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

import gspread
import pytest
import requests
from openpyxl import Workbook, load_workbook

from tests.emulator import DRIVE_LISTING, Emulator, Fault, running_emulator
from tests.emulator.client import gspread_client

FOLDER = "folder-2025"
INFO_TAB, ACTIVITY_TAB = "Thông tin chung", "Hoạt động"
UNFORMATTED = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"}
SHEETS = "https://sheets.googleapis.com/v4/spreadsheets"
DRIVE_FILES = "https://www.googleapis.com/drive/v3/files"


def report_workbook() -> Workbook:
    """A small report: labels and values, a money cell, dates, a yes/no, a short table."""
    book = Workbook()
    info = book.active
    info.title = INFO_TAB
    info.append(["Mã đơn vị", "LDTBXH"])
    info.append(["Kinh phí (đồng)", 1234567])
    info["B2"].number_format = "#,##0"
    info.append(["Ngày hoàn thành báo cáo", date(2025, 12, 5)])
    info["B3"].number_format = "dd/mm/yyyy"
    info.append(["Lúc", datetime(2025, 12, 5, 12, 0)])
    info.append(["Báo cáo đã hoàn thành", True])
    info.append(["Tỷ lệ", 12.5])
    activities = book.create_sheet(ACTIVITY_TAB)
    activities.append(["Mã hoạt động", "Nội dung", "Số cuộc, số lượng", None])
    activities.append(["1a", "Tập huấn", 3, None])
    activities.append([None, None, None, None])
    return book


@pytest.fixture()
def emu(tmp_path: Path):
    """An emulator over an empty folder, with one report spreadsheet "unit-1"."""
    with running_emulator(tmp_path / "drive") as emulator:
        emulator.add_spreadsheet("unit-1", report_workbook(), title="LDTBXH 2025",
                                 parents=[FOLDER])
        yield emulator


@pytest.fixture()
def gc(emu: Emulator) -> gspread.Client:
    """The real gspread client, anonymous, sending Google's URLs to the emulator."""
    return gspread_client(emu.base_url, timeout=5)


def kinds(emu: Emulator) -> dict[str, int]:
    """Requests answered so far, counted by kind."""
    return dict(Counter(record.kind for record in emu.requests()))


def test_open_by_key_and_get_all_values(emu: Emulator, gc: gspread.Client) -> None:
    """open_by_key + worksheet().get_all_values() read an openpyxl workbook as a
    Vietnamese-locale sheet shows it, in 2 metadata requests and 1 values request."""
    sheet = gc.open_by_key("unit-1")
    values = sheet.worksheet(INFO_TAB).get_all_values()

    assert "LDTBXH 2025" == sheet.title
    assert [INFO_TAB, ACTIVITY_TAB] == [w.title for w in sheet.worksheets()]
    assert [
        ["Mã đơn vị", "LDTBXH"],
        ["Kinh phí (đồng)", "1.234.567"],
        ["Ngày hoàn thành báo cáo", "05/12/2025"],
        ["Lúc", "05/12/2025 12:00:00"],
        ["Báo cáo đã hoàn thành", "TRUE"],
        ["Tỷ lệ", "12,5"],
    ] == values
    assert {"sheets.get": 3, "sheets.values.get": 1} == kinds(emu)


def test_batch_get_unformatted_serial_numbers(emu: Emulator, gc: gspread.Client) -> None:
    """values:batchGet with UNFORMATTED_VALUE/SERIAL_NUMBER returns numbers and booleans as
    JSON values and dates as serial days since 1899-12-30 (a fraction for the time); trailing
    empty cells and rows are trimmed; quoted, unquoted and A1 ranges all resolve."""
    sheet = gspread.Spreadsheet(gc.http_client, {"id": "unit-1"})
    emu.reset_log()

    answer = sheet.values_batch_get(
        [f"'{INFO_TAB}'", ACTIVITY_TAB, f"'{INFO_TAB}'!B2:B3"], params=dict(UNFORMATTED))

    assert {
        "spreadsheetId": "unit-1",
        "valueRanges": [
            {"range": "'Thông tin chung'!A1:Z1000", "majorDimension": "ROWS", "values": [
                ["Mã đơn vị", "LDTBXH"], ["Kinh phí (đồng)", 1234567],
                ["Ngày hoàn thành báo cáo", 45996], ["Lúc", 45996.5],
                ["Báo cáo đã hoàn thành", True], ["Tỷ lệ", 12.5]]},
            {"range": "'Hoạt động'!A1:Z1000", "majorDimension": "ROWS", "values": [
                ["Mã hoạt động", "Nội dung", "Số cuộc, số lượng"], ["1a", "Tập huấn", 3]]},
            {"range": "'Thông tin chung'!B2:B3", "majorDimension": "ROWS",
             "values": [[1234567], [45996]]},
        ],
    } == answer
    assert "1234567" == json.dumps(answer["valueRanges"][0]["values"][1][1])
    assert {"sheets.values.batchGet": 1} == kinds(emu)


def test_batch_get_formatted_values_and_strings(gc: gspread.Client) -> None:
    """FORMATTED_VALUE gives the strings a vi_VN sheet shows ("1.234.567", "05/12/2025",
    "12,5", "TRUE"); UNFORMATTED_VALUE with FORMATTED_STRING keeps numbers and formats dates;
    COLUMNS transposes."""
    sheet = gspread.Spreadsheet(gc.http_client, {"id": "unit-1"})
    shown = sheet.values_batch_get([f"'{INFO_TAB}'!B2:B6"],
                                   params={"valueRenderOption": "FORMATTED_VALUE"})
    mixed = sheet.values_batch_get(
        [f"'{INFO_TAB}'!B2:B3"],
        params={"valueRenderOption": "UNFORMATTED_VALUE", "majorDimension": "COLUMNS",
                "dateTimeRenderOption": "FORMATTED_STRING"})

    assert [["1.234.567"], ["05/12/2025"], ["05/12/2025 12:00:00"], ["TRUE"], ["12,5"]] == \
        shown["valueRanges"][0]["values"]
    assert [[1234567, "05/12/2025"]] == mixed["valueRanges"][0]["values"]


def test_missing_tab_is_unable_to_parse_range(gc: gspread.Client) -> None:
    """A batchGet naming a tab the spreadsheet lacks fails whole, with Google's 400 body."""
    sheet = gspread.Spreadsheet(gc.http_client, {"id": "unit-1"})

    with pytest.raises(gspread.exceptions.APIError) as caught:
        sheet.values_batch_get([f"'{INFO_TAB}'", "'Khảo sát nhận thức'"])

    assert {"code": 400, "message": "Unable to parse range: 'Khảo sát nhận thức'",
            "status": "INVALID_ARGUMENT"} == caught.value.error


def test_list_spreadsheet_files_pages(tmp_path: Path) -> None:
    """Drive may return short pages: with 2 files a page, gspread's list_spreadsheet_files
    follows nextPageToken over the 5 files of a folder in 3 requests; files elsewhere are
    left out; explicit pageSize and the folder clause in Drive's own syntax work too."""
    with running_emulator(tmp_path, drive_page_cap=2) as emu:
        for number in range(1, 6):
            emu.add_spreadsheet(f"s{number}", Workbook(), title=f"Đơn vị {number}",
                                parents=[FOLDER], modified_time=f"2025-12-0{number}T01:00:00Z")
        emu.add_spreadsheet("other", Workbook(), parents=["elsewhere"])
        files = gspread_client(emu.base_url).list_spreadsheet_files(folder_id=FOLDER)
        requests_made = emu.count("drive.files.list")
        page = requests.get(f"{emu.base_url}/drive/v3/files", params={
            "q": f"'{FOLDER}' in parents and trashed = false and name = 'Đơn vị 5'",
            "pageSize": 1, "fields": "files(id,modifiedTime),nextPageToken"}, timeout=5).json()

    assert ["s1", "s2", "s3", "s4", "s5"] == [f["id"] for f in files]
    assert {"id": "s1", "name": "Đơn vị 1", "createdTime": files[0]["createdTime"],
            "modifiedTime": "2025-12-01T01:00:00.000Z"} == files[0]
    assert 3 == requests_made
    assert {"files": [{"id": "s5", "modifiedTime": "2025-12-05T01:00:00.000Z"}]} == page


def test_modified_time_changes_only_with_content(emu: Emulator, gc: gspread.Client) -> None:
    """modifiedTime stays the same across reads and becomes later after values_update,
    which is saved to the backing .xlsx file."""
    sheet = gc.open_by_key("unit-1")
    before = sheet.get_lastUpdateTime()
    sheet.values_batch_get([f"'{INFO_TAB}'"])
    again = sheet.get_lastUpdateTime()
    sheet.values_update(f"'{INFO_TAB}'!C1", params={"valueInputOption": "RAW"},
                        body={"values": [["Đã kiểm tra"]]})
    after = sheet.get_lastUpdateTime()

    assert before == again
    assert after > before
    assert "Đã kiểm tra" == load_workbook(emu.path("unit-1"))[INFO_TAB]["C1"].value
    assert after == gc.list_spreadsheet_files(folder_id=FOLDER)[0]["modifiedTime"]


def test_drive_version_trash_and_update_cells(emu: Emulator, gc: gspread.Client) -> None:
    """Drive's version moves on by one with each change (a batchUpdate of updateCells,
    which writes values: stringValue as text even when it starts with "=", numberValue,
    a CellData without value clearing the cell), never with a read or a move to the
    trash; a trashed file is listed unless the query says `trashed = false`, and
    files.get says it is trashed. A file put in the folder by hand starts at version 1."""
    def state(file_id: str = "unit-1") -> dict[str, Any]:
        return gc.http_client.request("get", f"{DRIVE_FILES}/{file_id}", params={
            "fields": "version,trashed,modifiedTime"}).json()

    import shutil

    shutil.copyfile(emu.path("unit-1"), emu.folder / "by-hand.xlsx")
    by_hand = state("by-hand")["version"]
    gc.http_client.batch_update("by-hand", {"requests": [{"updateCells": {
        "start": {"sheetId": 0}, "rows": [], "fields": "userEnteredValue"}}]})
    by_hand_written = state("by-hand")["version"]
    emu.store.delete("by-hand")

    def listed(query: str) -> list[str]:
        body = gc.http_client.request("get", DRIVE_FILES, params={
            "q": query, "fields": "files(id)"}).json()
        return [f["id"] for f in body["files"]]

    first = state()
    gc.http_client.values_batch_get("unit-1", [f"'{INFO_TAB}'"])
    gc.http_client.batch_update("unit-1", {"requests": [{"updateCells": {
        "start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 1},
        "rows": [{"values": [{"userEnteredValue": {"stringValue": "=1+1"}}]},
                 {"values": [{"userEnteredValue": {"numberValue": 7}}]},
                 {"values": [{}]}],
        "fields": "userEnteredValue"}}]})
    written = state()
    emu.trash("unit-1")
    trashed = state()
    spreadsheets = "mimeType = 'application/vnd.google-apps.spreadsheet'"
    sheet = load_workbook(emu.path("unit-1"))[INFO_TAB]

    assert ("1", "2", "2") == (first["version"], written["version"], trashed["version"])
    assert ("1", "2") == (by_hand, by_hand_written)
    assert (False, True) == (written["trashed"], trashed["trashed"])
    assert written["modifiedTime"] == trashed["modifiedTime"] > first["modifiedTime"]
    assert ("=1+1", "s", 7, None) == (sheet["B1"].value, sheet["B1"].data_type,
                                      sheet["B2"].value, sheet["B3"].value)
    assert (["unit-1"], []) == (listed(spreadsheets),
                                listed(f"{spreadsheets} and trashed = false"))


def test_dropped_connection_and_refused_grant_at_the_token_endpoint(tmp_path: Path) -> None:
    """Fault.dropped closes the connection without an answer (the client sees a
    connection error); a 400 at the token endpoint answers OAuth's invalid_grant; the log
    stamps each request with the emulator's clock."""
    with running_emulator(tmp_path, clock=lambda: 42.0) as emu:
        emu.inject("*", Fault.dropped(only="oauth.token"), Fault.error(400, only="oauth.token"))
        with pytest.raises(requests.ConnectionError):
            requests.post(f"{emu.token_uri}", data={"grant_type": "x"}, timeout=5)
        refused = requests.post(f"{emu.token_uri}", data={"grant_type": "x"}, timeout=5)
        records = [(r.kind, r.status, r.at) for r in emu.requests()]
    assert (400, "invalid_grant") == (refused.status_code, refused.json()["error"])
    assert [("oauth.token", 0, 42.0), ("oauth.token", 400, 42.0)] == records


def test_rate_limit_then_success(emu: Emulator, gc: gspread.Client) -> None:
    """A queued 429 answers one request with RESOURCE_EXHAUSTED and Retry-After; the retry
    succeeds; a fault limited to batchGet leaves metadata requests alone."""
    sheet = gspread.Spreadsheet(gc.http_client, {"id": "unit-1"})
    emu.inject("unit-1", Fault.rate_limited(retry_after=7, only="sheets.values.batchGet"))
    sheet.fetch_sheet_metadata()

    with pytest.raises(gspread.exceptions.APIError) as caught:
        sheet.values_batch_get([ACTIVITY_TAB])
    retried = sheet.values_batch_get([ACTIVITY_TAB])

    assert (429, "RESOURCE_EXHAUSTED") == (caught.value.code, caught.value.error["status"])
    assert "7" == caught.value.response.headers["Retry-After"]
    assert ["Mã hoạt động", "Nội dung", "Số cuộc, số lượng"] == \
        retried["valueRanges"][0]["values"][0]
    assert [("sheets.get", 200), ("sheets.get", 200), ("sheets.values.batchGet", 429),
            ("sheets.values.batchGet", 200)] == [(r.kind, r.status) for r in emu.requests()]


@pytest.mark.parametrize(("status", "name"), [(500, "INTERNAL"), (503, "UNAVAILABLE")])
def test_server_errors(emu: Emulator, gc: gspread.Client, status: int, name: str) -> None:
    """A queued 500 or 503 reaches gspread as APIError with Google's status name; the fault
    is consumed, so the next request succeeds."""
    sheet = gspread.Spreadsheet(gc.http_client, {"id": "unit-1"})
    emu.inject("unit-1", Fault.error(status))

    with pytest.raises(gspread.exceptions.APIError) as caught:
        sheet.values_batch_get([ACTIVITY_TAB])

    sheet.values_batch_get([ACTIVITY_TAB])

    assert (status, name) == (caught.value.code, caught.value.error["status"])
    assert [({"status": status}, status), (None, 200)] == \
        [(r.fault, r.status) for r in emu.requests("sheets.values.batchGet")]


def test_not_found_and_deleted(emu: Emulator, gc: gspread.Client) -> None:
    """An unknown id and a deleted spreadsheet both make open_by_key raise
    SpreadsheetNotFound; a deleted file also leaves the Drive listing."""
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        gc.open_by_key("no-such-sheet")
    emu.inject("unit-1", Fault.deleted())
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        gc.open_by_key("unit-1")

    assert [] == gc.list_spreadsheet_files(folder_id=FOLDER)
    assert {"error": {"code": 404, "message": "Requested entity was not found.",
                      "status": "NOT_FOUND"}} == \
        requests.get(f"{emu.base_url}/v4/spreadsheets/unit-1", timeout=5).json()


def test_unshared_is_permission_denied(emu: Emulator, gc: gspread.Client) -> None:
    """An unshared spreadsheet answers 403 for good: open_by_key raises the builtin
    PermissionError (caused by gspread's APIError 403), a direct batchGet raises APIError."""
    emu.inject("unit-1", Fault.unshared())

    with pytest.raises(PermissionError) as opened:
        gc.open_by_key("unit-1")
    with pytest.raises(gspread.exceptions.APIError) as read:
        gc.http_client.values_batch_get("unit-1", [ACTIVITY_TAB])

    assert 403 == opened.value.__cause__.code
    assert {"code": 403, "message": "The caller does not have permission",
            "status": "PERMISSION_DENIED"} == read.value.error
    assert [403, 403] == [r.status for r in emu.requests()]


def test_truncated_body_is_a_json_error(emu: Emulator, gc: gspread.Client) -> None:
    """A 200 whose body is cut in half makes the client fail to decode JSON."""
    emu.inject("unit-1", Fault.truncated())

    with pytest.raises(requests.exceptions.JSONDecodeError):
        gc.http_client.values_batch_get("unit-1", [ACTIVITY_TAB])

    assert [(200, {"truncate": True})] == [(r.status, r.fault) for r in emu.requests()]


def test_delay_trips_the_client_timeout(emu: Emulator, gc: gspread.Client) -> None:
    """A delayed answer longer than the client's timeout raises ReadTimeout; the fault is
    consumed, so the next request is answered at once."""
    gc.set_timeout(0.3)
    emu.inject("unit-1", Fault.slow(3))

    with pytest.raises(requests.exceptions.ReadTimeout):
        gc.http_client.values_batch_get("unit-1", [ACTIVITY_TAB])
    answer = gc.http_client.values_batch_get("unit-1", [ACTIVITY_TAB])

    assert "'Hoạt động'!A1:Z1000" == answer["valueRanges"][0]["range"]


def test_listing_faults(emu: Emulator, gc: gspread.Client) -> None:
    """Faults queued for DRIVE_LISTING answer the next files.list requests, one each."""
    emu.inject(DRIVE_LISTING, Fault.error(503), Fault.rate_limited())

    statuses = []
    for _ in range(3):
        try:
            gc.list_spreadsheet_files(folder_id=FOLDER)
            statuses.append(200)
        except gspread.exceptions.APIError as error:
            statuses.append(error.code)

    assert [503, 429, 200] == statuses


def test_provisioning_and_write_back(emu: Emulator, gc: gspread.Client) -> None:
    """Create a spreadsheet, add/rename tabs, set a drop-down and a protected range, write
    values (USER_ENTERED parses numbers and dates), clear a range and share it; each request
    answers Google's shapes and the workbook file holds the result."""
    http = gc.http_client
    created = http.request("post", SHEETS, json={
        "properties": {"title": "VHTT 2025"},
        "sheets": [{"properties": {"title": INFO_TAB}}, {"properties": {"title": "Tạm"}}],
    }).json()
    new_id = created["spreadsheetId"]
    replies = http.batch_update(new_id, {"requests": [
        {"addSheet": {"properties": {"title": ACTIVITY_TAB}}},
        {"updateSheetProperties": {"properties": {"sheetId": 1, "title": "Ghi chú"},
                                   "fields": "title"}},
        {"setDataValidation": {"range": {"sheetId": 2, "startRowIndex": 1},
                               "rule": {"condition": {"type": "ONE_OF_LIST", "values": [
                                   {"userEnteredValue": "Có"}]}}}},
        {"addProtectedRange": {"protectedRange": {"range": {"sheetId": 0}}}},
    ]})["replies"]
    written = http.values_batch_update(new_id, {"valueInputOption": "USER_ENTERED", "data": [
        {"range": f"'{INFO_TAB}'!A1", "values": [["Năm báo cáo", "2025"],
                                                  ["Ngày", "05/12/2025"]]},
        {"range": "'Ghi chú'!A1", "values": [["xoá"]]},
    ]})
    http.values_clear(new_id, "'Ghi chú'!A1:B2")
    gc.insert_permission(new_id, "vhtt@hongbang.gov.vn", perm_type="user", role="writer",
                         notify=False)
    back = http.values_batch_get(new_id, [f"'{INFO_TAB}'", "'Ghi chú'"], params=UNFORMATTED)
    book = load_workbook(emu.path(new_id))

    assert [INFO_TAB, "Tạm"] == [s["properties"]["title"] for s in created["sheets"]]
    assert {"sheetId": 2, "title": ACTIVITY_TAB, "index": 2, "sheetType": "GRID",
            "gridProperties": {"rowCount": 1000, "columnCount": 26}} == \
        replies[0]["addSheet"]["properties"]
    assert [{}, {}] == replies[1:3]
    protected = dict(replies[3]["addProtectedRange"]["protectedRange"])
    protected_id = protected.pop("protectedRangeId")
    assert ({"range": {"sheetId": 0}}, int) == (protected, type(protected_id))
    assert (5, 2) == (written["totalUpdatedCells"], written["totalUpdatedSheets"])
    assert [["Năm báo cáo", 2025], ["Ngày", 45996]] == back["valueRanges"][0]["values"]
    assert "values" not in back["valueRanges"][1]
    assert [INFO_TAB, "Ghi chú", ACTIVITY_TAB] == book.sheetnames
    assert [{"kind": "drive#permission", "id": "perm-1", "type": "user", "role": "writer",
             "emailAddress": "vhtt@hongbang.gov.vn"}] == emu.permissions(new_id)
    assert {"sheets.create": 1, "sheets.batchUpdate": 1, "sheets.values.batchUpdate": 1,
            "sheets.values.clear": 1, "drive.permissions.create": 1,
            "sheets.values.batchGet": 1} == kinds(emu)


def test_move_to_folder_and_permissions(emu: Emulator, gc: gspread.Client) -> None:
    """files.update with addParents/removeParents moves a spreadsheet between folders
    without changing its modifiedTime; permissions created are listed back."""
    before = emu.info("unit-1").modified_time
    gc.http_client.request("patch", f"{DRIVE_FILES}/unit-1", params={
        "addParents": "folder-2026", "removeParents": FOLDER, "supportsAllDrives": True})
    gc.insert_permission("unit-1", "ldtbxh@hongbang.gov.vn", perm_type="user", role="writer")

    assert [] == gc.list_spreadsheet_files(folder_id=FOLDER)
    assert ["unit-1"] == [f["id"] for f in gc.list_spreadsheet_files(folder_id="folder-2026")]
    assert before == emu.info("unit-1").modified_time
    assert [("user", "writer", "ldtbxh@hongbang.gov.vn")] == [
        (p["type"], p["role"], p["emailAddress"]) for p in gc.list_permissions("unit-1")]


def test_control_endpoints_over_http(emu: Emulator) -> None:
    """Another process can queue faults, read the request log and reset over HTTP."""
    base = emu.base_url
    queued = requests.post(f"{base}/_emulator/faults", timeout=5, json={
        "target": "unit-1", "faults": [{"status": 429, "retry_after": 2}]}).json()
    first = requests.get(f"{base}/v4/spreadsheets/unit-1", timeout=5)
    second = requests.get(f"{base}/v4/spreadsheets/unit-1", timeout=5)
    log = requests.get(f"{base}/_emulator/requests", params={"kind": "sheets.get"},
                       timeout=5).json()["requests"]
    requests.post(f"{base}/_emulator/reset", timeout=5)

    assert {"queued": 1} == queued
    assert (429, "2", 200) == (first.status_code, first.headers["Retry-After"],
                               second.status_code)
    assert [(429, {"status": 429, "retry_after": 2}), (200, None)] == \
        [(r["status"], r["fault"]) for r in log]
    assert [] == emu.requests()


def test_service_account_token(tmp_path: Path) -> None:
    """google-auth service-account credentials whose token_uri is the emulator get
    "emulator-token" from POST /token and send it; when a token is required, anonymous
    requests get 401 (which google-auth turns into a refresh error)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from google.auth.exceptions import GoogleAuthError
    from google.oauth2.service_account import Credentials

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    with running_emulator(tmp_path, require_token=True) as emu:
        emu.add_spreadsheet("unit-1", report_workbook(), title="LDTBXH 2025")
        credentials = Credentials.from_service_account_info({
            "type": "service_account", "client_email": "pipeline@demo.iam.gserviceaccount.com",
            "private_key": pem, "private_key_id": "k1", "token_uri": emu.token_uri,
        }, scopes=["https://www.googleapis.com/auth/spreadsheets"])
        title = gspread_client(emu.base_url, credentials).open_by_key("unit-1").title
        with pytest.raises(GoogleAuthError):
            gspread_client(emu.base_url).open_by_key("unit-1")
        records = [(r.kind, r.status, r.authorized) for r in emu.requests()]

    assert "LDTBXH 2025" == title
    assert [("oauth.token", 200, False), ("sheets.get", 200, True),
            ("sheets.get", 401, False)] == records


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get_when_up(url: str, deadline: float) -> dict[str, Any]:
    while True:
        try:
            return dict(requests.get(url, timeout=1).json())
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_command_line_serves_a_folder(tmp_path: Path) -> None:
    """`python -m tests.emulator --data DIR --port P` serves DIR's workbooks on 127.0.0.1
    and stops cleanly on Ctrl-C."""
    report_workbook().save(tmp_path / "unit-9.xlsx")
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.emulator", "--data", str(tmp_path), "--port", str(port),
         "--folder-id", FOLDER, "--quiet"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # a background shell (as CI may be) starts children with SIGINT ignored, and Python
        # then never raises KeyboardInterrupt: give the command the default Ctrl-C back
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        health = _get_when_up(f"http://127.0.0.1:{port}/_emulator/health",
                              time.monotonic() + 90)
        listing = requests.get(f"http://127.0.0.1:{port}/drive/v3/files", timeout=30, params={
            "q": f"'{FOLDER}' in parents"}).json()
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)

    assert {"ok": True, "folder": str(tmp_path)} == health
    assert [{"kind": "drive#file", "id": "unit-9", "name": "unit-9",
             "mimeType": "application/vnd.google-apps.spreadsheet"}] == listing["files"]
    assert (0, "stopped") == (process.returncode, out.strip().splitlines()[-1]), err
