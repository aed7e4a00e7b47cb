"""The one place the source is chosen: `implementation(settings)` maps `settings.source`
to the classes that read the reports (`sources.base.Source`) and write results back
(`sources.write_back.WriteBack`). Adding a source means one implementation of each and one
entry here (and its name in `core.settings.SOURCES`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.settings import RunSettings
from sources.base import Source
from sources.write_back import WriteBack


@dataclass(frozen=True)
class Implementation:
    name: str  # the setting's value (HB_SOURCE)
    open_source: Callable[..., Source]  # (settings, api=None): the reader of reports
    open_write_back: Callable[..., WriteBack]  # (settings, api=None): results written back
    reads_folder: bool  # the reports folder is read (and must exist)
    access_problem: Callable[[RunSettings], str | None]  # why it cannot be reached, if so


def _local_source(settings: RunSettings, api: Any = None) -> Source:
    from sources.local import FolderSource

    return FolderSource(settings.reports_dir, settings.limits)


def _local_write_back(settings: RunSettings, api: Any = None) -> WriteBack:
    from sources.write_back import NoWriteBack

    return NoWriteBack("không dùng Google Sheets hoặc đã tắt phản hồi")


def _no_problem(settings: RunSettings) -> str | None:
    return None


def _sheets_key_problem(settings: RunSettings) -> str | None:
    """A service-account key that cannot work, said in one line before any run starts."""
    from sources.gsheets import CredentialError, check_credentials

    try:
        check_credentials(settings.gsheets)
    except CredentialError as exc:
        return f"Không dùng được khóa Google: {exc}"
    return None


def _sheets_source(settings: RunSettings, api: Any = None) -> Source:
    from sources.gsheets_source import SheetsSource  # gspread: imported only when used

    return SheetsSource.open(settings, api)


def _sheets_write_back(settings: RunSettings, api: Any = None) -> WriteBack:
    from sources.gsheets_write_back import SheetsWriteBack

    return SheetsWriteBack(settings, api)


IMPLEMENTATIONS = {
    "local": Implementation("local", _local_source, _local_write_back, reads_folder=True,
                            access_problem=_no_problem),
    "gsheets": Implementation("gsheets", _sheets_source, _sheets_write_back,
                              reads_folder=False, access_problem=_sheets_key_problem),
}


def implementation(settings: RunSettings) -> Implementation:
    """The implementation of the settings' source."""
    return IMPLEMENTATIONS[settings.source]
