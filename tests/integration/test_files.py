"""Outputs replaced whole (core.files), leftovers of dead processes removed, and the bounds
of Prefect's local result storage (core.runtime)."""

import os
import subprocess
import sys
import time

import pytest

from core.files import (
    remove_stale_temporaries,
    replacing,
    replacing_folder,
    temporary_name,
    write_text,
)
from core.runtime import prune_result_storage


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


def test_a_failed_write_leaves_the_previous_file(tmp_path):
    """A writer that fails halfway leaves the previous file and no temporary; one that
    finishes replaces it."""
    target = tmp_path / "bao-cao.md"
    write_text(target, "cũ")
    with pytest.raises(RuntimeError), replacing(target) as partial:
        partial.write_text("nửa chừ")
        raise RuntimeError("killed")
    assert ("cũ", ["bao-cao.md"]) == (target.read_text(), os.listdir(tmp_path))
    write_text(target, "mới")
    assert ("mới", ["bao-cao.md"]) == (target.read_text(), os.listdir(tmp_path))


def test_a_folder_is_replaced_whole(tmp_path):
    """The new folder takes the old one's place; nothing else is left."""
    marts = tmp_path / "marts"
    marts.mkdir()
    (marts / "old.parquet").write_text("old")
    with replacing_folder(marts) as partial:
        (partial / "new.parquet").write_text("new")
    assert (["new.parquet"], ["marts"]) == (os.listdir(marts), os.listdir(tmp_path))


def test_stale_temporaries_go_living_ones_stay(tmp_path):
    """Temporaries of a dead pid go (new and old names); one of this process written now
    stays; a folder moved aside by a replacement killed halfway is put back; a stale
    `.partial` of an older version goes once an hour old; other files are never touched."""
    dead = _dead_pid()
    (tmp_path / f".phu-luc-2024.xlsx.{dead}.tmp").write_text("half")
    (tmp_path / f".warehouse.duckdb.{dead}.tmp.wal").write_text("wal")
    (tmp_path / f".warehouse-{dead}.duckdb.tmp").write_text("legacy")
    (tmp_path / f".marts-{dead}.tmp").mkdir()
    (tmp_path / f".marts.{dead}.old").mkdir()  # killed between the two renames
    (tmp_path / f".marts.{dead}.old" / "a.parquet").write_text("previous")
    (tmp_path / f".marts.{dead}.tmp").mkdir()
    mine = temporary_name(tmp_path / "bao-cao-2024.docx")
    mine.write_text("being written")
    old_partial = tmp_path / "bao-cao-2024.html.partial"
    old_partial.write_text("legacy")
    hour_ago = time.time() - 3700
    os.utime(old_partial, (hour_ago, hour_ago))
    (tmp_path / "young.html.partial").write_text("recent")
    (tmp_path / ".hidden-notes.txt").write_text("a user's file")
    removed = remove_stale_temporaries(tmp_path)
    assert sorted([f".phu-luc-2024.xlsx.{dead}.tmp", f".warehouse.duckdb.{dead}.tmp.wal",
                   f".warehouse-{dead}.duckdb.tmp", f".marts-{dead}.tmp",
                   f".marts.{dead}.tmp", "bao-cao-2024.html.partial"]) == sorted(
                       p.name for p in removed)
    assert sorted([".hidden-notes.txt", mine.name, "marts", "young.html.partial"]) == sorted(
        os.listdir(tmp_path))
    assert ["a.parquet"] == os.listdir(tmp_path / "marts")


def test_a_reused_pid_does_not_keep_a_temporary(tmp_path):
    """A temporary named after this process's pid but written before this process started
    (a container run gets the same pid every time) is stale."""
    left = tmp_path / f".bao-cao-2024.md.{os.getpid()}.tmp"
    left.write_text("from an earlier life")
    long_ago = time.time() - 365 * 86400
    os.utime(left, (long_ago, long_ago))
    assert [left] == remove_stale_temporaries(tmp_path)


def test_result_storage_pruned_by_age_then_size(tmp_path):
    """Results older than the keep period go; then the oldest until the folder is within
    its size: 5 files of 100 bytes aged 10, 8, 3, 2, 1 days, keep 7 days and 250 bytes →
    the 10- and 8-day ones (age), then the 3-day one (size)."""
    now = 1_800_000_000.0
    ages = {"a": 10, "b": 8, "c": 3, "d": 2, "e": 1}
    for name, days in ages.items():
        path = tmp_path / name
        path.write_bytes(b"x" * 100)
        os.utime(path, (now - days * 86400, now - days * 86400))
    removed = prune_result_storage(tmp_path, keep_seconds=7 * 86400, max_bytes=250, now=now)
    assert (["a", "b", "c"], ["d", "e"]) == (
        [p.name for p in removed], sorted(os.listdir(tmp_path)))
