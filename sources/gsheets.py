"""Google Sheets and Drive through gspread: the service-account key, one HTTP client with a
configurable base URL, Sheets' read and write quotas, timeouts and bounded retries, and the
few API calls the pipeline makes.

gspread has no base-URL setting: every call goes through `HTTPClient.request`, so
`RoutedHTTPClient` rewrites Google's prefixes to `api_base_url` (an emulator, or a corporate
proxy), waits for the read or the write limiter (Sheets requests only: Drive has its own,
far larger quota), sets a timeout and retries 429, 5xx, timeouts and cut-off
answers with exponential back-off and jitter, honouring Retry-After, a bounded number of
times (gspread's own BackOffHTTPClient never gives up). Every failure the caller sees is a
`SheetsError` with a reason in Vietnamese and English; none carries the key or a token.
"""

from __future__ import annotations

import email.utils
import json
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import requests
from google.auth.credentials import AnonymousCredentials, Credentials
from gspread import Client
from gspread.exceptions import APIError, GSpreadException, NoValidUrlKeyFound
from gspread.http_client import HTTPClient
from gspread.utils import extract_id_from_url

from core.settings import ANONYMOUS, ENV, GSheetsSettings

SCOPES_READ = (  # pulling: read values, list files with their modifiedTime
    "https://www.googleapis.com/auth/spreadsheets.readonly",
    "https://www.googleapis.com/auth/drive.metadata.readonly",
)
SCOPES_FEEDBACK = ("https://www.googleapis.com/auth/spreadsheets",)
SCOPES_PROVISION = (
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive.file",  # share the files this account created
)
GOOGLE_PREFIXES = (
    "https://sheets.googleapis.com",
    "https://www.googleapis.com",
    "https://oauth2.googleapis.com",
)
SPREADSHEET_URL = "https://docs.google.com/spreadsheets/d/{}"
CONNECT_TIMEOUT = 10.0
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
MINUTE = 60.0
# Google refills its per-minute quotas on its own clock: a limiter whose window is a few
# seconds longer than a minute stays under the quota despite clock skew and latency.
QUOTA_MARGIN_SECONDS = 5.0
SHEETS_PATH = "/v4/spreadsheets"
SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
_REQUIRED_KEYS = ("client_email", "private_key", "token_uri")


# --- errors ------------------------------------------------------------------------------


class CredentialError(Exception):
    """The service-account key is missing or unusable; the message names the setting and
    never quotes the key."""


class SheetsError(Exception):
    """One failed call to Google, after the retries it deserved: `kind` for the code,
    `reason_vi` for the unit, `reason_en` for the operator."""

    def __init__(self, kind: str, reason_vi: str, reason_en: str,
                 status: int | None = None) -> None:
        super().__init__(f"{reason_vi} / {reason_en}")
        self.kind = kind
        self.reason_vi = reason_vi
        self.reason_en = reason_en
        self.status = status

    @property
    def detail(self) -> str:
        """What `raw.fetches.detail` keeps: both languages."""
        return f"{self.reason_vi} | {self.reason_en}"


class _Transient(Exception):
    """A failure worth retrying: a 429/5xx answer, a timeout, a cut-off body."""

    def __init__(self, kind: str, status: int | None = None, retry_after: float | None = None,
                 response: requests.Response | None = None) -> None:
        super().__init__(kind)
        self.kind = kind
        self.status = status
        self.retry_after = retry_after
        self.response = response


def _reason(kind: str, status: int | None, attempts: int, timeout: float,
            account: str) -> SheetsError:
    match kind:
        case "not_shared" if account:  # the account's address is public, not a secret
            return SheetsError(kind, "Bảng tính chưa được chia sẻ với tài khoản của hệ thống: "
                               "hãy chia sẻ bảng tính (quyền chỉnh sửa) cho địa chỉ "
                               f"{account}.", "The spreadsheet is not shared with the "
                               f"service account {account} (HTTP 403).", status)
        case "not_shared":
            return SheetsError(kind, "Bảng tính chưa được chia sẻ với tài khoản của hệ thống: "
                               "hãy chia sẻ bảng tính (quyền chỉnh sửa) cho tài khoản dịch vụ "
                               "của hệ thống.", "The spreadsheet is not shared with the "
                               "service account (HTTP 403).", status)
        case "trashed":
            return SheetsError(kind, "Bảng tính đã bị chuyển vào thùng rác: hãy khôi phục bảng "
                               "tính, hoặc ghi bảng tính mới vào sổ đăng ký.", "The spreadsheet "
                               "is in the trash (Drive).", status)
        case "not_found":
            return SheetsError(kind, "Không tìm thấy bảng tính: bảng tính đã bị xóa hoặc đường "
                               "dẫn trong sổ đăng ký bị sai; hãy kiểm tra lại đường dẫn.",
                               "The spreadsheet was not found: deleted, or a wrong link in "
                               "the register (HTTP 404).", status)
        case "timeout":
            return SheetsError(kind, f"Google Sheets không trả lời trong {timeout:g} giây "
                               f"(đã thử {attempts} lần).", "Google Sheets did not answer "
                               f"within {timeout:g} s ({attempts} attempts).", status)
        case "quota":
            return SheetsError(kind, f"Vượt hạn mức truy cập Google Sheets (đã thử {attempts} "
                               "lần).", "Google Sheets quota still exceeded after "
                               f"{attempts} attempts (HTTP 429).", status)
        case "server":
            return SheetsError(kind, f"Máy chủ Google gặp lỗi {status} (đã thử {attempts} "
                               "lần).", f"Google server error HTTP {status} after {attempts} "
                               "attempts.", status)
        case "malformed":
            return SheetsError(kind, "Google Sheets trả về dữ liệu hỏng hoặc không đầy đủ "
                               f"(đã thử {attempts} lần).", "Google Sheets returned a "
                               f"truncated or malformed response ({attempts} attempts).",
                               status)
        case "connection":
            return SheetsError(kind, f"Không kết nối được tới Google (đã thử {attempts} lần).",
                               f"Could not connect to Google ({attempts} attempts).", status)
        case "token_unreachable":
            return SheetsError(kind, "Không kết nối được tới máy chủ đăng nhập của Google (đã "
                               f"thử {attempts} lần): lỗi mạng, không phải lỗi khóa tài khoản "
                               "dịch vụ.", "Could not reach Google's token endpoint "
                               f"({attempts} attempts): a network failure, not a bad key.",
                               status)
        case "unauthenticated":
            return SheetsError(kind, "Google từ chối khóa tài khoản dịch vụ của hệ thống: hãy "
                               "kiểm tra khóa (có thể đã bị xóa hoặc thu hồi).", "Google "
                               "rejected the service-account key: check it (it may have been "
                               "deleted or revoked).", status)
    return SheetsError(kind, f"Google từ chối yêu cầu (HTTP {status}).",
                       f"Google refused the request (HTTP {status}).", status)


# --- the key -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceAccount:
    """A service-account key in memory. `repr` and `str` never show the key."""

    info: Mapping[str, Any] = field(repr=False)

    @property
    def email(self) -> str:
        return str(self.info.get("client_email", ""))

    def secrets(self) -> tuple[str, ...]:
        """The strings that must never leave the process (for `redact`)."""
        key = str(self.info.get("private_key", ""))
        lines = [line for line in key.splitlines() if len(line) >= 16 and "-----" not in line]
        return tuple(s for s in (key, str(self.info.get("private_key_id", "")), *lines) if s)


# Errors about the key are raised outside the `except` block that caught the cause, so
# that no exception chained to them (a JSONDecodeError holds the whole document) can be
# printed or inspected.


def _parse_key(text: str | Mapping[str, Any], setting: str) -> ServiceAccount:
    info: Any = None
    bad_line: int | str | None = None
    if isinstance(text, Mapping):
        info = dict(text)
    else:
        try:
            info = json.loads(text)
        except ValueError as exc:
            bad_line = getattr(exc, "lineno", "?")
    if bad_line is not None:
        raise CredentialError(f"{setting}: khóa tài khoản dịch vụ không phải JSON hợp lệ "
                              f"(lỗi ở dòng {bad_line}).")
    if not isinstance(info, dict):
        raise CredentialError(f"{setting}: khóa tài khoản dịch vụ phải là một đối tượng JSON.")
    missing = [k for k in _REQUIRED_KEYS if not str(info.get(k) or "").strip()]
    if info.get("type") != "service_account" or missing:
        what = f"thiếu {', '.join(missing)}" if missing else "type không phải service_account"
        raise CredentialError(f"{setting}: khóa tài khoản dịch vụ không đúng dạng ({what}).")
    return ServiceAccount(info)


def load_service_account(settings: GSheetsSettings) -> ServiceAccount | None:
    """The key from the Prefect Secret block or the file the settings name; None for
    "anonymous" (an emulator). Raises `CredentialError` naming the setting."""
    block_setting, file_setting = ENV["gsheets_credentials_block"], ENV["gsheets_credentials"]
    if settings.credentials_block:
        from prefect.blocks.system import Secret

        value, failure = None, ""
        try:
            value = Secret.load(settings.credentials_block).get()  # type: ignore[union-attr]
        except Exception as exc:  # not found, no API: the block's name is all we say
            failure = type(exc).__name__
        if failure:
            raise CredentialError(f"{block_setting}: không đọc được khối Secret "
                                  f"«{settings.credentials_block}» ({failure}).")
        return _parse_key(value, block_setting)
    if settings.credentials == ANONYMOUS:
        return None
    if not settings.credentials:
        raise CredentialError(f"{file_setting} hoặc {block_setting}: chưa đặt khóa tài khoản "
                              "dịch vụ Google (đường dẫn tệp JSON, hoặc tên khối Secret).")
    path = Path(settings.credentials).expanduser()
    text, failure = "", ""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        failure = type(exc).__name__
    if failure:
        raise CredentialError(f"{file_setting}: không đọc được tệp khóa {path} ({failure}).")
    return _parse_key(text, file_setting)


def check_credentials(settings: GSheetsSettings) -> None:
    """Read the key and build credentials from it, without calling Google: a run that
    cannot sign in stops before it starts, with the `CredentialError` alone."""
    credentials_for(load_service_account(settings), SCOPES_READ, settings.api_base_url)


def route(url: str, base_url: str) -> str:
    """Google's URL with its prefix swapped for `base_url` (unchanged when it is empty)."""
    if not base_url:
        return url
    for prefix in GOOGLE_PREFIXES:
        if url.startswith(prefix):
            return base_url + url[len(prefix):]
    return url


def credentials_for(account: ServiceAccount | None, scopes: Sequence[str],
                    base_url: str = "") -> Credentials:
    """google-auth credentials for these scopes; the token endpoint routed like the API."""
    if account is None:
        return AnonymousCredentials()
    from google.oauth2.service_account import Credentials as ServiceCredentials

    info = dict(account.info)
    info["token_uri"] = route(str(info["token_uri"]), base_url)
    failure = ""
    try:
        return ServiceCredentials.from_service_account_info(info, scopes=list(scopes))
    except (ValueError, TypeError, IndexError) as exc:
        failure = type(exc).__name__
    raise CredentialError(f"{ENV['gsheets_credentials']}: khóa riêng (private_key) của tài "
                          f"khoản dịch vụ không dùng được ({failure}).")


# --- rate limit and retries --------------------------------------------------------------


class RateLimiter:
    """At most `per_minute` requests in any `window` seconds (a sliding window a few seconds
    longer than Google's minute, see QUOTA_MARGIN_SECONDS). Counts what it lets through:
    `sent`, and `peak`, the most requests seen in any 60 seconds (for the run's log)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 window: float = MINUTE + QUOTA_MARGIN_SECONDS) -> None:
        self.per_minute = per_minute
        self.window = window
        self._clock, self._sleep = clock, sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()
        self.waited = 0.0
        self.sent = 0
        self.peak = 0

    def acquire(self) -> None:
        with self._lock:
            keep = max(self.window, MINUTE)
            while True:
                now = self._clock()
                while self._sent and self._sent[0] <= now - keep:
                    self._sent.popleft()
                in_window = sum(1 for t in self._sent if t > now - self.window)
                if self.per_minute <= 0 or in_window < self.per_minute:
                    break
                wait = next(t for t in self._sent if t > now - self.window) + self.window - now
                self.waited += wait
                self._sleep(wait)
            self._sent.append(now)
            self.sent += 1
            self.peak = max(self.peak, sum(1 for t in self._sent if t > now - MINUTE))


_SHARED_LIMITERS: dict[tuple[str, int], RateLimiter] = {}
_SHARED_LOCK = threading.Lock()


def shared_limiter(kind: str, per_minute: int) -> RateLimiter:
    """The process's one limiter for this kind of request ("read" or "write") and limit:
    the pull, the feedback and the status writer all wait on the same one."""
    with _SHARED_LOCK:
        return _SHARED_LIMITERS.setdefault((kind, per_minute), RateLimiter(per_minute))


@dataclass(frozen=True)
class Quota:
    """The two limiters Google's Sheets quotas call for: reads (GET) and writes (the rest).
    Drive requests pass: Drive counts them in its own quota."""

    reads: RateLimiter
    writes: RateLimiter

    @classmethod
    def shared(cls, settings: GSheetsSettings) -> Quota:
        return cls(shared_limiter("read", settings.reads_per_minute),
                   shared_limiter("write", settings.writes_per_minute))

    @classmethod
    def unlimited(cls) -> Quota:
        return cls(RateLimiter(0), RateLimiter(0))

    @staticmethod
    def kind_of(method: str, url: str) -> str | None:
        """"read", "write", or None for a request outside the Sheets quotas."""
        if SHEETS_PATH not in url:
            return None
        return "read" if method.upper() in ("GET", "HEAD") else "write"

    def limiter(self, kind: str) -> RateLimiter:
        return self.reads if kind == "read" else self.writes


@dataclass
class RetryPolicy:
    """How hard to try one request."""

    max_retries: int = 5
    timeout: float = 30.0
    backoff_base: float = 1.0  # seconds before the first retry (then ×2 each time)
    backoff_cap: float = 32.0
    max_retry_after: float = 120.0  # a longer Retry-After ends the request now
    sleep: Callable[[float], None] = time.sleep
    random: Callable[[float, float], float] = random.uniform

    def delay(self, retry: int, retry_after: float | None) -> float:
        """Exponential back-off with jitter; never sooner than Retry-After."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (retry - 1))
        jittered = self.random(ceiling / 2, ceiling)
        return max(jittered, retry_after or 0.0)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _is_rate_limit_403(response: requests.Response) -> bool:
    """Drive says 403 with reason rateLimitExceeded for its quota."""
    try:
        errors = response.json()["error"].get("errors", [])
    except (ValueError, KeyError, TypeError, AttributeError):
        return False
    return any(isinstance(e, dict) and e.get("reason") in RATE_LIMIT_REASONS for e in errors)


def _check_body(response: requests.Response) -> None:
    """A JSON answer must parse: a cut-off body is a transient failure."""
    content_type = response.headers.get("Content-Type", "")
    if "json" not in content_type and not response.content.lstrip().startswith((b"{", b"[")):
        return
    if not response.content:
        return
    try:
        json.loads(response.content)
    except ValueError:
        raise _Transient("malformed", response.status_code, response=response) from None


class RoutedHTTPClient(HTTPClient):
    """gspread's HTTP client with a base URL, a rate limiter, a timeout and bounded
    retries; each attempt is counted in `attempts` (for the benchmark and tests)."""

    def __init__(self, auth: Credentials, session: requests.Session | None = None, *,
                 base_url: str = "", quota: Quota | None = None,
                 policy: RetryPolicy | None = None, account_email: str = "") -> None:
        super().__init__(auth, session)
        self.base_url = base_url
        self.quota = quota or Quota.unlimited()
        self.policy = policy or RetryPolicy()
        self.account_email = account_email
        self.timeout = (min(CONNECT_TIMEOUT, self.policy.timeout), self.policy.timeout)
        self.attempts = 0
        self.retries = 0
        self.sent = {"read": 0, "write": 0}  # Sheets requests of each quota

    def _attempt(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        kind = self.quota.kind_of(method, url)
        if kind is not None:
            self.quota.limiter(kind).acquire()
            self.sent[kind] += 1
        self.attempts += 1
        try:
            response = self.session.request(method=method, url=url, timeout=self.timeout,
                                            **kwargs)
        except requests.Timeout:
            raise _Transient("timeout") from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError):
            raise _Transient("connection") from None
        if response.ok:
            _check_body(response)
            return response
        status = response.status_code
        if status in RETRY_STATUSES or (status == 403 and _is_rate_limit_403(response)):
            kind = "quota" if status in (403, 429) else "timeout" if status == 408 else "server"
            raise _Transient(kind, status, _retry_after(response), response)
        raise APIError(response)

    def request(self, method: str, endpoint: str, params: Any = None, data: Any = None,
                json: Any = None, files: Any = None, headers: Any = None) -> requests.Response:
        url = route(endpoint, self.base_url)
        # a write that failed midway may have been applied: retry it only when Google
        # says it did not run it (429, 503)
        idempotent = method.upper() in ("GET", "HEAD")
        retry = 0
        while True:
            try:
                return self._attempt(method, url, params=params, data=data, json=json,
                                     files=files, headers=headers)
            except _Transient as failure:
                safe = idempotent or failure.status in (429, 503) or failure.kind == "quota"
                too_long = (failure.retry_after or 0) > self.policy.max_retry_after
                if not safe or too_long or retry >= self.policy.max_retries:
                    raise _reason(failure.kind, failure.status, retry + 1,
                                  self.policy.timeout, self.account_email) from None
                retry += 1
                self.retries += 1
                self.policy.sleep(self.policy.delay(retry, failure.retry_after))


def _classify(exc: Exception, account_email: str) -> SheetsError:
    """Any failure of a gspread call as a `SheetsError` (never with the exception's text,
    which could quote a response)."""
    if isinstance(exc, SheetsError):
        return exc
    if isinstance(exc, APIError):
        status = exc.response.status_code
        kind = {401: "unauthenticated", 403: "not_shared", 404: "not_found"}.get(
            status, "bad_request" if 400 <= status < 500 else "server")
        return _reason(kind, status, 1, 0, account_email)
    if isinstance(exc, KeyError | TypeError | ValueError | IndexError):
        return _reason("malformed", None, 1, 0, account_email)
    from google.auth.exceptions import GoogleAuthError, TransportError

    if isinstance(exc, TransportError):  # the token endpoint, unreachable
        return _reason("token_unreachable", None, 1, 0, account_email)
    if isinstance(exc, GoogleAuthError):
        return _reason("unauthenticated", None, 1, 0, account_email)
    raise exc


# --- the API calls -----------------------------------------------------------------------


def spreadsheet_id_of(reference: str) -> str:
    """The id in a spreadsheet URL, or the reference itself when it is already an id."""
    text = reference.strip()
    if text.startswith(("http://", "https://")):
        try:
            return extract_id_from_url(text)
        except NoValidUrlKeyFound:
            raise ValueError(f"không tìm thấy mã bảng tính trong đường dẫn «{text}»") from None
    if not text or any(c not in _ID_CHARS for c in text):
        raise ValueError(f"«{text}» không phải đường dẫn hay mã bảng tính Google Sheets")
    return text


_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def spreadsheet_url(spreadsheet_id: str) -> str:
    return SPREADSHEET_URL.format(spreadsheet_id)


def quote_tab(title: str) -> str:
    """A tab name as an A1 range of the whole tab: 'Hoạt động' (quotes doubled)."""
    return "'" + title.replace("'", "''") + "'"


@dataclass(frozen=True)
class ValueOptions:
    """How values are rendered: unformatted numbers (no "1.234,5" from a vi_VN sheet's
    locale) and dates as serial numbers (no "5/12" or "12/5" depending on the locale)."""

    value_render: str = "UNFORMATTED_VALUE"
    date_time_render: str = "SERIAL_NUMBER"

    def params(self) -> dict[str, str]:
        return {"valueRenderOption": self.value_render,
                "dateTimeRenderOption": self.date_time_render, "majorDimension": "ROWS"}


VALUE_OPTIONS = ValueOptions()


@dataclass(frozen=True)
class FileState:
    """What Drive says of a spreadsheet: when it last changed, and its version (a number
    that every change moves on; None when Drive did not give it)."""

    modified_time: str
    version: int | None = None


def _file_state(item: Any) -> FileState | None:
    if not isinstance(item, dict) or not item.get("id") or not item.get("modifiedTime"):
        return None
    try:
        version = int(item["version"]) if item.get("version") is not None else None
    except (TypeError, ValueError):
        version = None
    return FileState(str(item["modifiedTime"]), version)


def _drive_literal(text: str) -> str:
    """A string literal of a Drive query."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


class SheetsApi:
    """The calls the pipeline makes, over the read and write limiters and one retry policy.
    Thread-safe: each thread gets its own gspread client (a requests session is not shared)."""

    def __init__(self, settings: GSheetsSettings, scopes: Sequence[str], *,
                 account: ServiceAccount | None = None, policy: RetryPolicy | None = None,
                 quota: Quota | None = None) -> None:
        self.settings = settings
        self.account = account
        self.credentials = credentials_for(account, scopes, settings.api_base_url)
        self.policy = policy or RetryPolicy(max_retries=settings.max_retries,
                                            timeout=settings.timeout_seconds)
        self.quota = quota or Quota.shared(settings)
        self._local = threading.local()
        self._clients: list[RoutedHTTPClient] = []
        self._clients_lock = threading.Lock()

    @classmethod
    def open(cls, settings: GSheetsSettings, scopes: Sequence[str], **kwargs: Any) -> SheetsApi:
        """Read the key named by the settings and open the API with these scopes."""
        return cls(settings, scopes, account=load_service_account(settings), **kwargs)

    @property
    def account_email(self) -> str:
        return self.account.email if self.account else ""

    @property
    def attempts(self) -> int:
        with self._clients_lock:
            return sum(c.attempts for c in self._clients)

    def sent(self, kind: str) -> int:
        """Sheets requests of this quota ("read" or "write") sent through this API."""
        with self._clients_lock:
            return sum(c.sent[kind] for c in self._clients)

    def quota_line(self, kind: str) -> str:
        """What the run's log says of one quota: requests sent, the most in one minute
        (in this process: the limiter is shared) and the limit."""
        limiter = self.quota.limiter(kind)
        limit = f"{limiter.per_minute}/phút" if limiter.per_minute > 0 else "không giới hạn"
        what = "đọc" if kind == "read" else "ghi"
        return (f"{self.sent(kind)} yêu cầu {what} tới Google Sheets, nhiều nhất "
                f"{limiter.peak} trong một phút (giới hạn {limit})")

    def _ensure_token(self) -> None:
        """Fetch the access token once, before the worker threads share the credentials.
        A network failure is retried like a request, then said as such; a key Google
        refuses is not retried."""
        if self.credentials.valid:
            return
        with self._clients_lock:
            if self.credentials.valid:
                return
            from google.auth.exceptions import RefreshError, TransportError
            from google.auth.transport.requests import Request

            timeout = (min(CONNECT_TIMEOUT, self.policy.timeout), self.policy.timeout)
            retry = 0
            while True:
                rejected = False
                try:
                    self.credentials.refresh(partial(Request(), timeout=timeout))
                    return
                except TransportError:
                    pass
                except RefreshError as exc:  # google-auth already retried a 5xx or 429
                    rejected = not getattr(exc, "retryable", False)
                if rejected:
                    raise _reason("unauthenticated", None, 1, 0, self.account_email)
                if retry >= self.policy.max_retries:
                    raise _reason("token_unreachable", None, retry + 1, 0, self.account_email)
                retry += 1
                self.policy.sleep(self.policy.delay(retry, None))

    def _client(self) -> Client:
        client = getattr(self._local, "client", None)
        if client is None:
            self._ensure_token()
            factory = partial(RoutedHTTPClient, base_url=self.settings.api_base_url,
                              quota=self.quota, policy=self.policy,
                              account_email=self.account_email)
            client = Client(self.credentials, http_client=factory)  # type: ignore[arg-type]
            with self._clients_lock:
                self._clients.append(client.http_client)  # type: ignore[arg-type]
            self._local.client = client
        return client

    def _call(self, func: Callable[[Client], Any]) -> Any:
        try:
            return func(self._client())
        except (GSpreadException, SheetsError, KeyError, TypeError, ValueError, IndexError,
                requests.RequestException) as exc:
            raise _classify(exc, self.account_email) from None
        except Exception as exc:
            from google.auth.exceptions import GoogleAuthError

            if isinstance(exc, GoogleAuthError):
                raise _classify(exc, self.account_email) from None
            raise

    # reads

    def list_spreadsheets(self) -> dict[str, FileState]:
        """Every spreadsheet the account can see, not in the trash (in the folder, when one
        is set): id → its modifiedTime and Drive version. One files.list per 1,000 files."""
        from gspread.urls import DRIVE_FILES_API_V3_URL

        query = f"mimeType = '{SPREADSHEET_MIME}' and trashed = false"
        if self.settings.folder_id:
            query += f" and {_drive_literal(self.settings.folder_id)} in parents"
        params: dict[str, Any] = {"q": query, "pageSize": 1000, "supportsAllDrives": True,
                                  "includeItemsFromAllDrives": True,
                                  "fields": "nextPageToken,files(id,modifiedTime,version)"}
        listed: dict[str, FileState] = {}
        while True:
            body = self._call(lambda c: c.http_client.request(
                "get", DRIVE_FILES_API_V3_URL, params=params).json())
            files = body.get("files") if isinstance(body, dict) else None
            if not isinstance(files, list):
                raise _reason("malformed", None, 1, 0, self.account_email)
            for item in files:
                state = _file_state(item)
                if state is None:
                    raise _reason("malformed", None, 1, 0, self.account_email)
                listed[str(item["id"])] = state
            token = body.get("nextPageToken")
            if not token:
                return listed
            params["pageToken"] = token

    def file_state(self, spreadsheet_id: str) -> FileState:
        """One file's modifiedTime and version (Drive files.get): for a registered
        spreadsheet the listing did not show. A file in the trash is a `SheetsError`
        ("trashed"), as are 403 and 404."""
        from gspread.urls import DRIVE_FILES_API_V3_URL

        body = self._call(lambda c: c.http_client.request(
            "get", f"{DRIVE_FILES_API_V3_URL}/{spreadsheet_id}",
            params={"fields": "id,modifiedTime,version,trashed",
                    "supportsAllDrives": True}).json())
        state = _file_state(body)
        if state is None:
            raise _reason("malformed", None, 1, 0, self.account_email)
        if body.get("trashed") is True:
            raise _reason("trashed", None, 1, 0, self.account_email)
        return state

    def batch_get(self, spreadsheet_id: str, ranges: Sequence[str],
                  options: ValueOptions = VALUE_OPTIONS) -> dict[str, Any]:
        """values:batchGet of these ranges, checked: one ValueRange per range asked."""
        body = self._call(lambda c: c.http_client.values_batch_get(
            spreadsheet_id, list(ranges), params=options.params()))
        value_ranges = body.get("valueRanges") if isinstance(body, dict) else None
        if not isinstance(value_ranges, list) or len(value_ranges) != len(ranges) or not all(
            isinstance(v, dict) and isinstance(v.get("values", []), list) for v in value_ranges
        ):
            raise _reason("malformed", None, 1, 0, self.account_email)
        return body

    def tab_titles(self, spreadsheet_id: str) -> list[dict[str, Any]]:
        """The tabs' properties (sheetId, title, index), from one metadata request."""
        body = self._call(lambda c: c.http_client.fetch_sheet_metadata(
            spreadsheet_id, params={"fields": "sheets.properties(sheetId,title,index,hidden)"}))
        sheets = body.get("sheets") if isinstance(body, dict) else None
        if not isinstance(sheets, list):
            raise _reason("malformed", None, 1, 0, self.account_email)
        properties = [s.get("properties") for s in sheets if isinstance(s, dict)]
        if not all(isinstance(p, dict) and isinstance(p.get("title"), str) for p in properties):
            raise _reason("malformed", None, 1, 0, self.account_email)
        return properties  # type: ignore[return-value]

    # writes

    def values_batch_update(self, spreadsheet_id: str, data: list[dict[str, Any]],
                            input_option: str = "RAW") -> dict[str, Any]:
        body = {"valueInputOption": input_option, "data": data}
        return self._call(lambda c: c.http_client.values_batch_update(spreadsheet_id, body))

    def batch_update(self, spreadsheet_id: str, requests_: list[dict[str, Any]]) -> dict:
        return self._call(lambda c: c.http_client.batch_update(
            spreadsheet_id, {"requests": requests_}))

    def values_append(self, spreadsheet_id: str, range_: str,
                      rows: list[list[Any]]) -> dict[str, Any]:
        return self._call(lambda c: c.http_client.values_append(
            spreadsheet_id, range_, params={"valueInputOption": "RAW",
                                            "insertDataOption": "INSERT_ROWS"},
            body={"values": rows}))

    def create_spreadsheet(self, body: dict[str, Any]) -> dict[str, Any]:
        """spreadsheets.create (one request; not retried on a 5xx, which may have run)."""
        from gspread.urls import SPREADSHEETS_API_V4_BASE_URL

        return self._call(lambda c: c.http_client.request(
            "post", SPREADSHEETS_API_V4_BASE_URL, json=body).json())

    def move_to_folder(self, spreadsheet_id: str, folder_id: str) -> None:
        """Move a file into a Drive folder (a file has one parent: the old one goes)."""
        from gspread.urls import DRIVE_FILES_API_V3_URL

        url = f"{DRIVE_FILES_API_V3_URL}/{spreadsheet_id}"
        found = self._call(lambda c: c.http_client.request(
            "get", url, params={"fields": "parents", "supportsAllDrives": True}).json())
        parents = [str(p) for p in found.get("parents", []) if p != folder_id]
        if folder_id in found.get("parents", []) and not parents:
            return
        self._call(lambda c: c.http_client.request("patch", url, params={
            "addParents": folder_id, "removeParents": ",".join(parents),
            "supportsAllDrives": True}))

    def share(self, spreadsheet_id: str, email_address: str, role: str = "writer") -> None:
        """drive.permissions.create for a user, with Google's notification e-mail."""
        self._call(lambda c: c.http_client.insert_permission(
            spreadsheet_id, email_address, perm_type="user", role=role, notify=True,
            email_message="Bảng tính báo cáo năm Kế hoạch truyền thông về bình đẳng giới."))

    def permissions(self, spreadsheet_id: str) -> list[dict[str, Any]]:
        return self._call(lambda c: c.http_client.list_permissions(spreadsheet_id))


def redact(text: str, account: ServiceAccount | None) -> str:
    """`text` with every fragment of the key replaced (a last guard on what is stored)."""
    if account is None:
        return text
    for secret in account.secrets():
        text = text.replace(secret, "***")
    return text
