"""Run settings: command-line options, each also an environment variable or a key of a
settings file, with defaults for the embedded default (demo workbooks in a folder, a DuckDB
file, no Prefect server).

Precedence: an explicit value (command line, flow parameter), then the environment variable,
then the settings file named by HB_SETTINGS_FILE (TOML: the keys of `ENV`, or a `[gsheets]`
table whose keys drop the `gsheets_` prefix), then the default. Settings hold where things
are, never a secret: the service-account key is read only when a client is opened
(`sources.gsheets.load_service_account`), from a file path or a Prefect Secret block.

This module is the only one that reads the pipeline's environment variables (a test greps
for it): the run's settings (`ENV`), those read where they are used (`OPERATIONS_ENV`,
`DOCUMENT_ENV`: environment only), the SMTP password (`SECRET_ENV`) and the tests' fault
injection (`TEST_ENV`), each through a typed function below. Prefect's own variables are
read by Prefect; `core.runtime` and `flows.serve` set them for Prefect and its children.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from core.registry import DEFAULT_SEEDS_DIR, LocalityError, read_locality, read_registry

PROJECT_DIR = Path(__file__).resolve().parent.parent
ENV = {
    "year": "HB_YEAR",
    "reports_dir": "HB_REPORTS_DIR",
    "warehouse": "HB_WAREHOUSE",
    "output_dir": "HB_OUTPUT_DIR",
    "seeds_dir": "HB_SEEDS_DIR",
    "source": "HB_SOURCE",
    "gsheets_register": "HB_GSHEETS_REGISTER",
    "gsheets_credentials": "HB_GSHEETS_CREDENTIALS",
    "gsheets_credentials_block": "HB_GSHEETS_CREDENTIALS_BLOCK",
    "gsheets_api_base_url": "HB_GSHEETS_API_BASE_URL",
    "gsheets_folder_id": "HB_GSHEETS_FOLDER_ID",
    "gsheets_reads_per_minute": "HB_GSHEETS_READS_PER_MINUTE",
    "gsheets_writes_per_minute": "HB_GSHEETS_WRITES_PER_MINUTE",
    "gsheets_timeout_seconds": "HB_GSHEETS_TIMEOUT_SECONDS",
    "gsheets_max_retries": "HB_GSHEETS_MAX_RETRIES",
    "gsheets_workers": "HB_GSHEETS_WORKERS",
    "gsheets_feedback": "HB_GSHEETS_FEEDBACK",
    "read_max_file_mb": "HB_READ_MAX_FILE_MB",
    "read_max_unpacked_mb": "HB_READ_MAX_UNPACKED_MB",
    "read_max_rows": "HB_READ_MAX_ROWS",
    "read_max_cells": "HB_READ_MAX_CELLS",
    "read_seconds": "HB_READ_SECONDS",
    "read_memory_mb": "HB_READ_MEMORY_MB",
}
SETTINGS_FILE_ENV = "HB_SETTINGS_FILE"
# Read where they are used, from the environment only (a worker's environment file)
OPERATIONS_ENV = {
    "analyst_dir": "HB_ANALYST_DIR",
    "backup_dir": "HB_BACKUP_DIR",
    "backup_keep": "HB_BACKUP_KEEP",
    "failure_notification_block": "HB_FAILURE_NOTIFICATION_BLOCK",
    "reminder_notification_block": "HB_REMINDER_NOTIFICATION_BLOCK",
    "results_keep_days": "HB_RESULTS_KEEP_DAYS",
    "results_max_mb": "HB_RESULTS_MAX_MB",
}
DOCUMENT_ENV = {  # the clerk's parts of a formal report (reports.content.document_settings)
    "number": "HB_DOC_NUMBER",
    "issued_on": "HB_DOC_DATE",
    "signer": "HB_DOC_SIGNER",
    "recipients": "HB_DOC_RECIPIENTS",
}
SECRET_ENV = {"smtp_password": "HB_SMTP_PASSWORD"}  # never in a settings file or a log
TEST_ENV = {"crash_at": "PIPELINE_CRASH_AT"}  # fault injection: kill the process at a point
# Removed settings, refused with a message naming what replaced them (a value silently
# ignored would leave the operator thinking it still applies).
REMOVED = {
    "gsheets_requests_per_minute": ("HB_GSHEETS_REQUESTS_PER_MINUTE",
                                    "HB_GSHEETS_READS_PER_MINUTE và HB_GSHEETS_WRITES_PER_MINUTE"),
}
DEFAULT_BACKUP_KEEP = 30  # a month of daily backups
RESULTS_KEEP_DAYS, RESULTS_MAX_MB = 7.0, 200.0  # Prefect's local result storage (core.runtime)
DEFAULTS = {
    "reports_dir": PROJECT_DIR / "data" / "reports",
    "warehouse": PROJECT_DIR / "data" / "warehouse.duckdb",
    "output_dir": PROJECT_DIR / "output",
    "seeds_dir": DEFAULT_SEEDS_DIR,
}
SOURCES = ("local", "gsheets")
LAST_YEAR = 2100  # the flow's `year` parameter accepts up to this year
ANONYMOUS = "anonymous"  # HB_GSHEETS_CREDENTIALS value for an emulator that checks no key
COLLECTION_OPENS = (11, 15)  # the Action Month and the collection window open on 15/11
MB = 1024 * 1024
_TRUE, _FALSE = ("1", "true", "yes", "on", "có"), ("0", "false", "no", "off", "không")


class SettingError(ValueError):
    """A setting has a value the pipeline cannot use; the message names the setting."""


@dataclass(frozen=True)
class GSheetsSettings:
    """How to reach the units' Google Sheets. References only (a path, a block name), so
    that Prefect can hash and persist them: the key itself is never held here."""

    register: str = ""  # register spreadsheet URL or key, or a .csv path
    credentials: str = ""  # path of the service-account JSON, or "anonymous" (emulator)
    credentials_block: str = ""  # name of a Prefect Secret block holding that JSON
    api_base_url: str = ""  # "" = Google; an emulator or a corporate proxy otherwise
    folder_id: str = ""  # limit the Drive listing (and new spreadsheets) to this folder
    # Google's Sheets quotas: 60 read and 60 write requests a minute per user, counted
    # apart; each limiter also waits a few seconds past the minute (sources.gsheets).
    reads_per_minute: int = 60  # 0 = no limit
    writes_per_minute: int = 60  # 0 = no limit
    timeout_seconds: float = 30.0
    max_retries: int = 5  # per request, on 429, 5xx, timeouts and cut-off answers
    workers: int = 4  # spreadsheets fetched at once
    feedback: bool = True  # write each unit's result into its own spreadsheet


@dataclass(frozen=True)
class ReadLimits:
    """What reading one workbook may cost (`sources.reader`); sizes in bytes, 0 = no limit.
    Settings `HB_READ_*` (file and memory sizes in MB)."""

    max_file_bytes: int = 25 * MB  # the file as stored; beyond it the bytes are not kept
    max_unpacked_bytes: int = 250 * MB  # everything inside the zip, as really inflated
    max_rows: int = 10_000  # per tab, from row 1 to the last row holding a value
    max_cells: int = 500_000  # per tab: rows × columns up to the last ones with a value
    seconds: float = 60.0  # per workbook
    memory_bytes: int = 1024 * MB  # address space of the reader process


@dataclass(frozen=True)
class RunSettings:
    """Where a run reads and writes. Paths and plain values only, so that Prefect can hash
    and persist them."""

    reports_dir: Path
    warehouse: Path
    output_dir: Path
    seeds_dir: Path
    source: str = "local"  # "local" (a folder of .xlsx) or "gsheets" (Google Sheets)
    gsheets: GSheetsSettings = field(default_factory=GSheetsSettings)
    limits: ReadLimits = field(default_factory=ReadLimits)


def reporting_year(today: date) -> int:
    """The year being reported on: this year once its collection window has opened
    (15 November), the previous year before that."""
    opened = (today.month, today.day) >= COLLECTION_OPENS
    return today.year if opened else today.year - 1


def read_settings_file(path: Path) -> dict[str, object]:
    """The keys of a TOML settings file, `[gsheets]` keys prefixed with `gsheets_`."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingError(f"{SETTINGS_FILE_ENV}: không đọc được tệp cấu hình {path} "
                           f"({type(exc).__name__}); kiểm tra đường dẫn trong "
                           f"{SETTINGS_FILE_ENV}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingError(f"{SETTINGS_FILE_ENV}: tệp cấu hình {path} không đúng cú pháp "
                           f"TOML ({exc})") from None
    flat: dict[str, object] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            flat.update({f"{key}_{inner}": v for inner, v in value.items()})
        else:
            flat[key] = value
    for key in flat.keys() & REMOVED.keys():
        name, replaced_by = REMOVED[key]
        raise SettingError(f"{name}: đã bỏ; hãy dùng {replaced_by} (khóa trong {path})")
    unknown = sorted(set(flat) - set(ENV))
    if unknown:
        raise SettingError(f"{SETTINGS_FILE_ENV}: khóa không hợp lệ trong {path}: "
                           f"{', '.join(unknown)}; dùng các khóa như year, reports_dir, "
                           "warehouse, output_dir hoặc bảng [gsheets]")
    return flat


def _int(name: str, value: object, minimum: int) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise SettingError(f"{ENV[name]}: «{value}» không phải số nguyên") from None
    if number < minimum:
        raise SettingError(f"{ENV[name]}: phải từ {minimum} trở lên (đang là {number})")
    return number


def _float(name: str, value: object) -> float:
    try:
        number = float(str(value).strip())
    except ValueError:
        raise SettingError(f"{ENV[name]}: «{value}» không phải số") from None
    if number <= 0:
        raise SettingError(f"{ENV[name]}: phải lớn hơn 0 (đang là {number})")
    return number


def _bool(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise SettingError(f"{ENV[name]}: «{value}» không hợp lệ; dùng true hoặc false")


def settings_from(settings_file: str | Path | None = None,
                  **given: str | Path | int | float | bool | None) -> RunSettings:
    """Settings from explicit values, else environment variables, else the settings file,
    else defaults. Raises `SettingError` naming the setting when a value is unusable."""
    for name, replaced_by in REMOVED.values():
        if os.environ.get(name, "").strip():
            raise SettingError(f"{name}: đã bỏ; hãy dùng {replaced_by}")
    file_name = settings_file or os.environ.get(SETTINGS_FILE_ENV)
    from_file = read_settings_file(Path(file_name).expanduser()) if file_name else {}

    def raw(name: str) -> object | None:
        for value in (given.get(name), os.environ.get(ENV[name]), from_file.get(name)):
            if value is not None and value != "":
                return value
        return None

    def pick(name: str) -> Path:
        return Path(str(raw(name) or DEFAULTS[name])).expanduser()

    def text(name: str) -> str:
        value = raw(name)
        return "" if value is None else str(value).strip()

    source = text("source") or "local"
    if source not in SOURCES:
        raise SettingError(f"{ENV['source']}: «{source}» không hợp lệ; dùng "
                           f"{' hoặc '.join(SOURCES)}")
    def given_or(name: str, default: object) -> object:
        value = raw(name)
        return default if value is None else value

    base = GSheetsSettings()
    gsheets = GSheetsSettings(
        register=text("gsheets_register"),
        credentials=text("gsheets_credentials"),
        credentials_block=text("gsheets_credentials_block"),
        api_base_url=text("gsheets_api_base_url").rstrip("/"),
        folder_id=text("gsheets_folder_id"),
        reads_per_minute=_int("gsheets_reads_per_minute", given_or(
            "gsheets_reads_per_minute", base.reads_per_minute), 0),
        writes_per_minute=_int("gsheets_writes_per_minute", given_or(
            "gsheets_writes_per_minute", base.writes_per_minute), 0),
        timeout_seconds=_float("gsheets_timeout_seconds", given_or(
            "gsheets_timeout_seconds", base.timeout_seconds)),
        max_retries=_int("gsheets_max_retries", given_or(
            "gsheets_max_retries", base.max_retries), 0),
        workers=_int("gsheets_workers", given_or("gsheets_workers", base.workers), 1),
        feedback=_bool("gsheets_feedback", given_or("gsheets_feedback", base.feedback)),
    )
    if source == "gsheets" and not gsheets.register:
        raise SettingError(f"{ENV['gsheets_register']}: chưa đặt sổ đăng ký bảng tính (đường "
                           "dẫn bảng tính Google Sheets, mã bảng tính, hoặc tệp .csv)")
    default = ReadLimits()

    def size(name: str, default_bytes: int) -> int:
        return _int(name, given_or(name, default_bytes // MB), 0) * MB

    limits = ReadLimits(
        max_file_bytes=size("read_max_file_mb", default.max_file_bytes),
        max_unpacked_bytes=size("read_max_unpacked_mb", default.max_unpacked_bytes),
        max_rows=_int("read_max_rows", given_or("read_max_rows", default.max_rows), 0),
        max_cells=_int("read_max_cells", given_or("read_max_cells", default.max_cells), 0),
        seconds=_float("read_seconds", given_or("read_seconds", default.seconds)),
        memory_bytes=size("read_memory_mb", default.memory_bytes),
    )
    return RunSettings(
        reports_dir=pick("reports_dir"),
        warehouse=pick("warehouse"),
        output_dir=pick("output_dir"),
        seeds_dir=pick("seeds_dir"),
        source=source,
        gsheets=gsheets,
        limits=limits,
    )


# --- checks made before a run replaces anything ------------------------------------------


def parse_years(text: object, name: str = ENV["year"]) -> list[int]:
    """"2025" → [2025]; "2022-2025" → [2022, 2023, 2024, 2025]; `name` is the setting the
    text came from, named in the error."""
    first, dash, last = str(text).strip().partition("-")
    try:
        start, end = int(first), int(last if dash else first)
    except ValueError:
        raise SettingError(f"{name}: «{text}» không phải năm; dùng một năm như 2024 hoặc "
                           "một khoảng năm như 2022-2025") from None
    if start > end:
        raise SettingError(f"{name}: «{text}»: năm đầu lớn hơn năm cuối; viết như 2022-2025")
    return list(range(start, end + 1))


def years_from(given: str | None, today: date, settings_file: str | Path | None = None,
               ) -> tuple[list[int], str]:
    """The years to run and the setting they came from: `--year`, else HB_YEAR, else the
    settings file's `year`, else the current reporting year."""
    file_name = settings_file or os.environ.get(SETTINGS_FILE_ENV)
    from_file = read_settings_file(Path(file_name).expanduser()) if file_name else {}
    for value, name in ((given, "--year"), (os.environ.get(ENV["year"]), ENV["year"]),
                        (from_file.get("year"), f"year ({SETTINGS_FILE_ENV})")):
        if value is not None and str(value).strip():
            return parse_years(value, name), name
    return [reporting_year(today)], ENV["year"]


def first_registry_year(seeds_dir: Path) -> int:
    """The first year of the registry: the earliest `valid_from` of units.csv."""
    try:
        registry = read_registry(seeds_dir)
    except (OSError, ValueError, KeyError) as exc:
        raise SettingError(f"{ENV['seeds_dir']}: không đọc được danh mục đơn vị trong "
                           f"{seeds_dir} ({type(exc).__name__}: {exc}); chỉ đúng thư mục "
                           "chứa units.csv, activities.csv …") from None
    if not registry.units:
        raise SettingError(f"{ENV['seeds_dir']}: units.csv trong {seeds_dir} không có đơn vị")
    return min(unit.valid_from.year for unit in registry.units)


def check_years(years: list[int], name: str, seeds_dir: Path) -> None:
    """Every year within the registry: from its first year to LAST_YEAR."""
    first = first_registry_year(seeds_dir)
    for year in (years[0], years[-1]):
        if not first <= year <= LAST_YEAR:
            raise SettingError(f"{name}: năm {year} nằm ngoài danh mục: danh mục đơn vị bắt "
                               f"đầu từ năm {first} (units.csv trong {seeds_dir}); chọn năm "
                               f"từ {first} đến {LAST_YEAR}")


def writable_folder(path: Path, name: str, what: str) -> None:
    """`path` is a folder, or can be created as one, and can be written: its nearest
    existing ancestor is a folder this process may write into."""
    existing = path
    while not existing.exists() and existing != existing.parent:
        if existing.is_symlink():  # a dangling link
            break
        existing = existing.parent
    if not existing.is_dir():
        where = "là một tệp" if existing == path else f"nằm dưới tệp {existing}"
        raise SettingError(f"{name}: {what} {path} {where}, không phải thư mục; chọn một "
                           "thư mục khác")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise SettingError(f"{name}: không có quyền ghi vào {existing} ({what} {path}); "
                           "cấp quyền ghi hoặc chọn thư mục khác")


def check_paths(settings: RunSettings, analyst_dir: Path | None = None) -> None:
    """Every folder a run reads or writes is usable, before anything is written: the
    reports folder exists (local source), the seeds can be read, the output, warehouse and
    analysts' folders can be written. Raises `SettingError` naming the setting."""
    if settings.source == "local":
        if not settings.reports_dir.exists():
            raise SettingError(f"{ENV['reports_dir']}: thư mục báo cáo {settings.reports_dir} "
                               "không tồn tại; tạo thư mục (mỗi năm một thư mục con, như "
                               "2024/) hoặc chỉ đúng thư mục bằng --reports-dir")
        if not settings.reports_dir.is_dir():
            raise SettingError(f"{ENV['reports_dir']}: {settings.reports_dir} là một tệp, "
                               "không phải thư mục báo cáo; chỉ đúng thư mục bằng --reports-dir")
    first_registry_year(settings.seeds_dir)
    try:
        read_locality(settings.seeds_dir)
    except LocalityError as exc:
        raise SettingError(f"{ENV['seeds_dir']}: {exc}") from None
    writable_folder(settings.output_dir, ENV["output_dir"], "thư mục kết quả")
    if settings.warehouse.is_dir():
        raise SettingError(f"{ENV['warehouse']}: {settings.warehouse} là một thư mục; chỉ "
                           "đến một tệp .duckdb (như data/warehouse.duckdb)")
    writable_folder(settings.warehouse.parent, ENV["warehouse"], "thư mục của kho dữ liệu")
    if analyst_dir is not None:
        writable_folder(analyst_dir, OPERATIONS_ENV["analyst_dir"],
                        "thư mục bản sao cho người phân tích")


# --- settings read where they are used: environment only -----------------------------------


def _environment(name: str, environ: Mapping[str, str] | None = None) -> str:
    return (os.environ if environ is None else environ).get(name, "").strip()


def analyst_dir(settings: RunSettings) -> Path:
    """Where the analysts' copy goes: HB_ANALYST_DIR, else `analyst/` beside the warehouse."""
    chosen = _environment(OPERATIONS_ENV["analyst_dir"])
    return Path(chosen).expanduser() if chosen else settings.warehouse.parent / "analyst"


def backup_dir(settings: RunSettings, given: str | Path | None = None) -> Path:
    """Where backups go: the given folder, HB_BACKUP_DIR, else `backups/` beside the
    warehouse."""
    chosen = given or _environment(OPERATIONS_ENV["backup_dir"])
    return Path(chosen).expanduser() if chosen else settings.warehouse.parent / "backups"


def backup_keep(given: int | str | None = None) -> int:
    """How many backups to keep: the given number, HB_BACKUP_KEEP, else 30."""
    name = OPERATIONS_ENV["backup_keep"]
    value = given if given not in (None, "") else _environment(name)
    if value in (None, ""):
        return DEFAULT_BACKUP_KEEP
    try:
        keep = int(str(value).strip())
    except ValueError:
        raise SettingError(f"{name}: «{value}» không phải số nguyên") from None
    if keep < 1:
        raise SettingError(f"{name}: phải từ 1 trở lên (đang là {keep})")
    return keep


def failure_notification_block() -> str:
    """The notification block ("type-slug/name") told of failed runs; "" for none."""
    return _environment(OPERATIONS_ENV["failure_notification_block"])


def reminder_notification_block(given: str | None = None) -> str:
    """The notification block the reminders go through: the given one, else
    HB_REMINDER_NOTIFICATION_BLOCK; "" for none (the reminder is only kept as an artifact)."""
    return (given or "").strip() or _environment(OPERATIONS_ENV["reminder_notification_block"])


def _not_negative(key: str, default: float) -> float:
    name = OPERATIONS_ENV[key]
    text = _environment(name)
    try:
        value = float(text) if text else default
    except ValueError:
        value = -1.0
    if not value >= 0:  # negative, or not a number at all (nan)
        raise SettingError(f"{name}: «{text}» không hợp lệ; dùng một số không âm "
                           f"(mặc định {default:g})")
    return value


def results_keep_days() -> float:
    """Days a failed run's persisted results are kept (HB_RESULTS_KEEP_DAYS, default 7)."""
    return _not_negative("results_keep_days", RESULTS_KEEP_DAYS)


def results_max_mb() -> float:
    """Megabytes Prefect's local result storage may hold (HB_RESULTS_MAX_MB, default 200)."""
    return _not_negative("results_max_mb", RESULTS_MAX_MB)


def parse_day(text: str) -> date:
    """"05/12/2025" or "2025-12-05" → date(2025, 12, 5)."""
    text = text.strip()
    try:
        if "/" in text:
            day, month, year = (int(part) for part in text.split("/"))
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"ngày không hợp lệ: «{text}» (viết dd/mm/yyyy hoặc yyyy-mm-dd)") \
            from exc


@dataclass(frozen=True)
class DocumentValues:
    """The clerk's parts of a formal report as the environment gives them (HB_DOC_*)."""

    number: str = ""
    issued_on: date | None = None
    signer: str = ""
    recipients: str | None = None  # ";" or new lines between recipients; None: not set


def document_values(environ: Mapping[str, str] | None = None) -> DocumentValues:
    """HB_DOC_NUMBER, HB_DOC_DATE, HB_DOC_SIGNER, HB_DOC_RECIPIENTS from `environ` (default:
    this process's environment)."""
    day = _environment(DOCUMENT_ENV["issued_on"], environ)
    try:
        issued_on = parse_day(day) if day else None
    except ValueError as exc:
        raise SettingError(f"{DOCUMENT_ENV['issued_on']}: {exc}") from None
    return DocumentValues(number=_environment(DOCUMENT_ENV["number"], environ),
                          issued_on=issued_on,
                          signer=_environment(DOCUMENT_ENV["signer"], environ),
                          recipients=_environment(DOCUMENT_ENV["recipients"], environ) or None)


def smtp_password() -> str:
    """The SMTP password from HB_SMTP_PASSWORD; "" when unset (the command asks for it)."""
    return os.environ.get(SECRET_ENV["smtp_password"], "")


def crash_point_requested(name: str) -> bool:
    """Whether the test harness asks the process to be killed at point `name`."""
    return os.environ.get(TEST_ENV["crash_at"]) == name
