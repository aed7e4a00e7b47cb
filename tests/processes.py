"""The processes a test's command started, found by a marker in their environment: the
command is given MARKER=<a fresh value>, and everything it starts inherits it."""

from __future__ import annotations

from pathlib import Path

MARKER = "HB_TEST_RUN_MARKER"


def marked_processes(marker: str) -> dict[int, str]:
    """Living processes (zombies aside) whose environment carries MARKER=marker: pid →
    command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rpartition(")")[2].split()[0]
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if f"{MARKER}={marker}".encode() in environ and state != "Z":
            found[int(entry.name)] = command
    return found
