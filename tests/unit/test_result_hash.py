"""The validated year hashes the same in the retry's process as in the first attempt's.

Prefect keys the load's cache on a pickle of its inputs, the validated records among them,
and pickle writes a string once per object, not per value. The parser's record keys are
the template's literals, the very objects that name the dataclasses' fields; a pickled
dataclass whose state is a dict of field names has them interned again when it is loaded,
so the loaded records' keys stopped being those objects and the same records pickled to
other bytes: the UI's Retry loaded again instead of serving the load from the cache. The
result's dataclasses are pickled by their values (slots), so a round trip keeps the bytes.
"""

from __future__ import annotations

import copyreg
import io
import pickle
from datetime import date, datetime
from pathlib import Path

import numpy as np
from prefect.utilities.hashing import hash_objects

from core.assemble import Submission
from core.issues import Issue, Severity
from core.parse import RAW_KEY, ParsedWorkbook
from core.parse_columns import RawRow, _objects, _RawCells
from core.settings import RunSettings
from tasks.validate import ValidationResult


def _year() -> ValidationResult:
    # a raw row, as the columnar parser makes them: no JSON for it, so Prefect pickles
    cells = _RawCells(_objects(["mười"]), _objects(["Số buổi"]), np.array([6]),
                      np.array([0, 1]))
    issue = Issue(year=2024, unit_code="VHTT", tab="Hoạt động", sheet_row=6,
                  column_key="sessions", column_header="Số buổi", value="mười",
                  rule="not_a_number", severity=Severity.ERROR, message_vi="Số buổi: «mười»")
    records = {"general": [{"unit_code": "VHTT", "year": 2024, "sheet_row": 3,
                            "completed_on": date(2024, 12, 5)}],
               "activities": [{"sheet_row": 6, "unit_code": "VHTT", "sessions": None,
                               RAW_KEY: RawRow(cells, 0)}]}
    parsed = ParsedWorkbook(unit_code="VHTT", year=2024, records=records, issues=(issue,),
                            tab_names={"general": "Thông tin chung"})
    submission = Submission(unit_code="VHTT", snapshot_id="ab12", source_ref="VHTT.xlsx",
                            fetched_at=datetime(2024, 12, 6, 8, 30), parsed=parsed)
    return ValidationResult(year=2024, submissions=(submission,), issues=(issue,))


def test_the_load_inputs_hash_the_same_after_a_round_trip_through_storage():
    settings = RunSettings(reports_dir=Path("r"), warehouse=Path("w.duckdb"),
                           output_dir=Path("o"), seeds_dir=Path("s"))
    checked = _year()
    stored = pickle.loads(pickle.dumps(checked))
    assert stored == checked
    assert (hash_objects({"settings": settings, "checked": checked})
            == hash_objects({"settings": settings, "checked": stored}))
    assert pickle.dumps(checked) == pickle.dumps(stored)


def test_a_result_stored_by_the_previous_version_still_loads():
    """Before `core.pickled`, each dataclass was pickled as its class and its `__dict__`."""

    class Previous(pickle.Pickler):
        def reducer_override(self, obj):
            if type(obj) in (ValidationResult, Submission, ParsedWorkbook, Issue):
                return copyreg.__newobj__, (type(obj),), dict(vars(obj))
            return NotImplemented

    checked, stream = _year(), io.BytesIO()
    Previous(stream, protocol=pickle.DEFAULT_PROTOCOL).dump(checked)
    assert b"message_vi" in stream.getvalue()  # the field names were written
    assert b"message_vi" not in pickle.dumps(checked)
    assert checked == pickle.loads(stream.getvalue())
