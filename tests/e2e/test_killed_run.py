"""A command-line run killed with SIGKILL (during the pull, the load, the publishing) leaves
no process behind, its own Prefect server included; every output is the previous file or a
complete new one; the next run removes the leftovers and gives the marts of a clean run."""

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import duckdb
import pytest
from docx import Document
from openpyxl import load_workbook

from tests.processes import MARKER, marked_processes
from tests.runs import marts
from tests.workbooks import report_workbook

ACTIVITY = {"activity_code": "1a", "description": "Mít tinh", "form": "Khác",
            "audience": "Người dân, cộng đồng", "sessions": 2, "is_law_dissemination": "Có"}
REPORTS = ("bao-cao-2024.md", "bao-cao-2024.xlsx", "bao-cao-2024.docx", "bao-cao-2024.html",
           "phu-luc-2024.xlsx")


def _run_processes(marker: str) -> list[str]:
    """The run and everything it started, still living: "pid command" each."""
    return [f"{pid} {command}" for pid, command in marked_processes(marker).items()]


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


@pytest.fixture(scope="module")
def place(tmp_path_factory, small_registry, prefect_api):
    root = tmp_path_factory.mktemp("killed")
    for unit in ("LDTBXH", "VHTT", "P-MINHKHAI"):
        report_workbook(root / "reports" / "2024" / f"{unit}.xlsx", unit, 2024,
                        activities=[ACTIVITY])
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env |= {"PYTHONPATH": os.getcwd(), "PREFECT_HOME": str(root / "prefect-home"),
            "HB_ANALYST_DIR": str(root / "analyst")}
    return root, env, small_registry, prefect_api


def _cli(place, warehouse: str, out: str, crash: str | None = None, own_server: bool = True):
    """Run the command, without PREFECT_API_URL (so with its own temporary server) unless
    `own_server` is False; return (completed process, processes of the run still alive
    5 s after it ended)."""
    root, env, seeds, api_url = place
    marker = uuid.uuid4().hex
    run_env = env | {MARKER: marker}
    if not own_server:
        run_env["PREFECT_API_URL"] = api_url
    if crash:
        run_env["PIPELINE_CRASH_AT"] = crash
    command = [sys.executable, "-m", "flows.annual_report", "--year", "2024", "--reports-dir",
               str(root / "reports"), "--warehouse", str(root / warehouse), "--output-dir",
               str(root / out), "--seeds-dir", str(seeds)]
    # output to files, not pipes: a process left behind would hold a pipe open
    with tempfile.TemporaryFile("w+") as out_file, tempfile.TemporaryFile("w+") as err_file:
        process = subprocess.Popen(command, env=run_env, stdout=out_file, stderr=err_file,
                                   text=True)
        process.wait(timeout=400)
        out_file.seek(0)
        err_file.seek(0)
        done = subprocess.CompletedProcess(command, process.returncode, out_file.read(),
                                           err_file.read())
    deadline = time.monotonic() + 5
    while (left := _run_processes(marker)) and time.monotonic() < deadline:
        time.sleep(0.2)
    for line in left:  # fail, but leave nothing running on the machine
        os.kill(int(line.split()[0]), signal.SIGKILL)
    return done, left


def _outputs(root: Path) -> dict[str, bytes]:
    files = [root / "out" / "2024" / name for name in REPORTS]
    files += [root / "analyst" / "warehouse.duckdb", root / "analyst" / "DATA_DICTIONARY.md"]
    files += sorted((root / "analyst" / "marts").glob("*.parquet"))
    return {str(f.relative_to(root)): f.read_bytes() for f in files}


def _complete(path: Path) -> None:
    """Open the file as its reader would (raises when it is cut short)."""
    if path.suffix == ".xlsx":
        load_workbook(path, read_only=True).close()
    elif path.suffix == ".docx":
        Document(str(path))
    elif path.suffix == ".duckdb":
        with duckdb.connect(str(path), read_only=True) as con:
            con.execute("select count(*) from marts.submission_status").fetchone()
    elif path.suffix == ".parquet":
        duckdb.sql(f"select count(*) from read_parquet('{path.as_posix()}')").fetchall()
    elif path.suffix == ".html":
        assert path.read_text(encoding="utf-8").rstrip().endswith("</html>")
    else:
        assert path.read_text(encoding="utf-8").strip()


def _temporaries(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for folder in (root / "out" / "2024", root / "analyst")
                  for p in folder.iterdir() if p.name.startswith("."))


def _marts(warehouse: Path) -> dict[str, list]:
    """Every mart, without the columns that hold the time of a fetch."""
    return marts(warehouse, leave_out=lambda column: column.endswith("_at"))


def test_sigkill_at_any_point_leaves_no_process_no_half_file(place):
    """SIGKILL during the pull, the load and the writing of the appendix: exit -9, nothing
    of the run left running (its temporary Prefect server included: 0 processes carry the
    run's marker), each output byte-identical to the previous run's or opening whole; the
    appendix killed before its rename is still the previous one. The next run removes the
    temporaries of dead processes (old names included, a living process's kept), the
    result storage holds no file, and the marts equal those of a clean run."""
    root = place[0]
    first, left = _cli(place, "w.duckdb", "out", own_server=False)
    assert (0, []) == (first.returncode, left), first.stderr
    before = _outputs(root)
    report_workbook(root / "reports" / "2024" / "P-HALY.xlsx", "P-HALY", 2024,
                    activities=[ACTIVITY])

    for point in ("pull", "load", "write:phu-luc-2024.xlsx"):
        killed, left = _cli(place, "w.duckdb", "out", crash=point)
        assert (-9, []) == (killed.returncode, left), (point, killed.stderr)
        now = _outputs(root)
        assert before.keys() == now.keys()
        for name, content in now.items():
            if content != before[name]:
                _complete(root / name)
        if point != "write:phu-luc-2024.xlsx":
            assert before == now, point  # killed before publishing: all previous files
    assert before["out/2024/phu-luc-2024.xlsx"] == now["out/2024/phu-luc-2024.xlsx"]
    assert before["out/2024/bao-cao-2024.md"] != now["out/2024/bao-cao-2024.md"]
    left_behind = _temporaries(root)
    assert 1 == len(left_behind) and left_behind[0].startswith("out/2024/.phu-luc-2024.xlsx.")

    dead, alive = _dead_pid(), os.getpid()
    legacy = [root / "analyst" / f".warehouse-{dead}.duckdb.tmp",
              root / "analyst" / f".marts-{alive}.tmp"]
    legacy[0].write_bytes(b"half a copy")
    (root / "analyst" / f".marts-{dead}.tmp").mkdir()
    legacy[1].mkdir()

    final, left = _cli(place, "w.duckdb", "out")
    assert (0, []) == (final.returncode, left), final.stderr
    assert [f"analyst/.marts-{alive}.tmp"] == _temporaries(root)
    for name in _outputs(root):
        _complete(root / name)
    storage = root / "prefect-home" / "storage"
    assert [] == (sorted(storage.rglob("*")) if storage.exists() else [])

    clean, left = _cli(place, "clean.duckdb", "clean-out", own_server=False)
    assert (0, []) == (clean.returncode, left), clean.stderr
    assert _marts(root / "clean.duckdb") == _marts(root / "w.duckdb")
    assert ["LDTBXH", "P-HALY", "P-MINHKHAI", "VHTT"] == [
        row[1] for row in _marts(root / "w.duckdb")["submission_status"]]
