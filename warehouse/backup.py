"""Backups of the warehouse: the only record of what the units submitted.

A backup is a folder `warehouse-YYYYMMDD-HHMMSS/` (local time) holding `warehouse.duckdb`, a
compact copy made by DuckDB's `COPY FROM DATABASE` (tables, constraints, sequences, views),
and `manifest.json` (the copy's SHA-256, every table's row count). It is built under a
temporary name and renamed into place, so a folder with that name is always complete.
The caller holds the warehouse lock (warehouse/lock.py): no run writes while it is taken,
and DuckDB's own file lock keeps any other writer out while the copy is read.

Restoring checks the manifest, copies the file beside the target and renames it into place;
a warehouse already there is kept as `<name>.before-restore-<time>.duckdb`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from core.files import sync_file

BACKUP_FILE = "warehouse.duckdb"
MANIFEST_FILE = "manifest.json"
NAME_FORMAT = "warehouse-%Y%m%d-%H%M%S"
NAME_PATTERN = re.compile(r"^warehouse-\d{8}-\d{6}$")
TEMP_PREFIX = ".warehouse-"  # backups being written; left over only by a killed backup


class BackupError(RuntimeError):
    """A backup cannot be taken or restored; the message says why, in Vietnamese."""


@dataclass(frozen=True)
class BackupInfo:
    folder: Path
    taken_at: str
    size_bytes: int
    tables: dict[str, int]


def expired(names: list[str], keep: int) -> list[str]:
    """The backups beyond the `keep` most recent ones (names sort by time), oldest first."""
    if keep < 1:
        raise ValueError("keep must be at least 1")
    ordered = sorted(name for name in names if NAME_PATTERN.match(name))
    return ordered[:-keep]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def table_counts(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, int]:
    """Row count of every base table of a database, keyed "schema.table"."""
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables where table_catalog = ? "
        "and table_type = 'BASE TABLE' order by 1, 2", [catalog]).fetchall()
    return {f"{schema}.{table}": con.execute(
        f'select count(*) from "{catalog}"."{schema}"."{table}"').fetchone()[0]
        for schema, table in tables}


def take_backup(warehouse: Path, backup_dir: Path, taken_at: datetime) -> BackupInfo:
    """Copy the warehouse into a new backup folder of `backup_dir`; the caller holds the
    warehouse lock."""
    if not warehouse.is_file():
        raise BackupError(f"Không có kho dữ liệu {warehouse} để sao lưu.")
    name = taken_at.strftime(NAME_FORMAT)
    final = backup_dir / name
    if final.exists():
        raise BackupError(f"Bản sao lưu {final} đã có (hai lần sao lưu trong cùng một giây).")
    backup_dir.mkdir(parents=True, exist_ok=True)
    for stale in backup_dir.glob(f"{TEMP_PREFIX}*.tmp"):  # a killed backup's leftovers
        shutil.rmtree(stale, ignore_errors=True)
    tmp = backup_dir / f"{TEMP_PREFIX}{name[len('warehouse-'):]}.tmp"
    tmp.mkdir()
    try:
        copy = tmp / BACKUP_FILE
        with duckdb.connect(":memory:") as con:
            con.execute(f"attach '{_sql_text(warehouse)}' as source (read_only)")
            con.execute(f"attach '{_sql_text(copy)}' as backup")
            con.execute("copy from database source to backup")
            con.execute("detach backup")
            counts = table_counts(con, "source")
        with duckdb.connect(str(copy), read_only=True) as check:
            copied = table_counts(check, check.execute("select current_database()").fetchone()[0])
        if copied != counts:
            raise BackupError(f"Bản sao lưu không khớp với kho dữ liệu {warehouse}: số dòng "
                              "khác nhau; hãy sao lưu lại.")
        manifest = {
            "format": 1, "taken_at": taken_at.isoformat(), "source": str(warehouse.resolve()),
            "duckdb_version": duckdb.__version__, "file": BACKUP_FILE,
            "sha256": file_sha256(copy), "size_bytes": copy.stat().st_size, "tables": counts,
        }
        (tmp / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, ensure_ascii=False),
                                         encoding="utf-8")
        for path in (copy, tmp / MANIFEST_FILE, tmp):
            sync_file(path)
        os.rename(tmp, final)
        sync_file(backup_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return BackupInfo(final, manifest["taken_at"], manifest["size_bytes"], counts)


def prune_backups(backup_dir: Path, keep: int) -> list[Path]:
    """Delete the complete backups beyond the `keep` most recent; the deleted folders."""
    if not backup_dir.is_dir():
        return []
    names = [p.name for p in backup_dir.iterdir()
             if p.is_dir() and (p / MANIFEST_FILE).is_file()]
    removed = []
    for name in expired(names, keep):
        shutil.rmtree(backup_dir / name)
        removed.append(backup_dir / name)
    return removed


def read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder} không phải một bản sao lưu đọc được (thiếu hoặc hỏng "
                          f"{MANIFEST_FILE}: {type(exc).__name__}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != 1:
        raise BackupError(f"{folder}: {MANIFEST_FILE} không đúng định dạng bản sao lưu.")
    return manifest


def list_backups(backup_dir: Path) -> list[BackupInfo]:
    """The complete backups of a folder, oldest first."""
    if not backup_dir.is_dir():
        return []
    found = []
    for folder in sorted(backup_dir.iterdir()):
        if NAME_PATTERN.match(folder.name) and (folder / MANIFEST_FILE).is_file():
            manifest = read_manifest(folder)
            found.append(BackupInfo(folder, manifest["taken_at"], manifest["size_bytes"],
                                    manifest["tables"]))
    return found


def verify_backup(folder: Path) -> dict:
    """Check a backup against its manifest (checksum, row counts); its manifest."""
    manifest = read_manifest(folder)
    copy = folder / BACKUP_FILE
    if not copy.is_file():
        raise BackupError(f"{folder}: thiếu tệp {BACKUP_FILE}.")
    if file_sha256(copy) != manifest["sha256"]:
        raise BackupError(f"{folder}: tệp {BACKUP_FILE} đã bị thay đổi hoặc hỏng (mã SHA-256 "
                          "không khớp); hãy dùng một bản sao lưu khác.")
    with duckdb.connect(str(copy), read_only=True) as con:
        counts = table_counts(con, con.execute("select current_database()").fetchone()[0])
    if counts != manifest["tables"]:
        raise BackupError(f"{folder}: số dòng các bảng không khớp với {MANIFEST_FILE}; hãy "
                          "dùng một bản sao lưu khác.")
    return manifest


def restore_backup(folder: Path, warehouse: Path, at: datetime,
                   replace: bool = False) -> Path | None:
    """Put a verified backup in place as `warehouse`; the caller holds the warehouse lock.
    Returns where the previous warehouse was kept (None when there was none)."""
    manifest = verify_backup(folder)
    if warehouse.exists() and not replace:
        raise BackupError(f"Đã có kho dữ liệu {warehouse}: thêm --replace để thay bằng bản "
                          "sao lưu (kho hiện tại được giữ lại bên cạnh).")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    tmp = warehouse.with_name(f".{warehouse.name}.restore.tmp")
    shutil.copyfile(folder / BACKUP_FILE, tmp)
    sync_file(tmp)
    if file_sha256(tmp) != manifest["sha256"]:
        tmp.unlink()
        raise BackupError(f"Chép bản sao lưu sang {tmp.parent} bị lỗi (mã SHA-256 không "
                          "khớp); hãy kiểm tra ổ đĩa rồi thử lại.")
    kept = None
    if warehouse.exists():
        kept = warehouse.with_name(f"{warehouse.stem}.before-restore-{at:%Y%m%d-%H%M%S}"
                                   f"{warehouse.suffix}")
        os.link(warehouse, kept)
    wal = warehouse.with_name(warehouse.name + ".wal")
    if wal.exists():  # a crashed writer's log belongs to the old file, never to the backup
        os.replace(wal, (kept or warehouse).with_name((kept or warehouse).name + ".wal.old"))
    os.replace(tmp, warehouse)
    sync_file(warehouse.parent)
    return kept


def _sql_text(path: Path) -> str:
    return path.as_posix().replace("'", "''")
