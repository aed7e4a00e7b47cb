"""A real Prefect service on this machine: server and UI on 127.0.0.1, the process work
pool, every deployment of prefect.yaml, and a worker running in the project folder.

    python -m flows.serve start [--port 4200]    (make serve)
    python -m flows.serve stop                   (make stop)
    python -m flows.serve deploy                 (work pool + prefect.yaml on PREFECT_API_URL;
                                                  the production worker unit runs it first)

Basic auth: set PREFECT_SERVER_API_AUTH_STRING="user:password" before `start`; the UI then
asks for that string, and the same value is given to the deploy step and the worker as
PREFECT_API_AUTH_STRING (do not set PREFECT_API_KEY: it overrides the auth string and gives
401s). Pipeline runs outside the service keep the UI off (core/runtime.py).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from core.runtime import PROJECT_DIR, configure_environment

WORK_POOL = "hongbang"


@dataclass(frozen=True)
class Service:
    api_url: str
    server_pid: int
    worker_pid: int
    home: Path


def _env(home: Path, api_url: str | None = None) -> dict[str, str]:
    configure_environment()
    # the children's environment: ours (the pipeline's settings pass through unread), with
    # Prefect's own variables set for the server and the worker
    env = dict(os.environ)
    env["PREFECT_HOME"] = str(home)
    env["PYTHONPATH"] = str(PROJECT_DIR)
    if api_url:
        env["PREFECT_API_URL"] = api_url
    if auth := env.get("PREFECT_SERVER_API_AUTH_STRING"):
        env["PREFECT_API_AUTH_STRING"] = auth
    return env


def _server_env(home: Path, api_url: str) -> dict[str, str]:
    """The server's environment: the UI on, and told where its API is (it would otherwise
    call port 4200 whatever port the server listens on)."""
    env = _env(home)
    env["PREFECT_UI_ENABLED"] = "true"
    env["PREFECT_UI_API_URL"] = api_url
    return env


def _prefect(*args: str) -> list[str]:
    return [sys.executable, "-m", "prefect", *args]


def wait_healthy(api_url: str, timeout: float = 180.0) -> None:
    """Wait until the server answers its health check."""
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(f"{api_url}/health")
    # Prefect's own variable: the server we started checks it, so our health check sends it
    if auth := os.environ.get("PREFECT_SERVER_API_AUTH_STRING"):
        import base64

        token = base64.b64encode(auth.encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise TimeoutError(f"Prefect server at {api_url} not healthy after {timeout:.0f} s")


def deploy(env: dict[str, str], log=None) -> None:
    """Create the process work pool and deploy every deployment of prefect.yaml."""
    for command in (
        _prefect("work-pool", "create", WORK_POOL, "--type", "process", "--overwrite"),
        _prefect("--no-prompt", "deploy", "--all"),
    ):
        subprocess.run(command, env=env, cwd=PROJECT_DIR, check=True, stdout=log,
                       stderr=subprocess.STDOUT if log else None)


def start(home: Path, port: int, logs: Path) -> Service:
    """Start the server, create the pool, deploy prefect.yaml, start a worker."""
    home.mkdir(parents=True, exist_ok=True)
    logs.mkdir(parents=True, exist_ok=True)
    api_url = f"http://127.0.0.1:{port}/api"
    server = subprocess.Popen(
        _prefect("server", "start", "--host", "127.0.0.1", "--port", str(port)),
        env=_server_env(home, api_url), cwd=PROJECT_DIR, stdout=(logs / "server.log").open("w"),
        stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_healthy(api_url)
        env = _env(home, api_url)
        with (logs / "deploy.log").open("a") as log:
            deploy(env, log)
        worker = subprocess.Popen(
            _prefect("worker", "start", "--pool", WORK_POOL, "--type", "process"),
            env=env, cwd=PROJECT_DIR, stdout=(logs / "worker.log").open("w"),
            stderr=subprocess.STDOUT, start_new_session=True)
    except BaseException:
        os.killpg(server.pid, signal.SIGTERM)
        raise
    return Service(api_url, server.pid, worker.pid, home)


def _reap(pid: int) -> None:
    """Collect an exited child: when this process started the service (the tests do), the
    child stays a zombie, and its process group alive, until it is waited for."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:  # not our child (`make stop`), or already collected
        pass


def stop(service: Service) -> None:
    """Stop the worker, then the server (their whole process groups)."""
    for pid in (service.worker_pid, service.server_pid):
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
    for pid in (service.worker_pid, service.server_pid):
        for _ in range(30):
            _reap(pid)
            try:
                os.killpg(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.5)
        else:
            os.killpg(pid, signal.SIGKILL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flows.serve", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("start", "stop", "deploy"))
    parser.add_argument("--port", type=int, default=4200)
    parser.add_argument("--home", type=Path, default=PROJECT_DIR / ".prefect" / "service")
    args = parser.parse_args(argv)
    state_file = args.home / "service.json"
    if args.action == "deploy":
        return deploy_to_configured_server()
    if args.action == "start":
        service = start(args.home, args.port, args.home / "logs")
        state_file.write_text(json.dumps({**service.__dict__, "home": str(service.home)}))
        print(f"Giao diện Prefect: {service.api_url.removesuffix('/api')}")
        if os.environ.get("PREFECT_SERVER_API_AUTH_STRING"):  # Prefect's: log-in or not
            print("  Đăng nhập bằng chuỗi PREFECT_SERVER_API_AUTH_STRING (tên:mật khẩu).")
        else:
            print("  Không cần đăng nhập; để bật: đặt PREFECT_SERVER_API_AUTH_STRING=tên:mật khẩu "
                  "trước make serve.")
        print(f"  Worker đang chạy (nhật ký: {args.home / 'logs'}). Dừng: make stop")
        return 0
    if not state_file.exists():
        print("Không có dịch vụ nào đang chạy.")
        return 0
    saved = json.loads(state_file.read_text())
    stop(Service(saved["api_url"], saved["server_pid"], saved["worker_pid"],
                 Path(saved["home"])))
    state_file.unlink()
    print("Đã dừng máy chủ và worker Prefect.")
    return 0


def deploy_to_configured_server() -> int:
    """Deploy to the server named by PREFECT_API_URL once it answers (the production
    worker unit runs this before the worker starts)."""
    configure_environment()
    # Prefect's own variable: the server the deployments go to (`prefect deploy` reads it too)
    api_url = os.environ.get("PREFECT_API_URL", "").rstrip("/")
    if not api_url:
        print("Chưa đặt PREFECT_API_URL (địa chỉ API của máy chủ Prefect, ví dụ "
              "http://127.0.0.1:4200/api).", file=sys.stderr)
        return 2
    wait_healthy(api_url)
    env = dict(os.environ)  # the `prefect deploy` child's environment
    env["PYTHONPATH"] = str(PROJECT_DIR)
    deploy(env)
    print(f"Đã triển khai prefect.yaml lên {api_url}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
