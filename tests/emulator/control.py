"""`/_emulator/...`: the control endpoints, so that a test in another process can inject
faults, read the request log and add spreadsheets. These requests are not logged.

    GET    /_emulator/health
    GET    /_emulator/requests[?kind=…&spreadsheet_id=…]   {"requests": [record, …]}
    DELETE /_emulator/requests                             clear the log
    GET    /_emulator/faults                               pending faults
    POST   /_emulator/faults   {"target": id | "drive.files.list" | "*", "faults": [fault, …]}
    DELETE /_emulator/faults[?target=…]                    forget faults
    POST   /_emulator/reset                                clear the log and the faults
    PUT    /_emulator/spreadsheets/{id}?title=…&parent=…&modified_time=…   body: .xlsx bytes
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from .calls import Reply
from .errors import ApiError
from .faults import Fault

if TYPE_CHECKING:
    from .server import Emulator

PREFIX = "/_emulator/"
_SPREADSHEET = re.compile(r"/_emulator/spreadsheets/(?P<sid>[A-Za-z0-9_-]+)")


def _arg(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _json(body: bytes) -> dict[str, Any]:
    data = json.loads(body or b"{}")
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data


def _inject(emulator: Emulator, body: bytes) -> dict[str, Any]:
    data = _json(body)
    target = data.get("target")
    if not isinstance(target, str) or not target:
        raise ValueError("'target' is required: a spreadsheet id, 'drive.files.list' or '*'")
    faults = [Fault.from_json(item) for item in data.get("faults", [])]
    emulator.inject(target, *faults)
    return {"queued": len(faults)}


def _put_spreadsheet(
    emulator: Emulator, sid: str, query: dict[str, list[str]], body: bytes
) -> dict[str, Any]:
    parents = query.get("parent")
    info = emulator.add_spreadsheet(
        sid, body, title=_arg(query, "title"), parents=parents,
        modified_time=_arg(query, "modified_time"),
    )
    return info.resource()


def _route(
    emulator: Emulator, method: str, path: str, query: dict[str, list[str]], body: bytes
) -> Any:
    if (method, path) == ("GET", "/_emulator/health"):
        return {"ok": True, "folder": str(emulator.folder)}
    if (method, path) == ("GET", "/_emulator/requests"):
        records = emulator.requests(_arg(query, "kind"), _arg(query, "spreadsheet_id"))
        return {"requests": [r.to_json() for r in records]}
    if (method, path) == ("DELETE", "/_emulator/requests"):
        emulator.reset_log()
        return {}
    if (method, path) == ("GET", "/_emulator/faults"):
        return emulator.faults.snapshot()
    if (method, path) == ("POST", "/_emulator/faults"):
        return _inject(emulator, body)
    if (method, path) == ("DELETE", "/_emulator/faults"):
        emulator.clear_faults(_arg(query, "target"))
        return {}
    if (method, path) == ("POST", "/_emulator/reset"):
        emulator.reset()
        return {}
    if method == "PUT" and (found := _SPREADSHEET.fullmatch(path)):
        return _put_spreadsheet(emulator, found["sid"], query, body)
    return Reply.json(ApiError(404, f"No control endpoint {method} {path}").body(), 404)


def handle_control(
    emulator: Emulator, method: str, path: str, query: dict[str, list[str]], body: bytes
) -> Reply:
    """Answer a control request; a bad one gets a 400 with the reason."""
    try:
        result = _route(emulator, method, path, query, body)
    except (ValueError, TypeError) as exc:
        return Reply.json(ApiError(400, str(exc)).body(), 400)
    return result if isinstance(result, Reply) else Reply.json(result)
