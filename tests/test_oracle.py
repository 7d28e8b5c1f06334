"""The oracles: numerical directional derivatives and their own error estimates."""

from __future__ import annotations

import numpy as np
import pytest

from matref.engine.oracle import Oracle, QuickOracle, RealOracle


def f(x):
    return np.sum(np.exp(x) * np.sin(2 * x)) + x[0] ** 3


def df(x, v):
    return float(np.sum((np.exp(x) * np.sin(2 * x) + 2 * np.exp(x) * np.cos(2 * x)) * v) + 3 * x[0] ** 2 * v[0])


@pytest.mark.parametrize("cls", [RealOracle, QuickOracle])
@pytest.mark.parametrize("seed", range(5))
def test_real_oracles_estimate_their_own_error(cls, seed):
    rng = np.random.default_rng(seed)
    x, v = rng.standard_normal(6), rng.standard_normal(6)
    value, noise = cls(f, x).first(v)
    err = abs(float(value) - df(x, v))
    assert err <= noise, (err, noise)
    assert noise < 1e-6 * abs(df(x, v)) + 1e-12


def test_complex_step_is_exact_and_the_contour_agrees():
    rng = np.random.default_rng(0)
    x, v = rng.standard_normal(6), rng.standard_normal(6)
    o = Oracle(f, x, analytic=True)
    value, noise = o.first(v)
    assert abs(float(value) - df(x, v)) <= max(noise, 1e-14 * abs(df(x, v)))
    again, noise2 = o.first_again(v)
    assert abs(float(again) - df(x, v)) <= noise2 + 1e-12


def test_quick_oracle_reports_a_large_error_where_f_has_a_kink():
    x = np.array([1e-6, 1.0])
    value, noise = QuickOracle(lambda z: np.sum(np.abs(z)), x).first(np.array([1.0, 0.0]))
    assert noise > 1e-3 * max(abs(float(value)), 1e-300) or abs(float(value) - 1.0) <= noise
