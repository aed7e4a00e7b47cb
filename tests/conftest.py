"""Shared test set-up: process defaults (no telemetry, quiet), one Prefect test server per
session for the tests that run flows, and the runs that several test modules read (each
run once per session; a test may re-run the same year, which changes nothing, but never
changes a shared run's inputs or writes into its warehouse otherwise).

Plain helpers (reading a warehouse, the flow's folder arguments) are in tests/runs.py."""

from __future__ import annotations

import os
import shutil

import pytest

from core.registry import DEFAULT_SEEDS_DIR
from core.runtime import configure_environment
from tests.runs import FlowRun, flow_paths
from tests.service_helpers import free_port as _free_port
from tests.workbooks import write_2024

configure_environment()


@pytest.fixture(scope="session")
def prefect_api():
    """A real Prefect API for the session (started once: it takes several seconds); yields
    its URL so that subprocesses can use it too."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield PREFECT_API_URL.value()


@pytest.fixture()
def subprocess_env(prefect_api):
    """Environment for running the pipeline's commands in a subprocess of this session."""
    env = dict(os.environ)
    env["PREFECT_API_URL"] = prefect_api
    env["PYTHONPATH"] = os.getcwd()
    return env


@pytest.fixture(scope="session")
def small_registry(tmp_path_factory):
    """The default seeds with four reporting units only: LDTBXH and VHTT (agencies),
    P-MINHKHAI and P-HALY (wards), plus HHDN, which does not report."""
    seeds = tmp_path_factory.mktemp("seeds") / "seeds"
    shutil.copytree(DEFAULT_SEEDS_DIR, seeds)
    lines = (DEFAULT_SEEDS_DIR / "units.csv").read_text(encoding="utf-8").splitlines()
    keep = ("unit_code", "LDTBXH,", "VHTT,", "HHDN,", "P-MINHKHAI,", "P-HALY,")
    (seeds / "units.csv").write_text(
        "\n".join(line for line in lines if line.startswith(keep)) + "\n", encoding="utf-8")
    return seeds


@pytest.fixture()
def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    return _free_port()


@pytest.fixture(scope="session")
def small_2024(prefect_api, small_registry, tmp_path_factory) -> FlowRun:
    """The small hand-made year 2024 (tests/workbooks.py's `write_2024`, worked by hand in
    tests/e2e/test_annual_report.py) run once through the annual flow on `small_registry`:
    read by test_annual_report.py and test_lineage.py."""
    from flows.annual_report import annual_report

    root = tmp_path_factory.mktemp("small-2024")
    write_2024(root / "reports")
    kwargs = dict(year=2024, **flow_paths(root, small_registry, warehouse="warehouse.duckdb",
                                          output_dir="output"))
    return FlowRun(root, annual_report(**kwargs), kwargs)


@pytest.fixture(scope="session")
def demo_2024(prefect_api, tmp_path_factory) -> FlowRun:
    """The demo workbooks of 2023 and 2024 (demo/generate.py, 21 units of the default
    seeds), and the year 2024 run once through the annual flow: worked by hand in
    tests/e2e/test_demo_year.py, the reference of test_damaged_files.py (which damages a
    copy of the folder, 2023 included) and of test_gsheets_flow.py (the same workbooks
    read from the Sheets emulator)."""
    from demo.generate import generate
    from flows.annual_report import annual_report

    root = tmp_path_factory.mktemp("demo-2024")
    kwargs = dict(year=2024, **flow_paths(root))
    generate(root / "reports", [2023, 2024])
    return FlowRun(root, annual_report(**kwargs), kwargs)
