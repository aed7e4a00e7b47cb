"""Libraries no stage uses are not loaded by Great Expectations' import (core.runtime
DEFERRED_MODULES), and load whole when something does use them.

Run in a fresh interpreter: this test session may already have loaded them."""

from __future__ import annotations

import os
import subprocess
import sys

CHILD = """
import sys
from core.runtime import configure_environment

configure_environment()
from tests.unit.test_expectations import check

HEAVY = ("scipy.stats._stats_py", "altair.vegalite")
issues = check("activities", {"row": 7, "participants": 50, "participants_female": 60})
print([(i.sheet_row, i.column_key, i.rule) for i in issues])
print([name for name in HEAVY if name in sys.modules])
import altair
import scipy.stats

print(scipy.stats.norm.cdf(0.0), altair.Chart.__name__)
print([name for name in HEAVY if name in sys.modules])
"""


def test_gx_validates_without_scipy_stats_and_altair_which_load_when_used():
    """A suite that finds the one error (60 women among 50 participants) runs with neither
    library loaded; using them afterwards loads them and they work."""
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    done = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True,
                          text=True, timeout=300, check=True)
    assert [
        "[(7, 'participants_female', 'comparison')]",
        "[]",
        "0.5 Chart",
        "['scipy.stats._stats_py', 'altair.vegalite']",
    ] == done.stdout.splitlines()
