"""Shared fixtures, and the mutation kill rate printed at the end of the run."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

# The handbook's page generator lives beside the Sphinx configuration, not in the package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "conf"))

SEED = int(os.environ.get("MATREF_TEST_SEED", "20261121"))
_mutation_totals: dict[str, int] = {}


@pytest.fixture
def seed() -> int:
    """The suite's seed: fixed for reproducibility, overridable with MATREF_TEST_SEED."""
    return SEED


def pytest_runtest_logreport(report):
    # user_properties travel from xdist workers to the controller, so the total is complete.
    _count_derive(report)
    for key, value in getattr(report, "user_properties", ()):
        if key == "mutation" and report.when == "call":
            for status, count in json.loads(value).items():
                _mutation_totals[status] = _mutation_totals.get(status, 0) + count


def pytest_terminal_summary(terminalreporter):
    if _exact_totals:
        terminalreporter.write_line("exact proofs (SymPy): " + ", ".join(
            f"{n} {status}" for status, n in sorted(_exact_totals.items(), key=lambda kv: -kv[1])))
    if _derive_totals:
        kinds = dict.fromkeys(k for k, _ in _derive_totals)
        parts = []
        for kind in kinds:
            outcomes = {o: n for (k, o), n in _derive_totals.items() if k == kind}
            total = sum(outcomes.values())
            rest = ", ".join(f"{n} {o}" for o, n in outcomes.items() if o != "agrees")
            parts.append(f"{kind} {outcomes.get('agrees', 0)}/{total}" + (f" ({rest})" if rest else ""))
        terminalreporter.write_line("matref derive agrees with the catalog (each proved equal to the stated form): "
                                    + "; ".join(parts))
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


_derive_totals: dict[tuple[str, str], int] = {}
_exact_totals: dict[str, int] = {}


def _count_derive(report) -> None:
    for key, value in getattr(report, "user_properties", ()):
        if key == "derive" and report.when == "call" and report.passed:
            kind, outcome = json.loads(value)
            _derive_totals[kind, outcome] = _derive_totals.get((kind, outcome), 0) + 1
        if key == "exact" and report.when == "call":
            status = json.loads(value)
            _exact_totals[status] = _exact_totals.get(status, 0) + 1
