"""Portal: the programme's indicator site (reports.portal) written into output/portal/ after
a successful run, and linked from the run's artifacts."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import os
import queue
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import fields
from pathlib import Path

import duckdb
import pandas as pd
from prefect import get_run_logger, task
from prefect.artifacts import create_link_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.utilities.annotations import quote

from core.files import temporary_name
from core.registry import read_locality
from core.runtime import cycles_not_collected
from core.settings import RunSettings
from reports.portal import PortalData, Workbook, plan_text_from_rows, site_files
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


def write_site(folder: Path, files: Mapping[str, bytes | Workbook]
               | Iterable[tuple[str, bytes | Workbook]]) -> dict[str, str]:
    """Write each file that changed under a temporary name beside it, make them all durable
    with one sync, then rename each over its target (a reader never sees half a page), and
    remove the files of an earlier build that this one no longer has. A file whose bytes
    are already there is left as it is (its time stamp too). Plain `os` calls: a site is
    tens of thousands of files. `files`: relative path → content, or such pairs as they
    are made; returns each file's SHA-256."""
    writer = SiteWriter(folder)
    try:
        for name, content in files.items() if isinstance(files, Mapping) else files:
            writer.put(name, content)
    except BaseException:
        writer.discard()
        raise
    return writer.finish()


class SiteWriter:
    """The site's files written one by one as they come (`put`), then made visible all at
    once (`finish`). Not thread-safe: one thread puts, then one finishes.

    A first build (no site yet, or an empty folder) is written with the files' own names
    into a hidden folder beside the site (core.files.temporary_name), synced, and renamed
    into place: one rename instead of one per file."""

    def __init__(self, folder: Path) -> None:
        self.target = str(folder)
        self.fresh = not folder.is_dir() or _empty(folder)
        if self.fresh:
            folder.parent.mkdir(parents=True, exist_ok=True)
            self.folder = str(temporary_name(folder))
            shutil.rmtree(self.folder, ignore_errors=True)  # this process's, killed before
            os.mkdir(self.folder)
        else:
            self.folder = self.target
        self.hashes: dict[str, str] = {}  # every file of the build → its SHA-256
        self._made = {""}  # folders of the site known to exist
        self._pending: list[tuple[str, str]] = []  # (temporary, target)
        self._suffix = f".{os.getpid()}.tmp"  # core.files.temporary_name

    def put(self, name: str, content: bytes | Workbook) -> None:
        """Write `name` under its temporary name, unless it already holds `content`."""
        if not isinstance(content, bytes):
            content = content.content()  # a page's workbook, zipped here
        self.hashes[name] = hashlib.sha256(content).hexdigest()
        path = os.path.join(self.folder, name)
        if not self.fresh and _holds(path, content):
            return
        parent, base = os.path.split(name)
        if parent not in self._made:
            os.makedirs(os.path.join(self.folder, parent), exist_ok=True)
            self._made.add(parent)
        if self.fresh:  # the whole folder is the temporary
            _write_new(path, content)
            return
        partial = os.path.join(self.folder, parent, f".{base}{self._suffix}")
        self._pending.append((partial, path))
        _write_new(partial, content)

    def finish(self) -> dict[str, str]:
        """One sync, every rename (or the first build's folder renamed into place), then
        the files of an earlier build removed; returns each file's SHA-256."""
        if self.fresh:
            try:
                os.sync()
                os.replace(self.folder, self.target)  # over an empty folder too
            except BaseException:
                self.discard()
                raise
            return self.hashes
        renamed = 0
        try:
            if self._pending:
                os.sync()  # one flush for the whole site, not an fsync per file
            for partial, path in self._pending:
                os.replace(partial, path)
                renamed += 1
        finally:
            self.discard(renamed)
        keep = {os.path.normpath(os.path.join(self.folder, name)) for name in self.hashes}
        for root, dirs, names in os.walk(self.folder, topdown=False):
            for name in names:
                path = os.path.normpath(os.path.join(root, name))
                if path not in keep:
                    os.unlink(path)
            for name in dirs:
                path = os.path.join(root, name)
                if not os.listdir(path):
                    os.rmdir(path)
        return self.hashes

    def discard(self, start: int = 0) -> None:
        """Remove the temporary files not renamed (from the `start`-th on), or a first
        build's whole folder."""
        if self.fresh:
            shutil.rmtree(self.folder, ignore_errors=True)
            return
        for partial, _ in self._pending[start:]:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(partial)
        del self._pending[start:]


# A site this many pages or more is written by a second thread while its pages are made
PARALLEL_PAGES = 500
BATCH_FILES = 32  # files handed over at once
QUEUED_BATCHES = 8  # batches made and not yet written, at most


@task(name="write_portal_files", task_run_name="portal files", cache_policy=NO_CACHE,
      persist_result=False)
def write_files(writer: SiteWriter, files: queue.Queue) -> int:
    """Put each (name, content) of the lists that come through `files` until None; after
    a failure, take the rest without writing it (the maker must not wait on a full
    queue), then raise it."""
    count, failed = 0, None
    while (batch := files.get()) is not None:
        if failed is None:
            try:
                for name, content in batch:
                    writer.put(name, content)
                    count += 1
            except BaseException as exc:  # noqa: BLE001 - raised once the queue is done
                failed = exc
    if failed is not None:
        raise failed
    return count


def write_site_beside(folder: Path, files: Iterable[tuple[str, bytes | Workbook]]
                      ) -> dict[str, str]:
    """`write_site`, the files written (zipped, compared, hashed, written: work that lets
    go of the GIL) by a task run on the flow's task runner (a thread) while this thread
    makes the next ones."""
    writer = SiteWriter(folder)
    made: queue.Queue = queue.Queue(QUEUED_BATCHES)
    future = write_files.submit(quote(writer), quote(made))
    try:
        try:
            batch: list[tuple[str, bytes | Workbook]] = []
            for item in files:
                batch.append(item)
                if len(batch) == BATCH_FILES:
                    made.put(batch)
                    batch = []
            made.put(batch)
        finally:
            made.put(None)
            future.wait()
        future.result()
    except BaseException:
        writer.discard()
        raise
    return writer.finish()


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC


def _write_new(path: str, content: bytes) -> None:
    """`content` into the file at `path` (created, or emptied first), as open(path, "wb")
    writes it, in three system calls: a site is tens of thousands of files."""
    handle = os.open(path, _NEW_FILE, 0o666)
    try:
        done = os.write(handle, content)
        while done < len(content):  # a regular file takes it all at once, but for a signal
            done += os.write(handle, memoryview(content)[done:])
    finally:
        os.close(handle)


def _empty(folder: Path) -> bool:
    with os.scandir(folder) as entries:
        return next(entries, None) is None


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
        write = write_site_beside if beside(data) else write_site
        with cycles_not_collected():  # core.runtime: a site is many small objects, no cycles
            hashes = write(folder, site_files(data))
        published.remember(record, fingerprint, folder, hashes, hashes)
        get_run_logger().info("Cổng thông tin chỉ tiêu: %s (%d tệp)", index, len(hashes))
    create_link_artifact(index.resolve().as_uri(), link_text="Cổng thông tin chỉ tiêu",
                         key=f"portal-{year}",
                         description=f"Cổng thông tin chỉ tiêu 2022–2030 (sau năm {year})")
    return index


def beside(data: PortalData) -> bool:
    """Whether the site is written by a second thread: in a flow run (its task runner),
    and big enough to pay for the task run."""
    return (FlowRunContext.get() is not None
            and len(data.units) + len(data.lineage_keys) >= PARALLEL_PAGES)
