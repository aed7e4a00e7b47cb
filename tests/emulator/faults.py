"""Faults injected into the emulator's answers.

A fault is queued for a target: a spreadsheet id (every Sheets or Drive request about that
file), `DRIVE_LISTING` (Drive's files.list) or `ANY` (any API request). Each matching
request consumes the first queued fault whose `only` is unset or equals the request's kind;
a permanent fault (unshared, deleted) is never consumed and also hides the file from
listings.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import asdict, dataclass, fields
from typing import Any

ANY = "*"
DRIVE_LISTING = "drive.files.list"
FAULT_STATUSES = (400, 401, 403, 404, 429, 500, 503)
MAX_DELAY_SECONDS = 120.0


@dataclass(frozen=True)
class Fault:
    """One injected misbehaviour.

    status: answer this HTTP error (Google's JSON body) instead of the real answer.
    retry_after: seconds to put in a Retry-After header (with 429 or 503).
    delay: seconds to wait before answering (to trigger client timeouts).
    truncate: answer normally but cut the body in half (status stays 200).
    drop: close the connection without any answer (a connection dropped on the way).
    permanent: never consumed (a file that stays unshared or deleted).
    only: consumed only by requests of this kind, e.g. "sheets.values.batchGet".
    """

    status: int | None = None
    retry_after: int | None = None
    delay: float = 0.0
    truncate: bool = False
    drop: bool = False
    permanent: bool = False
    only: str | None = None

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in FAULT_STATUSES:
            raise ValueError(f"status must be one of {FAULT_STATUSES}, not {self.status}")
        if not 0 <= self.delay <= MAX_DELAY_SECONDS:
            raise ValueError(f"delay must be between 0 and {MAX_DELAY_SECONDS} seconds")
        if self.drop and (self.status is not None or self.truncate):
            raise ValueError("a dropped connection has no answer: no status, no body")
        if self.truncate and self.status is not None:
            raise ValueError("a truncated body is a 200 answer: do not give a status too")
        if self.permanent and self.status not in (403, 404):
            raise ValueError("only a 403 (unshared) or 404 (deleted) can be permanent")
        if self.permanent and self.only is not None:
            raise ValueError("a permanent fault applies to every request about the file")
        if self.retry_after is not None and self.retry_after < 0:
            raise ValueError("retry_after must be >= 0")

    @classmethod
    def error(cls, status: int, *, retry_after: int | None = None,
              only: str | None = None) -> Fault:
        """Answer one request with this HTTP error."""
        return cls(status=status, retry_after=retry_after, only=only)

    @classmethod
    def rate_limited(cls, retry_after: int | None = None, *, only: str | None = None) -> Fault:
        """429 RESOURCE_EXHAUSTED, optionally with Retry-After."""
        return cls(status=429, retry_after=retry_after, only=only)

    @classmethod
    def slow(cls, seconds: float, *, only: str | None = None) -> Fault:
        """Wait before answering normally."""
        return cls(delay=seconds, only=only)

    @classmethod
    def truncated(cls, *, only: str | None = None) -> Fault:
        """A 200 whose JSON body is cut in half."""
        return cls(truncate=True, only=only)

    @classmethod
    def dropped(cls, *, only: str | None = None) -> Fault:
        """The connection closes before any answer (e.g. only="oauth.token")."""
        return cls(drop=True, only=only)

    @classmethod
    def unshared(cls) -> Fault:
        """The file is no longer shared with the caller: 403 from now on."""
        return cls(status=403, permanent=True)

    @classmethod
    def deleted(cls) -> Fault:
        """The file was deleted: 404 from now on."""
        return cls(status=404, permanent=True)

    def to_json(self) -> dict[str, Any]:
        """The fault as JSON (the shape POST /_emulator/faults accepts)."""
        return {key: value for key, value in asdict(self).items() if value not in (None, False)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        """A fault from its JSON form; unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        if unknown := set(data) - known:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        return cls(**data)


class FaultBook:
    """Queued and permanent faults by target; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: dict[str, deque[Fault]] = {}
        self._permanent: dict[str, Fault] = {}

    def inject(self, target: str, *faults: Fault) -> None:
        """Queue faults for a target (permanent ones replace the target's state)."""
        with self._lock:
            for fault in faults:
                if fault.permanent:
                    self._permanent[target] = fault
                else:
                    self._queues.setdefault(target, deque()).append(fault)

    def take(self, kind: str, spreadsheet_id: str | None) -> Fault | None:
        """The fault that applies to this request, consumed unless permanent."""
        with self._lock:
            if spreadsheet_id is not None and spreadsheet_id in self._permanent:
                return self._permanent[spreadsheet_id]
            targets = [spreadsheet_id] if spreadsheet_id is not None else []
            if kind == DRIVE_LISTING:
                targets.append(DRIVE_LISTING)
            targets.append(ANY)
            for target in targets:
                queue = self._queues.get(target, deque())
                for fault in queue:
                    if fault.only in (None, kind):
                        queue.remove(fault)
                        return fault
            return None

    def hidden(self) -> frozenset[str]:
        """Ids that a permanent fault removes from listings."""
        with self._lock:
            return frozenset(self._permanent)

    def clear(self, target: str | None = None) -> None:
        """Forget the faults of one target, or all of them."""
        with self._lock:
            if target is None:
                self._queues.clear()
                self._permanent.clear()
            else:
                self._queues.pop(target, None)
                self._permanent.pop(target, None)

    def snapshot(self) -> dict[str, Any]:
        """Pending faults, as JSON."""
        with self._lock:
            return {
                "queued": {t: [f.to_json() for f in q] for t, q in self._queues.items() if q},
                "permanent": {t: f.to_json() for t, f in self._permanent.items()},
            }
