"""Backups of the warehouse: taken by the `warehouse-backup` flow under the warehouse lock,
kept by the retention rule, restored by the documented command into a fresh folder with
the same raw snapshots (bytes and SHA-256) and marts, refused when damaged."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from core.registry import LOCAL_TZ
from tests.runs import flow_paths, marts, rows
from tests.workbooks import report_workbook
from warehouse.backup import expired

ACTIVITY = {"activity_code": "1a", "description": "Mít tinh", "form": "Khác",
            "audience": "Người dân, cộng đồng", "sessions": 3}


@pytest.fixture(scope="module")
def ran_2024(prefect_api, small_registry, tmp_path_factory):
    """A warehouse made by a real annual run of 2024 (LDTBXH and VHTT reported)."""
    from flows.annual_report import annual_report

    root = tmp_path_factory.mktemp("backup")
    for unit in ("LDTBXH", "VHTT"):
        report_workbook(root / "reports" / "2024" / f"{unit}.xlsx", unit, 2024,
                        activities=[ACTIVITY])
    paths = flow_paths(root, small_registry, warehouse="data/w.duckdb")
    annual_report(year=2024, **paths)
    return root, paths


def _command(*args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flows.backup", *args], env=env,
                          capture_output=True, text=True, timeout=300)


def test_retention_keeps_the_most_recent_backups():
    """Of four backups, keeping 2 deletes the two oldest; other names are never touched."""
    names = ["warehouse-20261203-220000", "warehouse-20261201-220000", "notes",
             "warehouse-20261204-220000", "warehouse-20261202-220000"]
    assert ["warehouse-20261201-220000", "warehouse-20261202-220000"] == expired(names, 2)
    assert [] == expired(names, 30)


def test_backup_restored_into_a_fresh_folder_is_identical(ran_2024, tmp_path, subprocess_env):
    """The flow backs up the warehouse; `python -m flows.backup restore` puts it into an
    empty folder: every snapshot has the same bytes and SHA-256 (which still match the
    bytes), every mart the same rows; a new run there adds no snapshot and carries on."""
    from flows.annual_report import annual_report
    from flows.backup import backup_warehouse

    root, paths = ran_2024
    original = Path(paths["warehouse"])
    folder = Path(backup_warehouse(warehouse=str(original), backup_dir=str(tmp_path / "b")))
    assert [folder.name] == [p.name for p in (tmp_path / "b").iterdir()]
    restored = tmp_path / "fresh" / "w.duckdb"
    done = _command("restore", str(folder), "--warehouse", str(restored), env=subprocess_env)
    assert 0 == done.returncode, done.stderr
    assert f"Đã khôi phục kho dữ liệu {restored} từ {folder}." in done.stdout

    snapshots = "select snapshot_id, unit_code, content_sha256, content from raw.snapshots " \
                "order by snapshot_id"
    before, after = rows(original, snapshots), rows(restored, snapshots)
    assert 2 == len(after)
    assert before == after
    assert all(hashlib.sha256(content).hexdigest() == sha for _, _, sha, content in after)
    assert marts(original) == marts(restored)
    assert [("LDTBXH", 3), ("VHTT", 3)] == rows(
        restored, "select unit_code, sessions from staging.stg_workbook__activities order by 1")
    assert (tmp_path / "fresh" / "analyst" / "warehouse.duckdb").is_file()

    [(last, count)] = rows(restored, "select max(fetch_id), count(*) from raw.fetches")
    annual_report(year=2024, **{**paths, "warehouse": str(restored),
                                "output_dir": str(tmp_path / "out")})
    assert before == rows(restored, snapshots)
    assert [(last + 1, last + count, count)] == rows(
        restored, f"select min(fetch_id), max(fetch_id), count(*) from raw.fetches "
                  f"where fetch_id > {last}")


def test_backup_waits_for_the_run_holding_the_lock(ran_2024, tmp_path, subprocess_env,
                                                   capsys):
    """While a run holds the warehouse lock, `python -m flows.backup` waits (a backup takes
    well under a second here); it backs up once the lock is released, and `list` shows it."""
    from flows.backup import main

    _, paths = ran_2024
    backups = tmp_path / "b"
    codes = []
    backup = threading.Thread(target=lambda: codes.append(main(
        ["--warehouse", paths["warehouse"], "--backup-dir", str(backups)])))
    holder = subprocess.Popen(  # another process (a run) holds the lock until told to stop
        [sys.executable, "-c", "import sys; from pathlib import Path; "
         "from warehouse.lock import warehouse_lock\n"
         f"with warehouse_lock(Path({paths['warehouse']!r})):\n"
         "    print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=subprocess_env)
    try:
        assert "held" == holder.stdout.readline().strip()
        backup.start()
        time.sleep(4)
        assert backup.is_alive()
        assert not backups.exists() or [] == list(backups.iterdir())
    finally:
        holder.stdin.close()
        holder.wait(30)
    backup.join(120)
    assert [0] == codes
    [folder] = list(backups.iterdir())
    said = capsys.readouterr().out.splitlines()
    assert said[0].startswith(f"Đang chờ kho dữ liệu {paths['warehouse']}: tiến trình "
                              f"{holder.pid} (từ ")
    assert said[-1].startswith(f"Đã sao lưu kho dữ liệu {paths['warehouse']} vào {folder} (")
    listed = _command("list", "--warehouse", paths["warehouse"], "--backup-dir", str(backups),
                      env=subprocess_env)
    assert listed.stdout.splitlines()[-1] == f"1 bản sao lưu trong {backups}."
    assert listed.stdout.splitlines()[0].startswith(f"{folder}  ")
    assert listed.stdout.splitlines()[0].endswith("2 bản báo cáo")


def test_retention_and_refusals(ran_2024, tmp_path, subprocess_env):
    """Three backups with keep=2 leave the two latest (and no leftover of a killed backup);
    a restore onto an existing warehouse needs --replace and keeps the old file; a damaged
    backup is refused and changes nothing."""
    from core.settings import settings_from
    from flows.backup import back_up

    _, paths = ran_2024
    settings = settings_from(warehouse=paths["warehouse"])
    backups = tmp_path / "b"
    (backups / ".warehouse-20261130-220000.tmp").mkdir(parents=True)
    for day in (1, 2, 3):
        info, _ = back_up(settings, backups, 2, datetime(2026, 12, day, 22, 0, tzinfo=LOCAL_TZ))
    assert ["warehouse-20261202-220000", "warehouse-20261203-220000"] == sorted(
        p.name for p in backups.iterdir())

    target = tmp_path / "w.duckdb"
    target.write_bytes(b"the warehouse in use")
    refused = _command("restore", str(info.folder), "--warehouse", str(target),
                       env=subprocess_env)
    assert 1 == refused.returncode
    assert f"Đã có kho dữ liệu {target}: thêm --replace" in refused.stderr
    replaced = _command("restore", str(info.folder), "--warehouse", str(target), "--replace",
                        env=subprocess_env)
    assert 0 == replaced.returncode, replaced.stderr
    [kept] = list(tmp_path.glob("w.before-restore-*.duckdb"))
    assert b"the warehouse in use" == kept.read_bytes()

    copy = info.folder / "warehouse.duckdb"
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    restored_bytes = target.read_bytes()
    damaged = _command("restore", str(info.folder), "--warehouse", str(target), "--replace",
                       env=subprocess_env)
    assert 1 == damaged.returncode
    assert "đã bị thay đổi hoặc hỏng (mã SHA-256 không khớp)" in damaged.stderr
    assert restored_bytes == target.read_bytes()
