"""The checkers accept true claims and reject wrong ones, with relative tolerances."""

from __future__ import annotations

import numpy as np
import pytest

import matref
from matref import checks
from matref.expr import functions


def holds(seed, **kw) -> bool:
    return matref.check(trials=4, seed=seed, **kw).ok


GRADIENTS = [  # (f, wrt, right, wrong) for each kind of mistake
    ("tr(A @ X @ B)", "X", "A.T @ B.T", "B @ A"),  # layout / transpose
    ("a.T @ X @ b", "X", "a @ b.T", "b @ a.T"),
    ("logdet(X)", "X", "inv(X).T", "inv(X)"),
    ("tr(inv(X))", "X", "-(inv(X) @ inv(X)).T", "(inv(X) @ inv(X)).T"),  # sign
    ("x.T @ x", "x", "2 * x", "x"),  # factor 2
    ("det(X)", "X", "det(X) * inv(X).T", "det(X) * X.T"),  # missing inverse
]


@pytest.mark.parametrize("f,wrt,right,wrong", GRADIENTS, ids=[g[0] for g in GRADIENTS])
def test_gradient_right_and_wrong(f, wrt, right, wrong, seed):
    assert holds(seed, f=f, wrt=wrt, grad=right)
    assert not holds(seed, f=f, wrt=wrt, grad=wrong)


def test_jacobian_right_and_wrong(seed):
    assert holds(seed, f="A @ X @ B", wrt="X", jacobian="kron(B.T, A)")
    assert not holds(seed, f="A @ X @ B", wrt="X", jacobian="kron(A, B.T)")  # row-major answer
    assert not holds(seed, f="A @ X @ B", wrt="X", jacobian="kron(B, A.T)")  # denominator layout
    assert holds(seed, f="A @ x", wrt="x", jacobian="A")
    assert not holds(seed, f="A @ x", wrt="x", jacobian="A.T", shapes={"A": "n x n"})


def test_differential_right_and_wrong(seed):
    assert holds(seed, f="inv(X)", wrt="X", differential="-inv(X) @ dX @ inv(X)")
    assert not holds(seed, f="inv(X)", wrt="X", differential="inv(X) @ dX @ inv(X)")
    assert not holds(seed, f="inv(X)", wrt="X", differential="-inv(X) @ inv(X) @ dX")
    assert holds(seed, f="X @ X", wrt="X", differential="dX @ X + X @ dX")
    assert not holds(seed, f="X @ X", wrt="X", differential="2 * X @ dX")


def test_equality_right_and_wrong(seed):
    assert holds(seed, lhs="inv(A @ B)", rhs="inv(B) @ inv(A)", assume={"A": "invertible", "B": "invertible"})
    assert not holds(seed, lhs="inv(A @ B)", rhs="inv(A) @ inv(B)", assume={"A": "invertible", "B": "invertible"})
    assert holds(seed, lhs="vec(A @ X @ B)", rhs="kron(B.T, A) @ vec(X)")


@pytest.mark.parametrize("scale", ["1e-6", "1e6"])
def test_tolerance_is_relative(scale, seed):
    """Scaling f changes nothing (gradcheck's absolute tolerance accepts anything at 1e-6)."""
    f = f"{scale} * tr(A @ X @ B)"
    assert holds(seed, f=f, wrt="X", grad=f"{scale} * A.T @ B.T")
    assert not holds(seed, f=f, wrt="X", grad=f"{scale} * B @ A")
    assert not holds(seed, f=f, wrt="X", grad=f"1.001 * {scale} * A.T @ B.T")


def test_equality_with_exact_cancellation(seed):
    """Both sides ~0: judged against the size of what cancelled, not against zero."""
    assert holds(seed, lhs="tr(A @ B - B @ A)", rhs="0", assume={"A": "square"})
    assert not holds(seed, lhs="tr(A @ B - B @ A)", rhs="1e-6 * tr(A @ A.T)", assume={"A": "square"})


def test_small_relative_errors_are_caught(seed):
    assert not holds(seed, f="tr(A @ X @ B)", wrt="X", grad="(1 + 1e-6) * A.T @ B.T")
    assert not holds(seed, lhs="inv(A @ B)", rhs="(1 + 1e-7) * inv(B) @ inv(A)",
                     assume={"A": "invertible", "B": "invertible"})


def test_cross_check_catches_a_non_analytic_implementation(monkeypatch, seed):
    """A logdet that breaks the complex step is caught by the central-difference cross-check."""
    def bad_logdet(a):
        return np.log(np.abs(np.linalg.det(a))).reshape(1, 1)  # np.abs kills the imaginary part

    spec = functions.FUNCTIONS["logdet"]
    monkeypatch.setitem(functions.FUNCTIONS, "logdet", functions.Func(
        spec.name, spec.nargs, spec.shape, bad_logdet, spec.latex, spec.nparams, spec.doc))
    report = matref.check(f="logdet(X)", wrt="X", grad="inv(X).T", trials=2, seed=seed)
    assert not report.ok
    assert any("cross-check" in t.what for t in report.trials)


def test_non_finite_values_fail_with_a_message(seed):
    report = matref.check(f="sum(log(X))", wrt="X", grad="1 / X", trials=3, seed=seed)
    assert not report.ok  # X general: negative entries give NaN
    assert any("NaN" in t.what for t in report.trials)
    assert matref.check(f="sum(log(X))", wrt="X", grad="1 / X", assume={"X": "positive"}, trials=3, seed=seed).ok


def test_singular_evaluation_is_a_failed_check_not_an_exception(seed):
    report = matref.check(lhs="inv(A - A)", rhs="A", assume={"A": "square"}, trials=2, seed=seed)
    assert not report.ok
    assert any("evaluation failed" in t.what or "NaN" in t.what for t in report.trials)


def test_symmetric_variable_moves_in_symmetric_directions(seed):
    # On symmetric X, tr(A X) has the Frobenius gradient sym(A). A.T matches every symmetric
    # direction too, but it is not a symmetric matrix, so it is not the gradient on Sym(n).
    sym = {"X": "symmetric"}
    assert holds(seed, f="tr(A @ X)", wrt="X", grad="(A + A.T) / 2", assume=sym)
    report = matref.check(f="tr(A @ X)", wrt="X", grad="A.T", assume=sym, trials=3, seed=seed)
    assert not report.ok and "not symmetric" in report.trials[0].what
    # The vector of partials with respect to the free entries is a different object, checked as such.
    assert matref.check(f="tr(A @ X)", wrt="X", partials="A + A.T - A * I", assume=sym, seed=seed).ok
    # The cookbook's G + G^T - G o I is not a gradient on symmetric matrices.
    assert not holds(seed, f="tr(A @ X)", wrt="X", grad="A + A.T - A * I", assume=sym)


def test_measurement_ratio():
    assert checks.Measurement(1.0, 2.0, "").ok
    assert not checks.Measurement(3.0, 2.0, "").ok
    assert checks.Measurement(0.0, 0.0, "").ok
    assert not checks.Measurement(1e-30, 0.0, "").ok
    assert not checks.Measurement(float("nan"), 1.0, "").ok


def test_tolerance_table_keyed_by_dtype():
    t64 = checks.TOLERANCES[np.dtype(np.float64)]
    t32 = checks.TOLERANCES[np.dtype(np.float32)]
    assert t64.derivative < t32.derivative and t64.equality < t32.equality
