"""Limits before work: estimates, refusals naming the limit, budgets of chosen sizes."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import matref
from matref.engine import sampling
from matref.faces.api import build
from matref.errors import MatrefError
from matref.expr.cost import flops, largest
from matref.expr.infer import Scope
from matref.expr.parse import parse
from matref.engine.limits import Limits, LimitError, estimate
from matref.engine.verify import _smallest_sizes, draw_sizes


def test_estimates_count_entries_and_flops():
    scope = Scope()
    scope.declare("A", (30, 40))
    scope.declare("B", (40, 50))
    t = scope.infer(parse("kron(B.T @ B, A @ A.T)"))
    n, node = largest(t, {})
    assert n == 1500 * 1500 and str(node).startswith("kron")
    assert flops(t, {}) >= n + 2 * 50 * 40 * 50 + 2 * 30 * 40 * 30
    assert flops(scope.infer(parse("inv(A @ A.T)")), {}) >= 2 * 30 ** 3


def test_fixed_sizes_over_the_entries_limit_are_refused_before_any_work():
    tracemalloc.start()
    try:
        with pytest.raises(LimitError) as info:
            matref.check(lhs="X @ X", rhs="X @ X", shapes={"X": "100000 x 100000"}, seed=0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(info.value)
    assert "X is 100000x100000" in message and "--max-entries" in message and "Limits(entries" in message
    assert peak < 20e6


def test_the_work_limit_counts_trials():
    kw = dict(lhs="X @ X", rhs="X @ X", shapes={"X": "120 x 120"}, seed=0)
    ident = build(lhs=kw["lhs"], rhs=kw["rhs"], shapes=kw["shapes"])
    per_trial = estimate(ident, _smallest_sizes(ident)).work
    limits = Limits(work=per_trial * 4)
    assert matref.check(**kw, trials=3, limits=limits).verdict == "holds"
    with pytest.raises(LimitError, match="--max-work"):
        matref.check(**kw, trials=5, limits=limits)


def test_raising_a_limit_allows_the_request():
    with pytest.raises(LimitError):
        matref.check(lhs="x", rhs="x", shapes={"x": "5000000 x 1"}, seed=0, trials=3)
    report = matref.check(lhs="x", rhs="x", shapes={"x": "5000000 x 1"}, seed=0, trials=3,
                          limits=Limits(entries=10_000_000))
    assert report.verdict == "holds"


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), "5", True])
def test_limits_are_validated(bad):
    with pytest.raises(MatrefError):
        Limits(entries=bad)
    with pytest.raises(MatrefError):
        matref.check(lhs="X", rhs="X", limits={"entries": 5})


def test_sizes_the_verifier_chooses_stay_within_the_limits():
    text = "kron(X, kron(X, kron(X, kron(X, kron(X, X)))))"
    ident = build(lhs=text, rhs=text)
    limits = Limits(entries=200_000)
    rng = np.random.default_rng(0)
    for index in range(6):
        sizes, _ = draw_sizes(ident, rng, index, limits=limits)
        assert estimate(ident, sizes).entries <= limits.entries
    assert matref.check(lhs=text, rhs=text, seed=1, limits=limits).verdict in ("holds", "undecided")


def test_draws_outside_the_domain_stop_at_the_work_limit():
    ident = build(lhs="log(-(X * X) - 1)", rhs="log(-(X * X) - 1)", shapes={"X": "40 x 40"})
    per_trial = estimate(ident, _smallest_sizes(ident)).work
    report = matref.check(lhs="log(-(X * X) - 1)", rhs="log(-(X * X) - 1)", shapes={"X": "40 x 40"}, seed=0,
                          trials=3, limits=Limits(work=per_trial * 3.5))
    assert report.verdict == "undecided" and "work limit" in report.reason + str(report)


def test_a_long_vector_is_drawn_without_a_square_matrix():
    tracemalloc.start()
    try:
        x = sampling.draw(np.random.default_rng(0), (20000, 1))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert x.shape == (20000, 1) and np.isfinite(x).all()
    assert peak < 20e6  # a 20000 x 20000 orthogonal factor would take 3.2 GB
