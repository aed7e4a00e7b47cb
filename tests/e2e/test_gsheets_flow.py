"""The whole annual flow with the Google Sheets source (the emulator, a real
service-account key whose token comes from the emulator) against the local source, on the
same demo workbooks of 2024 (21 units, some tabs renamed or left out by hand).
"""

from __future__ import annotations

import json
import logging
from collections import Counter

import duckdb
import pytest
from openpyxl import load_workbook

from sources.gsheets_pull import FEEDBACK_TAB
from tests.emulator import running_emulator
from tests.keys import key_fragments, service_account
from tests.runs import marts

YEAR = 2024
SOURCE_COLUMNS = {"snapshot_id", "source_ref", "fetched_at", "first_seen_complete_at"}


@pytest.fixture(scope="module")
def runs(prefect_api, demo_2024, tmp_path_factory):
    """The flow on local files (the session's demo year 2024), then twice on the emulator
    with the same workbooks (the second run unchanged)."""
    from flows.annual_report import annual_report

    assert YEAR == demo_2024.kwargs["year"]
    root = tmp_path_factory.mktemp("gsheets-flow")
    handler = _Capture()
    logging.getLogger().addHandler(handler)
    try:
        with running_emulator(root / "drive", require_token=True) as emu, \
                pytest.MonkeyPatch.context() as env:
            info = service_account(emu.token_uri)
            (root / "key.json").write_text(json.dumps(info), encoding="utf-8")
            lines = ["year,unit_code,spreadsheet"]
            for path in sorted((demo_2024.reports_dir / str(YEAR)).glob("*.xlsx")):
                sheet = f"demo-{YEAR}-{path.stem}"
                emu.add_spreadsheet(sheet, path, title=f"Báo cáo {YEAR} {path.stem}")
                lines.append(f"{YEAR},{path.stem},https://docs.google.com/spreadsheets/d/{sheet}")
            (root / "register.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
            env.setenv("HB_GSHEETS_CREDENTIALS", str(root / "key.json"))
            env.setenv("HB_GSHEETS_API_BASE_URL", emu.base_url)
            env.setenv("HB_GSHEETS_READS_PER_MINUTE", "0")
            env.setenv("HB_GSHEETS_WRITES_PER_MINUTE", "0")
            kwargs = dict(year=YEAR, warehouse=str(root / "gs.duckdb"),
                          output_dir=str(root / "out-gs"), source="gsheets",
                          gsheets_register=str(root / "register.csv"))
            first = annual_report(**kwargs)
            first_counts = Counter(r.kind for r in emu.requests())
            emu.reset_log()
            second = annual_report(**kwargs)
            second_counts = Counter(r.kind for r in emu.requests())
            statuses = {p.stem.removeprefix(f"demo-{YEAR}-"):
                        load_workbook(p, read_only=True)[FEEDBACK_TAB]["B3"].value
                        for p in sorted((root / "drive").glob("demo-*.xlsx"))}
    finally:
        logging.getLogger().removeHandler(handler)
    return dict(root=root, local=demo_2024.warehouse, first=first, second=second,
                first_counts=first_counts, second_counts=second_counts, statuses=statuses,
                info=info, logs=handler.text)


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.text = ""

    def emit(self, record: logging.LogRecord) -> None:
        self.text += f"{record.getMessage()} {record.__dict__}\n"


def test_google_sheets_gives_the_same_marts_as_local_files(runs):
    """Every mart (source names and fetch times aside) is identical for the same 21
    workbooks read from a folder and from Google Sheets, and so is the summary."""
    local = marts(runs["local"], leave_out=SOURCE_COLUMNS)
    google = marts(runs["root"] / "gs.duckdb", leave_out=SOURCE_COLUMNS)
    assert local.keys() == google.keys()
    assert local == google
    assert {"expected": 21, "received": 20, "late": 2, "draft": 1, "invalid": 0,
            "missing": 0} == runs["first"].counts


def test_the_flow_costs_what_the_quota_plan_says(runs):
    """First run: 1 listing, 21 batchGets, plus one failed batchGet and one metadata call
    for each of the 2 units whose tabs differ from the template (P-QUANTOAN renamed
    «Hoạt động», YTE left out two optional tabs); feedback reads each spreadsheet's tabs
    once and writes it in exactly one request (21 metadata reads, 21 batchUpdates).
    Second run, nothing edited: the listing alone, no Sheets request at all (the
    spreadsheets moved only by our own writes), no write."""
    with duckdb.connect(str(runs["root"] / "gs.duckdb"), read_only=True) as con:
        snapshots = con.execute("select count(*) from raw.snapshots").fetchone()[0]
    assert {"oauth.token": 2, "drive.files.list": 1, "sheets.values.batchGet": 23,
            "sheets.get": 2 + 21, "sheets.batchUpdate": 21} == dict(runs["first_counts"])
    assert {"oauth.token": 1, "drive.files.list": 1} == dict(runs["second_counts"])
    assert 21 == snapshots
    assert runs["first"].lines == runs["second"].lines


def test_each_unit_reads_its_result_in_its_spreadsheet(runs):
    """Units with an error read «còn lỗi» (KINHTE: its draft has no completion date),
    drafts without error «bản nháp», the others «đã nhận»."""
    with duckdb.connect(str(runs["root"] / "gs.duckdb"), read_only=True) as con:
        status = dict(con.execute("select unit_code, status from marts.submission_status")
                      .fetchall())
        errors = {u for (u,) in con.execute(
            "select distinct unit_code from quality.issues where severity <> 'warning'")
            .fetchall()}
    expected = {u: "còn lỗi" if u in errors else "bản nháp" if s == "draft" else "đã nhận"
                for u, s in status.items()}
    assert expected == runs["statuses"]
    assert "còn lỗi" == runs["statuses"]["KINHTE"]


def test_the_key_appears_in_no_log_output_or_table(runs):
    """No fragment of the service-account key is in the run's log records, the report
    files, or any raw table."""
    root = runs["root"]
    texts = [runs["logs"], *(p.read_text(encoding="utf-8")
                             for p in (root / "out-gs").rglob("*.md"))]
    with duckdb.connect(str(root / "gs.duckdb"), read_only=True) as con:
        for table in ("fetches", "register_reads", "feedback_writes"):
            texts.append(json.dumps(con.execute(f"select * from raw.{table}").fetchall(),
                                    default=str))
    seen = "\n".join(texts)
    assert [] == [f for f in key_fragments(runs["info"]) if f in seen]
