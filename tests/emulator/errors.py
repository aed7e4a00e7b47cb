"""Google API errors as the emulator raises and serialises them.

Sheets v4 answers `{"error": {"code", "message", "status"}}`; Drive v3 adds an `errors`
list with a `reason`. gspread reads `code` and `message` from this body.
"""

from __future__ import annotations

from typing import Any

STATUS_NAMES: dict[int, str] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}

DEFAULT_MESSAGES: dict[int, str] = {
    400: "Request contains an invalid argument.",
    401: (
        "Request is missing required authentication credential. Expected OAuth 2 access "
        "token, login cookie or other valid authentication credential."
    ),
    403: "The caller does not have permission",
    404: "Requested entity was not found.",
    429: (
        "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per "
        "minute per user' of service 'sheets.googleapis.com'."
    ),
    500: "Internal error encountered.",
    503: "The service is currently unavailable.",
}

_DRIVE_REASONS: dict[int, str] = {
    400: "invalid",
    401: "authError",
    403: "forbidden",
    404: "notFound",
    429: "rateLimitExceeded",
    500: "backendError",
    503: "backendError",
}


class ApiError(Exception):
    """An error answer: HTTP status, Google's message, and whether it speaks for Drive."""

    def __init__(self, code: int, message: str | None = None, *, drive: bool = False) -> None:
        self.code = code
        self.message = message or DEFAULT_MESSAGES.get(code, "Error.")
        self.drive = drive
        super().__init__(f"{code}: {self.message}")

    def body(self) -> dict[str, Any]:
        """The JSON body Google sends with this error."""
        error: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "status": STATUS_NAMES.get(self.code, "UNKNOWN"),
        }
        if self.drive:
            error["errors"] = [{
                "domain": "usageLimits" if self.code == 429 else "global",
                "reason": _DRIVE_REASONS.get(self.code, "unknown"),
                "message": self.message,
            }]
        return {"error": error}


def invalid(message: str) -> ApiError:
    """A 400 INVALID_ARGUMENT with Google's wording chosen by the caller."""
    return ApiError(400, message)


def sheets_not_found() -> ApiError:
    """What Sheets answers for an id that does not exist (or was deleted)."""
    return ApiError(404)


def drive_not_found(file_id: str) -> ApiError:
    """What Drive answers for a file id that does not exist."""
    return ApiError(404, f"File not found: {file_id}.", drive=True)
