"""Warehouses for tests: the one made before versioned migrations (tests/fixtures/
warehouse_2024_before_migrations.duckdb.gz: the demo year 2024 run by `python -m
flows.annual_report --demo --year 2024` with the code of commit 540d559, when every
connection re-ran the table files; gzip -9 of the file after a checkpoint)."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

LEGACY_FIXTURE = (Path(__file__).parent / "fixtures"
                  / "warehouse_2024_before_migrations.duckdb.gz")


def unpack_legacy(target: Path) -> Path:
    """The pre-versioning warehouse, unpacked to `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(LEGACY_FIXTURE) as packed, target.open("wb") as out:
        shutil.copyfileobj(packed, out)
    return target
