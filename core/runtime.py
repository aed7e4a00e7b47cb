"""The process around a run: defaults set before Prefect or GX is imported (no telemetry,
no network, Prefect's state kept in the project folder, a quiet console, libraries no stage
uses left unloaded), the bounds of Prefect's local result storage, and a temporary Prefect
server that dies with its run."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from core.settings import crash_point_requested, results_keep_days, results_max_mb

PROJECT_DIR = Path(__file__).resolve().parent.parent

DEFAULTS = {
    "PREFECT_HOME": str(PROJECT_DIR / ".prefect"),
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "GX_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_LOGGING_SETTINGS_PATH": str(PROJECT_DIR / "flows" / "logging.yml"),
    "PREFECT_UI_ENABLED": "false",
    "TQDM_DISABLE": "1",
    # Completed tasks keep their results, so a flow run retried from the UI resumes
    # where it failed instead of redoing every stage.
    "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "true",
}


# Great Expectations imports every expectation it ships as it loads, and three of their
# modules import, at their top, libraries that only those expectations use when they run:
# scipy.stats (distribution tests) and altair (their charts), 1.5 s of GX's 4 s of CPU on
# this machine. No expectation of ours uses either.
DEFERRED_MODULES = frozenset({"scipy.stats", "altair"})


class _DeferredImports(importlib.abc.MetaPathFinder):
    """Each module of DEFERRED_MODULES is created as an empty lazy module
    (importlib.util.LazyLoader) that runs its code on its first attribute use: code that
    uses it gets the whole module, later. Python 3.11's lazy module is not safe for two
    threads using it for the first time at once: none of our stages uses these two."""

    def find_spec(self, name, path, target=None):
        if name not in DEFERRED_MODULES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or not hasattr(spec.loader, "exec_module"):
            return None  # not installed, or not plain files: the usual import (or error)
        spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


def defer_unused_imports() -> None:
    """Load DEFERRED_MODULES only when they are used (once per process)."""
    if not any(isinstance(finder, _DeferredImports) for finder in sys.meta_path):
        sys.meta_path.insert(0, _DeferredImports())


def configure_environment() -> None:
    """Set each default unless the operator has set it. These are Prefect's, GX's and
    tqdm's own variables, set here for them to read (the pipeline's are read in
    core.settings). Also defer the imports no stage uses (DEFERRED_MODULES), and get ready
    to end a command without the interpreter's teardown (`exit_after_run`)."""
    for name, value in DEFAULTS.items():
        os.environ.setdefault(name, value)
    defer_unused_imports()
    if not _teardown_skip_ready:
        _get_ready_to_skip_teardown()


# --- the end of a command-line run -------------------------------------------------------
#
# When a command's work is done, Python still tears the interpreter down: it empties every
# module and frees what they hold, one object at a time (Prefect, GX, pandas, matplotlib:
# about a second of CPU, longer on a busy machine), and none of it is needed by a process
# that is about to end. `exit_after_run` ends it as `sys.exit` does (Prefect's log and
# event workers drained, threads joined, every exit handler run) and then leaves at once.
# The handler that leaves is registered as the first of the process (`configure_environment`
# is called before any library is imported), so it runs after all the others.

_teardown_skip_ready = False
_exit_code: int | None = None


def _get_ready_to_skip_teardown() -> None:
    import atexit

    global _teardown_skip_ready
    atexit.register(_leave_without_teardown)
    _teardown_skip_ready = True


def _leave_without_teardown() -> None:
    """The last exit handler: leave now when `exit_after_run` asked for it."""
    if _exit_code is None:
        return
    if "logging" in sys.modules:  # its own exit handler may be registered before this one
        sys.modules["logging"].shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):  # no stream, or a closed one
            pass
    os._exit(_exit_code)


def exit_after_run(code: int):
    """End a command with `code` as `sys.exit(code)` would, without the interpreter's
    teardown (see above); a plain `sys.exit` where the process is not ready for that."""
    global _exit_code
    if _teardown_skip_ready:
        _exit_code = code
    sys.exit(code)


def crash_point(name: str) -> None:
    """Kill the process here (SIGKILL) when the test harness asks for it (PIPELINE_CRASH_AT,
    core.settings.TEST_ENV)."""
    if crash_point_requested(name):
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


# --- Prefect's local result storage ------------------------------------------------------
#
# Results are persisted only so that the UI's Retry on a failed run resumes (the default
# cache policy keys each result on the flow run, so no other run reuses it). They hold
# copies of submitted data (parsed rows, marts): a completed run's results are deleted when
# it completes, and at each start results older than HB_RESULTS_KEEP_DAYS (a failed run
# not retried by then) go, then the oldest until the folder is under HB_RESULTS_MAX_MB.

def result_limits() -> tuple[float, int]:
    """(seconds a result is kept, bytes the storage may hold), from the settings."""
    return results_keep_days() * 86400.0, int(results_max_mb() * 1024 * 1024)


def local_result_storage() -> Path | None:
    """The folder Prefect writes results to, None when results go to a storage block."""
    from prefect.settings import get_current_settings

    results = get_current_settings().results
    if results.default_storage_block:
        return None
    return Path(results.local_storage_path).expanduser()


def prune_result_storage(storage: Path, keep_seconds: float, max_bytes: int,
                         now: float) -> list[Path]:
    """Remove result files older than `keep_seconds`, then the oldest until the folder
    holds at most `max_bytes`; return the removed files."""
    if not storage.is_dir():
        return []
    files = []
    for path in storage.rglob("*"):
        try:
            stat = path.lstat()
        except FileNotFoundError:
            continue
        if path.is_file() or path.is_symlink():
            files.append((stat.st_mtime, stat.st_size, path))
    files.sort()
    total = sum(size for _, size, _ in files)
    removed = []
    for modified_at, size, path in files:
        if now - modified_at <= keep_seconds and total <= max_bytes:
            break
        path.unlink(missing_ok=True)
        total -= size
        removed.append(path)
    return removed


def forget_flow_run_results(flow_run_id, storage: Path, settle_seconds: float = 15.0
                            ) -> list[Path]:
    """Delete the stored task results of one flow run (read from the API: each task run's
    final state names its result file); only files inside `storage` are touched. The
    server records a task run's states from events, a moment after the engine sends them:
    while a task run still shows a state that is not final, it is read again (for at most
    `settle_seconds`), so that the last task's result is not missed."""
    import time

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    deadline = time.monotonic() + settle_seconds
    with get_client(sync_client=True) as client:
        while True:
            task_runs = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
            if (all(t.state is not None and t.state.is_final() for t in task_runs)
                    or time.monotonic() > deadline):
                break
            time.sleep(0.25)
    root = storage.resolve()
    removed = []
    for task_run in task_runs:
        data = getattr(task_run.state, "data", None)
        key = getattr(data, "storage_key", None) or (
            data.get("storage_key") if isinstance(data, dict) else None)
        if not key:
            continue
        path = (root / key).resolve()
        if path.is_relative_to(root) and path.is_file():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


# --- the temporary Prefect server of a command-line run -------------------------------
#
# Without PREFECT_API_URL, Prefect starts a temporary server itself (SubprocessASGIServer:
# `python -m uvicorn … prefect.server.api.server:create_app` in a plain subprocess, stopped
# by an atexit hook). A run killed with SIGKILL, or by the out-of-memory killer, never runs
# that hook and the server stays behind, orphaned. So a command-line run starts the same
# server itself, through `python -m core.runtime --die-with <pid> -- <command>`: that small
# step asks Linux to kill it when its parent dies (prctl PR_SET_PDEATHSIG, kept across
# exec), checks that the parent is still there, then becomes the server. However the run
# ends, its server ends with it.

PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int, command: list[str]) -> None:
    """Become `command`, to be killed when process `parent_pid` (our parent) dies."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: nothing to ask for
        pass
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)
    os.execv(command[0], command)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_command(port: int) -> list[str]:
    prefect_dir = Path(importlib.util.find_spec("prefect").origin).parent  # not imported
    return [sys.executable, "-m", "core.runtime", "--die-with", str(os.getpid()), "--",
            sys.executable, "-m", "uvicorn", "--app-dir", str(prefect_dir.parent),
            "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1",
            "--port", str(port), "--log-level", "error", "--lifespan", "on"]


def _server_environment(settings: dict[str, str]) -> dict[str, str]:
    """The server's environment: this process's, with Prefect's variables for a server and
    `settings` (Prefect's settings as variables)."""
    env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
           "PREFECT__SERVER_FINAL": "1", **settings,
           "PYTHONPATH": os.pathsep.join(filter(None, (str(PROJECT_DIR),
                                                        os.environ.get("PYTHONPATH"))))}
    env.pop("PREFECT_API_URL", None)
    return env


def _healthy(url: str) -> bool:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
            return answer.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _server_output() -> Path:
    """Where the temporary server writes its console: a log file in PREFECT_HOME, not the
    run's console. Stopped at the end of a run, the server may still be flushing an event
    (Prefect's task-run recorder logs a CancelledError traceback then), and the run's
    console is the short Vietnamese summary, nothing else."""
    home = Path(os.environ.get("PREFECT_HOME") or PROJECT_DIR / ".prefect").expanduser()
    home.mkdir(parents=True, exist_ok=True)
    return home / "temporary-server.log"


def _start_server_process(port: int, env: dict[str, str], cwd: Path | None):
    import subprocess

    with _server_output().open("ab") as log:  # the child keeps its own copy of the file
        return subprocess.Popen(_server_command(port), env=env, cwd=cwd, stdout=log,
                                stderr=subprocess.STDOUT)


def start_temporary_server():
    """Start Prefect's temporary server as a child that dies with this process; return
    (process, API URL) once it answers."""
    import time

    from prefect.settings import get_current_settings

    settings = get_current_settings()
    env = _server_environment(settings.to_environment_variables(exclude_unset=True))
    deadline = time.monotonic() + settings.server.ephemeral.startup_timeout_seconds
    while True:
        port = _free_port()
        url = f"http://127.0.0.1:{port}/api"
        process = _start_server_process(port, env, PROJECT_DIR)
        while process.poll() is None and time.monotonic() < deadline:
            if _healthy(url):
                return process, url
            time.sleep(0.2)
        if process.poll() == 3 and time.monotonic() < deadline:  # port taken meanwhile
            continue
        stop_server(process)
        raise RuntimeError("máy chủ Prefect tạm thời không khởi động được (mã thoát "
                           f"{process.returncode}; nhật ký: {_server_output()}); đặt "
                           "PREFECT_API_URL để dùng máy chủ Prefect riêng")


# A command-line run starts that server as its first step, while its own modules are still
# being imported (about 2.5 s of the server's 6-8 s start): `start_server_early`, when no
# PREFECT_API_URL is set in the environment. It is the same command with the same
# settings: started before Prefect is imported, it cannot be handed Prefect's settings as
# variables as `start_temporary_server` does, so it runs in this process's folder and reads
# the same profile and settings files itself. Once Prefect's settings are known
# (`prefect_api`), the run uses it, or stops it when a profile names a server; a run that
# waits for the warehouse lock stops it too (`stop_early_server`: a waiting run holds
# nothing).

_early_server: tuple[object, str] | None = None  # (process, API URL)


def start_server_early(argv: list[str]) -> None:
    """Start the temporary server of a command-line run now (see above), unless a server
    is configured in the environment or the command only asks for its help."""
    global _early_server
    if os.environ.get("PREFECT_API_URL") or {"-h", "--help"} & set(argv):
        return
    try:
        port = _free_port()
        process = _start_server_process(port, _server_environment({}), None)
    except OSError:  # the run starts its server later, the usual way
        return
    _early_server = (process, f"http://127.0.0.1:{port}/api")


def stop_early_server() -> None:
    global _early_server
    if _early_server is not None:
        stop_server(_early_server[0])
        _early_server = None


def _early_server_answering(timeout: float):
    """(process, URL) of the early server once it answers; None when there is none or it
    ended (a port taken meanwhile, say): the run then starts one the usual way."""
    import time

    global _early_server
    if _early_server is None:
        return None
    process, url = _early_server
    _early_server = None
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if _healthy(url):
            return process, url
        time.sleep(0.1)
    stop_server(process)
    return None


def stop_server(process) -> None:
    import subprocess

    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def prefect_api(while_starting: Callable[[], object] | None = None) -> Iterator[str | None]:
    """The Prefect API a command-line run uses: PREFECT_API_URL when set (a running
    server: nothing to start), else a temporary server of this process's own (see above),
    stopped on the way out. `while_starting` (imports the run will need) runs in a thread
    while that server starts, so that the two use both cores."""
    from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

    settings = get_current_settings()
    if PREFECT_API_URL.value() or not settings.server.ephemeral.enabled:
        stop_early_server()  # a profile names the server to use
        yield PREFECT_API_URL.value()
        return
    import threading

    import prefect.context
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    warming = threading.Thread(target=_quietly, args=(while_starting,), daemon=True)
    if while_starting is not None:
        warming.start()
    timeout = settings.server.ephemeral.startup_timeout_seconds
    process, url = _early_server_answering(timeout) or start_temporary_server()
    if while_starting is not None:
        warming.join()
    try:
        with temporary_settings({PREFECT_API_URL: url}):
            # threads that start with no settings of their own (the log and event
            # workers) read the process-global ones: point them at this server too, as
            # Prefect's own test harness does
            global_context = getattr(prefect.context, "_temporary_global_settings_context",
                                     None)
            context = prefect.context.get_settings_context()
            with global_context(context) if global_context else nullcontext():
                try:
                    yield url
                finally:  # send the last logs and events while the server still answers
                    APILogWorker.drain_all(timeout=10)
                    EventsWorker.drain_all(timeout=10)
    finally:
        stop_server(process)


@contextmanager
def command_line_settings() -> Iterator[None]:
    """Prefect's settings for a run started from the command line. Results are not
    persisted: only a deployment's run can be retried from the UI. No heartbeats (unless
    the operator sets their frequency): they serve to find deployment runs whose worker
    died, and a run waits up to 1 s at its end for Prefect's heartbeat thread to wake from
    its sleep."""
    from prefect.settings import PREFECT_RESULTS_PERSIST_BY_DEFAULT, temporary_settings

    with temporary_settings({PREFECT_RESULTS_PERSIST_BY_DEFAULT: False},
                            set_defaults={"flows.heartbeat_frequency": None}):
        yield


def _quietly(work: Callable[[], object] | None) -> None:
    """Run `work`, a head start only: a failure shows again where the run needs it."""
    try:
        if work is not None:
            work()
    except Exception:
        pass


if __name__ == "__main__":
    import sys

    # python -m core.runtime --die-with <pid> -- <command …>
    if sys.argv[1:2] == ["--die-with"] and sys.argv[3:4] == ["--"] and len(sys.argv) > 4:
        die_with_parent(int(sys.argv[2]), sys.argv[4:])
    sys.exit("usage: python -m core.runtime --die-with <pid> -- <command …>")


@contextmanager
def cycles_not_collected() -> Iterator[None]:
    """Python's cycle collector paused while a stage makes a great many small objects that
    form no cycles (a year's parsed records, a site's pages): each collection they set off
    would walk the whole heap (GX, pandas, Prefect) and free nothing. Garbage made meanwhile
    is collected as usual once it is back on."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def heap_frozen() -> Iterator[None]:
    """What is on the heap now left out of the cycle collections that later work sets off
    (GX's many short-lived objects over a year's parsed records); unfrozen afterwards."""
    import gc

    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
