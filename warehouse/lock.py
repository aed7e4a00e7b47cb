"""One writer at a time: runs that write the same warehouse wait for each other.

DuckDB allows one writing process, and a run opens its file in several steps; a lock file
beside the warehouse, held for the whole run, keeps a scheduled run and an operator's
re-run from interleaving. The second run waits, then fails with a clear message.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class WarehouseBusy(RuntimeError):
    """Another run holds the warehouse for longer than we were willing to wait."""


@contextmanager
def warehouse_lock(warehouse: Path, timeout_seconds: float = 1800.0,
                   poll_seconds: float = 1.0) -> Iterator[None]:
    lock_path = warehouse.with_name(warehouse.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout_seconds
    with lock_path.open("a+") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"Một lần chạy khác đang ghi kho dữ liệu {warehouse} quá "
                        f"{timeout_seconds:.0f} giây / another run is writing {warehouse}"
                    ) from None
                time.sleep(poll_seconds)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
