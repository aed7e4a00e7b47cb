"""The tests' layout holds: a test module is imported by no other module (what tests share
lives in support modules: tests/conftest.py, runs.py, workbooks.py, keys.py,
service_helpers.py, emulator/), and bench/ uses nothing of tests/ but the Sheets emulator."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEST_FOLDERS = ("tests.unit", "tests.integration", "tests.e2e")
BENCH_MAY_IMPORT = ("tests.emulator",)


def imported_modules(path: Path) -> set[str]:
    """Every module named by an import statement of the file, at any depth."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _is_test_module(name: str) -> bool:
    return name.startswith(tuple(f"{folder}." for folder in TEST_FOLDERS)) or \
        name.rsplit(".", 1)[-1].startswith("test_")


def test_imported_modules_reads_every_form_of_import(tmp_path):
    """`import a.b`, `from a import b` (as a and a.b) and an import inside a function;
    relative imports are left out."""
    source = tmp_path / "m.py"
    source.write_text("import a.b\nfrom c import d\ndef f():\n    from e.f import g\n"
                      "from . import h\n", encoding="utf-8")
    assert {"a.b", "c", "c.d", "e.f", "e.f.g"} == imported_modules(source)


def test_no_module_imports_a_test_module():
    """Helpers two test modules need live in a support module, not in one of them."""
    offenders = {str(path.relative_to(ROOT)): sorted(filter(_is_test_module,
                                                            imported_modules(path)))
                 for path in sorted((ROOT / "tests").rglob("*.py"))
                 if "vendor" not in path.parts}
    assert {} == {path: names for path, names in offenders.items() if names}


def test_bench_uses_nothing_of_tests_but_the_emulator():
    found = {str(path.relative_to(ROOT)): sorted(
        name for name in imported_modules(path)
        if name.startswith("tests.") and not name.startswith(BENCH_MAY_IMPORT))
        for path in sorted((ROOT / "bench").rglob("*.py"))}
    assert {} == {path: names for path, names in found.items() if names}
