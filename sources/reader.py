"""Reading untrusted workbooks in a child process, one at a time, under a time and memory
ceiling, so that no file can take the run's memory or time.

`IsolatedReader` keeps one child (`python -m sources.reader`) for a whole pull, so a
workbook costs a round trip, not a process start. The child limits its own address space
(RLIMIT_AS), dies with its parent (PR_SET_PDEATHSIG), and answers each request with the
workbook's cells or the Vietnamese reason it could not read them: the tabs of cells
(`read`), or the tab names and the cells encoded for raw.cells as columns (`read_cells`,
what the pull keeps: the encoding is done on the child's core). When a workbook takes
longer than its time, the parent kills the child; when the child dies (out of memory, a
crash in the reader), the request fails with a reason for the unit and the next request
starts a new child. Either way only that workbook's unit is affected.

Messages are length-prefixed pickles over the child's stdin and stdout: both ends are this
module, and what crosses is only bytes, text, numbers and dates.
"""

from __future__ import annotations

import os
import pickle
import resource
import selectors
import signal
import struct
import subprocess
import sys
import time
from array import array
from pathlib import Path

from core.parse import Workbook
from core.snapshot import CellColumns, storable
from sources.xlsx import (
    ReadLimits,
    UnreadableWorkbook,
    megabytes,
    read_cells,
    read_workbook,
)

PROJECT_DIR = Path(__file__).resolve().parent.parent
_HEADER = struct.Struct(">Q")
_PR_SET_PDEATHSIG = 1


class IsolatedReader:
    """A supervised reader process. Use as a context manager; `read` never raises anything
    but `UnreadableWorkbook`."""

    def __init__(self, limits: ReadLimits) -> None:
        self.limits = limits
        self._process: subprocess.Popen[bytes] | None = None
        self.restarts = 0  # children replaced after a timeout or a death
        self.peak_rss_bytes = 0  # the largest peak resident size a child reported

    def __enter__(self) -> IsolatedReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        try:
            process.stdin.close()  # the child's loop ends at end of input
            process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()
        process.stdout.close()

    def _start(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            env = dict(os.environ)  # the reader child's environment: ours, plus the project
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (str(PROJECT_DIR), env.get("PYTHONPATH", "")) if p)
            self._process = subprocess.Popen(
                [sys.executable, "-m", "sources.reader", str(self.limits.memory_bytes)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                cwd=PROJECT_DIR, env=env,
            )
        return self._process

    def _kill(self) -> int | None:
        process, self._process = self._process, None
        self.restarts += 1
        if process is None:
            return None
        if process.poll() is None:
            process.kill()
        code = process.wait()
        for stream in (process.stdin, process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        return code

    def read(self, content: bytes) -> Workbook:
        """The workbook's tabs of cells, or `UnreadableWorkbook` with the reason."""
        return self._ask(content, "workbook")

    def read_cells(self, content: bytes) -> tuple[list[str], CellColumns]:
        """The workbook's tab names and its cells as `core.snapshot.cell_columns` encodes
        them (as arrays: `unpack_cells`), or `UnreadableWorkbook` with the reason."""
        names, packed = self._ask(content, "cells")
        return names, unpack_cells(names, packed)

    def _ask(self, content: bytes, answer_with: str):
        if self.limits.max_file_bytes and len(content) > self.limits.max_file_bytes:
            read_workbook(content, self.limits)  # raises "too large", no child needed
        process = self._start()
        request = pickle.dumps((content, self.limits, answer_with),
                               protocol=pickle.HIGHEST_PROTOCOL)
        deadline = time.monotonic() + self.limits.seconds
        try:
            process.stdin.write(_HEADER.pack(len(request)) + request)
            process.stdin.flush()
            kind, payload, peak = pickle.loads(_receive(process, deadline))
        except TimeoutError:
            self._kill()
            raise UnreadableWorkbook(
                f"đọc tệp mất quá {self.limits.seconds:g} giây (giới hạn); hãy xóa các dòng, "
                "cột, hình ảnh thừa, chỉ giữ các trang của mẫu báo cáo, lưu lại rồi nộp lại"
            ) from None
        except (OSError, EOFError, pickle.UnpicklingError, ValueError):
            code = self._kill()
            raise UnreadableWorkbook(
                "tệp quá lớn hoặc quá phức tạp để đọc (trình đọc dừng"
                + (f" với mã {code}" if code is not None else "")
                + f", giới hạn bộ nhớ {megabytes(self.limits.memory_bytes)}); hãy xóa các "
                "dòng, cột, hình ảnh thừa, lưu lại dưới dạng .xlsx rồi nộp lại") from None
        self.peak_rss_bytes = max(self.peak_rss_bytes, peak)
        if kind == "ok":
            return payload
        raise UnreadableWorkbook(payload)


_VALUE_TYPES = ("text", "number", "date", "bool")  # raw.cells.value_type, by its code
_VALUE_TYPE_CODES = {kind: code for code, kind in enumerate(_VALUE_TYPES)}

# the cells as the child sends them: tab indexes, row and column numbers (machine
# integers), each value type's code (a byte) and the texts; the tab names are the answer's
PackedCells = tuple[array, array, array, bytes, list[str]]


def pack_cells(columns: CellColumns) -> PackedCells:
    """`columns` (of `sources.xlsx.read_cells`) in a form that costs little to send and to
    take back: a cell's tab name and value type are not sent with each cell."""
    return (array("i", columns.tab_index), array("i", columns.row_number),
            array("i", columns.column_number),
            bytes(map(_VALUE_TYPE_CODES.__getitem__, columns.value_type)),
            columns.value_text)


def unpack_cells(names: list[str], packed: PackedCells) -> CellColumns:
    """The `CellColumns` of `pack_cells`, its columns as numpy arrays (what
    `warehouse.db.store_pull` puts together): each tab name as `cell_columns` keeps it."""
    import numpy as np

    tab_index, row_number, column_number, value_types, value_text = packed
    tabs = np.frombuffer(tab_index, dtype=np.int32)
    kept = np.array([storable(name) for name in names] or [""], dtype=object)
    return CellColumns(tabs, kept[tabs], np.frombuffer(row_number, dtype=np.int32),
                       np.frombuffer(column_number, dtype=np.int32),
                       np.array(_VALUE_TYPES, dtype=object)[
                           np.frombuffer(value_types, dtype=np.uint8)],
                       value_text)


def _receive(process: subprocess.Popen[bytes], deadline: float) -> bytes:
    """One length-prefixed message from the child, or TimeoutError at the deadline, or
    EOFError when the child has gone."""
    fd = process.stdout.fileno()
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)

        def take(size: int) -> bytes:
            chunks, wanted = [], size
            while wanted:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    raise TimeoutError
                chunk = os.read(fd, min(wanted, 1 << 20))
                if not chunk:
                    raise EOFError
                chunks.append(chunk)
                wanted -= len(chunk)
            return b"".join(chunks)

        (size,) = _HEADER.unpack(take(_HEADER.size))
        return take(size)


def _read_exactly(stream, size: int) -> bytes | None:
    data = stream.read(size)
    return data if len(data) == size else None


def peak_rss_bytes() -> int:
    """This process's peak resident size since it started its program (VmHWM; unlike
    getrusage, it does not carry the parent's size over from before exec)."""
    try:
        with open("/proc/self/status", "rb", buffering=0) as status:  # once per workbook
            text = status.read(1 << 16)
        start = text.index(b"\nVmHWM:") + 7
        return int(text[start:text.index(b"kB", start)]) * 1024
    except (OSError, ValueError):
        return 0


def _limit_self(memory_bytes: int) -> None:
    """Die with the parent, keep no core file, and cap the address space."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1:  # the parent died before the signal was set
        sys.exit(0)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if memory_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))


def serve(memory_bytes: int) -> None:
    """The child's loop: read a request from stdin, answer on the original stdout."""
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything a library prints goes to stderr, never into the answers
    requests = sys.stdin.buffer
    import python_calamine  # noqa: F401  (loaded before the limit, once)

    _limit_self(memory_bytes)
    while (header := _read_exactly(requests, _HEADER.size)) is not None:
        (size,) = _HEADER.unpack(header)
        body = _read_exactly(requests, size)
        if body is None:
            return
        content, limits, answer_with = pickle.loads(body)
        try:
            if answer_with == "workbook":
                answer = ("ok", read_workbook(content, limits))
            else:
                names, columns = read_cells(content, limits)
                answer = ("ok", (names, pack_cells(columns)))
        except UnreadableWorkbook as exc:
            answer = ("error", exc.detail_vi)
        except MemoryError:
            answer = ("error", "tệp quá lớn để đọc trong giới hạn bộ nhớ "
                      f"{megabytes(memory_bytes)}; hãy xóa các dòng, cột, hình ảnh thừa, lưu "
                      "lại rồi nộp lại")
        except BaseException as exc:  # noqa: BLE001  a reader crash (e.g. a Rust panic)
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            answer = ("error", f"tệp bị hỏng, không đọc được ({type(exc).__name__}); hãy mở "
                      "tệp bằng Excel, lưu lại dưới dạng .xlsx rồi nộp lại")
        del content
        data = pickle.dumps((*answer, peak_rss_bytes()), protocol=pickle.HIGHEST_PROTOCOL)
        answers.write(_HEADER.pack(len(data)) + data)
        answers.flush()


if __name__ == "__main__":
    serve(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
