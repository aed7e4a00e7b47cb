"""The command line's own Prefect server starts as the command's first step
(core.runtime.start_server_early), and a run that waits for the warehouse lock holds no
server while it waits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

from tests.processes import MARKER, marked_processes


def _until(condition, seconds: float):
    deadline = time.monotonic() + seconds
    while not (found := condition()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def test_the_server_starts_first_and_a_run_waiting_for_the_lock_stops_it(tmp_path,
                                                                         small_registry):
    """With no PREFECT_API_URL the command's server process exists before the command has
    printed anything; once the command says it waits for the warehouse, the command is its
    only process left."""
    warehouse = tmp_path / "w.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom pathlib import Path\nfrom warehouse.lock "
         "import warehouse_lock\nwith warehouse_lock(Path(sys.argv[1])):\n"
         "    print('held', flush=True)\n    time.sleep(120)\n", str(warehouse)],
        stdout=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=os.getcwd()))
    marker = uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env |= {"PYTHONPATH": os.getcwd(), "PREFECT_HOME": str(tmp_path / "prefect-home"),
            MARKER: marker}
    command = None
    try:
        assert "held\n" == holder.stdout.readline()
        (tmp_path / "reports" / "2024").mkdir(parents=True)
        command = subprocess.Popen(
            [sys.executable, "-m", "flows.annual_report", "--year", "2024", "--reports-dir",
             str(tmp_path / "reports"), "--warehouse", str(warehouse), "--output-dir",
             str(tmp_path / "out"), "--seeds-dir", str(small_registry)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        server = _until(lambda: [c for c in marked_processes(marker).values() if "--die-with" in c
                                 or "uvicorn" in c], 30)
        first_line = command.stdout.readline()
        alone = _until(lambda: list(marked_processes(marker)) == [command.pid], 10)
    finally:
        for process in (command, holder):
            if process is not None:
                process.kill()
                process.wait()
        for pid in marked_processes(marker):  # fail, but leave nothing running on the machine
            os.kill(pid, signal.SIGKILL)
    assert (1, True, True) == (len(server), first_line.startswith(
        f"Đang chờ kho dữ liệu {warehouse}: tiến trình {holder.pid} "), alone), first_line
