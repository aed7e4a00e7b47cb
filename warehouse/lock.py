"""One writer at a time: runs that write the same warehouse wait for each other.

DuckDB allows one writing process, and a run opens its file in several steps; a lock file
beside the warehouse, held for the whole run, keeps a scheduled run and an operator's
re-run from interleaving. The holder writes who it is into the lock file (pid, since when,
which command); a second run says that it is waiting and for whom, again every minute,
then fails with a clear message. The lock is re-entrant within a process: the command line
takes it before checking the warehouse, and the flow it then runs takes it again.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from core.registry import LOCAL_TZ


class WarehouseBusy(RuntimeError):
    """Another run holds the warehouse for longer than we were willing to wait."""


_held: dict[Path, int] = {}  # lock file → how many times this process holds it
_held_guard = threading.Lock()


def lock_path_of(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


def holder_of(lock_path: Path) -> dict[str, object] | None:
    """Who holds the lock, as its holder wrote it (None when unknown)."""
    try:
        found = json.loads(lock_path.read_text(encoding="utf-8") or "null")
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def describe_holder(holder: dict[str, object] | None) -> str:
    if not holder:
        return "một lần chạy khác (chưa rõ tiến trình)"
    since = str(holder.get("since", ""))
    try:
        since = datetime.fromisoformat(since).astimezone(LOCAL_TZ).strftime("%H:%M:%S %d/%m/%Y")
    except ValueError:
        pass
    command = " ".join(str(holder.get("command", "?")).split())  # one line, whatever it is
    if len(command) > 300:
        command = command[:299] + "…"
    return f"tiến trình {holder.get('pid')} (từ {since}, lệnh: {command})"


def _command_line() -> str:
    try:  # as typed (python -m flows.annual_report …), rather than sys.argv's file path
        parts = Path("/proc/self/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
        return " ".join(part.decode("utf-8", "replace") for part in parts)
    except OSError:
        return " ".join([sys.executable, *sys.argv])


def _print(message: str) -> None:
    print(message, file=sys.stdout, flush=True)


def default_say(message: str) -> None:
    """In a flow run: a warning in the run's log (UI and console); otherwise the console."""
    try:
        from prefect import get_run_logger
        from prefect.exceptions import MissingContextError

        try:
            get_run_logger().warning(message)
            return
        except MissingContextError:
            pass
    except ImportError:
        pass
    _print(message)


@contextmanager
def warehouse_lock(warehouse: Path, timeout_seconds: float = 1800.0,
                   poll_seconds: float = 1.0, report_every_seconds: float = 60.0,
                   say: Callable[[str], None] = default_say) -> Iterator[None]:
    lock_path = lock_path_of(warehouse)
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    key = lock_path.resolve()
    with _held_guard:
        if _held.get(key):
            _held[key] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _held_guard:
                _held[key] -= 1
        return
    started = time.monotonic()
    deadline = started + timeout_seconds
    next_report = started
    with lock_path.open("a+", encoding="utf-8") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                now = time.monotonic()
                holder = describe_holder(holder_of(lock_path))
                if now >= deadline:
                    raise WarehouseBusy(
                        f"Kho dữ liệu {warehouse} vẫn đang được {holder} ghi sau "
                        f"{timeout_seconds:.0f} giây chờ; chạy lại khi lần chạy đó xong"
                    ) from None
                if now >= next_report:
                    say(f"Đang chờ kho dữ liệu {warehouse}: {holder} đang ghi; đã chờ "
                        f"{now - started:.0f} giây, chờ tối đa {timeout_seconds:.0f} giây")
                    next_report = now + report_every_seconds
                time.sleep(poll_seconds)
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(),
                                 "since": datetime.now(LOCAL_TZ).isoformat(timespec="seconds"),
                                 "command": _command_line()}, ensure_ascii=False))
        handle.flush()
        with _held_guard:
            _held[key] = 1
        try:
            yield
        finally:
            with _held_guard:
                _held.pop(key, None)
            handle.truncate(0)
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)
