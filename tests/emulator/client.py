"""The client side, for tests only: the real gspread client pointed at the emulator."""

from __future__ import annotations

from typing import Any

import gspread
from google.auth.credentials import AnonymousCredentials, Credentials
from gspread.http_client import HTTPClient
from requests import Response

GOOGLE_PREFIXES = ("https://sheets.googleapis.com", "https://www.googleapis.com")


def emulator_http_client(base_url: str) -> type[HTTPClient]:
    """A gspread HTTPClient class that sends Google's URLs to `base_url` instead."""

    class EmulatorHTTPClient(HTTPClient):
        def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> Response:
            for prefix in GOOGLE_PREFIXES:
                if endpoint.startswith(prefix):
                    endpoint = base_url + endpoint[len(prefix):]
            return super().request(method, endpoint, *args, **kwargs)

    return EmulatorHTTPClient


def gspread_client(
    base_url: str, credentials: Credentials | None = None, timeout: float = 10.0
) -> gspread.Client:
    """gspread talking to the emulator, anonymous unless credentials are given."""
    client = gspread.Client(auth=credentials or AnonymousCredentials(),
                            http_client=emulator_http_client(base_url))
    client.set_timeout(timeout)
    return client
