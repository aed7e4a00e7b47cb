"""Prefect tasks: thin wrappers that do the I/O around the pure functions of `core`."""

import logging

from prefect import get_run_logger
from prefect.exceptions import MissingContextError

_progress = logging.getLogger("hongbang.progress")


def report_progress(message: str, *args: object) -> None:
    """One line of progress: to the run's log (Prefect UI) and to the console."""
    try:
        get_run_logger().info(message, *args)
    except MissingContextError:  # called outside a flow run (a script, a benchmark)
        pass
    _progress.info(message, *args)
