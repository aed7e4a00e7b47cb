"""Portal: the programme's indicator site (reports.portal) written into output/portal/ after
a successful run, and linked from the run's artifacts."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path

import duckdb
import pandas as pd
from prefect import get_run_logger, task
from prefect.artifacts import create_link_artifact

from core.files import write_bytes
from core.registry import read_locality
from core.settings import RunSettings
from reports.portal import PortalData, build_site, plan_text_from_rows
from tasks import published
from warehouse import db, reads

PORTAL_FOLDER = "portal"
PLAN_TEXT_SEED = "indicator_plan_text.csv"  # optional: the plan's own words per indicator
MAX_SEED_BYTES = 1_000_000


def read_portal_data(con: duckdb.DuckDBPyConnection, seeds_dir: Path) -> PortalData:
    """Every year of the marts and the ref tables the portal shows."""
    return PortalData(**reads.portal_tables(con),
                      locality=read_locality(seeds_dir),
                      updated_at=reads.latest_fetch_by_year(con),
                      plan_text=read_plan_text(seeds_dir / PLAN_TEXT_SEED))


def read_plan_text(path: Path) -> dict[str, str]:
    """The plan's words for each indicator; none when the seed is absent or unreadable."""
    try:
        if path.stat().st_size > MAX_SEED_BYTES:
            return {}
        with path.open(encoding="utf-8", newline="") as handle:
            return plan_text_from_rows(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error, KeyError):
        return {}


def write_site(folder: Path, files: dict[str, bytes]) -> None:
    """Write each file through a temporary name and a rename (a reader never sees half a
    page), then remove the files of an earlier build that this one no longer has."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(path, content)
    keep = {(folder / name).resolve() for name in files}
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file() and path.resolve() not in keep:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def portal_fingerprint(data: PortalData) -> str:
    """What the site is made of: every table and text it reads, and the renderers' code."""
    digest = hashlib.sha256(published.code_digest())
    for item in fields(data):
        value = getattr(data, item.name)
        if isinstance(value, pd.DataFrame):
            text = value.to_csv(index=False)
        elif isinstance(value, Mapping):
            text = repr(sorted(value.items(), key=repr))
        else:  # the locality: a frozen dataclass, its repr is its content
            text = repr(value)
        digest.update(item.name.encode() + b"\0" + text.encode("utf-8") + b"\0")
    return digest.hexdigest()


@task(name="publish_portal", task_run_name="portal {year}")
def publish_portal(settings: RunSettings, year: int) -> Path:
    """Rebuild output/portal/ from the warehouse (every year) and link it from the run;
    a site built from the same tables and still as written is kept as it is."""
    with db.connect(settings.warehouse) as con:
        data = read_portal_data(con, settings.seeds_dir)
    folder = settings.output_dir / PORTAL_FOLDER
    fingerprint = portal_fingerprint(data)
    record = published.record_of(settings.output_dir, PORTAL_FOLDER)
    index = folder / "index.html"
    if published.unchanged(record, fingerprint, folder):
        get_run_logger().info("Cổng thông tin chỉ tiêu: %s (số liệu không đổi)", index)
    else:
        files = build_site(data)
        write_site(folder, files)
        published.remember(record, fingerprint, folder, files)
        get_run_logger().info("Cổng thông tin chỉ tiêu: %s (%d tệp)", index, len(files))
    create_link_artifact(index.resolve().as_uri(), link_text="Cổng thông tin chỉ tiêu",
                         key=f"portal-{year}",
                         description=f"Cổng thông tin chỉ tiêu 2022–2030 (sau năm {year})")
    return index
