"""Output files appear whole or not at all.

Every file the pipeline publishes (reports, appendix, analysts' copy, Parquet, data
dictionary) is written to a hidden temporary name in its own folder, `.<name>.<pid>.tmp`,
and renamed over the target once complete: a reader, or a run killed at any instant, sees
the previous file or the new one, never half of one. A killed run cannot remove its
temporaries; `remove_stale_temporaries` does so at the next start, once the process that
wrote them is gone.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.runtime import crash_point

# `.<name>.<pid>.tmp` (a file or folder being written, and a DuckDB file's `.wal` beside
# it) and `.<name>.<pid>.old` (a folder being replaced); the older names
# `.warehouse-<pid>.duckdb.tmp`, `.marts-<pid>.tmp`, `.marts-old-<pid>` too.
_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.(?P<kind>tmp|old)(?:\.wal)?$")
_LEGACY = re.compile(r"^\.(?:warehouse-(?P<a>\d+)\.duckdb\.tmp(?:\.wal)?|marts-(?P<b>\d+)\.tmp"
                     r"|marts-old-(?P<c>\d+))$")
_LEGACY_PARTIAL_AGE = 3600.0  # `<name>.partial` (no pid) left by older versions


def temporary_name(path: Path, kind: str = "tmp") -> Path:
    """The hidden name beside `path` that this process writes before renaming."""
    return path.with_name(f".{path.name}.{os.getpid()}.{kind}")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def sync_file(path: Path) -> None:
    """Data on disk before the rename makes it visible (a power cut, not only a kill)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path` to write; when the block ends normally the
    temporary replaces `path` in one rename, otherwise it is removed and `path` is left
    as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = temporary_name(path)
    _remove(partial)
    try:
        yield partial
        sync_file(partial)
        crash_point(f"write:{path.name}")
        os.replace(partial, path)
    finally:
        _remove(partial)
        _remove(partial.with_name(partial.name + ".wal"))


def write_bytes(path: Path, content: bytes) -> Path:
    with replacing(path) as partial:
        partial.write_bytes(content)
    return path


def write_text(path: Path, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


@contextmanager
def replacing_folder(path: Path) -> Iterator[Path]:
    """Yield an empty temporary folder beside `path`; when the block ends normally it takes
    the place of `path` (the previous folder is moved aside, then removed). Killed between
    the two renames, the previous folder is put back by `remove_stale_temporaries`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial, previous = temporary_name(path), temporary_name(path, "old")
    _remove(partial)
    _remove(previous)
    partial.mkdir()
    try:
        yield partial
        if path.exists():
            os.replace(path, previous)
        os.replace(partial, path)
    finally:
        _remove(partial)
    _remove(previous)


def _started_at(pid: int) -> float | None:
    """When process `pid` started (epoch seconds), None when it is not running. Without
    /proc, a running process counts as started at the epoch."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        ticks = int(stat.rpartition(")")[2].split()[19])
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return 0.0


def _writer_gone(pid: int, modified_at: float) -> bool:
    """True when the process that wrote a temporary has ended: no process with that pid,
    or one started after the temporary was last written (the pid was reused, as happens to
    every run in a container)."""
    started = _started_at(pid)
    return started is None or started > modified_at + 1.0


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Remove the temporaries of processes that are no longer running (put back a folder
    moved aside by a replacement that never finished); return what was removed."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for entry in sorted(folder.iterdir()):
        try:
            modified_at = entry.lstat().st_mtime
        except FileNotFoundError:
            continue
        found, legacy = _TEMPORARY.match(entry.name), _LEGACY.match(entry.name)
        if found or legacy:
            pid = int(found["pid"] if found else next(g for g in legacy.groups() if g))
            if not _writer_gone(pid, modified_at):
                continue
            target = folder / found["name"] if found else None
            if found and found["kind"] == "old" and target and not target.exists():
                os.replace(entry, target)  # killed between the two renames: undo
                continue
        elif not (entry.name.endswith(".partial")
                  and time.time() - modified_at > _LEGACY_PARTIAL_AGE):
            continue
        _remove(entry)
        removed.append(entry)
    return removed
