"""A local Google Sheets v4 + Drive v3 emulator for tests and demos.

The real gspread client talks to it over HTTP on 127.0.0.1; each spreadsheet is an
`<id>.xlsx` file in a folder. Faults (429, 5xx, 403, 404, delays, truncated bodies) can be
injected per spreadsheet, and every request is logged by kind.

    with running_emulator(tmp_path) as emu:
        emu.add_spreadsheet("unit-1", "report.xlsx", title="LDTBXH 2025", parents=["f1"])
        emu.inject("unit-1", Fault.rate_limited(retry_after=1))
        ...  # point the client at emu.base_url
        assert emu.count("sheets.values.batchGet") == 2

From a shell: `python -m tests.emulator --data DIR [--port 8765]`.
"""

from .faults import ANY, DRIVE_LISTING, Fault
from .requestlog import RequestRecord
from .routes import ACCESS_TOKEN, KINDS
from .server import Emulator, running_emulator
from .store import SPREADSHEET_MIME, FileInfo

__all__ = [
    "ACCESS_TOKEN",
    "ANY",
    "DRIVE_LISTING",
    "KINDS",
    "SPREADSHEET_MIME",
    "Emulator",
    "Fault",
    "FileInfo",
    "RequestRecord",
    "running_emulator",
]
