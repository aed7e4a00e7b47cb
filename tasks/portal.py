"""Portal: the programme's indicator site (reports.portal) written into output/portal/ after
a successful run, and linked from the run's artifacts."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import os
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path

import duckdb
import pandas as pd
from prefect import get_run_logger, task
from prefect.artifacts import create_link_artifact

from core.files import temporary_name
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
    """Write each file that changed under a temporary name beside it, make them all durable
    with one sync, then rename each over its target (a reader never sees half a page), and
    remove the files of an earlier build that this one no longer has. A file whose bytes
    are already there is left as it is (its time stamp too). Plain `os` calls: a site is
    tens of thousands of files."""
    folder.mkdir(parents=True, exist_ok=True)
    made = {""}  # folders of the site known to exist
    pending: list[tuple[str, str]] = []  # (temporary, target)
    renamed = 0
    try:
        for name, content in files.items():
            path = os.path.join(folder, name)
            if _holds(path, content):
                continue
            parent = os.path.dirname(name)
            if parent not in made:
                os.makedirs(os.path.join(folder, parent), exist_ok=True)
                made.add(parent)
            partial = str(temporary_name(Path(path)))
            with open(partial, "wb") as handle:
                handle.write(content)
            pending.append((partial, path))
        if pending:
            os.sync()  # one flush for the whole site, not an fsync per file
        for partial, path in pending:
            os.replace(partial, path)
            renamed += 1
    finally:
        for partial, _ in pending[renamed:]:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(partial)
    keep = {os.path.normpath(os.path.join(folder, name)) for name in files}
    for root, dirs, names in os.walk(folder, topdown=False):
        for name in names:
            path = os.path.normpath(os.path.join(root, name))
            if path not in keep:
                os.unlink(path)
        for name in dirs:
            path = os.path.join(root, name)
            if not os.listdir(path):
                os.rmdir(path)


def _holds(path: str, content: bytes) -> bool:
    """True when `path` is a file with exactly these bytes."""
    try:
        if os.stat(path).st_size != len(content):
            return False
        with open(path, "rb") as handle:
            return handle.read() == content
    except OSError:
        return False


def portal_fingerprint(data: PortalData) -> str:
    """What the site is made of: every table and text it reads, and the renderers' code."""
    digest = hashlib.sha256(published.code_digest())
    for item in fields(data):
        value = getattr(data, item.name)
        if isinstance(value, pd.DataFrame):
            text = frame_digest(value)
        elif isinstance(value, Mapping):
            text = repr(sorted(value.items(), key=repr))
        else:  # the locality: a frozen dataclass, its repr is its content
            text = repr(value)
        digest.update(item.name.encode() + b"\0" + text.encode("utf-8") + b"\0")
    return digest.hexdigest()


def frame_digest(frame: pd.DataFrame) -> str:
    """A frame's columns, types and every value, hashed row by row by pandas (writing the
    frame out as text to hash it cost seconds at national scale)."""
    digest = hashlib.sha256(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    if len(frame.columns):
        rows = pd.util.hash_pandas_object(frame, index=False)
        digest.update(len(frame).to_bytes(8, "little") + rows.to_numpy().tobytes())
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
