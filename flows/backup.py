"""Backups of the warehouse: the `warehouse-backup` deployment (daily, see prefect.yaml) and
the operator's commands.

    python -m flows.backup [create]                 back up now (make backup)
    python -m flows.backup list                     the backups kept
    python -m flows.backup restore FOLDER [--replace]

Each also takes --warehouse (HB_WAREHOUSE), --backup-dir (HB_BACKUP_DIR, default `backups/`
beside the warehouse) and --keep (HB_BACKUP_KEEP, default 30: the most recent backups kept,
older ones deleted after each new backup). Backups and restores hold the warehouse lock.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from pydantic import Field

from core.registry import LOCAL_TZ
from core.report import vn_number
from core.settings import DEFAULT_BACKUP_KEEP as DEFAULT_KEEP
from core.settings import ENV, OPERATIONS_ENV, RunSettings, SettingError, settings_from
from core.settings import backup_dir as backup_dir_of
from core.settings import backup_keep as keep_of
from flows.annual_report import record_failure
from tasks import report_progress
from warehouse.backup import (
    BackupError,
    BackupInfo,
    list_backups,
    prune_backups,
    restore_backup,
    take_backup,
)
from warehouse.lock import WarehouseBusy, warehouse_lock

BACKUP_DIR_ENV = OPERATIONS_ENV["backup_dir"]
BACKUP_KEEP_ENV = OPERATIONS_ENV["backup_keep"]


def require_warehouse(settings: RunSettings) -> None:
    """Fail before taking the lock (which would create the folder) when there is nothing."""
    if not settings.warehouse.is_file():
        raise BackupError(f"Không có kho dữ liệu {settings.warehouse} để sao lưu.")


def back_up(settings: RunSettings, backup_dir: Path, keep: int,
            now: datetime) -> tuple[BackupInfo, list[Path]]:
    """Take a backup, then apply the retention rule; the caller holds the warehouse lock."""
    info = take_backup(settings.warehouse, backup_dir, now)
    return info, prune_backups(backup_dir, keep)


def _taken(info: BackupInfo) -> str:
    return f"{datetime.fromisoformat(info.taken_at):%d/%m/%Y %H:%M:%S}"


def _megabytes(info: BackupInfo) -> str:
    return f"{vn_number(info.size_bytes / 1e6, 1)} MB"


def backup_markdown(info: BackupInfo, removed: list[Path], keep: int) -> str:
    snapshots = info.tables.get("raw.snapshots", 0)
    lines = [f"# Sao lưu kho dữ liệu {_taken(info)}", "",
             f"- Bản sao lưu: `{info.folder}` ({_megabytes(info)}, "
             f"{snapshots} bản báo cáo đã nhận, {len(info.tables)} bảng)",
             f"- Giữ {keep} bản gần nhất; đã xóa {len(removed)} bản cũ"
             + (": " + ", ".join(p.name for p in removed) if removed else "."),
             "", f"Khôi phục: `python -m flows.backup restore {info.folder} --replace`"]
    return "\n".join(lines)


@task(name="back_up_warehouse", task_run_name="back up warehouse")
def back_up_warehouse(settings: RunSettings, backup_dir: Path, keep: int) -> BackupInfo:
    """Copy the warehouse into a new backup folder and delete the backups beyond `keep`."""
    info, removed = back_up(settings, backup_dir, keep, datetime.now(LOCAL_TZ))
    create_markdown_artifact(backup_markdown(info, removed, keep), key="warehouse-backup",
                             description="Sao lưu kho dữ liệu")
    report_progress("Đã sao lưu kho dữ liệu: %s (xóa %s bản cũ).", info.folder, len(removed))
    return info


def _run_name() -> str:
    return f"warehouse-backup-{datetime.now(LOCAL_TZ):%Y%m%d-%H%M}"


@flow(name="warehouse-backup", flow_run_name=_run_name, on_failure=[record_failure],
      on_crashed=[record_failure])
def backup_warehouse(
    warehouse: str | None = None,
    backup_dir: str | None = None,
    keep: Annotated[int | None, Field(ge=1)] = None,
) -> str:
    """Back up the warehouse under its lock, keeping the most recent backups.

    Args:
        warehouse: Tệp DuckDB (mặc định HB_WAREHOUSE hoặc data/warehouse.duckdb).
        backup_dir: Thư mục chứa các bản sao lưu (mặc định HB_BACKUP_DIR hoặc thư mục
            backups cạnh tệp DuckDB); nên đặt trên một ổ đĩa khác.
        keep: Số bản sao lưu gần nhất được giữ, bản cũ hơn bị xóa (mặc định HB_BACKUP_KEEP
            hoặc 30).
    """
    settings = settings_from(warehouse=warehouse)
    folder, kept = backup_dir_of(settings, backup_dir), keep_of(keep)
    require_warehouse(settings)
    with warehouse_lock(settings.warehouse):
        info = back_up_warehouse(settings, folder, kept)
    return str(info.folder)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m flows.backup",
        description="Sao lưu và khôi phục kho dữ liệu DuckDB của quy trình báo cáo.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--warehouse", help=f"tệp DuckDB ({ENV['warehouse']})")
    common.add_argument("--backup-dir", help=f"thư mục sao lưu ({BACKUP_DIR_ENV}; mặc định "
                        "backups/ cạnh tệp DuckDB)")
    actions = parser.add_subparsers(dest="action")
    create = actions.add_parser("create", parents=[common], help="sao lưu ngay")
    create.add_argument("--keep", help=f"số bản gần nhất được giữ ({BACKUP_KEEP_ENV}; mặc "
                        f"định {DEFAULT_KEEP})")
    actions.add_parser("list", parents=[common], help="liệt kê các bản sao lưu")
    restore = actions.add_parser("restore", parents=[common],
                                 help="khôi phục kho dữ liệu từ một bản sao lưu")
    restore.add_argument("backup", type=Path, help="thư mục bản sao lưu warehouse-…")
    restore.add_argument("--replace", action="store_true",
                         help="thay kho dữ liệu đang có (bản hiện tại được giữ lại bên cạnh)")
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in ("create", "list", "restore", "-h", "--help"):
        argv = ["create", *argv]  # backing up is the default action
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    try:
        settings = settings_from(warehouse=args.warehouse)
        folder = backup_dir_of(settings, args.backup_dir)
        if args.action == "list":
            found = list_backups(folder)
            for info in found:
                print(f"{info.folder}  {_taken(info)}  {_megabytes(info)}  "
                      f"{info.tables.get('raw.snapshots', 0)} bản báo cáo")
            print(f"{len(found)} bản sao lưu trong {folder}.")
            return 0
        if args.action == "create":
            keep = keep_of(args.keep)
            require_warehouse(settings)
            with warehouse_lock(settings.warehouse, timeout_seconds=600):
                info, removed = back_up(settings, folder, keep, datetime.now(LOCAL_TZ))
            print(f"Đã sao lưu kho dữ liệu {settings.warehouse} vào {info.folder} "
                  f"({_megabytes(info)}); đã xóa {len(removed)} bản cũ, "
                  f"giữ {keep} bản gần nhất.")
            return 0
        with warehouse_lock(settings.warehouse, timeout_seconds=10):
            kept = restore_backup(args.backup, settings.warehouse, datetime.now(LOCAL_TZ),
                                  replace=args.replace)
            from tasks.operations import analyst_dir
            from warehouse.analyst import publish_analyst_copy

            publish_analyst_copy(settings.warehouse, analyst_dir(settings))
    except (BackupError, SettingError, WarehouseBusy) as exc:
        print(f"Không thực hiện được: {exc}", file=sys.stderr)
        return 1
    print(f"Đã khôi phục kho dữ liệu {settings.warehouse} từ {args.backup}."
          + (f" Kho cũ được giữ lại: {kept}." if kept else "")
          + " Bản sao cho phân tích đã được cập nhật.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
