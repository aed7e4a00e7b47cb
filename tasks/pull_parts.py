"""The pull's reading on both cores: a year's files split into parts, each part read by a
Prefect task on the flow's task runner (a ThreadPoolTaskRunner: threads), each thread
driving a reader process of its own (sources/reader.py), so that two parts are parsed at
once. The parts' results are written in the order of the parts by the pull itself, in its
one DuckDB connection (tasks/pull.py `pull_folder`): the warehouse keeps one writer.
"""

from __future__ import annotations

import os
import queue
from collections import deque
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext

from core.settings import RunSettings
from sources.reader import IsolatedReader
from tasks.pull import PartRead, PullSummary, pull_year, read_part


def workers() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


# A part holds the cells of its new snapshots until written: neither cached nor persisted
# (they are copies of submitted data, written to raw.cells by the pull right after).
@task(name="read_workbooks", task_run_name="read {year} {first_unit}…",
      cache_policy=NO_CACHE, persist_result=False)
def read_workbooks(settings: RunSettings, folder: Path, year: int, now: datetime,
                   work: list[tuple[str, str]], known: set[str], first_unit: str,
                   readers: queue.Queue) -> tuple[PartRead, int]:
    """Fetch and read one part of the year's files with a reader process from `readers`
    (returned after): (what to write, that reader's peak bytes)."""
    reader = readers.get()
    try:
        return read_part(settings, folder, year, now, work, known, reader), \
            reader.peak_rss_bytes
    finally:
        readers.put(reader)


def read_in_parallel(settings: RunSettings, folder: Path, year: int, now: datetime,
                     parts: list[list[tuple[str, str]]], known: set[str]
                     ) -> Iterator[tuple[PartRead, int]]:
    """The parts through the flow's task runner, at most one more part in flight than
    there are cores (each part read is held until written), in order."""
    count = workers()
    readers: queue.Queue = queue.Queue()
    opened = [IsolatedReader(settings.limits) for _ in range(min(count, len(parts)))]
    for reader in opened:
        readers.put(reader)
    try:
        waiting, flying = deque(parts), deque()
        while waiting or flying:
            while waiting and len(flying) <= count:
                work = waiting.popleft()
                flying.append(read_workbooks.submit(settings, folder, year, now, work, known,
                                                    work[0][0], readers))
            yield flying.popleft().result()
    finally:
        for reader in opened:
            reader.close()


@task(name="pull_workbooks", task_run_name="pull {year}")
def pull_workbooks_in_parts(settings: RunSettings, year: int) -> PullSummary:
    """The pull (tasks/pull.py `pull_workbooks`), a reports folder's files read in parts on
    the flow's task runner, one part per core at a time. Outside a flow run (no task
    runner to submit to) and for Google Sheets (its own concurrent requests), as there."""
    if settings.source != "local" or FlowRunContext.get() is None:
        return pull_year(settings, year)
    return pull_year(settings, year, read_in_parallel, workers())
