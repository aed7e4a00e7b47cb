"""The emulator: a threaded HTTP server on 127.0.0.1 serving Google's Sheets v4 and Drive v3
paths from a folder of .xlsx files, with injectable faults and a request log."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from openpyxl import Workbook

from .calls import Call, Reply
from .control import PREFIX, handle_control
from .errors import ApiError, drive_not_found
from .faults import Fault, FaultBook
from .requestlog import RequestLog, RequestRecord
from .routes import Route, match
from .store import FileInfo, WorkbookStore

HOST = "127.0.0.1"
MAX_BODY_BYTES = 50 * 1024 * 1024
POLL_SECONDS = 0.05  # how soon stop() is noticed
DROPPED = 0  # the status of a "reply" that closes the connection without an answer
logger = logging.getLogger("tests.emulator")


class Emulator:
    """Google Sheets v4 + Drive v3 on loopback, backed by `<folder>/<id>.xlsx` files.

    Use `running_emulator(folder)` in tests; `start()`/`stop()` or `serve_forever()` otherwise.
    """

    def __init__(
        self,
        folder: Path | str,
        *,
        port: int = 0,
        require_token: bool = False,
        default_parents: Sequence[str] = (),
        drive_page_cap: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.folder = Path(folder)
        self.clock = clock  # stamps the request log (a test may share a fake clock)
        self.store = WorkbookStore(self.folder, default_parents)
        self.faults = FaultBook()
        self.log = RequestLog()
        self.require_token = require_token
        self.drive_page_cap = drive_page_cap  # Drive may return short pages: test paging
        self._stopping = threading.Event()
        self._server = _Server(self, port)
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ lifecycle

    @property
    def port(self) -> int:
        """The TCP port (chosen by the system when 0 was asked)."""
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """What replaces https://sheets.googleapis.com and https://www.googleapis.com."""
        return f"http://{HOST}:{self.port}"

    @property
    def token_uri(self) -> str:
        """The OAuth token endpoint, for a service-account dict's `token_uri`."""
        return f"{self.base_url}/token"

    def start(self) -> Emulator:
        """Serve in a background thread."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(POLL_SECONDS,), name="sheets-emulator",
            daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted."""
        try:
            self._server.serve_forever(POLL_SECONDS)
        finally:
            self._server.server_close()

    def stop(self) -> None:
        """Stop serving; requests still waiting on a delay fault are released."""
        self._stopping.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ------------------------------------------------------------ spreadsheets

    def add_spreadsheet(
        self,
        spreadsheet_id: str,
        workbook: Path | str | bytes | Workbook,
        *,
        title: str | None = None,
        parents: Sequence[str] | None = None,
        modified_time: datetime | str | None = None,
        created_time: datetime | str | None = None,
    ) -> FileInfo:
        """Store a workbook as spreadsheet `spreadsheet_id` (replacing any previous one).

        title defaults to the id; parents are Drive folder ids; modified_time (a datetime,
        naive = UTC, or RFC 3339) sets the file's mtime, otherwise it is now."""
        content = Path(workbook) if isinstance(workbook, str) else workbook
        return self.store.add(spreadsheet_id, content, title=title, parents=parents,
                              modified_time=modified_time, created_time=created_time)

    def path(self, spreadsheet_id: str) -> Path:
        """The .xlsx file behind a spreadsheet (to read what the API wrote)."""
        return self.store.path(spreadsheet_id)

    def info(self, spreadsheet_id: str) -> FileInfo:
        """Drive metadata of a spreadsheet (name, parents, createdTime, modifiedTime)."""
        return self.store.info(spreadsheet_id)

    def permissions(self, spreadsheet_id: str) -> list[dict[str, Any]]:
        """Permissions created through the Drive API."""
        return self.store.permissions(spreadsheet_id)

    # ------------------------------------------------------------ faults and log

    def inject(self, target: str, *faults: Fault) -> None:
        """Queue faults for a spreadsheet id, `DRIVE_LISTING` or `ANY`."""
        self.faults.inject(target, *faults)

    def trash(self, spreadsheet_id: str, trashed: bool = True) -> FileInfo:
        """Move a spreadsheet to Drive's trash (or out of it), as its owner would."""
        self.store.update(spreadsheet_id, trashed=trashed)
        return self.store.info(spreadsheet_id)

    def clear_faults(self, target: str | None = None) -> None:
        """Forget the faults of one target, or all."""
        self.faults.clear(target)

    def requests(
        self, kind: str | None = None, spreadsheet_id: str | None = None
    ) -> list[RequestRecord]:
        """The API requests answered so far (control requests excluded)."""
        return self.log.records(kind, spreadsheet_id)

    def count(self, kind: str | None = None, spreadsheet_id: str | None = None) -> int:
        """How many API requests of this kind (and spreadsheet) were answered."""
        return len(self.requests(kind, spreadsheet_id))

    def reset_log(self) -> None:
        """Forget the request log."""
        self.log.clear()

    def reset(self) -> None:
        """Forget the request log and every fault."""
        self.reset_log()
        self.clear_faults()

    # ------------------------------------------------------------ answering

    def answer(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes
    ) -> Reply:
        """Answer one HTTP request (the server calls this from its handler threads)."""
        split = urlsplit(raw_path)
        query = parse_qs(split.query, keep_blank_values=True)
        if split.path.startswith(PREFIX):
            return handle_control(self, method, split.path, query, body)
        found = match(method, split.path)
        route, params = found if found else (None, {})
        kind = route.kind if route else "unknown"
        spreadsheet_id = params.get("sid")
        fault = self.faults.take(kind, spreadsheet_id) if route else None
        authorized = headers.get("authorization", "").lower().startswith("bearer ")
        call = Call(self.store, params, query, body, self.faults.hidden(), self.drive_page_cap)
        reply = self._reply(route, call, kind, fault, authorized)
        self.log.add(RequestRecord(
            method=method, path=unquote(split.path), query=query, kind=kind,
            spreadsheet_id=spreadsheet_id, status=reply.status,
            fault=fault.to_json() if fault else None,
            body=_json_or_none(body) if kind != "oauth.token" else None,
            authorized=authorized, at=self.clock(),
        ))
        logger.info("%s %s -> %s %s", method, unquote(split.path), reply.status, kind)
        return reply

    def _reply(
        self, route: Route | None, call: Call, kind: str, fault: Fault | None, authorized: bool
    ) -> Reply:
        if fault and fault.delay:
            self._stopping.wait(fault.delay)
        if fault and fault.drop:
            return Reply(DROPPED)
        if self._stopping.is_set():
            return _error(ApiError(503))
        if route is None:
            return _error(ApiError(404, "Method not found."))
        if self.require_token and kind != "oauth.token" and not authorized:
            return _error(ApiError(401))
        if fault and fault.status:
            return _fault_reply(fault, kind, call.path_params.get("sid"))
        reply = self._run(route, call)
        if fault and fault.truncate:
            reply.body = reply.body[: len(reply.body) // 2]
        return reply

    def _run(self, route: Route, call: Call) -> Reply:
        try:
            with self.store.lock:
                result = route.handler(call)
        except ApiError as exc:
            return _error(exc)
        except Exception:
            logger.exception("emulator handler failed: %s", route.kind)
            return _error(ApiError(500))
        return result if isinstance(result, Reply) else Reply.json(result)


def _error(error: ApiError) -> Reply:
    return Reply.json(error.body(), error.code)


def _fault_reply(fault: Fault, kind: str, spreadsheet_id: str | None) -> Reply:
    if kind == "oauth.token":  # OAuth's own error shape: a 4xx is a refused grant
        error = "invalid_grant" if (fault.status or 500) < 500 else "internal_failure"
        return Reply.json({"error": error, "error_description": "Invalid JWT Signature."}
                          if error == "invalid_grant" else {"error": error}, fault.status or 500)
    drive = kind.startswith("drive.")
    if drive and fault.status == 404 and spreadsheet_id:
        error = drive_not_found(spreadsheet_id)
    elif drive and fault.status == 403 and spreadsheet_id:
        error = ApiError(403, "The user does not have sufficient permissions for file "
                         f"{spreadsheet_id}.", drive=True)
    else:
        error = ApiError(fault.status or 500, drive=drive)
    reply = _error(error)
    if fault.retry_after is not None:
        reply.headers["Retry-After"] = str(fault.retry_after)
    return reply


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body) if body.strip() else None
    except ValueError:
        return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SheetsEmulator/1.0"
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's naming)
        self._dispatch()

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch()

    def do_PUT(self) -> None:  # noqa: N802
        self._dispatch()

    def do_PATCH(self) -> None:  # noqa: N802
        self._dispatch()

    def do_DELETE(self) -> None:  # noqa: N802
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Silenced: the emulator logs each request itself."""

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES or "chunked" in self.headers.get("Transfer-Encoding", ""):
            self._send(_error(ApiError(400, "Request body too large or chunked.")))
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        headers = {key.lower(): value for key, value in self.headers.items()}
        reply = self.server.emulator.answer(self.command, self.path, headers, body)
        if reply.status == DROPPED:
            self.close_connection = True  # no answer at all: the client sees the cut
            return
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if reply.body and reply.status != 204:
                self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. its timeout)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, emulator: Emulator, port: int) -> None:
        super().__init__((HOST, port), _Handler)
        self.emulator = emulator


@contextmanager
def running_emulator(
    folder: Path | str,
    *,
    port: int = 0,
    require_token: bool = False,
    default_parents: Sequence[str] = (),
    drive_page_cap: int | None = None,
    clock: Callable[[], float] = time.time,
) -> Iterator[Emulator]:
    """An emulator serving `folder` on 127.0.0.1 (a free port by default), stopped on exit."""
    emulator = Emulator(folder, port=port, require_token=require_token,
                        default_parents=default_parents, drive_page_cap=drive_page_cap,
                        clock=clock)
    with emulator:
        yield emulator
