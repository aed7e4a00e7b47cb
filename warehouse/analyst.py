"""The analysts' side: a read-only copy of the warehouse, Parquet files of the marts and a
data dictionary, published atomically after each successful run.

DuckDB allows one writer: the pipeline writes its own file and never opens the analysts'
copy for writing; an analyst's open connection keeps reading the old copy until it
reconnects, and never blocks a run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core.files import replacing, replacing_folder, write_text
from warehouse.db import MODEL_LAYERS, TABLE_LAYERS, open_for_writing, sql_files

ANALYST_STORAGE_VERSION = "v1.4.0"  # readable by DuckDB 1.4 clients (DBeaver, older CLIs)
# DuckDB's buffer pool while it copies: the copy streams table by table, so a small pool is
# as fast (4,021 units: 2.7 s either way) and keeps the run's peak memory down (414 → 251 MB
# for the copy alone; the default pool is most of the machine's memory)
COPY_MEMORY_LIMIT = "128MB"
# and one thread: the copy is mostly raw.cells' primary key, built row by row; a second
# thread added memory, not speed (4,021 units: 1.8-2.4 s of CPU against 2.4-2.7, the
# copy's own peak 164 MB against 214 with two threads on this 2-core machine)
COPY_THREADS = 1
# Tables whose data is copied without compression: raw.snapshots holds every workbook as
# fetched (.xlsx files are zip archives, which do not compress), and DuckDB's analysis of
# each compression method for them was most of the copy (4,021 units: 1.1 of 3.0 s of CPU)
# for a file 1 % smaller.
UNCOMPRESSED_TABLES = (("raw", "snapshots"),)
DICTIONARY_LAYERS = ("raw", "staging", "quality", "ref", "intermediate", "marts", "ops")


@dataclass(frozen=True)
class TableDoc:
    schema: str
    name: str
    grain: str
    columns: tuple[tuple[str, str, str], ...]  # (name, type, meaning)


COLUMNS_LINE = "Columns:"
_COLUMN_ENTRY = re.compile(r"- (?P<name>\w+): (?P<meaning>.*)")


def _header_lines(path: Path) -> list[str]:
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("--"):
            break
        lines.append(line.removeprefix("--").removeprefix(" "))
    return lines


def sql_header(path: Path) -> str:
    """The leading comment of a SQL file up to its column list, without its first line
    (the object's name): the object's grain."""
    lines = _header_lines(path)[1:]
    if COLUMNS_LINE in lines:
        lines = lines[:lines.index(COLUMNS_LINE)]
    return " ".join(line.strip() for line in lines).strip()


def column_meanings(path: Path) -> dict[str, str]:
    """The column list of a SQL file's header: after a line `-- Columns:`, one entry per
    column, `-- - name: meaning`, continued on lines indented by two more spaces."""
    lines = _header_lines(path)
    if COLUMNS_LINE not in lines:
        return {}
    meanings: dict[str, str] = {}
    name = None
    for line in lines[lines.index(COLUMNS_LINE) + 1:]:
        if entry := _COLUMN_ENTRY.fullmatch(line):
            name = entry["name"]
            meanings[name] = entry["meaning"].strip()
        elif name and line.startswith("  "):
            meanings[name] += " " + line.strip()
        else:
            raise ValueError(f"{path}: «{line}» is neither a column entry nor its continuation")
    return meanings


def object_files() -> dict[str, Path]:
    """The SQL file of each table and view, by qualified name."""
    return {f"{layer}.{f.stem}": f for layer in (*TABLE_LAYERS, *MODEL_LAYERS)
            for f in sql_files(layer)}


def describe_tables(con: duckdb.DuckDBPyConnection) -> list[TableDoc]:
    """Every table and view of the warehouse with its grain and its columns' meanings (from
    its SQL file's header)."""
    files = object_files()
    grains = {name: sql_header(f) for name, f in files.items()}
    meanings = {name: column_meanings(f) for name, f in files.items()}
    rows = con.execute(
        "select table_schema, table_name, column_name, data_type from information_schema.columns "
        "where table_catalog = current_database() order by table_schema, table_name, "
        "ordinal_position").fetchall()
    tables: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for schema, table, column, data_type in rows:
        if schema in DICTIONARY_LAYERS:
            tables.setdefault((schema, table), []).append((column, data_type))
    return [TableDoc(s, t, grains.get(f"{s}.{t}", ""),
                     tuple((c, d, meanings.get(f"{s}.{t}", {}).get(c, "")) for c, d in cols))
            for (s, t), cols in sorted(tables.items(),
                                       key=lambda k: (DICTIONARY_LAYERS.index(k[0][0]), k[0][1]))]


def render_dictionary(tables: list[TableDoc]) -> str:
    """The data dictionary as Markdown."""
    out = ["# Data dictionary", "",
           "Generated after each run from the warehouse schema and the SQL files' headers "
           "(grain, and each column's meaning).", ""]
    for table in tables:
        out += [f"## {table.schema}.{table.name}", "", table.grain or "(no description)", "",
                "| column | type | meaning |", "|---|---|---|"]
        out += [f"| {name} | {data_type} | {_cell(meaning)} |"
                for name, data_type, meaning in table.columns]
        out.append("")
    return "\n".join(out)


def _cell(text: str) -> str:
    """Text for a Markdown table cell: a pipe would end the cell."""
    return text.replace("|", "\\|")


def _copy_database(con: duckdb.DuckDBPyConnection, source: str, target: str) -> None:
    """`copy from database source to target`, as DuckDB does it (the schema: tables,
    constraints, sequences, views; then each table's rows), with the tables of
    UNCOMPRESSED_TABLES copied first and written uncompressed."""
    con.execute(f'copy from database "{source}" to "{target}" (schema)')
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ? "
        "order by schema_name, table_name", [source]).fetchall()
    first = [t for t in tables if t in UNCOMPRESSED_TABLES]
    if first:
        con.execute("set force_compression = 'uncompressed'")
        try:
            for schema, table in first:
                _copy_table(con, source, target, schema, table)
            con.execute(f'checkpoint "{target}"')  # written now, under this setting
        finally:
            con.execute("reset force_compression")
    for schema, table in tables:
        if (schema, table) not in UNCOMPRESSED_TABLES:
            _copy_table(con, source, target, schema, table)


def _copy_table(con: duckdb.DuckDBPyConnection, source: str, target: str, schema: str,
                table: str) -> None:
    con.execute(f'insert into "{target}"."{schema}"."{table}" '
                f'select * from "{source}"."{schema}"."{table}"')


def publish_analyst_copy(warehouse: Path, analyst_dir: Path) -> dict[str, Path]:
    """Copy the warehouse into `analyst_dir/warehouse.duckdb`, write the marts as Parquet and
    the data dictionary; each file appears at once (temporary file, then rename)."""
    analyst_dir.mkdir(parents=True, exist_ok=True)
    target, parquet_dir = analyst_dir / "warehouse.duckdb", analyst_dir / "marts"
    with open_for_writing(warehouse) as con:
        con.execute(f"set memory_limit = '{COPY_MEMORY_LIMIT}'")
        con.execute(f"set threads = {COPY_THREADS}")
        source = con.execute("select current_database()").fetchone()[0]
        with replacing(target) as partial:
            con.execute(f"attach '{partial.as_posix()}' as analyst_copy "
                        f"(storage_version '{ANALYST_STORAGE_VERSION}')")
            try:
                _copy_database(con, source, "analyst_copy")
            finally:
                con.execute("detach analyst_copy")
        with replacing_folder(parquet_dir) as partial_dir:
            for (table,) in con.execute("select table_name from information_schema.tables "
                                        "where table_schema = 'marts' order by 1").fetchall():
                parquet = (partial_dir / f"{table}.parquet").as_posix()
                con.execute(f"copy marts.{table} to '{parquet}' (format parquet)")
        dictionary = render_dictionary(describe_tables(con))
    write_text(analyst_dir / "DATA_DICTIONARY.md", dictionary)
    return {"warehouse": target, "parquet": parquet_dir,
            "dictionary": analyst_dir / "DATA_DICTIONARY.md"}
