"""The emulator's Drive: a folder of `<spreadsheet id>.xlsx` files plus `_drive.json`.

The workbook file holds the content; `_drive.json` holds what a workbook cannot: the Drive
name (title), parent folders, created time, permissions and stable sheet ids. A file
without an entry gets its id as its name and the store's default parents. A spreadsheet's
`modifiedTime` is its file's mtime: it changes when the API writes (or anyone rewrites the
file) and stays put otherwise.
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from .errors import ApiError, drive_not_found, sheets_not_found

MANIFEST_NAME = "_drive.json"
SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
MIN_ROWS, MIN_COLUMNS = 1000, 26  # a new Google sheet's grid
CACHED_WORKBOOKS = 32  # parsed workbooks kept for reading (memory stays bounded)
_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_MS = 1_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def rfc3339(mtime_ns: int) -> str:
    """Nanoseconds since the epoch as Google writes times: UTC with milliseconds."""
    moment = datetime.fromtimestamp(mtime_ns // 1_000_000_000, UTC)
    millis = (mtime_ns // _MS) % 1000
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{millis:03d}Z"


def parse_time(value: datetime | str) -> int:
    """A datetime (naive means UTC) or an RFC 3339 string as nanoseconds since the epoch."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - _EPOCH) // timedelta(milliseconds=1) * _MS


def new_id() -> str:
    """A fresh id shaped like Google's (44 characters of [A-Za-z0-9_-])."""
    return "1" + secrets.token_urlsafe(33)[:43]


@dataclass
class FileInfo:
    """What Drive knows about one spreadsheet."""

    id: str
    name: str
    parents: list[str]
    created_time: str
    modified_time: str
    version: int = 1
    trashed: bool = False

    def resource(self) -> dict[str, Any]:
        """The full Drive v3 file resource."""
        return {
            "kind": "drive#file",
            "id": self.id,
            "name": self.name,
            "mimeType": SPREADSHEET_MIME,
            "parents": self.parents,
            "createdTime": self.created_time,
            "modifiedTime": self.modified_time,
            "version": str(self.version),  # Drive sends int64 as a string
            "trashed": self.trashed,
        }


@dataclass
class Edit:
    """A workbook open for writing, with its sheet ids (committed together on success)."""

    book: Workbook
    sheet_ids: dict[str, int]
    title: str | None = None

    def sheet_by_id(self, sheet_id: int) -> Any:
        """The openpyxl worksheet with this Google sheet id, or None."""
        title = next((t for t, i in self.sheet_ids.items() if i == sheet_id), None)
        return self.book[title] if title in self.book.sheetnames else None

    def assign_id(self, title: str, wanted: int | None = None) -> int:
        """Give a new tab a sheet id (the wanted one if free)."""
        used = set(self.sheet_ids.values())
        if wanted is not None and wanted in used:
            raise ApiError(400, f"A sheet with id {wanted} already exists.")
        sheet_id = wanted if wanted is not None else max(used, default=-1) + 1
        self.sheet_ids[title] = sheet_id
        return sheet_id


class WorkbookStore:
    """Spreadsheets as `.xlsx` files in one folder; every method is thread-safe."""

    def __init__(self, folder: Path, default_parents: Sequence[str] = ()) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.default_parents = list(default_parents)
        self.lock = threading.RLock()
        self._manifest_path = self.folder / MANIFEST_NAME
        self._manifest: dict[str, dict[str, Any]] = self._read_manifest()
        self._first_seen: dict[str, int] = {}
        self._cache: OrderedDict[tuple[str, bool], tuple[tuple[int, int], Workbook]] = (
            OrderedDict())

    # ------------------------------------------------------------ files and metadata

    def ids(self) -> list[str]:
        """Every spreadsheet id in the folder."""
        return sorted(p.stem for p in self.folder.glob("*.xlsx") if _ID.match(p.stem))

    def path(self, spreadsheet_id: str) -> Path:
        """The backing file of a spreadsheet id (which need not exist)."""
        if not _ID.match(spreadsheet_id):
            raise sheets_not_found()
        return self.folder / f"{spreadsheet_id}.xlsx"

    def exists(self, spreadsheet_id: str) -> bool:
        """Whether the spreadsheet exists."""
        return _ID.match(spreadsheet_id) is not None and self.path(spreadsheet_id).is_file()

    def require(self, spreadsheet_id: str, *, drive: bool = False) -> Path:
        """The backing file, or Google's 404 (Sheets' or Drive's wording)."""
        if not self.exists(spreadsheet_id):
            raise drive_not_found(spreadsheet_id) if drive else sheets_not_found()
        return self.path(spreadsheet_id)

    def info(self, spreadsheet_id: str) -> FileInfo:
        """Drive metadata of an existing spreadsheet."""
        with self.lock:
            mtime_ns = self.require(spreadsheet_id, drive=True).stat().st_mtime_ns
            entry = self._manifest.get(spreadsheet_id, {})
            created = entry.get("createdTime") or rfc3339(
                self._first_seen.setdefault(spreadsheet_id, mtime_ns))
            return FileInfo(
                id=spreadsheet_id,
                name=entry.get("name", spreadsheet_id),
                parents=list(entry.get("parents", self.default_parents)),
                created_time=created,
                modified_time=rfc3339(mtime_ns),
                version=int(entry.get("version", 1)),
                trashed=bool(entry.get("trashed", False)),
            )

    def title(self, spreadsheet_id: str) -> str:
        """The spreadsheet's title, which is its Drive name."""
        return self.info(spreadsheet_id).name

    def add(
        self,
        spreadsheet_id: str,
        content: bytes | Path | Workbook,
        *,
        title: str | None = None,
        parents: Sequence[str] | None = None,
        modified_time: datetime | str | None = None,
        created_time: datetime | str | None = None,
    ) -> FileInfo:
        """Put a workbook in the folder (replacing one with the same id) and describe it."""
        if not _ID.match(spreadsheet_id):
            raise ValueError(f"not a spreadsheet id (letters, digits, - and _): {spreadsheet_id!r}")
        with self.lock:
            target = self.path(spreadsheet_id)
            previous = target.stat().st_mtime_ns if target.is_file() else 0
            _write_atomically(target, _workbook_bytes(content))
            entry = self._manifest.setdefault(spreadsheet_id, {})
            if not previous:
                entry["version"] = 0  # a new file: version 1 once added
            entry["name"] = title or entry.get("name") or spreadsheet_id
            if parents is not None:
                entry["parents"] = list(parents)
            if created_time is not None:
                entry["createdTime"] = rfc3339(parse_time(created_time))
            entry.setdefault("createdTime", rfc3339(time_ns_ms()))
            self._save_manifest()
            if modified_time is not None:
                stamp = parse_time(modified_time)
                os.utime(target, ns=(stamp, stamp))
                entry["version"] = int(entry.get("version", 1)) + 1
                self._save_manifest()
            else:
                self._bump_mtime(target, after=previous)
            return self.info(spreadsheet_id)

    def create(
        self, title: str, tab_titles: Sequence[str], parents: Sequence[str] = ()
    ) -> str:
        """A new spreadsheet with these tabs (at least "Sheet1"); returns its id."""
        book = Workbook()
        tabs = list(tab_titles) or ["Sheet1"]
        book.active.title = tabs[0]
        for tab in tabs[1:]:
            book.create_sheet(tab)
        spreadsheet_id = new_id()
        self.add(spreadsheet_id, book, title=title, parents=list(parents))
        return spreadsheet_id

    def copy(self, source_id: str, name: str | None, parents: Sequence[str] | None) -> str:
        """A copy of a spreadsheet under a new id."""
        with self.lock:
            source = self.require(source_id, drive=True)
            copy_id = new_id()
            shutil.copyfile(source, self.path(copy_id))
            entry = self._manifest.get(source_id, {})
            self._manifest[copy_id] = {
                "name": name or f"Copy of {self.title(source_id)}",
                "parents": list(parents if parents is not None else
                                entry.get("parents", self.default_parents)),
                "createdTime": rfc3339(time_ns_ms()),
                "version": 0,
            }
            self._bump_mtime(self.path(copy_id))
            self._save_manifest()
            return copy_id

    def update(
        self,
        spreadsheet_id: str,
        *,
        name: str | None = None,
        add_parents: Sequence[str] = (),
        remove_parents: Sequence[str] = (),
        trashed: bool | None = None,
    ) -> None:
        """Rename (a modification, as in Drive) and/or move between folders (not one),
        and/or move to or out of the trash (neither moves modifiedTime)."""
        with self.lock:
            path = self.require(spreadsheet_id, drive=True)
            current = self.info(spreadsheet_id).parents
            entry = self._manifest.setdefault(spreadsheet_id, {})
            kept = [p for p in current if p not in remove_parents]
            entry["parents"] = kept + [p for p in add_parents if p not in kept]
            if trashed is not None:
                entry["trashed"] = bool(trashed)
            if name is not None and name != entry.get("name", spreadsheet_id):
                entry["name"] = name
                self._bump_mtime(path)
            self._save_manifest()

    def delete(self, spreadsheet_id: str) -> None:
        """Remove a spreadsheet for good."""
        with self.lock:
            self.require(spreadsheet_id, drive=True).unlink()
            self._manifest.pop(spreadsheet_id, None)
            for formulas in (False, True):
                self._cache.pop((spreadsheet_id, formulas), None)
            self._save_manifest()

    def permissions(self, spreadsheet_id: str) -> list[dict[str, Any]]:
        """The permissions granted through the API, oldest first."""
        with self.lock:
            return list(self._manifest.get(spreadsheet_id, {}).get("permissions", []))

    def add_permission(self, spreadsheet_id: str, permission: dict[str, Any]) -> dict[str, Any]:
        """Record a permission (sharing does not change modifiedTime, as in Drive)."""
        with self.lock:
            self.require(spreadsheet_id, drive=True)
            granted = self._manifest.setdefault(spreadsheet_id, {}).setdefault("permissions", [])
            created = {"kind": "drive#permission", "id": f"perm-{len(granted) + 1}",
                       **permission}
            granted.append(created)
            self._save_manifest()
            return created

    def remove_permission(self, spreadsheet_id: str, permission_id: str) -> None:
        """Forget a permission; 404 when there is no such permission."""
        with self.lock:
            granted = self._manifest.get(spreadsheet_id, {}).get("permissions", [])
            kept = [p for p in granted if p["id"] != permission_id]
            if len(kept) == len(granted):
                raise ApiError(404, f"Permission not found: {permission_id}.", drive=True)
            self._manifest[spreadsheet_id]["permissions"] = kept
            self._save_manifest()

    # ------------------------------------------------------------ workbook content

    def book(self, spreadsheet_id: str, *, formulas: bool = False) -> Workbook:
        """The workbook for reading, with formulas' cached values (or with the formulas
        themselves); do not modify it."""
        with self.lock:
            path = self.require(spreadsheet_id)
            stat = path.stat()
            version = (stat.st_mtime_ns, stat.st_size)
            key = (spreadsheet_id, formulas)
            cached = self._cache.get(key)
            if cached is None or cached[0] != version:
                cached = (version, load_workbook(path, data_only=not formulas))
                self._cache[key] = cached
            self._cache.move_to_end(key)
            while len(self._cache) > CACHED_WORKBOOKS:
                self._cache.popitem(last=False)
            return cached[1]

    def sheet_ids(self, spreadsheet_id: str) -> dict[str, int]:
        """Stable Google sheet ids by tab title (the first tab gets 0, as in Sheets)."""
        with self.lock:
            titles = self.book(spreadsheet_id).sheetnames
            stored = self._manifest.get(spreadsheet_id, {}).get("sheetIds", {})
            ids = {t: i for t, i in stored.items() if t in titles}
            for index, tab in enumerate(titles):
                if tab not in ids:
                    used = set(ids.values())
                    ids[tab] = index if index not in used else max(used) + 1
            if ids != stored:
                self._manifest.setdefault(spreadsheet_id, {})["sheetIds"] = ids
                self._save_manifest()
            return {t: ids[t] for t in titles}

    @contextmanager
    def edit(self, spreadsheet_id: str) -> Iterator[Edit]:
        """Open the workbook for writing; saved (and modifiedTime moved on) only when the
        block ends without an error, so a failed batch changes nothing.

        The workbook keeps its formulas, which openpyxl cannot compute: after a write, a
        formula cell reads as empty until a spreadsheet program saves the file again."""
        with self.lock:
            path = self.require(spreadsheet_id)
            edit = Edit(load_workbook(path), dict(self.sheet_ids(spreadsheet_id)))
            yield edit
            buffer = io.BytesIO()
            edit.book.save(buffer)
            old_mtime = path.stat().st_mtime_ns
            _write_atomically(path, buffer.getvalue())
            self._bump_mtime(path, after=old_mtime)
            entry = self._manifest.setdefault(spreadsheet_id, {})
            entry["sheetIds"] = {t: edit.sheet_ids[t] for t in edit.book.sheetnames}
            if edit.title is not None:
                entry["name"] = edit.title
            self._save_manifest()

    # ------------------------------------------------------------ helpers

    def _bump_mtime(self, path: Path, after: int | None = None) -> None:
        """A change: the file's mtime set to now, strictly later (by 1 ms) than before, and
        its Drive version one more (Drive's version moves on with every change)."""
        previous = path.stat().st_mtime_ns if after is None else after
        stamp = max(time_ns_ms(), (previous // _MS + 1) * _MS)
        os.utime(path, ns=(stamp, stamp))
        entry = self._manifest.setdefault(path.stem, {})
        entry["version"] = int(entry.get("version", 1)) + 1  # a file found in the folder: 1
        self._save_manifest()

    def _read_manifest(self) -> dict[str, dict[str, Any]]:
        if not self._manifest_path.is_file():
            return {}
        return dict(json.loads(self._manifest_path.read_text(encoding="utf-8")))

    def _save_manifest(self) -> None:
        text = json.dumps(self._manifest, ensure_ascii=False, indent=2, sort_keys=True)
        _write_atomically(self._manifest_path, text.encode("utf-8"))


def time_ns_ms() -> int:
    """Now, in nanoseconds rounded down to the millisecond."""
    return time.time_ns() // _MS * _MS


def _workbook_bytes(content: bytes | Path | Workbook) -> bytes:
    if isinstance(content, bytes):
        return content
    if isinstance(content, Workbook):
        buffer = io.BytesIO()
        content.save(buffer)
        return buffer.getvalue()
    return Path(content).read_bytes()


def _write_atomically(target: Path, data: bytes) -> None:
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, target)
