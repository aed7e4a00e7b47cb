"""Prefect flows. Importing this package sets the process defaults before Prefect loads."""

from core.runtime import configure_environment

configure_environment()
