"""The Google API paths the emulator serves, each with its request kind and handler.

OAuth's `https://oauth2.googleapis.com/token`, routed to the emulator, is `POST /token`.

Paths are matched before percent-decoding, so a range like `'Hoạt động'!A1:N5` arrives
encoded (gspread encodes it fully) and the `:clear` / `:append` suffixes stay literal.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from . import drive_api, sheets_api
from .calls import Call

ACCESS_TOKEN = "emulator-token"


def issue_token(call: Call) -> dict[str, Any]:
    """POST /token: any grant gets a bearer token (google-auth service accounts whose
    `token_uri` points at the emulator)."""
    return {"access_token": ACCESS_TOKEN, "expires_in": 3600, "token_type": "Bearer"}


@dataclass(frozen=True)
class Route:
    """One method and path pattern, the kind it is logged as, and its handler."""

    method: str
    pattern: re.Pattern[str]
    kind: str
    handler: Callable[[Call], Any]


_ID = r"(?P<sid>[A-Za-z0-9_-]+)"
_RANGE = r"(?P<range>[^/]+)"
_SHEETS = "/v4/spreadsheets"
_FILES = "/drive/v3/files"

_TABLE: list[tuple[str, str, str, Callable[[Call], Any]]] = [
    ("POST", "/token", "oauth.token", issue_token),
    ("GET", f"{_SHEETS}/{_ID}/values:batchGet", "sheets.values.batchGet",
     sheets_api.values_batch_get),
    ("POST", f"{_SHEETS}/{_ID}/values:batchUpdate", "sheets.values.batchUpdate",
     sheets_api.values_batch_update),
    ("POST", f"{_SHEETS}/{_ID}/values:batchClear", "sheets.values.batchClear",
     sheets_api.values_batch_clear),
    ("POST", f"{_SHEETS}/{_ID}/values/{_RANGE}:append", "sheets.values.append",
     sheets_api.values_append),
    ("POST", f"{_SHEETS}/{_ID}/values/{_RANGE}:clear", "sheets.values.clear",
     sheets_api.values_clear),
    ("GET", f"{_SHEETS}/{_ID}/values/{_RANGE}", "sheets.values.get", sheets_api.values_get),
    ("PUT", f"{_SHEETS}/{_ID}/values/{_RANGE}", "sheets.values.update",
     sheets_api.values_update),
    ("POST", f"{_SHEETS}/{_ID}:batchUpdate", "sheets.batchUpdate", sheets_api.batch_update),
    ("GET", f"{_SHEETS}/{_ID}", "sheets.get", sheets_api.get_spreadsheet),
    ("POST", _SHEETS, "sheets.create", sheets_api.create_spreadsheet),
    ("GET", _FILES, "drive.files.list", drive_api.list_files),
    ("POST", _FILES, "drive.files.create", drive_api.create_file),
    ("GET", f"{_FILES}/{_ID}/export", "drive.files.export", drive_api.export_file),
    ("POST", f"{_FILES}/{_ID}/copy", "drive.files.copy", drive_api.copy_file),
    ("GET", f"{_FILES}/{_ID}/permissions", "drive.permissions.list",
     drive_api.list_permissions),
    ("POST", f"{_FILES}/{_ID}/permissions", "drive.permissions.create",
     drive_api.create_permission),
    ("DELETE", f"{_FILES}/{_ID}/permissions/(?P<pid>[^/]+)", "drive.permissions.delete",
     drive_api.delete_permission),
    ("GET", f"{_FILES}/{_ID}", "drive.files.get", drive_api.get_file),
    ("PATCH", f"{_FILES}/{_ID}", "drive.files.update", drive_api.update_file),
    ("DELETE", f"{_FILES}/{_ID}", "drive.files.delete", drive_api.delete_file),
]
ROUTES = [Route(m, re.compile(p), k, h) for m, p, k, h in _TABLE]
KINDS = tuple(route.kind for route in ROUTES)


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route for a request and its decoded path parameters, or None."""
    for route in ROUTES:
        if route.method == method and (found := route.pattern.fullmatch(path)):
            return route, {name: unquote(value) for name, value in found.groupdict().items()}
    return None
