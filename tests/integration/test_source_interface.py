"""A new source plugs into the pull by implementing `sources.base.Source` alone: an
in-memory source, run through the pull's one store path into a real DuckDB file."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from core.parse import Workbook
from core.registry import LOCAL_TZ
from sources.base import Listing, PullSummary, Source, Wanted
from sources.fetched import Fetched, FetchFailed, FetchRow
from sources.xlsx import UnreadableWorkbook
from tasks.pull import store_year
from warehouse import db

YEAR = 2025


class MemorySource:
    """Reports held in a dict: unit code → JSON of its tabs, or None for a failing unit."""

    kind = "memory"
    workers = 2  # the pull's worker threads, as for Google Sheets

    def __init__(self, reports: dict[str, bytes | None]) -> None:
        self.reports = reports
        self.closed = False

    def list_year(self, con: object, year: int, unit_codes: Sequence[str],
                  now: datetime) -> Listing:
        wanted = tuple(Wanted(code, f"mem://{code}") for code in unit_codes
                       if code in self.reports)
        missing = tuple(code for code in unit_codes if code not in self.reports)
        return Listing(wanted, tuple(FetchRow(year, c, "not_found", now) for c in missing),
                       not_found=missing)

    def fetch(self, wanted: Wanted, year: int, now: datetime) -> Fetched | FetchFailed:
        content = self.reports[wanted.unit_code]
        if content is None:
            return FetchFailed(wanted.unit_code, "Máy chủ không trả lời. | No answer.")
        return Fetched(wanted.unit_code, year, self.kind, wanted.ref, now, content,
                       source_version="v1")

    def decode(self, content: bytes) -> Workbook:
        try:
            return json.loads(content)
        except ValueError:
            raise UnreadableWorkbook("dữ liệu không phải JSON") from None

    def finish(self, summary: PullSummary) -> tuple[PullSummary, str | None]:
        return replace(summary, requests=len(self.reports)), "xong"

    def close(self) -> None:
        self.closed = True


def _sid(unit: str, content: bytes) -> str:
    return f"{YEAR}-{unit}-{hashlib.sha256(content).hexdigest()[:16]}"


def test_an_in_memory_source_is_pulled_like_the_others(tmp_path):
    """Snapshots, cells and the fetch log come out of the one store path: a new content is
    kept with its cells, a failure and a missing unit are logged, and a second pull keeps
    only what changed (an unreadable content is kept with its reason)."""
    ldtbxh = json.dumps({"Trang": [["Số", 3]]}).encode()
    source: Source = MemorySource({"LDTBXH": ldtbxh, "VHTT": None})
    codes = ["LDTBXH", "VHTT", "P-HALY"]
    first_at = datetime(2025, 12, 1, 8, 0, tzinfo=LOCAL_TZ)
    with db.open_migrated(tmp_path / "w.duckdb") as con:
        first = store_year(con, source, YEAR, codes, first_at)
        source2 = MemorySource({"LDTBXH": ldtbxh, "VHTT": b"not json"})
        second = store_year(con, source2, YEAR, codes,
                            datetime(2025, 12, 2, 8, 0, tzinfo=LOCAL_TZ))
        snapshots = con.execute(
            "select snapshot_id, unit_code, source_kind, source_ref, content_bytes, "
            "tab_names, read_error from raw.snapshots order by unit_code").fetchall()
        cells = con.execute("select snapshot_id, tab_index, tab_name, row_number, "
                            "column_number, value_type, value_text from raw.cells "
                            "order by all").fetchall()
        fetches = con.execute(
            "select day(fetched_at), unit_code, outcome, snapshot_id, detail, source_version "
            "from raw.fetches order by fetch_id").fetchall()
    sid_l, sid_v = _sid("LDTBXH", ldtbxh), _sid("VHTT", b"not json")
    assert PullSummary(YEAR, 3, 1, 1, ("P-HALY",), (), ("VHTT",), requests=2) == first
    assert PullSummary(YEAR, 3, 2, 1, ("P-HALY",), (), (), requests=2) == second
    assert [(sid_l, "LDTBXH", "memory", "mem://LDTBXH", len(ldtbxh), ["Trang"], None),
            (sid_v, "VHTT", "memory", "mem://VHTT", 8, None, "dữ liệu không phải JSON")
            ] == snapshots
    assert [(sid_l, 0, "Trang", 1, 1, "text", "Số"),
            (sid_l, 0, "Trang", 1, 2, "number", "3")] == cells
    # the listing's rows first, then each fetch as it came (two workers: any order)
    assert (1, "P-HALY", "not_found", None, None, None) == fetches[0]
    assert sorted([(1, "LDTBXH", "snapshot", sid_l, None, "v1"),
                   (1, "VHTT", "error", None, "Máy chủ không trả lời. | No answer.", None)]
                  ) == sorted(fetches[1:3])
    assert (2, "P-HALY", "not_found", None, None, None) == fetches[3]
    assert sorted([(2, "LDTBXH", "snapshot", sid_l, None, "v1"),
                   (2, "VHTT", "snapshot", sid_v, None, "v1")]) == sorted(fetches[4:])


def test_a_local_run_loads_nothing_of_google_sheets():
    """The pull, validation and feedback stages import the Google Sheets modules (and
    gspread) only when that source is chosen."""
    import subprocess
    import sys

    code = ("import sys, tasks.pull, tasks.validate, tasks.feedback; print(sorted(m for m in "
            "sys.modules if m.startswith(('gspread', 'sources.gsheets'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert "[]\n" == done.stdout
