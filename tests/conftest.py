"""Shared test set-up: process defaults (no telemetry, quiet), and one Prefect test harness
per session for the tests that run flows."""

from __future__ import annotations

from core.runtime import configure_environment

configure_environment()
