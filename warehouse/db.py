"""The DuckDB warehouse: schemas, the SQL files of each layer, migrations, and the writes.

Layers, each a folder of SQL files with one object per file:
raw (append-only snapshots) → staging (typed rows, replaced per year) and quality (issues,
quarantine) → ref (the registry seeds) → intermediate (views) → marts (the analysts' tables);
ops holds the run history and the schema version.

The tables of raw, staging, quality and ops are made by `migrate` (once per run, at the
flow's start: `migrate_file`, or `open_migrated` for anything opening a warehouse that may
be new); `connect`, used by each stage, checks the schema version and does no DDL
(docs/warehouse.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from graphlib import TopologicalSorter
from itertools import chain
from operator import itemgetter
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from core.runtime import crash_point
from core.settings import ENV, SettingError
from core.snapshot import VALUE_KINDS, CellColumns

WAREHOUSE_DIR = Path(__file__).resolve().parent
SCHEMAS = ("raw", "staging", "quality", "ref", "intermediate", "marts", "ops")
STAGING_TABLES = (
    "stg_registry__expected_units",
    "stg_workbook__submissions",
    "stg_workbook__activities",
    "stg_workbook__media_outlets",
    "stg_workbook__conventions",
    "stg_workbook__survey_responses",
)
QUALITY_TABLES = ("issues", "quarantine")
MODEL_LAYERS = ("ref", "intermediate", "marts")
TABLE_LAYERS = ("raw", "staging", "quality", "ops")  # tables made by migrations
MIGRATIONS_DIR = WAREHOUSE_DIR / "migrations"


def sql_files(layer: str) -> list[Path]:
    return sorted((WAREHOUSE_DIR / layer).glob("*.sql"))


class WarehouseUnavailable(SettingError):
    """The warehouse file cannot be opened for writing: held by another program, not a
    DuckDB file, or out of reach. The message says which and what to do."""


_HELD_BY = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


def unavailable(path: Path, error: duckdb.Error) -> WarehouseUnavailable:
    """DuckDB's error on opening `path`, as one line in Vietnamese naming the setting."""
    text = str(error)
    name = ENV["warehouse"]
    if held := _HELD_BY.search(text):
        return WarehouseUnavailable(
            f"{name}: kho dữ liệu {path} đang được chương trình khác mở (pid {held['pid']}, "
            f"{held['program']}); đóng chương trình đó rồi chạy lại (người phân tích đọc bản "
            "sao trong thư mục analyst/, không mở tệp này)")
    if "lock" in text.lower():
        return WarehouseUnavailable(
            f"{name}: kho dữ liệu {path} đang bị chương trình khác khóa; đóng chương trình "
            "đó rồi chạy lại")
    if "not a valid duckdb" in text.lower() or "database file" in text.lower():
        return WarehouseUnavailable(
            f"{name}: {path} không phải tệp DuckDB hoặc đã hỏng; chỉ đến kho dữ liệu đúng "
            "hoặc đổi tên tệp này để tạo kho mới")
    return WarehouseUnavailable(f"{name}: không mở được kho dữ liệu {path} "
                                f"({type(error).__name__}); kiểm tra tệp và quyền ghi")


def open_for_writing(path: Path) -> duckdb.DuckDBPyConnection:
    """Open (or create) the warehouse file; a failure is a `WarehouseUnavailable`."""
    try:
        return duckdb.connect(str(path))
    except (duckdb.IOException, duckdb.SerializationException,
            duckdb.InvalidInputException) as exc:
        raise unavailable(path, exc) from None


def check_can_write(path: Path) -> None:
    """Raise `WarehouseUnavailable` now, before anything is replaced, when the warehouse
    exists and cannot be opened for writing."""
    if path.is_file():
        open_for_writing(path).close()


class SchemaNotCurrent(RuntimeError):
    """A stage connected to a warehouse that its run did not migrate first (or that a newer
    version of the pipeline made)."""


class MigrationFailed(RuntimeError):
    """A migration's SQL failed: nothing of the step was applied (one transaction)."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path | None  # None: version 1, the table files of TABLE_LAYERS


def migrations() -> list[Migration]:
    """Every schema version in order: 1 is the tables as their files define them, then one
    per file warehouse/migrations/NNNN_name.sql (NNNN = 0002, 0003 … without gaps)."""
    found = [Migration(1, "tables", None)]
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        number, _, name = path.stem.partition("_")
        found.append(Migration(int(number), name, path))
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise RuntimeError(f"{MIGRATIONS_DIR}: migrations must be numbered 0002, 0003 … "
                           f"without gaps, found {[m.version for m in found]}")
    return found


def has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    found = con.execute("select count(*) from information_schema.tables "
                        "where table_schema = ? and table_name = ?", [schema, table]).fetchone()
    return bool(found and found[0])


def schema_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The warehouse's schema version; None before versioning (or in a new file)."""
    if not has_table(con, "ops", "schema_version"):
        return None
    return con.execute("select max(version) from ops.schema_version").fetchone()[0]


def _has_tables(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema in "
        f"({', '.join('?' * len(TABLE_LAYERS))}) and table_name <> 'schema_version'",
        list(TABLE_LAYERS)).fetchone()
    return bool(found and found[0])


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Bring an open warehouse to the latest schema version, all or nothing; the versions
    applied now (none when it was current).

    A new warehouse (no table yet) gets the tables as their files define them, and every
    version is recorded as `created`: the migrations' changes are already in the files. A
    warehouse made before versioning, or at an older version, gets each missing version in
    order (`migrated`): version 1 creates only the tables it lacks."""
    steps = migrations()
    latest = steps[-1].version
    current = schema_version(con)
    if current == latest:
        return []
    if current is not None and current > latest:
        raise WarehouseUnavailable(
            f"{ENV['warehouse']}: kho dữ liệu ở phiên bản lược đồ {current}, mới hơn phiên "
            f"bản {latest} của chương trình này; cập nhật chương trình rồi chạy lại")
    with transaction(con):
        for schema in SCHEMAS:
            con.execute(f"create schema if not exists {schema}")
        con.execute((WAREHOUSE_DIR / "ops" / "schema_version.sql").read_text(encoding="utf-8"))
        applied = {row[0] for row in con.execute("select version from ops.schema_version")
                   .fetchall()}
        new = not applied and not _has_tables(con)
        pending = [m for m in steps if m.version not in applied]
        for step in pending:
            if step.path is None:
                for layer in TABLE_LAYERS:
                    for file in sql_files(layer):
                        con.execute(file.read_text(encoding="utf-8"))
            elif not new:
                try:
                    con.execute(step.path.read_text(encoding="utf-8"))
                except duckdb.Error as exc:
                    raise MigrationFailed(f"{step.path}: {exc}") from exc
            con.execute("insert into ops.schema_version values (?, ?, ?, now())",
                        [step.version, step.name, "created" if new else "migrated"])
    return [m.version for m in pending]


def _open(path: Path) -> duckdb.DuckDBPyConnection:
    con = open_for_writing(path)
    con.execute("set TimeZone = 'Asia/Ho_Chi_Minh'")
    return con


def open_migrated(path: Path) -> duckdb.DuckDBPyConnection:
    """Open (or create) the warehouse file and migrate it to the latest schema version: for
    a flow's start and for anything that may open a new warehouse (tests, commands)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(path)
    try:
        migrate(con)
    except BaseException:
        con.close()
        raise
    return con


def migrate_file(path: Path) -> list[int]:
    """Open, migrate and close the warehouse: the versions applied now. A warehouse that
    cannot be opened for writing is a `WarehouseUnavailable`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _open(path) as con:
        return migrate(con)


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    """Open the warehouse for a stage of a run: no DDL. The run migrated it at its start;
    a warehouse that is missing or not at the latest version is a `SchemaNotCurrent`."""
    if not path.is_file():
        raise SchemaNotCurrent(f"không có kho dữ liệu {path}: quy trình phải tạo kho "
                               "(warehouse.db.migrate_file) trước khi các bước mở nó")
    con = _open(path)
    found, latest = schema_version(con), migrations()[-1].version
    if found != latest:
        con.close()
        raise SchemaNotCurrent(f"kho dữ liệu {path} ở phiên bản lược đồ {found}, chương trình "
                               f"cần {latest}: quy trình phải cập nhật kho "
                               "(warehouse.db.migrate_file) trước khi các bước mở nó")
    return con


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection):
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


@contextmanager
def bulk_writes(con: duckdb.DuckDBPyConnection):
    """Many commits in a row (the pull's batches) while other processes have the cores
    (the readers): without DuckDB's automatic checkpoints (one each time its log passes
    16 MB, each writing the tables' indexes again: most of the pull's commit time), then
    one checkpoint; and on one thread (more only add CPU time when the cores are taken).
    A commit stays durable: it is in the log until the checkpoint."""
    con.execute("set checkpoint_threshold = '1TB'")
    con.execute("set threads = 1")
    try:
        yield con
    finally:
        con.execute("reset threads")
        con.execute("reset checkpoint_threshold")
    con.execute("checkpoint")


def models_in_build_order() -> list[Path]:
    """The model files of ref, intermediate and marts, each after the models it reads."""
    files = {f"{layer}.{f.stem}": f for layer in MODEL_LAYERS for f in sql_files(layer)}
    pattern = re.compile(r"\b(" + "|".join(MODEL_LAYERS) + r")\.(\w+)")
    needs = {
        name: {f"{a}.{b}" for a, b in pattern.findall(file.read_text(encoding="utf-8"))}
        & (files.keys() - {name})
        for name, file in files.items()
    }
    return [files[name] for name in TopologicalSorter(needs).static_order()]


def rebuild_models(con: duckdb.DuckDBPyConnection, seeds_dir: Path) -> None:
    """Reload the registry seeds and rebuild intermediate views and marts."""
    for file in models_in_build_order():
        sql = file.read_text(encoding="utf-8").replace("{seeds_dir}", seeds_dir.as_posix())
        con.execute(sql)


# --- raw -------------------------------------------------------------------------------


def snapshot_exists(con: duckdb.DuckDBPyConnection, snapshot_id: str) -> bool:
    found = con.execute(
        "select count(*) from raw.snapshots where snapshot_id = ?", [snapshot_id]
    ).fetchone()
    return bool(found and found[0])


def snapshot_ids(con: duckdb.DuckDBPyConnection, year: int) -> set[str]:
    """The ids of every snapshot kept for a year."""
    rows = con.execute("select snapshot_id from raw.snapshots where year = ?", [year])
    return {row[0] for row in rows.fetchall()}


_SNAPSHOT_COLUMNS = ("snapshot_id", "year", "unit_code", "source_kind", "source_ref",
                     "content_sha256", "content_bytes", "content", "tab_names", "read_error",
                     "fetched_at")
_CELL_COLUMNS = ("snapshot_id", "tab_index", "tab_name", "row_number", "column_number",
                 "value_type", "value_text")
_FETCH_COLUMNS = ("year", "unit_code", "outcome", "snapshot_id", "detail", "fetched_at",
                  "source_version", "drive_version")


def _cells_frame(snapshots: Sequence[tuple[dict[str, object], CellColumns]]
                 ) -> pd.DataFrame:
    """The cells of new snapshots as one frame of raw.cells' columns, snapshot by snapshot
    (each snapshot's columns lists or numpy arrays)."""
    def joined(name: str, dtype: type) -> np.ndarray:
        parts = [getattr(cells, name) for _, cells in snapshots]
        if parts and all(isinstance(part, np.ndarray) for part in parts):
            return np.concatenate(parts).astype(dtype, copy=False)
        return np.fromiter(chain.from_iterable(parts), dtype=dtype,
                           count=sum(len(part) for part in parts))

    ids = np.array([row["snapshot_id"] for row, _ in snapshots], dtype=object)
    return pd.DataFrame({
        "snapshot_id": np.repeat(ids, [len(cells) for _, cells in snapshots]),
        "tab_index": joined("tab_index", np.int32),
        "tab_name": joined("tab_name", object),
        "row_number": joined("row_number", np.int32),
        "column_number": joined("column_number", np.int32),
        "value_type": joined("value_type", object),
        "value_text": joined("value_text", object),
    }, columns=list(_CELL_COLUMNS))


def store_pull(con: duckdb.DuckDBPyConnection,
               snapshots: Sequence[tuple[dict[str, object], CellColumns]],
               fetches: Sequence[dict[str, object]]) -> None:
    """Store new snapshots (each row of raw.snapshots with its cells) and log fetches, in
    the order given, all or nothing: the one way every source writes them, one insert a
    table. `content_bytes` is the size of the content as found (it differs from the
    content's length when the content is not kept: over the limit)."""
    cells = _cells_frame(snapshots)
    new_snapshots = pd.DataFrame(
        {c: pd.Series([list(row[c]) if c == "tab_names" and row[c] is not None else row[c]
                       for row, _ in snapshots], dtype=object) for c in _SNAPSHOT_COLUMNS},
        columns=list(_SNAPSHOT_COLUMNS))
    new_snapshots["ord"] = range(len(new_snapshots))
    fetch_rows = pd.DataFrame([[f.get(c) for c in _FETCH_COLUMNS] for f in fetches],
                              columns=list(_FETCH_COLUMNS), dtype=object)
    fetch_rows["ord"] = range(len(fetch_rows))
    with transaction(con):
        if len(new_snapshots):
            con.register("new_snapshots", new_snapshots)
            con.execute(
                f"insert into raw.snapshots ({', '.join(_SNAPSHOT_COLUMNS)}) "
                "select snapshot_id, year, unit_code, source_kind, source_ref, content_sha256, "
                "content_bytes, content::blob, tab_names::varchar[], read_error::varchar, "
                "fetched_at::timestamptz from new_snapshots order by ord")
            con.unregister("new_snapshots")
        crash_point("pull")
        if len(cells):
            con.register("new_cells", cells)
            con.execute(f"insert into raw.cells ({', '.join(_CELL_COLUMNS)}) "
                        "select * from new_cells")
            con.unregister("new_cells")
        if len(fetch_rows):
            con.register("new_fetches", fetch_rows)
            con.execute(f"insert into raw.fetches ({', '.join(_FETCH_COLUMNS)}) "
                        f"select {', '.join(_FETCH_COLUMNS)} from new_fetches order by ord")
            con.unregister("new_fetches")


def current_snapshots(con: duckdb.DuckDBPyConnection, year: int) -> list[dict[str, object]]:
    """The current snapshot of each unit for a year: the one its latest good fetch read
    (up to the cut-off when the year is frozen), with its source and read error."""
    return frame_records(con.execute(
        """
        with cut_off as (
            select frozen_at from raw.freezes where year = $year
        ),
        latest as (
            select unit_code, snapshot_id
            from raw.fetches
            where year = $year and outcome = 'snapshot'
                and fetched_at <= coalesce((select frozen_at from cut_off), 'infinity')
            qualify row_number() over (partition by unit_code order by fetch_id desc) = 1
        )
        select s.snapshot_id, s.year, s.unit_code, s.source_kind, s.source_ref,
            s.tab_names, s.read_error, s.fetched_at
        from latest join raw.snapshots as s using (snapshot_id)
        order by s.unit_code
        """,
        {"year": year},
    ))


def folder_notes(con: duckdb.DuckDBPyConnection, year: int) -> list[dict[str, object]]:
    """What the year's latest pull noted about its reports folder (outcome 'folder'):
    unit_code, rule and the files named, in the order noted."""
    rows = con.execute(
        """
        select unit_code, detail
        from raw.fetches
        where year = $year and outcome = 'folder'
            and fetched_at = (select max(fetched_at) from raw.fetches where year = $year)
        order by fetch_id
        """,
        {"year": year},
    ).fetchall()
    notes = []
    for unit_code, detail in rows:
        note = json.loads(detail)
        notes.append({"unit_code": unit_code, "rule": note["rule"], "files": note["files"]})
    return notes


def freeze_year(con: duckdb.DuckDBPyConnection, year: int, at: datetime) -> datetime:
    """Freeze a year's snapshots at `at` unless already frozen; the freeze time in force."""
    con.execute("insert into raw.freezes values (?, ?) on conflict do nothing", [year, at])
    return con.execute("select frozen_at from raw.freezes where year = ?", [year]).fetchone()[0]


def freezes(con: duckdb.DuckDBPyConnection) -> list[tuple[int, datetime]]:
    """The frozen years and their freeze times, by year."""
    return con.execute("select year, frozen_at from raw.freezes order by year").fetchall()


def lifted_freezes(con: duckdb.DuckDBPyConnection) -> list[tuple[int, datetime, datetime, str]]:
    """Every lifted freeze: year, freeze time, when lifted and why, oldest first."""
    return con.execute("select year, frozen_at, unfrozen_at, reason from raw.unfreezes "
                       "order by unfrozen_at").fetchall()


def unfreeze_year(con: duckdb.DuckDBPyConnection, year: int, at: datetime,
                  reason: str) -> datetime | None:
    """Lift a year's freeze, keeping its trace in raw.unfreezes; the lifted freeze time, or
    None when the year was not frozen."""
    with transaction(con):
        found = con.execute("select frozen_at from raw.freezes where year = ?", [year]).fetchone()
        if found is None:
            return None
        con.execute("insert into raw.unfreezes values (?, ?, ?, ?)", [year, found[0], at, reason])
        con.execute("delete from raw.freezes where year = ?", [year])
    return found[0]


def late_revisions(con: duckdb.DuckDBPyConnection, year: int) -> list[dict[str, object]]:
    """Units whose content changed after the year's cut-off: newest late snapshot each."""
    return frame_records(con.execute(
        """
        select f.unit_code, f.snapshot_id, f.fetched_at
        from raw.fetches as f
        join raw.freezes as z on z.year = f.year
        where f.year = ? and f.outcome = 'snapshot' and f.fetched_at > z.frozen_at
            and f.snapshot_id not in (
                select snapshot_id from raw.fetches
                where year = f.year and unit_code = f.unit_code and fetched_at <= z.frozen_at
                    and outcome = 'snapshot')
        qualify row_number() over (partition by f.unit_code order by f.fetch_id desc) = 1
        order by f.unit_code
        """,
        [year],
    ))


def year_snapshots(con: duckdb.DuckDBPyConnection, year: int) -> dict[str, list[dict]]:
    """Every snapshot of every unit of a year, oldest first, by unit code."""
    by_unit: dict[str, list[dict]] = {}
    for snap in frame_records(con.execute(
        "select unit_code, snapshot_id, tab_names, read_error, fetched_at from raw.snapshots "
        "where year = ? order by unit_code, fetched_at, snapshot_id", [year],
    )):
        by_unit.setdefault(snap.pop("unit_code"), []).append(snap)
    return by_unit


StoredCells = tuple[list[int], list[int], list[int], list[str], list[str]]


def _wanted_tabs(tabs_of: dict[str, Sequence[int]]) -> tuple[list[str], list[int], list[int]]:
    """A (snapshot, tab index) pair per wanted tab as three lists, with the snapshot's
    position in `tabs_of` (k): the parameters of the cells' queries below."""
    ids, tabs, order = [], [], []
    for k, (snapshot_id, indexes) in enumerate(tabs_of.items()):
        ids += [snapshot_id] * len(indexes)
        tabs += list(indexes)
        order += [k] * len(indexes)
    return ids, tabs, order


def snapshots_cells(con: duckdb.DuckDBPyConnection,
                    tabs_of: dict[str, Sequence[int]]) -> dict[str, StoredCells]:
    """The cells of the given tabs (by tab index) of many snapshots in one query, as columns
    by snapshot: tab indexes, rows, columns, value types, value texts. Grouped by snapshot,
    a snapshot's cells in no particular order (`core.snapshot.grids_of` places each by its
    row and column). Read as arrays, not as a tuple per cell; the range of the ids lets
    DuckDB skip the row groups of other snapshots (the pull writes a unit's cells together)."""
    ids, tabs, order = _wanted_tabs(tabs_of)
    if not ids:
        return {snapshot_id: ([], [], [], [], []) for snapshot_id in tabs_of}
    got = con.execute(
        """
        select w.k, c.tab_index, c.row_number, c.column_number, c.value_type, c.value_text
        from raw.cells as c
        join (select unnest($ids) as snapshot_id, unnest($tabs) as tab_index,
                     unnest($order) as k) as w
            using (snapshot_id, tab_index)
        where c.snapshot_id between $low and $high
        order by w.k
        """,
        {"ids": ids, "tabs": tabs, "order": order, "low": min(ids), "high": max(ids)},
    ).fetchnumpy()
    bounds = np.searchsorted(got["k"], np.arange(len(tabs_of) + 1)).tolist()
    columns = [got[name].tolist() for name in
               ("tab_index", "row_number", "column_number", "value_type", "value_text")]
    return {
        snapshot_id: tuple(column[bounds[k]:bounds[k + 1]] for column in columns)
        for k, snapshot_id in enumerate(tabs_of)
    }


def snapshots_cell_columns(con: duckdb.DuckDBPyConnection,
                           tabs_of: dict[str, Sequence[int]]) -> dict[str, np.ndarray]:
    """The cells of the given tabs (by tab index) of many snapshots in one query, as arrays:
    k (the snapshot's position in `tabs_of`), tab_index, row_number, column_number,
    value_kind (the position of the value's type in `core.snapshot.VALUE_KINDS`, any
    other type as text, as `decode` reads it), value_text and
    value_hash (DuckDB's hash of the text: numbering the texts by it is cheaper than
    hashing them again in Python); in no particular order. The range of the ids lets
    DuckDB skip the row groups of other snapshots (the pull writes a unit's cells
    together)."""
    ids, tabs, order = _wanted_tabs(tabs_of)
    if not ids:
        return {"k": np.zeros(0, np.int64), "tab_index": np.zeros(0, np.int64),
                "row_number": np.zeros(0, np.int64), "column_number": np.zeros(0, np.int64),
                "value_kind": np.zeros(0, np.int8), "value_text": np.zeros(0, object),
                "value_hash": np.zeros(0, np.uint64)}
    kinds = " ".join(f"when '{kind}' then {i}" for i, kind in enumerate(VALUE_KINDS))
    return con.execute(
        f"""
        select w.k, c.tab_index, c.row_number, c.column_number,
            (case c.value_type {kinds} else 0 end)::tinyint as value_kind,
            c.value_text, hash(c.value_text) as value_hash
        from raw.cells as c
        join (select unnest($ids) as snapshot_id, unnest($tabs) as tab_index,
                     unnest($order) as k) as w
            using (snapshot_id, tab_index)
        where c.snapshot_id between $low and $high
        """,
        {"ids": ids, "tabs": tabs, "order": order, "low": min(ids), "high": max(ids)},
    ).fetchnumpy()


def frame_records(result: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    columns = [d[0] for d in result.description]
    return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


def record_flow_run(con: duckdb.DuckDBPyConnection, run: dict[str, object]) -> None:
    """Insert or replace the row of one flow run in ops.flow_runs."""
    con.execute("delete from ops.flow_runs where flow_run_id = ?", [run["flow_run_id"]])
    _insert_rows(con, "ops", "flow_runs", [run])


# --- staging, quality, marts -------------------------------------------------------------


def table_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    return [
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
    ]


class UnknownColumns(ValueError):
    """Rows for a staging, quality or ops table carry a field the table's SQL lacks: a
    column would be dropped without a word."""


def _insert_rows(con: duckdb.DuckDBPyConnection, schema: str, table: str,
                 rows: Sequence[dict[str, object]]) -> None:
    if not rows:
        return
    columns = table_columns(con, schema, table)
    shapes = {tuple(row) for row in rows}  # the rows' keys: most tables' rows have one set
    if extra := sorted({key for shape in shapes for key in shape} - set(columns)):
        raise UnknownColumns(
            f"{schema}.{table} has no column {', '.join(extra)}: add it to "
            f"warehouse/{schema}/{table}.sql and a migration (warehouse/migrations/), or stop "
            "filling it")
    frame = _frame(rows, columns, shapes)
    con.register("new_rows", frame)
    con.execute(f"insert into {schema}.{table} by name select * from new_rows")
    con.unregister("new_rows")


def _frame(rows: Sequence[dict[str, object]], columns: list[str],
           shapes: set[tuple[str, ...]]) -> pd.DataFrame:
    """Each row's value of each column, None where the row has no such key (so that the
    insert writes null there, not the column's default)."""
    shape = next(iter(shapes))
    present = [c for c in columns if c in shape]
    if len(shapes) > 1 or len(present) < 2:
        return pd.DataFrame([[row.get(c) for c in columns] for row in rows], columns=columns,
                            dtype=object)
    # every row has the same keys: each row's values read at once
    frame = pd.DataFrame(list(map(itemgetter(*present), rows)), columns=present, dtype=object)
    for column in columns:
        if column not in shape:
            frame[column] = pd.Series([None] * len(rows), index=frame.index, dtype=object)
    return frame[columns]


def replace_year(con: duckdb.DuckDBPyConnection, year: int,
                 tables: dict[str, list[dict]]) -> None:
    """Replace one year's staging and quality rows, in one transaction: a re-run gives
    identical tables, a crash midway leaves the previous rows. The marts are rebuilt by
    the indicators stage (`rebuild_models`)."""
    with transaction(con):
        for name in STAGING_TABLES:
            con.execute(f"delete from staging.{name} where year = ?", [year])
        for name in QUALITY_TABLES:
            con.execute(f"delete from quality.{name} where year = ?", [year])
        for qualified, rows in tables.items():
            schema, table = qualified.split(".")
            _insert_rows(con, schema, table, rows)
            crash_point("load")
