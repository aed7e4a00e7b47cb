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
import select
import signal
import struct
import subprocess
import sys
import time
from array import array
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from core.parse import Workbook
from core.snapshot import VALUE_KINDS, CellColumns, storable
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


AHEAD = 3  # workbooks in a reader child's hands at once when the pull asks ahead


@dataclass(frozen=True, eq=False)
class _Asked:
    """A request as sent to the child (header and pickle), or refused without it."""

    request: bytes
    refused: str | None = None  # the reason, when refused without the child


class IsolatedReader:
    """A supervised reader process. Use as a context manager; `read` never raises anything
    but `UnreadableWorkbook`.

    The pull asks ahead (`read_cells_each`): a few workbooks wait in the child's input
    while it reads one, so that the child never waits for the pull to come back with the
    next. The answers come in the order asked. A workbook's time runs from when the child
    starts it (the previous answer received), not from when it was queued. When the child
    is killed or dies, the workbook it was reading is the one that fails; the queued ones
    are sent again to a new child."""

    def __init__(self, limits: ReadLimits) -> None:
        self.limits = limits
        self._process: subprocess.Popen[bytes] | None = None
        self.restarts = 0  # children replaced after a timeout or a death
        self.peak_rss_bytes = 0  # the largest peak resident size a child reported
        self._asked: deque[_Asked] = deque()  # not answered yet, oldest first
        self._in_child = 0  # of `_asked`, those sent to the current child
        self._started = 0.0  # when the child started the oldest of those (monotonic)
        self._outgoing: deque[memoryview] = deque()  # requests not yet in the child's pipe
        self._incoming = bytearray()  # answers read, not yet taken
        self._poll: select.poll | None = None
        self._writing = False  # whether the poll watches for room in the child's input

    def __enter__(self) -> IsolatedReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._forget()
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
            # requests are written as far as the pipe takes them: a large one never
            # blocks the wait for the answer before it
            os.set_blocking(self._process.stdin.fileno(), False)
            self._poll = select.poll()
            self._poll.register(self._process.stdout.fileno(), select.POLLIN)
            self._writing = False
        return self._process

    def _kill(self) -> int | None:
        process, self._process = self._process, None
        self._poll, self._in_child = None, 0
        self._outgoing.clear()
        self._incoming.clear()
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

    def _forget(self) -> None:
        """Drop what was asked and not taken (the child may be in the middle of it)."""
        if self._in_child and self._process is not None:
            self._kill()
            self.restarts -= 1  # not a failure of the child
        self._asked.clear()
        self._outgoing.clear()
        self._incoming.clear()
        self._in_child = 0

    def read(self, content: bytes) -> Workbook:
        """The workbook's tabs of cells, or `UnreadableWorkbook` with the reason."""
        return self._ask(content, "workbook")

    def read_cells(self, content: bytes) -> tuple[list[str], CellColumns]:
        """The workbook's tab names and its cells as `core.snapshot.cell_columns` encodes
        them (as arrays: `unpack_cells`), or `UnreadableWorkbook` with the reason."""
        names, packed = self._ask(content, "cells")
        return names, unpack_cells(names, packed)

    def read_cells_each(self, contents: Iterable[bytes], ahead: int = AHEAD
                        ) -> Iterator[tuple[list[str], CellColumns] | UnreadableWorkbook]:
        """`read_cells` of each content, in order (the reason, as `UnreadableWorkbook`,
        given rather than raised), with up to `ahead` workbooks in the child's hands: the
        next content is taken from `contents` while the child reads."""
        contents = iter(contents)
        more = True
        try:
            while True:
                while more and len(self._asked) < ahead:
                    content = next(contents, None)
                    if content is None:
                        more = False
                    else:
                        self._send(content, "cells")
                if not self._asked:
                    return
                try:
                    names, packed = self._take()
                except UnreadableWorkbook as exc:
                    yield exc
                else:
                    yield names, unpack_cells(names, packed)
        finally:
            if self._asked:  # the caller stopped early
                self._forget()

    def _ask(self, content: bytes, answer_with: str):
        self._send(content, answer_with)
        return self._take()

    def _send(self, content: bytes, answer_with: str) -> None:
        """Queue a request; a file over the size limit is refused here, no child needed."""
        if self.limits.max_file_bytes and len(content) > self.limits.max_file_bytes:
            try:
                read_workbook(content, self.limits)  # raises "too large"
            except UnreadableWorkbook as exc:
                self._asked.append(_Asked(b"", exc.detail_vi))
                return
        request = pickle.dumps((content, self.limits, answer_with),
                               protocol=pickle.HIGHEST_PROTOCOL)
        asked = _Asked(_HEADER.pack(len(request)) + request)
        self._asked.append(asked)
        self._to_child(asked)

    def _to_child(self, asked: _Asked) -> None:
        self._start()
        if not self._in_child:  # the child is idle: it starts this one now
            self._started = time.monotonic()
        self._in_child += 1
        self._outgoing.append(memoryview(asked.request))
        self._write()

    def _write(self) -> None:
        """Write what the pipe takes now; watch for room for the rest."""
        fd = self._process.stdin.fileno()
        try:
            while self._outgoing:
                head = self._outgoing[0]
                written = os.write(fd, head)
                if written < len(head):
                    self._outgoing[0] = head[written:]
                    break
                self._outgoing.popleft()
        except BlockingIOError:
            pass
        except OSError:  # the child has gone: its end of output tells
            self._outgoing.clear()
        wanted = bool(self._outgoing)
        if wanted != self._writing:
            if wanted:
                self._poll.register(fd, select.POLLOUT)
            else:
                self._poll.unregister(fd)
            self._writing = wanted

    def _take(self):
        """The answer to the oldest request, or `UnreadableWorkbook`."""
        asked = self._asked[0]
        if asked.refused is not None:
            self._asked.popleft()
            raise UnreadableWorkbook(asked.refused)
        try:
            kind, payload, peak = self._receive()
        except TimeoutError:
            self._fail_oldest()
            raise UnreadableWorkbook(
                f"đọc tệp mất quá {self.limits.seconds:g} giây (giới hạn); hãy xóa các dòng, "
                "cột, hình ảnh thừa, chỉ giữ các trang của mẫu báo cáo, lưu lại rồi nộp lại"
            ) from None
        except (OSError, EOFError, pickle.UnpicklingError, ValueError):
            code = self._fail_oldest()
            raise UnreadableWorkbook(
                "tệp quá lớn hoặc quá phức tạp để đọc (trình đọc dừng"
                + (f" với mã {code}" if code is not None else "")
                + f", giới hạn bộ nhớ {megabytes(self.limits.memory_bytes)}); hãy xóa các "
                "dòng, cột, hình ảnh thừa, lưu lại dưới dạng .xlsx rồi nộp lại") from None
        self._asked.popleft()
        self._in_child -= 1
        if self._in_child:  # the child goes on with the next one now
            self._started = time.monotonic()
        self.peak_rss_bytes = max(self.peak_rss_bytes, peak)
        if kind == "ok":
            return payload
        raise UnreadableWorkbook(payload)

    def _fail_oldest(self) -> int | None:
        """The child is killed (or has died) reading the oldest request: drop it, and send
        the ones queued behind it to a new child. The exit code of the old one."""
        code = self._kill()
        self._asked.popleft()
        for asked in self._asked:
            if asked.refused is None:
                self._to_child(asked)
        return code

    def _receive(self) -> tuple:
        """The next answer from the child, or TimeoutError when the oldest request has had
        its time, or EOFError when the child has gone."""
        process = self._process
        if process is None:
            raise EOFError
        fd = process.stdout.fileno()
        while (answer := self._answer_read()) is None:
            remaining = self._started + self.limits.seconds - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            for ready, events in self._poll.poll(remaining * 1000 + 1):
                if ready == fd:
                    chunk = os.read(fd, 1 << 20)
                    if not chunk:
                        raise EOFError
                    self._incoming += chunk
                elif events & select.POLLOUT:
                    self._write()
                else:  # the child's input closed: it has gone, its output's end tells
                    self._outgoing.clear()
                    self._write()
        return answer

    def _answer_read(self) -> tuple | None:
        incoming = self._incoming
        if len(incoming) < _HEADER.size:
            return None
        (size,) = _HEADER.unpack_from(incoming)
        end = _HEADER.size + size
        if len(incoming) < end:
            return None
        with memoryview(incoming) as view, view[_HEADER.size:end] as body:
            answer = pickle.loads(body)
        del incoming[:end]
        return answer


_VALUE_TYPE_CODES = {kind: code for code, kind in enumerate(VALUE_KINDS)}  # across the pipe

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
    return CellColumns(tabs, _kept_names(tuple(names))[tabs],
                       np.frombuffer(row_number, dtype=np.int32),
                       np.frombuffer(column_number, dtype=np.int32),
                       _value_types()[np.frombuffer(value_types, dtype=np.uint8)],
                       value_text)


@lru_cache(maxsize=64)
def _kept_names(names: tuple[str, ...]):
    """Each tab name as stored, as a numpy array to index (most workbooks have the
    template's tabs: made once)."""
    import numpy as np

    kept = np.array([storable(name) for name in names] or [""], dtype=object)
    kept.setflags(write=False)
    return kept


@lru_cache(maxsize=1)
def _value_types():
    import numpy as np

    kinds = np.array(VALUE_KINDS, dtype=object)
    kinds.setflags(write=False)
    return kinds


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
