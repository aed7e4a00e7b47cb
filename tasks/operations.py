"""Operations: the run history in ops.flow_runs and the analysts' copy of the warehouse."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

from prefect import task
from prefect.runtime import flow_run

from core.notices import failure_notice
from core.registry import LOCAL_TZ
from core.settings import RunSettings, analyst_dir, failure_notification_block, reporting_year
from tasks import report_progress
from warehouse import db
from warehouse.analyst import publish_analyst_copy


def flow_run_row(state: str, year: int | None, counts: dict | None = None,
                 message: str | None = None, started_at: datetime | None = None) -> dict:
    """The ops.flow_runs row of the current flow run."""
    given = flow_run.parameters or {}
    params = {k: (str(v) if v is not None else None) for k, v in given.items()}
    return {
        "flow_run_id": str(flow_run.id or "local"), "flow_name": flow_run.flow_name or "",
        "flow_run_name": flow_run.name, "year": year,
        "parameters": json.dumps(params, ensure_ascii=False, sort_keys=True),
        "state": state, "counts": json.dumps(counts or {}, ensure_ascii=False, sort_keys=True),
        "message": message, "started_at": started_at,
        "ended_at": datetime.now(LOCAL_TZ) if state != "RUNNING" else None,
    }


def record_run(settings: RunSettings, row: dict) -> None:
    with db.connect(settings.warehouse) as con:
        db.record_flow_run(con, row)


@task(name="publish_for_analysts")
def publish_for_analysts(settings: RunSettings) -> dict[str, Path]:
    """Publish the read-only analysts' copy, the marts as Parquet and the data dictionary."""
    paths = publish_analyst_copy(settings.warehouse, analyst_dir(settings))
    report_progress("Bản sao cho phân tích: %s", paths["warehouse"])
    return paths


def run_year(parameters: dict, today: date) -> int | None:
    """The year a flow run reports on: its `year` parameter, or the current reporting year
    when the flow takes a year and none was given; None for flows without a year."""
    if "year" not in parameters:
        return None
    return parameters["year"] or reporting_year(today)


def notify_failure(flow_name: str, run, state) -> bool:
    """Tell the focal office a run failed (flow, year, reason in Vietnamese, the run's page
    in the Prefect UI), through the notification block named by
    HB_FAILURE_NOTIFICATION_BLOCK (none by default); True when a notice was sent."""
    block_name = failure_notification_block()
    if not block_name:
        return False
    from prefect.utilities.urls import url_for

    from tasks.notifications import load_notifier

    subject, body = failure_notice(
        flow_name, run.name, run_year(run.parameters or {}, datetime.now(LOCAL_TZ).date()),
        str(state.message or ""), url_for("flow-run", obj_id=run.id))
    load_notifier(block_name).notify(body=body, subject=subject)
    return True
