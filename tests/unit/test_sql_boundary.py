"""SQL lives in warehouse/: no string in the Python code outside it (tests, benchmarks and
the demo generator aside) reads like a SQL statement."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
OUTSIDE_THE_RULE = ("warehouse", "tests", "bench", "demo", ".venv", ".tools", ".git")

# a select must read from a qualified table (schema.table), a quoted name, a placeholder,
# a sub-query or a table function: "select the year from the list" is prose
SQL = re.compile(
    r"\bselect\b[\s\S]*?\bfrom\s+(\w+\.[\w{]|['\"({]|read_\w+\()"
    r"|\binsert\s+(or\s+\w+\s+)?into\b|\bdelete\s+from\b|\bupdate\s+[\w.\"{}]+\s+set\b"
    r"|\b(create|drop)\s+(or\s+replace\s+)?(temp\w*\s+)?(table|view|schema|sequence|index|macro)\b"
    r"|\balter\s+table\b|\bcopy\s+[\w.\"({}]+\s+(to|from)\b|\battach\s+'|\bcomment\s+on\b",
    re.IGNORECASE)


def string_texts(source: str) -> list[tuple[int, str]]:
    """Every string literal of a module but its docstrings, with its line; an f-string's
    literal parts joined around `{}`."""
    tree = ast.parse(source)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                                | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    found = []
    in_fstrings = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
                   for v in node.values}
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            found.append((node.lineno, text))
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and id(node) not in docstrings and id(node) not in in_fstrings):
            found.append((node.lineno, node.value))
    return sorted(found)


def sql_strings(path: Path) -> list[str]:
    return [f"{path.relative_to(ROOT)}:{line}: {text.strip()[:80]}"
            for line, text in string_texts(path.read_text(encoding="utf-8"))
            if SQL.search(text)]


def python_files() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py")
                  if p.relative_to(ROOT).parts[0] not in OUTSIDE_THE_RULE)


def test_the_pattern_finds_sql_and_leaves_prose_alone():
    """What counts as SQL, on strings like the code's: f-strings and concatenated literals
    are seen whole; a docstring or a sentence that merely says "select" is not SQL."""
    module = '''
"""Select the units from the registry and delete from the list the ones gone."""
def f(con, name):
    """Insert into the log; select * from nothing."""
    con.execute(f"select * from marts.{name} where year = ?")
    con.execute("insert into raw.freezes "
                "values (?, ?)")
    con.execute("delete from raw.freezes where year = ?")
    con.execute("update raw.x set a = 1")
    con.execute("create or replace table t as select 1")
    con.execute("alter table raw.fetches add column v bigint")
    con.execute(f"copy marts.{name} to 'x.parquet'")
    return "Chọn một năm từ danh sách", "select the year from the list"
'''
    texts = [text for _, text in string_texts(module) if SQL.search(text)]
    assert ["select * from marts.{} where year = ?", "insert into raw.freezes values (?, ?)",
            "delete from raw.freezes where year = ?", "update raw.x set a = 1",
            "create or replace table t as select 1",
            "alter table raw.fetches add column v bigint", "copy marts.{} to 'x.parquet'"
            ] == texts


def test_no_sql_outside_the_warehouse_package():
    """Every .py outside warehouse/ (and tests/, bench/, demo/) is free of SQL strings."""
    found = [hit for path in python_files() for hit in sql_strings(path)]
    assert [] == found, "SQL belongs in warehouse/ (a function of the warehouse package):\n" \
        + "\n".join(found)
