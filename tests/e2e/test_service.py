"""A real Prefect server and worker on 127.0.0.1, deployed from prefect.yaml (flows.serve):
the deployments and their schedules, a deployment run, and a failed run retried through
the API the way the UI's Retry does, resuming without redoing completed work."""

import time
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from tests.service_helpers import running_service
from tests.workbooks import report_workbook

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
ACTIVITY = {"activity_code": "1a", "description": "Mít tinh", "form": "Khác",
            "audience": "Người dân, cộng đồng", "sessions": 2}


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    home = tmp_path_factory.mktemp("prefect-service")
    # schedule soon, and plan a year ahead (default 100 days): from 11/12 to August the
    # next collection window is further away than that, and the test below would find no run
    with running_service(home, {"PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5",
                                "PREFECT_SERVER_SERVICES_SCHEDULER_MAX_SCHEDULED_TIME": "P400D",
                                }) as running:
        yield running


@pytest.fixture(scope="module")
def client(service):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: service.api_url}):
        with get_client(sync_client=True) as sync_client:
            yield sync_client


def _wait_final(client, run_id, timeout=600):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = client.read_flow_run(run_id)
        if run.state.is_final():
            return run
        time.sleep(2)
    raise TimeoutError(run_id)


def _query(warehouse: Path, sql: str, timeout: float = 60) -> list[tuple]:
    """Read the warehouse once the run's process has let go of it: Prefect reports a run
    FAILED before its on_failure hook (which writes ops.flow_runs) has finished."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with duckdb.connect(str(warehouse), read_only=True) as con:
                return con.execute(sql).fetchall()
        except duckdb.IOException:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def test_every_deployment_is_there_with_its_calendar(client):
    """Seven deployments; every schedule in Asia/Ho_Chi_Minh with its slug; the scheduled
    collection-window runs fall at 07:00 local time between 15/11 and 10/12; the reviews
    fall once, on 20/12/2025 and 20/12/2030."""
    deployments = {d.name: d for d in client.read_deployments()}
    assert {"collection-window", "reminders", "deadline-cut-off", "annual-report",
            "midterm-review", "final-review", "warehouse-backup"} == set(deployments)
    schedules = {(d.name, s.slug, getattr(s.schedule, "cron", None) or s.schedule.rrule,
                  s.schedule.timezone)
                 for d in deployments.values() for s in d.schedules}
    assert {
        ("collection-window", "collection-window-november", "0 7 15-30 11 *",
         "Asia/Ho_Chi_Minh"),
        ("collection-window", "collection-window-december", "0 7 1-10 12 *",
         "Asia/Ho_Chi_Minh"),
        ("reminders", "reminders-december", "0 8 3,7,9,11 12 *", "Asia/Ho_Chi_Minh"),
        ("deadline-cut-off", "deadline-cut-off", "0 6 11 12 *", "Asia/Ho_Chi_Minh"),
        ("midterm-review", "midterm-review-2025",
         "DTSTART:20251220T080000\nRRULE:FREQ=YEARLY;COUNT=1", "Asia/Ho_Chi_Minh"),
        ("final-review", "final-review-2030",
         "DTSTART:20301220T080000\nRRULE:FREQ=YEARLY;COUNT=1", "Asia/Ho_Chi_Minh"),
        ("warehouse-backup", "warehouse-backup-daily", "0 22 * * *", "Asia/Ho_Chi_Minh"),
    } == schedules
    assert {"kind": "midterm", "start_year": 2022, "end_year": 2025} == \
        deployments["midterm-review"].parameters
    assert {"freeze": True} == deployments["deadline-cut-off"].parameters
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName

    deadline = time.monotonic() + 120
    while True:  # the scheduler service creates the runs on its next loop
        runs = client.read_flow_runs(deployment_filter=DeploymentFilter(
            name=DeploymentFilterName(any_=["collection-window"])))
        if runs or time.monotonic() > deadline:
            break
        time.sleep(3)
    local = [r.expected_start_time.astimezone(LOCAL) for r in runs]
    assert local, "the scheduler created no collection-window run"
    assert all((t.hour, t.minute) == (7, 0) for t in local)
    assert all((11, 15) <= (t.month, t.day) or (t.month, t.day) <= (12, 10) for t in local)
    assert all(t.month in (11, 12) for t in local)


def test_failed_run_retried_like_the_ui_resumes_without_redoing_work(client, tmp_path,
                                                                      small_registry):
    """A deployment run fails at publishing (the year's output folder is a file); once
    fixed, the run is put back to AwaitingRetry (what the UI's Retry does) and completes:
    the task runs "pull 2024", "validate 2024", "load 2024" and "indicators 2024" come back
    Cached, and no workbook is fetched again."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.deployments import run_deployment
    from prefect.states import AwaitingRetry

    for unit in ("LDTBXH", "VHTT"):
        report_workbook(tmp_path / "reports" / "2024" / f"{unit}.xlsx", unit, 2024,
                        activities=[ACTIVITY])
    blocker = tmp_path / "out" / "2024"  # the output folder itself is checked at the start
    blocker.parent.mkdir()
    blocker.write_text("not a folder")
    warehouse = tmp_path / "w.duckdb"
    params = {"year": 2024, "reports_dir": str(tmp_path / "reports"),
              "warehouse": str(warehouse), "output_dir": str(tmp_path / "out"),
              "seeds_dir": str(small_registry)}
    run = run_deployment("annual-report/annual-report", parameters=params, timeout=0)
    first = _wait_final(client, run.id)
    assert "FAILED" == first.state.type.value
    fetches = _query(warehouse, "select count(*) from raw.fetches")
    blocker.unlink()
    client.set_flow_run_state(run.id, AwaitingRetry(), force=True)
    second = _wait_final(client, run.id)
    assert "COMPLETED" == second.state.type.value
    task_runs = client.read_task_runs(flow_run_filter=FlowRunFilter(
        id=FlowRunFilterId(any_=[run.id])))
    latest = {}
    for task_run in sorted(task_runs, key=lambda t: t.expected_start_time):
        latest[task_run.name] = task_run.state.name
    assert {"pull 2024": "Cached", "validate 2024": "Cached", "load 2024": "Cached",
            "indicators 2024": "Cached", "publish 2024": "Completed"} == {
                k: latest[k] for k in ("pull 2024", "validate 2024", "load 2024",
                                       "indicators 2024", "publish 2024")}
    assert fetches == _query(warehouse, "select count(*) from raw.fetches")
    assert Path(tmp_path / "out" / "2024" / "bao-cao-2024.md").exists()
    # the run completed: nothing will resume it, so its stored task results are gone
    kept = [t.state.data.storage_key for t in task_runs
            if getattr(t.state.data, "storage_key", None)]
    assert kept, "the failed attempt stored results (the retry was served from them)"
    # Prefect reports the run COMPLETED before its on_completion hook (which deletes them)
    # has run: give the hook its time, then nothing may be left
    deadline = time.monotonic() + 60
    while any(Path(key).exists() for key in kept) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert [] == [key for key in kept if Path(key).exists()]
