"""What an API handler receives (a Call) and may return (a Reply, or a dict sent as JSON)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .errors import invalid
from .store import WorkbookStore

JSON_TYPE = "application/json; charset=UTF-8"


@dataclass(frozen=True)
class Call:
    """One API request, parsed: path parameters, query parameters and the body."""

    store: WorkbookStore
    path_params: dict[str, str]
    query: dict[str, list[str]]
    body: bytes
    hidden_ids: frozenset[str] = frozenset()  # ids a permanent fault hides from listings
    page_cap: int | None = None  # Drive returns at most this many files per page

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The first value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else default

    def args(self, name: str) -> list[str]:
        """Every value of a repeated query parameter (`ranges=a&ranges=b`)."""
        return list(self.query.get(name, []))

    def choice(self, name: str, allowed: tuple[str, ...]) -> str:
        """A query parameter that must be one of `allowed` (the first is the default)."""
        value = self.arg(name, allowed[0]) or allowed[0]
        if value not in allowed:
            raise invalid(f'Invalid value at \'{name}\', "{value}"')
        return value

    def json(self) -> dict[str, Any]:
        """The body as a JSON object ({} when empty)."""
        if not self.body.strip():
            return {}
        try:
            data = json.loads(self.body)
        except ValueError as exc:
            raise invalid(f"Invalid JSON payload received. {exc}") from exc
        if not isinstance(data, dict):
            raise invalid("Invalid JSON payload received. Expected an object.")
        return data

    @property
    def spreadsheet_id(self) -> str:
        """The spreadsheet (or Drive file) id in the path."""
        return self.path_params["sid"]


@dataclass
class Reply:
    """A response other than 200 with a JSON object."""

    status: int
    body: bytes = b""
    content_type: str = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200) -> Reply:
        """A JSON response."""
        return cls(status, json.dumps(data, ensure_ascii=False).encode("utf-8"))
