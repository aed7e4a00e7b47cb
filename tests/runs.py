"""Plumbing of the tests that run the flows: the flow's folder arguments under one test
folder, reading a warehouse back, and a finished run as the shared session fixtures of
tests/conftest.py hand it over."""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, NamedTuple

import duckdb


def flow_paths(root: Path, seeds_dir: Path | str | None = None, *,
               warehouse: str = "w.duckdb", output_dir: str = "out") -> dict[str, str]:
    """The annual and collection-window flows' folder arguments inside `root`: workbooks in
    `root/reports/<year>/`, the warehouse file and the output folder (names relative to
    `root`), and the seeds folder when given (else the flow's default seeds)."""
    paths = {"reports_dir": str(root / "reports"), "warehouse": str(root / warehouse),
             "output_dir": str(root / output_dir)}
    if seeds_dir is not None:
        paths["seeds_dir"] = str(seeds_dir)
    return paths


class FlowRun(NamedTuple):
    """A finished annual run: its folder, the flow's summary and the arguments it ran with
    (pass them again to re-run the same year)."""

    root: Path
    summary: Any
    kwargs: dict[str, Any]

    @property
    def warehouse(self) -> Path:
        return Path(self.kwargs["warehouse"])

    @property
    def reports_dir(self) -> Path:
        return Path(self.kwargs["reports_dir"])


def rows(db: Path | str | FlowRun, sql: str, *params: object) -> list[tuple]:
    """Every row of `sql` (with `?` parameters) on a warehouse file, or on a finished run's
    warehouse, opened read-only so that a test never changes what it checks."""
    path = db.warehouse if isinstance(db, FlowRun) else db
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def marts(db: Path | str | FlowRun,
          leave_out: Callable[[str], bool] | Collection[str] = ()) -> dict[str, list[tuple]]:
    """Every table of the `marts` schema: its rows in order, each row's columns in the
    table's order less those named in `leave_out` or for which it is true (e.g. the times
    of a fetch, which differ between two runs of the same content)."""
    left_out = leave_out if callable(leave_out) else set(leave_out).__contains__
    path = db.warehouse if isinstance(db, FlowRun) else db
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "order by 1").fetchall()]
        found = {}
        for table in tables:
            columns = [c for (c,) in con.execute(
                "select column_name from information_schema.columns where table_schema = "
                "'marts' and table_name = ? order by ordinal_position", [table]).fetchall()
                if not left_out(c)]
            kept = ", ".join(f'"{c}"' for c in columns)
            found[table] = con.execute(f"select {kept} from marts.{table} order by all").fetchall()
        return found
