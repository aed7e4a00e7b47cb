"""The portal's site written by a second thread (tasks.portal.write_site_beside: a task run
on the flow's ThreadPoolTaskRunner writes the files while the pages are made) is the very
site written in turn (tasks.portal.write_site), and a failure of that thread leaves the
site as it was."""

from __future__ import annotations

import hashlib
import shutil
import time
from pathlib import Path

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.context import FlowRunContext

from core.registry import DEFAULT_SEEDS_DIR
from reports.portal import build_site, site_files
from tasks.portal import read_portal_data, write_site, write_site_beside
from warehouse import db


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in folder.rglob("*") if p.is_file()}


@pytest.fixture()
def demo_data(demo_2024, tmp_path):
    """The portal's tables of the shared demo year, read from a copy of its warehouse."""
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(demo_2024.warehouse, warehouse)
    with db.connect(warehouse) as con:
        return read_portal_data(con, Path(demo_2024.kwargs.get("seeds_dir", DEFAULT_SEEDS_DIR)))


def test_a_site_written_beside_is_the_site_written_in_turn(demo_data, tmp_path):
    """Same file names, same bytes, same SHA-256 handed to the record, and the same as
    build_site's; the writing thread was a task run of the flow («portal files»)."""
    in_turn = write_site(tmp_path / "in-turn", site_files(demo_data))

    @flow(name="portal-beside-test")
    def beside() -> tuple[dict[str, str], str]:
        hashes = write_site_beside(tmp_path / "beside", site_files(demo_data))
        return hashes, str(FlowRunContext.get().flow_run.id)

    hashes, run_id = beside()
    written = _files(tmp_path / "beside")
    assert _files(tmp_path / "in-turn") == written
    assert in_turn == hashes
    assert {name: hashlib.sha256(content).hexdigest()
            for name, content in build_site(demo_data).items()} == hashes
    assert len(written) > 100 and set(written) == set(hashes)
    assert [("portal files", "COMPLETED")] == _task_runs(run_id)


def _task_runs(flow_run_id: str) -> list[tuple[str, str]]:
    """(name, state) of the flow run's task runs once they are all final: Prefect records
    task runs from the events their engine sends, a moment after the flow returns."""
    deadline = time.monotonic() + 30
    with get_client(sync_client=True) as client:
        while True:
            runs = [(r.name, r.state.type.value if r.state else "") for r in
                    client.read_task_runs(flow_run_filter=FlowRunFilter(
                        id=FlowRunFilterId(any_=[flow_run_id])))]
            if (runs and all(state in ("COMPLETED", "FAILED", "CRASHED") for _, state in runs)
                    or time.monotonic() > deadline):
                return runs
            time.sleep(0.2)


class _Unwritable:
    """Content whose zip fails (as a full disk would fail the write)."""

    def content(self) -> bytes:
        raise OSError(28, "No space left on device")


def test_a_failed_writer_leaves_the_site_as_it_was(tmp_path):
    """The second build fails at its third file in the writing thread: the error reaches
    the caller, the files of the first build are there as they were, and no temporary
    file is left."""
    folder = tmp_path / "portal"
    write_site(folder, {"index.html": b"home", "don-vi/A.html": b"x"})

    def files():
        yield "index.html", b"new home"
        yield "don-vi/B.html", b"b"
        yield "tai-ve/A.xlsx", _Unwritable()
        yield from ((f"nguon/{n}.html", b"n") for n in range(2000))  # more than the queue

    @flow(name="portal-beside-failure-test")
    def beside() -> None:
        write_site_beside(folder, files())

    with pytest.raises(OSError, match="No space left"):
        beside()
    assert {"index.html": b"home", "don-vi/A.html": b"x"} == _files(folder)


def test_a_failed_first_build_leaves_no_site_and_no_temporary(tmp_path):
    """A first build (no site yet) is written in a hidden folder beside the site: when its
    writer fails, neither the site's folder nor the hidden one is left."""
    def files():
        yield "index.html", b"home"
        yield "tai-ve/A.xlsx", _Unwritable()

    @flow(name="portal-beside-first-failure-test")
    def beside() -> None:
        write_site_beside(tmp_path / "portal", files())

    with pytest.raises(OSError, match="No space left"):
        beside()
    assert [] == list(tmp_path.iterdir())
