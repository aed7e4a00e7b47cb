"""The pull of a reports folder on both cores: the year's wanted files split into parts,
each part fetched and decoded by a Prefect task run («read <year> <first unit>…») on the
flow's task runner (a ThreadPoolTaskRunner: threads), each thread driving a
`sources.local.FolderSource` of its own, so its own reader process does the CPU work (the
workbook read and its cells encoded as columns). The parts' results come back in the order
of the parts and are kept by `tasks.pull.store_year` in its one DuckDB connection: the
warehouse keeps one writer, and raw.fetches the order of a pull in turn. Outside a flow run
(no task runner) and for Google Sheets (its own workers), the pull fetches as
`tasks.pull.fetch_each` does.
"""

from __future__ import annotations

import os
import queue
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.utilities.annotations import quote

from core.snapshot import CellColumns, content_sha256, snapshot_id
from sources.base import Source, Wanted
from sources.fetched import Fetched, FetchFailed
from sources.xlsx import UnreadableWorkbook
from tasks.pull import FLUSH_EVERY, Decode, FetchAll, cells_decoder, fetch_each

# a content's tab names and cells, or why it is unreadable; None: not decoded (kept already)
Decoded = tuple[list[str], CellColumns] | UnreadableWorkbook | None


def cores() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def split_wanted(wanted: Sequence[Wanted], most: int) -> list[list[Wanted]]:
    """`wanted` in parts of at most `most` (more for a unit with more files than that), in
    order, each unit's files in one part (a unit's counted file is its last)."""
    parts: list[list[Wanted]] = []
    for item in wanted:
        if parts and (parts[-1][-1].unit_code == item.unit_code or len(parts[-1]) < most):
            parts[-1].append(item)
        else:
            parts.append([item])
    return parts


def read_part(source: Source, part: Sequence[Wanted], year: int, now: datetime,
              known: set[str]) -> list[tuple[Fetched | FetchFailed, Decoded]]:
    """Fetch each of `part` and decode the content not kept yet (`known`: snapshot ids),
    the next files fetched while the reader decodes (`decoded_each`)."""
    known, done, new = set(known), [], []  # new: the indexes in `done` to decode

    def contents() -> Iterator[bytes]:
        for item in part:
            result = source.fetch(item, year, now)
            if (isinstance(result, Fetched) and result.kept_as is None
                    and result.read_error is None):
                result = replace(result, sha256=content_sha256(result.content))
                sid = snapshot_id(result.year, result.unit_code, result.sha256)
                if sid not in known:
                    known.add(sid)
                    new.append(len(done))
                    done.append((result, None))
                    yield result.content
                    continue
            done.append((result, None))

    for count, decoded in enumerate(decoded_each(source, contents())):
        index = new[count]
        done[index] = (done[index][0], decoded)
    return done


def decoded_each(source: Source, contents: Iterator[bytes]) -> Iterator[Decoded]:
    """Each content decoded by `source`, in order (the reason when unreadable): by its own
    `decode_cells_each` when it has one (a reader process asked ahead), else one by one."""
    if (each := getattr(source, "decode_cells_each", None)) is not None:
        yield from each(contents)
        return
    decode = cells_decoder(source)
    for content in contents:
        try:
            yield decode(content)
        except UnreadableWorkbook as exc:
            yield exc


# A part holds the cells of its new snapshots until they are written, right after:
# neither cached nor persisted (copies of submitted data).
@task(name="read_workbooks", task_run_name="read {year} {first_unit}…",
      cache_policy=NO_CACHE, persist_result=False)
def read_workbooks(sources: queue.Queue, part: list[Wanted], year: int, now: datetime,
                   known: set[str], first_unit: str
                   ) -> list[tuple[Fetched | FetchFailed, Decoded]]:
    """One part, with a source from `sources` (given back after)."""
    source = sources.get()
    try:
        return read_part(source, part, year, now, known)
    finally:
        sources.put(source)


def _given(decoded: tuple[list[str], CellColumns] | UnreadableWorkbook) -> Decode:
    def decode(content: bytes) -> tuple[list[str], CellColumns]:
        if isinstance(decoded, UnreadableWorkbook):
            raise decoded
        return decoded
    return decode


def fetch_in_parts(source, wanted: Sequence[Wanted], year: int, now: datetime,
                   known: set[str]) -> Iterator[tuple[Fetched | FetchFailed, Decode]]:
    """`tasks.pull.FetchAll` through the flow's task runner: enough parts for every core
    (at most FLUSH_EVERY files each), one source per thread (`source` and its siblings),
    at most one part more in flight than there are cores, results in order."""
    count = cores()
    parts = split_wanted(wanted, max(1, min(FLUSH_EVERY, -(-len(wanted) // count))))
    if len(parts) <= 1:
        yield from fetch_each(source, wanted, year, now, known)
        return
    sources: queue.Queue = queue.Queue()
    sources.put(source)
    for _ in range(min(count, len(parts)) - 1):
        sources.put(source.sibling())
    fallback = cells_decoder(source)
    waiting, flying = deque(parts), deque()
    while waiting or flying:
        while waiting and len(flying) <= count:
            part = waiting.popleft()
            # quoted: Prefect would otherwise walk the part and every known id looking
            # for upstream results, for each part
            flying.append(read_workbooks.submit(quote(sources), quote(part), year, now,
                                                quote(known), part[0].unit_code))
        done = flying.popleft().result()
        for result, decoded in done:
            yield result, fallback if decoded is None else _given(decoded)
        # the task run's state holds this list in a reference cycle that only the cyclic
        # GC frees, parts later: empty it now, so that a part's cells go once written
        done.clear()


def fetch_for(source: Source) -> FetchAll:
    """How the pull fetches from `source`: in parts on the task runner for a reports
    folder in a flow run, as `fetch_each` otherwise."""
    from sources.local import FolderSource

    if isinstance(source, FolderSource) and FlowRunContext.get() is not None:
        return fetch_in_parts
    return fetch_each
