"""Process-wide defaults set before Prefect or GX is imported: no telemetry, no network,
Prefect's state kept in the project folder, and a quiet console."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent

DEFAULTS = {
    "PREFECT_HOME": str(PROJECT_DIR / ".prefect"),
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "GX_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_LOGGING_SETTINGS_PATH": str(PROJECT_DIR / "flows" / "logging.yml"),
    "PREFECT_UI_ENABLED": "false",
    "TQDM_DISABLE": "1",
    # Completed tasks keep their results, so a flow run retried from the UI resumes
    # where it failed instead of redoing every stage.
    "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "true",
}


def configure_environment() -> None:
    """Set each default unless the operator has set it."""
    for name, value in DEFAULTS.items():
        os.environ.setdefault(name, value)
