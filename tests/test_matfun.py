"""The matrix functions, factorisations, singular values and non-smooth functions of the language:
their numerics, how the engine differentiates them, and that wrong claims about them fail."""

from __future__ import annotations

import numpy as np
import pytest

import matref
from matref.engine.oracle import RealOracle
from matref.expr import matfun as M
from matref.expr.functions import FUNCTIONS


@pytest.fixture
def rng():
    return np.random.default_rng(11)


def test_expm_is_exact_under_the_complex_step(rng):
    """Padé scaling and squaring is products and one solve: Im expm(A + ihE)/h is the Fréchet
    derivative to the last bits (here against the block-triangular formula)."""
    a, e = rng.standard_normal((5, 5)), rng.standard_normal((5, 5))
    h = 1e-20
    step = np.imag(M.expm(a + 1j * h * e)) / h
    np.testing.assert_allclose(step, M.dexpm(a, e), rtol=1e-12, atol=1e-12)


def test_dlogm_is_the_inverse_of_dexpm(rng):
    b = rng.standard_normal((4, 4))
    s = b @ b.T + np.eye(4)
    e = rng.standard_normal((4, 4))
    np.testing.assert_allclose(M.dexpm(M.logm(s), M.dlogm(s, e)), e, rtol=1e-9, atol=1e-10)


def test_chol_continues_analytically(rng):
    """No conjugates: the complex step through chol is its derivative L Phi(L^-1 dA L^-T)."""
    b = rng.standard_normal((4, 4))
    a = b @ b.T + np.eye(4)
    e = rng.standard_normal((4, 4))
    e = e + e.T
    lo = M.chol(a)
    li = np.linalg.inv(lo)
    m = li @ e @ li.T
    want = lo @ (np.tril(m) - np.diag(np.diag(m)) / 2)
    np.testing.assert_allclose(np.imag(M.chol(a + 1e-20j * e)) / 1e-20, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["abs", "sign", "relu", "step", "max", "hardmax"])
def test_non_smooth_functions_are_never_complex_stepped(name):
    assert not FUNCTIONS[name].analytic and not FUNCTIONS[name].complex_step


def test_a_non_smooth_identity_uses_real_differences():
    from matref.engine import checks

    ident = matref.get("nonsmooth.grad_l1_norm")
    assert not ident.analytic
    x = np.array([[1.5], [-2.0], [0.7]])
    assert isinstance(checks._oracle(ident, {"x": x}, {}, 1.0), RealOracle)


@pytest.mark.parametrize("f, wrt, claim", [
    ("sum(abs(x))", "x", "abs(x)"),           # not the sign
    ("max(x)", "x", "softmax(x)"),             # the smooth surrogate is not the gradient
    ("sum(relu(A @ x))", "x", "A.T @ relu(A @ x)"),
    ("tr(expm(X))", "X", "expm(X)"),           # the transpose is missing
    ("tr(sqrtm(X))", "X", "inv(sqrtm(X))"),    # the factor 1/2 is missing
    ("sigma(X, 0)", "X", "rsv(X, 0) @ lsv(X, 0).T"),  # transposed and ill-shaped unless square
    ("logdet(chol(X))", "X", "inv(X)"),        # half of it
    ("eigvalg(X, 1)", "X", "eigvecr(X, 1) @ eigvecr(X, 1).T"),  # the symmetric formula, for a non-symmetric X
])
def test_wrong_claims_about_the_new_functions_do_not_hold(f, wrt, claim):
    assume = {"X": "spd"} if ("sqrtm" in f or "chol" in f) else {"X": "real_eigenvalues"} if "eigvalg" in f else None
    shapes = {"X": "4 x 4"} if "sigma" in f else None
    r = matref.check(f=f, wrt=wrt, grad=claim, seed=3, assume=assume, shapes=shapes)
    assert r.verdict == "fails", r.summary()


@pytest.mark.parametrize("f, wrt, claim, assume", [
    ("sum(abs(x))", "x", "sign(x)", None),
    ("max(x)", "x", "hardmax(x)", None),
    ("tr(expm(X))", "X", "expm(X).T", None),
    ("tr(A @ expm(X))", "X", "dexpm(X.T, A.T)", None),
    ("tr(logm(X))", "X", "inv(X).T", {"X": "posdef"}),
    ("nucnorm(X)", "X", "X @ inv(sqrtm(X.T @ X))", {"X": "full_column_rank"}),
])
def test_right_claims_hold_under_every_seed(f, wrt, claim, assume):
    for seed in (1, 2, 3):
        assert matref.check(f=f, wrt=wrt, grad=claim, seed=seed, assume=assume).ok


def test_a_kink_is_outside_the_domain_not_a_counterexample():
    from matref.expr.rounding import Context, OutOfDomain
    from matref.expr.rounding import Bounded

    rule = FUNCTIONS["abs"].bound
    with pytest.raises(OutOfDomain, match="kink"):
        rule([Bounded(np.array([[1.0], [1e-4]]), 0.0)], (), Context(smooth=True))


def test_an_undetermined_identity_size_is_refused_not_guessed():
    """kron(I, kron(K, I)) with free sizes: the two I's could be m and n or n and m (or mn and 1),
    and the claim means something else for each; a guess once gave 'does NOT hold' for a true
    Jacobian of kron(X, X)."""
    with pytest.raises(matref.MatrefError, match="size of an identity matrix"):
        matref.check(f="kron(X, X)", wrt="X", shapes={"X": "m x n"}, seed=1,
                     jacobian="kron(I, kron(commutation(X.T), I)) @ (kron(I, vec(X)) + kron(vec(X), I))")
    # with the sizes written out it is proved
    assert matref.check(f="kron(X, X)", wrt="X", shapes={"X": "2 x 3"}, seed=1,
                        jacobian="kron(eye(3), kron(commutation(X.T), eye(2))) @ "
                                 "(kron(eye(6), vec(X)) + kron(vec(X), eye(6)))").ok


def test_block_sizes_add_up():
    r = matref.check(lhs="tr(block(A, B, C, D))", rhs="tr(A) + tr(D)", seed=1,
                     assume={"A": "square", "D": "square"})
    assert r.ok and any(t.sizes["A"] != t.sizes["D"] for t in r.trials)
