"""Shared fixtures, and the mutation kill rate printed at the end of the run."""

from __future__ import annotations

import json
import os

import pytest

SEED = int(os.environ.get("MATREF_TEST_SEED", "20261121"))
_mutation_totals: dict[str, int] = {}


@pytest.fixture
def seed() -> int:
    """The suite's seed: fixed for reproducibility, overridable with MATREF_TEST_SEED."""
    return SEED


def pytest_runtest_logreport(report):
    # user_properties travel from xdist workers to the controller, so the total is complete.
    for key, value in getattr(report, "user_properties", ()):
        if key == "mutation" and report.when == "call":
            for status, count in json.loads(value).items():
                _mutation_totals[status] = _mutation_totals.get(status, 0) + count


def pytest_terminal_summary(terminalreporter):
    if not _mutation_totals:
        return
    t = _mutation_totals
    wrong = t.get("killed", 0) + t.get("survived", 0) + t.get("undecided", 0)
    rate = 100.0 * t.get("killed", 0) / wrong if wrong else 100.0
    terminalreporter.write_line(
        f"mutation testing: {t.get('killed', 0)} of {wrong} wrong formulas refuted by the numerical "
        f"proof (kill rate {rate:.1f}%), {t.get('undecided', 0)} left undecided, {t.get('survived', 0)} "
        f"accepted; {t.get('ill-typed', 0)} more rejected by shape inference and {t.get('undefined', 0)} "
        f"as undefined wherever the identity is defined; "
        f"{t.get('equivalent', 0)} equivalent mutants not counted"
    )
