"""The administrator's commands run under their `python -m admin.…` names."""

from __future__ import annotations

import subprocess
import sys

from core.blank_workbook import write_blank


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True,
                          timeout=120, check=False)


def test_blank_workbook_command_writes_the_template(tmp_path):
    """`python -m admin.blank_workbook OUT --unit --year` writes the same bytes as the
    template derivation in core (deterministic), and prints the file's path."""
    out, expected = tmp_path / "mau.xlsx", tmp_path / "expected.xlsx"
    done = _run("admin.blank_workbook", str(out), "--unit", "LDTBXH", "--year", "2025")
    write_blank(expected, "LDTBXH", 2025)
    assert (0, f"{out}\n") == (done.returncode, done.stdout)
    assert expected.read_bytes() == out.read_bytes()


def test_register_command_stages_a_reports_folder_for_the_emulator(tmp_path):
    """`python -m admin.register` copies each year's workbook as a spreadsheet of the
    emulator and writes the register naming it."""
    reports = tmp_path / "reports"
    (reports / "2024").mkdir(parents=True)
    (reports / "2024" / "VHTT.xlsx").write_bytes(b"PK-vhtt")
    done = _run("admin.register", "--reports-dir", str(reports), "--years", "2024",
                "--out", str(tmp_path / "emu"))
    assert 0 == done.returncode, done.stderr
    assert b"PK-vhtt" == (tmp_path / "emu" / "drive" / "demo-2024-VHTT.xlsx").read_bytes()
    assert ("year,unit_code,spreadsheet,note\n"
            "2024,VHTT,https://docs.google.com/spreadsheets/d/demo-2024-VHTT,\n") == \
        (tmp_path / "emu" / "register.csv").read_text(encoding="utf-8")
