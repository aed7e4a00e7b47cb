"""The process around a command-line run (core.runtime): Prefect's settings for it, and its
end without the interpreter's teardown (exit_after_run): its exit code, its output and every
exit handler as with sys.exit, and nothing torn down after."""

from __future__ import annotations

import os
import subprocess
import sys

from core.runtime import command_line_settings

CHILD = """
import atexit
import sys

from core.runtime import configure_environment, exit_after_run

configure_environment()


class Torn:
    def __del__(self):
        sys.stderr.write("torn down\\n")


kept = Torn()  # freed only by the teardown of this module
atexit.register(lambda: sys.stdout.write("handler ran\\n"))
sys.stdout.write("the run's last line\\n")  # still in the buffer when the process ends
{end}
"""


def _run(end: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    return subprocess.run([sys.executable, "-c", CHILD.format(end=end)], env=env,
                          capture_output=True, text=True, timeout=60)


def test_exit_after_run_keeps_code_output_and_handlers_and_skips_the_teardown():
    """Exit code 3, the buffered line and the exit handler's line on stdout; the module's
    object is never freed (sys.exit, below, frees it)."""
    done = _run("exit_after_run(3)")
    assert (3, "the run's last line\nhandler ran\n", "") == (
        done.returncode, done.stdout, done.stderr)


def test_plain_sys_exit_still_tears_down():
    """The same process ended by sys.exit(3): the teardown frees the object."""
    done = _run("sys.exit(3)")
    assert (3, "the run's last line\nhandler ran\n", "torn down\n") == (
        done.returncode, done.stdout, done.stderr)


def test_command_line_runs_persist_no_results_and_send_no_heartbeats_unless_set():
    """Prefect's defaults: results persisted, a heartbeat every 180 s; a command-line run:
    neither; an operator's own heartbeat frequency (60 s) is kept."""
    from prefect.settings import get_current_settings, temporary_settings

    def current() -> tuple[bool, int | None]:
        settings = get_current_settings()
        return settings.results.persist_by_default, settings.flows.heartbeat_frequency

    outside = current()
    with command_line_settings():
        inside = current()
    with temporary_settings({"flows.heartbeat_frequency": 60}), command_line_settings():
        operator = current()
    assert ((True, 180), (False, None), (False, 60)) == (outside, inside, operator)


SERVER_CHILD = """
from core.runtime import configure_environment, start_temporary_server, stop_server

configure_environment()
process, url = start_temporary_server()
print(url.startswith("http://127.0.0.1:"))
stop_server(process)
"""


def test_the_temporary_server_writes_its_console_to_a_log_not_to_the_runs(tmp_path):
    """A command-line run's own Prefect server: what it prints goes to
    PREFECT_HOME/temporary-server.log, so the run's console holds the run's lines only (a
    server stopped while flushing an event logs a traceback)."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env |= {"PYTHONPATH": os.getcwd(), "PREFECT_HOME": str(tmp_path / "home")}
    done = subprocess.run([sys.executable, "-c", SERVER_CHILD], env=env, capture_output=True,
                          text=True, timeout=180)
    assert (0, "True\n", "") == (done.returncode, done.stdout, done.stderr)
    assert (tmp_path / "home" / "temporary-server.log").is_file()
