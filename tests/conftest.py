"""Shared test set-up: process defaults (no telemetry, quiet) and one Prefect test server
per session for the tests that run flows."""

from __future__ import annotations

import os
import shutil

import pytest

from core.registry import DEFAULT_SEEDS_DIR
from core.runtime import configure_environment

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
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
