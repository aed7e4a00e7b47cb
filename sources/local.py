"""The embedded default source: one .xlsx file per unit and year in a folder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class Fetched:
    """The bytes of one unit's workbook, as fetched, and where they came from."""

    unit_code: str
    year: int
    source_kind: str
    source_ref: str
    fetched_at: datetime
    content: bytes


def workbook_path(reports_dir: Path, year: int, unit_code: str) -> Path | None:
    """`<reports_dir>/<year>/<unit code>.xlsx`, matching the file name case-insensitively."""
    folder = reports_dir / str(year)
    if not folder.is_dir():
        return None
    wanted = f"{unit_code}.xlsx".casefold()
    matches = sorted(p for p in folder.iterdir() if p.name.casefold() == wanted and p.is_file())
    return matches[0] if matches else None


def unexpected_files(reports_dir: Path, year: int, unit_codes: set[str]) -> list[Path]:
    """Workbooks in the year's folder that belong to no expected unit."""
    folder = reports_dir / str(year)
    if not folder.is_dir():
        return []
    wanted = {c.casefold() for c in unit_codes}
    return sorted(
        p for p in folder.iterdir()
        if p.suffix.casefold() == ".xlsx" and not p.name.startswith(("~$", "."))
        and p.stem.casefold() not in wanted
    )


def fetch_local(reports_dir: Path, year: int, unit_code: str, now: datetime) -> Fetched | None:
    """Read one unit's workbook file, or None when the unit has not submitted one."""
    path = workbook_path(reports_dir, year, unit_code)
    if path is None:
        return None
    return Fetched(unit_code, year, "local", str(path.resolve()), now, path.read_bytes())
