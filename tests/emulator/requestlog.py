"""Every API request the emulator answered, in order (tests count requests per kind)."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

MAX_RECORDS = 100_000


@dataclass(frozen=True)
class RequestRecord:
    """One answered request.

    kind: e.g. "sheets.values.batchGet", "drive.files.list" ("unknown" for other paths).
    fault: the injected fault that shaped the answer, as JSON, or None.
    body: the JSON request body (None when empty, not JSON, or a token request).
    """

    method: str
    path: str
    query: dict[str, list[str]]
    kind: str
    spreadsheet_id: str | None
    status: int
    fault: dict[str, Any] | None
    body: Any
    authorized: bool
    at: float

    def to_json(self) -> dict[str, Any]:
        """The record as JSON (GET /_emulator/requests)."""
        return asdict(self)


class RequestLog:
    """A bounded, thread-safe list of records."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: deque[RequestRecord] = deque(maxlen=MAX_RECORDS)

    def add(self, record: RequestRecord) -> None:
        """Append a record."""
        with self._lock:
            self._records.append(record)

    def records(
        self, kind: str | None = None, spreadsheet_id: str | None = None
    ) -> list[RequestRecord]:
        """Records in arrival order, optionally of one kind and/or one spreadsheet."""
        with self._lock:
            return [
                r for r in self._records
                if (kind is None or r.kind == kind)
                and (spreadsheet_id is None or r.spreadsheet_id == spreadsheet_id)
            ]

    def clear(self) -> None:
        """Forget every record."""
        with self._lock:
            self._records.clear()
