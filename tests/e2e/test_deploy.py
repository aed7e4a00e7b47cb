"""The production install (deploy/): the systemd units pass `systemd-analyze verify`, the
environment files name every setting the service needs and no secret, and the units'
own commands, with the units' own environment files, run a real Prefect server on
PostgreSQL that deploys prefect.yaml and completes a deployment run.

The test rewrites only what a test must: install paths (/opt/hongbang → this checkout,
/var/lib/hongbang and /etc/hongbang → a temporary folder), a free port, the listening
address, and a database and role of its own (TCP with a password instead of the socket).
"""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import signal
import subprocess
from pathlib import Path

import duckdb
import pytest

from core.runtime import DEFAULTS, PROJECT_DIR
from tests.service_helpers import declared_deployments, free_port, wait_final
from tests.workbooks import report_workbook

DEPLOY = PROJECT_DIR / "deploy"
UNITS = ("hongbang-prefect-server.service", "hongbang-prefect-worker.service")
SECRET_NAMES = ("PREFECT_SERVER_API_AUTH_STRING", "PREFECT_API_AUTH_STRING")
ACTIVITY = {"activity_code": "1a", "description": "Mít tinh", "form": "Khác",
            "audience": "Người dân, cộng đồng", "sessions": 2}


def _require(condition: bool, reason: str) -> None:
    """Skip on a developer's machine without the part; in CI the part must be there."""
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI installs it: .ci/run)")
        pytest.skip(reason)


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines of a systemd EnvironmentFile (comments and blank lines skipped)."""
    pairs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def unit_service(name: str) -> dict[str, list[str]]:
    """The [Service] keys of a unit, each with its values in order."""
    keys: dict[str, list[str]] = {}
    section = ""
    for line in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            section = line.strip()
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            keys.setdefault(key, []).append(value)
    return keys


def command(line: str, checkout: Path) -> list[str]:
    """An Exec line as argv, as systemd splits it ($$ is a plain $), run from this checkout."""
    return [word.replace("$$", "$") for word in
            shlex.split(line.replace("/opt/hongbang", str(checkout)))]


def localised(settings: dict[str, str], root: Path) -> dict[str, str]:
    return {k: v.replace("/opt/hongbang", str(PROJECT_DIR))
            .replace("/var/lib/hongbang", str(root / "var"))
            .replace("/etc/hongbang", str(root / "etc")) for k, v in settings.items()}


def test_systemd_units_pass_systemd_analyze_verify(tmp_path):
    """Both units, with /opt/hongbang pointed at this checkout (the programs they start
    must exist), verify without a single warning."""
    analyze = shutil.which("systemd-analyze")
    _require(analyze is not None, "systemd-analyze is not installed (Debian package systemd)")
    for name in UNITS:
        text = (DEPLOY / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(text.replace("/opt/hongbang", str(PROJECT_DIR)))
    checked = subprocess.run([analyze, "verify", *(str(tmp_path / n) for n in UNITS)],
                             capture_output=True, text=True, timeout=120)
    assert (0, "") == (checked.returncode, checked.stderr.strip())


def test_environment_files_name_the_settings_and_hold_no_secret():
    """The worker's file names every process default of core/runtime.py (so a Retry from
    the UI resumes there as it does under `make serve`); the secrets are named only in the
    example, with no value; the units read both files."""
    worker = read_env_file(DEPLOY / "worker.env")
    server = read_env_file(DEPLOY / "server.env")
    example = read_env_file(DEPLOY / "secrets.env.example")
    assert set(DEFAULTS) - {"PREFECT_HOME"} <= set(worker)
    assert "true" == worker["PREFECT_RESULTS_PERSIST_BY_DEFAULT"]
    assert ("true", "/api") == (server["PREFECT_UI_ENABLED"], server["PREFECT_UI_API_URL"])
    assert {name: "" for name in SECRET_NAMES} == example
    assert not set(SECRET_NAMES) & (set(worker) | set(server))
    assert ":" not in server["PREFECT_SERVER_DATABASE_CONNECTION_URL"].split("@")[0].split(
        "//")[1]  # a role and no password
    for name, own in zip(UNITS, ("server.env", "worker.env"), strict=True):
        assert [f"/etc/hongbang/{own}", "/etc/hongbang/secrets.env"] == \
            unit_service(name)["EnvironmentFile"]


def test_the_server_refuses_to_start_without_the_auth_string():
    """An empty auth string stops the server unit before it starts, saying what is missing."""
    check = command(unit_service(UNITS[0])["ExecStartPre"][0], PROJECT_DIR)
    refused = subprocess.run(check, env={"PATH": os.environ["PATH"]}, capture_output=True,
                             text=True, timeout=30)
    allowed = subprocess.run(check, env={"PATH": os.environ["PATH"],
                                         "PREFECT_SERVER_API_AUTH_STRING": "a:b"},
                             capture_output=True, text=True, timeout=30)
    assert 1 == refused.returncode
    assert "Chưa đặt PREFECT_SERVER_API_AUTH_STRING trong /etc/hongbang/secrets.env" in \
        refused.stderr
    assert (0, "") == (allowed.returncode, allowed.stderr)


# --- the real thing on PostgreSQL ----------------------------------------------------------


def _admin_psql(sql: str, database: str = "postgres") -> str:
    """Run SQL as PostgreSQL's superuser (root becomes `postgres`, as on Debian)."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    done = subprocess.run([*prefix, "psql", "-X", "-v", "ON_ERROR_STOP=1", "-d", database,
                           "-qAtc", sql], capture_output=True, text=True, timeout=60)
    if done.returncode:
        raise RuntimeError(f"psql: {done.stderr.strip()}")
    return done.stdout.strip()


def _postgres_reason() -> str | None:
    """Why PostgreSQL cannot be used here, or None."""
    if shutil.which("psql") is None or shutil.which("pg_isready") is None:
        return "PostgreSQL is not installed (Debian package postgresql)"
    if subprocess.run(["pg_isready", "-q"], timeout=30).returncode:
        return "PostgreSQL is not running (pg_ctlcluster <version> main start)"
    try:
        _admin_psql("select 1")
    except (RuntimeError, OSError) as exc:
        return f"cannot act as PostgreSQL's superuser to create a test role: {exc}"
    return None


@pytest.fixture()
def database():
    """A role with a password and a database it owns, dropped afterwards: the URL."""
    reason = _postgres_reason()
    _require(reason is None, str(reason))
    name = f"hb_test_{secrets.token_hex(4)}"
    password = secrets.token_hex(16)
    port = _admin_psql("show port")
    _admin_psql(f"create role {name} login password '{password}'")
    try:
        _admin_psql(f"create database {name} owner {name}")
        yield name, f"postgresql+asyncpg://{name}:{password}@127.0.0.1:{port}/{name}"
    finally:
        _admin_psql(f"drop database if exists {name} with (force)")
        _admin_psql(f"drop role if exists {name}")


def _start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(argv, env=env, cwd=PROJECT_DIR, stdout=log.open("w"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def _stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_the_units_run_prefect_on_postgresql_and_complete_a_deployment_run(
        database, tmp_path, small_registry):
    """The server unit's command and environment on a PostgreSQL database; the worker
    unit's deploy step and worker with theirs. prefect.yaml is deployed, an annual-report
    run for 2024 (one unit's workbook) completes on the worker, and the run is a row of
    PostgreSQL's flow_run table: the server keeps its state there, not in SQLite."""
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    db_name, db_url = database
    port = free_port()
    auth = f"it:{secrets.token_hex(8)}"
    base = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    secrets_env = {name: auth for name in SECRET_NAMES}
    server_env = {**base, **localised(read_env_file(DEPLOY / "server.env"), tmp_path),
                  **secrets_env, "PREFECT_SERVER_API_HOST": "127.0.0.1",
                  "PREFECT_SERVER_API_PORT": str(port),
                  "PREFECT_SERVER_DATABASE_CONNECTION_URL": db_url}
    api_url = f"http://127.0.0.1:{port}/api"
    worker_env = {**base, **localised(read_env_file(DEPLOY / "worker.env"), tmp_path),
                  **secrets_env, "PREFECT_API_URL": api_url,
                  "HB_SEEDS_DIR": str(small_registry), "PREFECT_WORKER_QUERY_SECONDS": "2"}
    (tmp_path / "var" / "prefect").mkdir(parents=True)
    report_workbook(Path(worker_env["HB_REPORTS_DIR"]) / "2024" / "LDTBXH.xlsx", "LDTBXH",
                    2024, activities=[ACTIVITY])
    server_unit, worker_unit = unit_service(UNITS[0]), unit_service(UNITS[1])

    for line in server_unit["ExecStartPre"]:
        subprocess.run(command(line, PROJECT_DIR), env=server_env, check=True, timeout=30)
    server = _start(command(server_unit["ExecStart"][0], PROJECT_DIR), server_env,
                    tmp_path / "server.log")
    worker = None
    try:
        for line in worker_unit["ExecStartPre"]:  # waits for the server, then deploys
            subprocess.run(command(line, PROJECT_DIR), env=worker_env, check=True,
                           timeout=300, stdout=(tmp_path / "deploy.log").open("w"),
                           stderr=subprocess.STDOUT)
        worker = _start(command(worker_unit["ExecStart"][0], PROJECT_DIR), worker_env,
                        tmp_path / "worker.log")
        with temporary_settings({PREFECT_API_URL: api_url, PREFECT_API_AUTH_STRING: auth}):
            with get_client(sync_client=True) as client:
                deployed = {d.name for d in client.read_deployments()}
                run = run_deployment("annual-report/annual-report",
                                     parameters={"year": 2024}, timeout=0)
                done = wait_final(client, run.id)
    finally:
        _stop(*(p for p in (worker, server) if p is not None))
    assert "COMPLETED" == done.state.type.value, (tmp_path / "worker.log").read_text()[-3000:]
    assert set(declared_deployments()) == deployed
    with duckdb.connect(worker_env["HB_WAREHOUSE"], read_only=True) as con:
        assert [("LDTBXH",)] == con.execute(
            "select unit_code from raw.snapshots where year = 2024").fetchall()
    assert "annual-report-2024|COMPLETED" == _admin_psql(
        f"select name || '|' || state_type from flow_run where id = '{done.id}'", db_name)
