"""Drive API v3 handlers: listing spreadsheets (with `q`, paging, `fields`), a file's
metadata, create/copy/update (move, rename)/delete/export, and permissions."""

from __future__ import annotations

import re
from collections.abc import Callable
from operator import attrgetter
from typing import Any

from .calls import Call, Reply
from .errors import ApiError
from .store import SPREADSHEET_MIME, FileInfo, parse_time

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEFAULT_FILE_FIELDS = ("kind", "id", "name", "mimeType")
DEFAULT_PERMISSION_FIELDS = ("kind", "id", "type", "role")
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 100, 1000
PERMISSION_TYPES = ("user", "group", "domain", "anyone")
PERMISSION_ROLES = ("owner", "organizer", "fileOrganizer", "writer", "commenter", "reader")

Predicate = Callable[[FileInfo], bool]

_LITERAL = r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


def bad_value(location: str = "q") -> ApiError:
    """Drive's answer to a query it cannot read."""
    return ApiError(400, f"Invalid Value ({location})", drive=True)


def _unquote(literal: str) -> str:
    return re.sub(r"\\(.)", r"\1", literal[1:-1])


def split_clauses(query: str) -> list[str]:
    """Split a `q` on the `and`s that are outside quoted strings."""
    clauses, start, index, quote = [], 0, 0, ""
    while index < len(query):
        char = query[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif (separator := _AND.match(query, index)) and char.isspace():
            clauses.append(query[start:index].strip())
            start = index = separator.end()
            continue
        index += 1
    if quote:
        raise bad_value()
    clauses.append(query[start:].strip())
    return [clause for clause in clauses if clause]


def _clause_predicate(clause: str) -> Predicate:
    """One clause of the forms gspread and the pipeline use."""
    patterns: list[tuple[str, Callable[[re.Match[str]], Predicate]]] = [
        (rf"^mimeType\s*(=|!=)\s*{_LITERAL}$",
         lambda m: _compare(lambda f: SPREADSHEET_MIME, m[1], _unquote(m[2]))),
        (rf"^name\s*(=|!=)\s*{_LITERAL}$",
         lambda m: _compare(lambda f: f.name, m[1], _unquote(m[2]))),
        (rf"^name\s+contains\s+{_LITERAL}$",
         lambda m: lambda f: _unquote(m[1]).casefold() in f.name.casefold()),
        (rf"^{_LITERAL}\s+in\s+parents$", lambda m: lambda f: _unquote(m[1]) in f.parents),
        (rf"^parents\s+in\s+{_LITERAL}$", lambda m: lambda f: _unquote(m[1]) in f.parents),
        (r"^trashed\s*(=|!=)\s*(true|false)$",
         lambda m: lambda f: (f.trashed == (m[2].lower() == "true")) == (m[1] == "=")),
        (rf"^(modifiedTime|createdTime)\s*(<=|>=|!=|<|>|=)\s*{_LITERAL}$",
         lambda m: _compare(_time_of(m[1]), m[2], parse_time(_unquote(m[3])))),
    ]
    for pattern, build in patterns:
        if match := re.match(pattern, clause, re.IGNORECASE):
            try:
                return build(match)
            except ValueError as exc:
                raise bad_value() from exc
    raise bad_value()


def _compare(attribute: Callable[[FileInfo], Any], operator: str, value: Any) -> Predicate:
    test = _OPERATORS[operator]
    return lambda info: test(attribute(info), value)


def _time_of(name: str) -> Callable[[FileInfo], int]:
    if name.lower() == "modifiedtime":
        return lambda info: parse_time(info.modified_time)
    return lambda info: parse_time(info.created_time)


def parse_query(query: str) -> list[Predicate]:
    """A Drive `q` as predicates that must all hold (only `and` is supported)."""
    return [_clause_predicate(clause) for clause in split_clauses(query)]


def _file_fields(fields: str | None) -> tuple[str, ...] | None:
    """The file fields requested in a list's `fields` ("files(id,name)"); None for all."""
    if not fields:
        return DEFAULT_FILE_FIELDS
    if match := re.search(r"files\(([^)]*)\)", fields):
        return tuple(name.strip() for name in match[1].split(",") if name.strip())
    return None


def _select(resource: dict[str, Any], names: tuple[str, ...] | None) -> dict[str, Any]:
    if names is None:
        return resource
    return {name: resource[name] for name in names if name in resource}


def _fields_of_get(
    fields: str | None, default: tuple[str, ...] = DEFAULT_FILE_FIELDS
) -> tuple[str, ...] | None:
    if not fields:
        return default
    if fields.strip() == "*":
        return None
    return tuple(name.strip() for name in fields.split(",") if name.strip())


def _page_size(call: Call) -> int:
    text = call.arg("pageSize", str(DEFAULT_PAGE_SIZE)) or str(DEFAULT_PAGE_SIZE)
    if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE_SIZE:
        raise bad_value("pageSize")
    return min(int(text), call.page_cap or MAX_PAGE_SIZE)


def _page_start(call: Call) -> int:
    token = call.arg("pageToken") or ""
    if not token:
        return 0
    if not re.fullmatch(r"p\d+", token):
        raise bad_value("pageToken")
    return int(token[1:])


def _order(files: list[FileInfo], order_by: str | None) -> list[FileInfo]:
    keys = {"name": "name", "modifiedtime": "modified_time", "createdtime": "created_time"}
    ordered = sorted(files, key=lambda info: info.id)
    for part in reversed([p.strip() for p in (order_by or "name").split(",") if p.strip()]):
        name, _, direction = part.partition(" ")
        attribute = keys.get(name.lower())
        if attribute is None:
            raise bad_value("orderBy")
        ordered.sort(key=attrgetter(attribute), reverse=direction.strip().lower() == "desc")
    return ordered


def list_files(call: Call) -> dict[str, Any]:
    """GET /drive/v3/files: the spreadsheets matching `q`, a page at a time (files made
    unshared or deleted by a fault are not listed; files in the trash are, as in Drive,
    unless `q` says `trashed = false`).

    Like Drive, a file's default fields are kind, id, name and mimeType, and when `fields`
    is given only the keys it names come back (ask for `nextPageToken` to page)."""
    predicates = parse_query(call.arg("q") or "")
    visible = [call.store.info(i) for i in call.store.ids() if i not in call.hidden_ids]
    matching = _order([f for f in visible if all(p(f) for p in predicates)], call.arg("orderBy"))
    start, size = _page_start(call), _page_size(call)
    names = _file_fields(call.arg("fields"))
    result: dict[str, Any] = {
        "kind": "drive#fileList",
        "incompleteSearch": False,
        "files": [_select(f.resource(), names) for f in matching[start:start + size]],
    }
    if start + size < len(matching):
        result["nextPageToken"] = f"p{start + size}"
    fields = call.arg("fields")
    if fields and fields.strip() != "*":
        wanted = {re.split(r"[(/]", part)[0].strip() for part in re.split(r",(?![^(]*\))", fields)}
        result = {key: value for key, value in result.items() if key in wanted}
    return result


def get_file(call: Call) -> dict[str, Any]:
    """GET /drive/v3/files/{id}?fields=…"""
    resource = call.store.info(call.spreadsheet_id).resource()
    return _select(resource, _fields_of_get(call.arg("fields")))


def create_file(call: Call) -> dict[str, Any]:
    """POST /drive/v3/files: only new spreadsheets (how gspread's Client.create works)."""
    body = call.json()
    if body.get("mimeType") != SPREADSHEET_MIME:
        raise ApiError(400, "The emulator only creates Google spreadsheets.", drive=True)
    new_id = call.store.create(body.get("name") or "Untitled spreadsheet", [],
                               body.get("parents", []))
    return _select(call.store.info(new_id).resource(), _fields_of_get(call.arg("fields")))


def copy_file(call: Call) -> dict[str, Any]:
    """POST /drive/v3/files/{id}/copy."""
    body = call.json()
    copy_id = call.store.copy(call.spreadsheet_id, body.get("name"), body.get("parents"))
    return _select(call.store.info(copy_id).resource(), _fields_of_get(call.arg("fields")))


def update_file(call: Call) -> dict[str, Any]:
    """PATCH /drive/v3/files/{id}?addParents=…&removeParents=…: move, rename, and/or
    trash (body {"trashed": true}) or restore."""
    def ids(name: str) -> list[str]:
        return [part for part in (call.arg(name) or "").split(",") if part]

    body = call.json()
    trashed = body.get("trashed")
    if trashed is not None and not isinstance(trashed, bool):
        raise bad_value("trashed")
    call.store.update(call.spreadsheet_id, name=body.get("name"),
                      add_parents=ids("addParents"), remove_parents=ids("removeParents"),
                      trashed=trashed)
    return _select(call.store.info(call.spreadsheet_id).resource(),
                   _fields_of_get(call.arg("fields")))


def delete_file(call: Call) -> Reply:
    """DELETE /drive/v3/files/{id}."""
    call.store.delete(call.spreadsheet_id)
    return Reply(204)


def export_file(call: Call) -> Reply:
    """GET /drive/v3/files/{id}/export?mimeType=…: the .xlsx bytes (the only format)."""
    if call.arg("mimeType") != XLSX_MIME:
        raise ApiError(400, "The emulator exports only to .xlsx.", drive=True)
    path = call.store.require(call.spreadsheet_id, drive=True)
    return Reply(200, path.read_bytes(), content_type=XLSX_MIME)


def create_permission(call: Call) -> dict[str, Any]:
    """POST /drive/v3/files/{id}/permissions: record the sharing, answer the permission."""
    body = call.json()
    if body.get("type") not in PERMISSION_TYPES:
        raise bad_value("permission.type")
    if body.get("role") not in PERMISSION_ROLES:
        raise bad_value("permission.role")
    if body["type"] in ("user", "group") and not body.get("emailAddress"):
        raise ApiError(400, "The permission's emailAddress is required.", drive=True)
    kept = ("type", "role", "emailAddress", "domain", "allowFileDiscovery")
    created = call.store.add_permission(
        call.spreadsheet_id, {k: body[k] for k in kept if k in body})
    return _select(created, _fields_of_get(call.arg("fields"), DEFAULT_PERMISSION_FIELDS))


def list_permissions(call: Call) -> dict[str, Any]:
    """GET /drive/v3/files/{id}/permissions."""
    call.store.require(call.spreadsheet_id, drive=True)
    return {"kind": "drive#permissionList",
            "permissions": call.store.permissions(call.spreadsheet_id)}


def delete_permission(call: Call) -> Reply:
    """DELETE /drive/v3/files/{id}/permissions/{permission id}."""
    call.store.require(call.spreadsheet_id, drive=True)
    call.store.remove_permission(call.spreadsheet_id, call.path_params["pid"])
    return Reply(204)
