"""The checkers accept true claims and reject wrong ones, with relative tolerances."""

from __future__ import annotations

import numpy as np
import pytest

import matref
from matref.engine import checks
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


def test_equality_that_cancels_to_zero_is_undecided_not_proved(seed):
    """Both sides ~0: the rounding of the cancelled terms decides nothing, so no verdict; a wrong
    right side is still refuted, because the left side's rounding bound is far below the error."""
    r = matref.check(lhs="tr(A @ B - B @ A)", rhs="0", assume={"A": "square"}, seed=seed)
    assert r.verdict == "undecided" and "zero to within rounding" in r.reason
    r = matref.check(lhs="tr(A @ B - B @ A)", rhs="1e-6 * tr(A @ A.T)", assume={"A": "square"}, seed=seed)
    assert r.verdict == "fails"
    assert holds(seed, lhs="tr(A @ B)", rhs="tr(B @ A)", assume={"A": "square"})


def test_small_relative_errors_are_caught(seed):
    assert not holds(seed, f="tr(A @ X @ B)", wrt="X", grad="(1 + 1e-6) * A.T @ B.T")
    assert not holds(seed, lhs="inv(A @ B)", rhs="(1 + 1e-7) * inv(B) @ inv(A)",
                     assume={"A": "invertible", "B": "invertible"})


def test_undefined_points_are_skipped_and_the_domain_is_inferred(seed):
    """log needs positive entries: X is sampled positive, and the report says so."""
    report = matref.check(f="sum(log(X))", wrt="X", grad="1 / X", trials=3, seed=seed)
    assert report.ok and any("positive entries" in n for n in report.notes)
    assert not matref.check(f="sum(log(X))", wrt="X", grad="-1 / X", trials=3, seed=seed).ok


def test_a_claim_undefined_everywhere_is_undecided_not_refuted(seed):
    report = matref.check(lhs="inv(A - A)", rhs="A", assume={"A": "square"}, trials=2, seed=seed)
    assert report.verdict == "undecided"
    assert "could not reach the domain" in report.reason and "inv(A - A)" in report.reason


def test_symmetric_variable_moves_in_symmetric_directions(seed):
    # On symmetric X, tr(A X) has the Frobenius gradient sym(A). A.T matches every symmetric
    # direction too, but it is not a symmetric matrix, so it is not the gradient on Sym(n).
    sym = {"X": "symmetric"}
    assert holds(seed, f="tr(A @ X)", wrt="X", grad="(A + A.T) / 2", assume=sym)
    report = matref.check(f="tr(A @ X)", wrt="X", grad="A.T", assume=sym, trials=3, seed=seed)
    assert report.verdict == "fails" and "tangent space of symmetric matrices" in report.trials[0].what
    # The vector of partials with respect to the free entries is a different object, checked as such.
    assert matref.check(f="tr(A @ X)", wrt="X", partials="A + A.T - A * I", assume=sym, seed=seed).ok
    # The cookbook's G + G^T - G o I is not a gradient on symmetric matrices.
    assert not holds(seed, f="tr(A @ X)", wrt="X", grad="A + A.T - A * I", assume=sym)


def test_judge_three_ways():
    J = checks.judge
    assert J(1e-9, 1.0, 1e-8).verdict == "pass"
    assert J(0.0, 0.0, 1e-8).verdict == "pass"  # exact zeros agree
    assert J(1e-3, 1.0, 1e-8, noise=1e-12).verdict == "fail"
    assert J(1e-3, 1.0, 1e-8, noise=1e-3).verdict == "undecided"  # could be rounding
    assert J(1e-15, 1e-15, 1e-8, noise=1e-14, observed=(1e-15, 0.0), noises=(1e-14, 0.0)).verdict == "vacuous"
    assert J(float("nan"), 1.0, 1e-8).verdict == "undecided"
    assert J(1.0, float("inf"), 1e-8).verdict == "undecided"  # a non-finite tolerance is never a pass
    assert checks.Measurement(1.0, 2.0, "").ratio == 0.5 and checks.Measurement(1e-30, 0.0, "").ratio == float("inf")


def test_no_claim_can_set_its_own_tolerance(seed):
    """Terms that cancel exactly, huge or not, widen nothing (issue 7, item 6)."""
    assert matref.check(lhs="A", rhs="B + (A - A) * 1e200", seed=seed).verdict == "fails"
    assert matref.check(f="tr(A @ X @ B)", wrt="X", grad="B @ A + 1e10 * X - 1e10 * X", seed=seed).verdict == "fails"
    # Cancelling terms of 1e20: the claim's own rounding could be 1e4, so it cannot be refuted at
    # this scale, but it must never be said to hold.
    assert matref.check(f="tr(A @ X @ B)", wrt="X", grad="B @ A + 1e20 * X - 1e20 * X", seed=seed).verdict != "holds"
    assert matref.check(f="tr(X)", wrt="X", differential="5 * logdet(dX)", shapes={"X": "3x3"},
                        seed=seed).verdict == "fails"


# -- the oracles ----------------------------------------------------------------------------------
def _analytic_mismatch(spec, rng) -> float:
    """Relative gap between the complex step through ``spec`` and central differences."""
    x = rng.uniform(0.5, 1.5, size=(3, 3))
    x = (x + x.T) / 2 + 3 * np.eye(3)  # symmetric, positive, well conditioned: every function's domain
    v = rng.standard_normal((3, 3))
    v = (v + v.T) / 2
    params = (1,) * spec.nparams

    def f(z):
        args = [z] * spec.nargs
        return np.asarray(spec.numpy(*args, *params))

    cs = np.imag(f(x + 1e-20j * v)) / 1e-20
    h = 1e-5
    fd = (f(x + h * v) - f(x - h * v)) / (2 * h)
    return float(np.linalg.norm(cs - fd) / max(np.linalg.norm(fd), 1e-12))


@pytest.mark.parametrize("name", sorted(n for n, f in functions.FUNCTIONS.items() if f.complex_step and f.nargs))
def test_every_function_is_an_analytic_continuation(name, seed):
    """The complex step is exact only for analytic continuations: each function's complex branch
    must agree with real central differences (the engine relies on it instead of a per-trial
    cross-check)."""
    assert _analytic_mismatch(functions.FUNCTIONS[name], np.random.default_rng(seed)) < 1e-6


def test_the_analyticity_test_has_teeth(seed):
    spec = functions.FUNCTIONS["logdet"]
    bad = functions.Func(spec.name, spec.nargs, spec.shape, lambda a: np.log(np.abs(np.linalg.det(a))).reshape(1, 1),
                         spec.latex, spec.nparams, spec.doc)  # np.abs kills the imaginary part
    assert _analytic_mismatch(bad, np.random.default_rng(seed)) > 0.1


def test_contour_oracle_ignores_constants_and_measures_its_error():
    from matref.engine.checks import Oracle

    x = np.array([[2.0, 0.5], [0.3, 1.5]])
    v = np.array([[0.2, -0.7], [0.4, 0.1]])
    for const in (0.0, 1e12):
        o = Oracle(lambda z: np.trace(z @ z).reshape(1, 1) + const, x, analytic=False)
        d2, err = o.second(v)
        assert abs(d2.item() - 2 * np.trace(v @ v)) < 1e-6 and err < 1e-6
        d1, err1 = o.first(v)
        assert abs(d1.item() - 2 * np.trace(x @ v)) < 1e-8 and err1 < 1e-8


def test_complex_step_falls_back_near_underflow():
    """A function of size 1e-300 would leave the complex step's imaginary parts subnormal."""
    from matref.engine.checks import Oracle

    x = np.array([[2.0]])
    o = Oracle(lambda z: 1e-300 * z * z, x, analytic=True, smallest=1e-300)
    assert not o.complex_step_ok
    d, err = o.first(np.array([[1.0]]))
    assert abs(d.item() - 4e-300) < 1e-310
