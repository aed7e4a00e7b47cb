"""The pipeline's environment variables are read in core/settings.py only, each typed and
named in its error; elsewhere only Prefect's own variables are set or passed to children."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from core import settings
from core.settings import SettingError, settings_from

PROJECT_DIR = Path(__file__).resolve().parents[2]
READS_ENVIRONMENT = re.compile(r"os\.environ|getenv|from os import[^\n]*environ")
# Modules that touch the environment for Prefect or for a child process, never to read a
# setting of the pipeline: what each such line may do.
PREFECT_OR_CHILD = {
    "core/runtime.py": "sets Prefect's defaults; the temporary server's environment",
    "flows/serve.py": "the server's and worker's environment; Prefect's auth and API URL",
    "sources/reader.py": "the reader child's environment",
    "bench/run.py": "the environment of the whole command it times in a child",
}
ALLOWED_LINE = re.compile(r'dict\(os\.environ\)|\{\*\*os\.environ|os\.environ\.setdefault\('
                          r'|os\.environ\.get\("(PREFECT_[A-Z_]+|PYTHONPATH)"')


def _python_sources():
    for path in sorted(PROJECT_DIR.rglob("*.py")):
        relative = path.relative_to(PROJECT_DIR)
        if relative.parts[0] in ("tests", "demo") or relative.parts[0].startswith("."):
            continue
        yield relative.as_posix(), path.read_text(encoding="utf-8")


def test_environment_is_read_only_in_core_settings():
    """Outside core/settings.py, a line that touches os.environ builds a child's
    environment, sets Prefect's defaults or reads a Prefect variable, in the modules listed
    with their reason; nothing else."""
    found = {}
    for name, text in _python_sources():
        if name == "core/settings.py":
            continue
        lines = [line.strip() for line in text.splitlines() if READS_ENVIRONMENT.search(line)]
        if name in PREFECT_OR_CHILD:
            lines = [line for line in lines if not ALLOWED_LINE.search(line)]
        if lines:
            found[name] = lines
    assert {} == found


def test_each_listed_module_still_needs_its_exception():
    """An exception that is no longer used is taken off the list."""
    sources = dict(_python_sources())
    assert [] == [name for name in PREFECT_OR_CHILD
                  if not READS_ENVIRONMENT.search(sources[name])]


def test_every_variable_the_docs_and_deploy_files_name_is_a_setting():
    """An HB_ variable named in the README, docs/, deploy/, prefect.yaml or the Makefile is
    one that core/settings.py reads (or refuses as removed): no name left behind by a
    rename."""
    known = {*settings.ENV.values(), *settings.OPERATIONS_ENV.values(),
             *settings.DOCUMENT_ENV.values(), *settings.SECRET_ENV.values(),
             settings.SETTINGS_FILE_ENV, *(name for name, _ in settings.REMOVED.values())}
    named = re.compile(r"\bHB_[A-Z0-9_]*[A-Z0-9](?![A-Z0-9_*])")  # HB_READ_* is a family
    files = [PROJECT_DIR / "README.md", PROJECT_DIR / "prefect.yaml", PROJECT_DIR / "Makefile",
             *sorted((PROJECT_DIR / "docs").glob("*.md")),
             *sorted((PROJECT_DIR / "deploy").glob("*.env*")),
             *sorted((PROJECT_DIR / "deploy").glob("*.md"))]
    unknown = {path.name: sorted(set(named.findall(path.read_text(encoding="utf-8"))) - known)
               for path in files}
    assert {} == {name: names for name, names in unknown.items() if names}


@pytest.fixture()
def clean(monkeypatch):
    for name in (*settings.OPERATIONS_ENV.values(), *settings.DOCUMENT_ENV.values(),
                 *settings.SECRET_ENV.values(), settings.SETTINGS_FILE_ENV):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_folders_from_the_environment_or_beside_the_warehouse(clean, tmp_path):
    run = settings_from(warehouse=tmp_path / "data" / "w.duckdb")
    assert (tmp_path / "data" / "analyst", tmp_path / "data" / "backups",
            tmp_path / "given") == (settings.analyst_dir(run), settings.backup_dir(run),
                                    settings.backup_dir(run, tmp_path / "given"))
    clean.setenv("HB_ANALYST_DIR", str(tmp_path / "a"))
    clean.setenv("HB_BACKUP_DIR", str(tmp_path / "b"))
    assert (tmp_path / "a", tmp_path / "b") == (settings.analyst_dir(run),
                                                settings.backup_dir(run))


@pytest.mark.parametrize(("value", "message"), [
    ("ba mươi", "HB_BACKUP_KEEP: «ba mươi» không phải số nguyên"),
    ("0", "HB_BACKUP_KEEP: phải từ 1 trở lên (đang là 0)"),
])
def test_backup_keep_is_a_whole_number_from_one(clean, value, message):
    assert 30 == settings.backup_keep()
    clean.setenv("HB_BACKUP_KEEP", " 7 ")
    assert (7, 3) == (settings.backup_keep(), settings.backup_keep("3"))
    clean.setenv("HB_BACKUP_KEEP", value)
    with pytest.raises(SettingError) as raised:
        settings.backup_keep()
    assert message == str(raised.value)


def test_notification_blocks_and_result_bounds(clean):
    assert ("", "", "smtp-email/a", 7.0, 200.0) == (
        settings.failure_notification_block(), settings.reminder_notification_block(),
        settings.reminder_notification_block("smtp-email/a"), settings.results_keep_days(),
        settings.results_max_mb())
    clean.setenv("HB_FAILURE_NOTIFICATION_BLOCK", "smtp-email/loi")
    clean.setenv("HB_REMINDER_NOTIFICATION_BLOCK", "smtp-email/nhac")
    clean.setenv("HB_RESULTS_MAX_MB", "50")
    assert ("smtp-email/loi", "smtp-email/nhac", "smtp-email/a", 50.0) == (
        settings.failure_notification_block(), settings.reminder_notification_block(),
        settings.reminder_notification_block("smtp-email/a"), settings.results_max_mb())
    clean.setenv("HB_RESULTS_MAX_MB", "-1")
    with pytest.raises(SettingError) as raised:
        settings.results_max_mb()
    assert "HB_RESULTS_MAX_MB: «-1» không hợp lệ; dùng một số không âm (mặc định 200)" == \
        str(raised.value)


def test_document_values_and_a_bad_date_named(clean):
    assert settings.DocumentValues() == settings.document_values()
    given = {"HB_DOC_NUMBER": " 58 ", "HB_DOC_DATE": "03/02/2026", "HB_DOC_RECIPIENTS": "A; B"}
    assert settings.DocumentValues("58", date(2026, 2, 3), "", "A; B") == \
        settings.document_values(given)
    with pytest.raises(SettingError) as raised:
        settings.document_values({"HB_DOC_DATE": "31/02/2026"})
    assert ("HB_DOC_DATE: ngày không hợp lệ: «31/02/2026» (viết dd/mm/yyyy hoặc yyyy-mm-dd)"
            == str(raised.value))


def test_smtp_password_only_from_its_variable(clean):
    assert "" == settings.smtp_password()
    clean.setenv("HB_SMTP_PASSWORD", "bí mật")
    assert "bí mật" == settings.smtp_password()
