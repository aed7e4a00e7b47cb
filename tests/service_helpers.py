"""Helpers of the tests that run a real Prefect service (local, production, in a browser):
free ports, waiting for runs, and what prefect.yaml declares, read from the file itself so
that a deployment added there is expected everywhere without restating the list."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from core.runtime import PROJECT_DIR

PREFECT_YAML = PROJECT_DIR / "prefect.yaml"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_service(home: Path, settings: dict[str, str]) -> Iterator[object]:
    """`make serve`'s server and worker in `home` on a free port, started with these
    environment settings (and no PREFECT_API_KEY), stopped on exit."""
    import pytest

    from flows.serve import start, stop

    with pytest.MonkeyPatch.context() as env:
        for name, value in settings.items():
            env.setenv(name, value)
        env.delenv("PREFECT_API_KEY", raising=False)
        running = start(home, free_port(), home / "logs")
    try:
        yield running
    finally:
        stop(running)


def wait_final(client, run_id, timeout: float = 600.0):
    """The flow run once it has reached a final state (Completed, Failed, Crashed, …)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = client.read_flow_run(run_id)
        if run.state is not None and run.state.is_final():
            return run
        time.sleep(2)
    raise TimeoutError(f"flow run {run_id} not final after {timeout:.0f} s")


def declared_deployments(path: Path = PREFECT_YAML) -> dict[str, dict]:
    """Every deployment of prefect.yaml, by name."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {d["name"]: d for d in document["deployments"]}


def _cron_values(field: str, low: int, high: int) -> set[int]:
    values: set[int] = set()
    for part in field.split(","):
        span, _, step = part.partition("/")
        if span == "*":
            first, last = low, high
        elif "-" in span:
            first, last = map(int, span.split("-"))
        else:
            first = last = int(span)
        values.update(range(first, last + 1, int(step or 1)))
    return values


def _cron_date(cron: str, day: datetime) -> bool:
    _, _, days, months, weekdays = cron.split()
    day_ok = day.day in _cron_values(days, 1, 31)
    weekday_ok = day.isoweekday() % 7 in {v % 7 for v in _cron_values(weekdays, 0, 7)}
    if days != "*" and weekdays != "*":  # cron: either restriction is enough
        date_ok = day_ok or weekday_ok
    else:
        date_ok = day_ok and weekday_ok
    return date_ok and day.month in _cron_values(months, 1, 12)


def next_occurrence(schedule: dict, after: datetime, within: timedelta) -> datetime | None:
    """The first time strictly after `after` at which a prefect.yaml schedule (cron or
    rrule, in its time zone) falls, if within `within`; worked out here, not by Prefect."""
    from dateutil.rrule import rrulestr

    zone = ZoneInfo(schedule.get("timezone", "UTC"))
    local_after = after.astimezone(zone)
    if "rrule" in schedule:
        for naive in rrulestr(schedule["rrule"]):
            moment = naive.replace(tzinfo=zone)
            if moment > local_after:
                return moment if moment - local_after <= within else None
        return None
    minutes, hours = schedule["cron"].split()[:2]
    times = sorted((h, m) for h in _cron_values(hours, 0, 23) for m in _cron_values(minutes, 0, 59))
    day = local_after.replace(hour=0, minute=0, second=0, microsecond=0)
    while day - local_after <= within:
        if _cron_date(schedule["cron"], day):
            for hour, minute in times:
                moment = day.replace(hour=hour, minute=minute)
                if moment > local_after:
                    return moment if moment - local_after <= within else None
        day = (day + timedelta(days=1)).replace(hour=0, minute=0)
    return None
