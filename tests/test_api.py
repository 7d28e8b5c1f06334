"""The public Python API: catalog, get, check, and their errors."""

from __future__ import annotations

import numpy as np
import pytest

import matref


def test_public_names():
    for name in ["catalog", "get", "check", "verify", "Identity", "Report", "MatrefError",
                 "CatalogError", "ExprError", "ShapeError"]:
        assert hasattr(matref, name)


def test_get_unknown_suggests():
    with pytest.raises(matref.MatrefError, match="did you mean trace.grad_axb"):
        matref.get("trace.grad_abx")


def test_check_forms(seed):
    assert matref.check(f="x.T @ A @ x", wrt="x", grad="(A + A.T) @ x", seed=seed).ok
    assert not matref.check(f="x.T @ A @ x", wrt="x", grad="2 * A @ x", seed=seed).ok
    assert matref.check(f="x.T @ A @ x", wrt="x", grad="2 * A @ x", assume={"A": ["symmetric"]}, seed=seed).ok
    assert matref.check(f="x.T @ A @ x", wrt="x", grad="2 * A @ x", assume=["A=symmetric"], seed=seed).ok
    assert matref.check(f="t * A", wrt="t", jacobian="vec(A)", shapes={"t": "scalar"}, seed=seed).ok
    assert matref.check(f="X @ X", wrt="X", differential="dX @ X + X @ dX", seed=seed).ok


@pytest.mark.parametrize("kwargs,message", [
    (dict(f="tr(X)", wrt="X"), "exactly one of"),
    (dict(f="tr(X)", wrt="X", grad="I", jacobian="I"), "exactly one of"),
    (dict(lhs="A"), "exactly --lhs and --rhs"),
    (dict(lhs="A", rhs="A", f="A"), "exactly --lhs and --rhs"),
    (dict(f="tr(A @@ X)", wrt="X", grad="A"), "column 7"),
    (dict(f="tr(A @ x)", wrt="x", grad="A"), "tr needs a square matrix"),
    (dict(f="tr(X)", wrt="Y", grad="I"), "does not appear in f"),
    (dict(f="x.T @ x", wrt="x", grad="X"), "does not appear in f"),
    (dict(f="tr(X)", wrt="X", grad="I", assume={"X": "symetric"}), "did you mean 'symmetric'"),
    (dict(f="tr(X)", wrt="X", grad="I", assume=["X"]), "NAME=PROP"),
    (dict(f="tr(X)", wrt="X", grad="I", shapes={"X": "big"}), "not 'scalar' or 'R x C'"),
    (dict(f="A @ X", wrt="X", grad="A"), "f must be scalar"),
    (dict(f="a.T @ X @ b", wrt="X", grad="a"), "must have the shape of X"),
    (dict(f="", wrt="X", grad="I"), "empty"),
    (dict(f="A @ X @ B", wrt="X", jacobian="A"), "must be (numel f) x (numel wrt)"),
    (dict(f="x.T @ x", wrt="x", hessian="x"), "must have (numel wrt) x (numel wrt)"),
])
def test_check_bad_input(kwargs, message):
    with pytest.raises(matref.MatrefError, match=message.replace("(", r"\(").replace(")", r"\)")):
        matref.check(**kwargs)


def test_identity_numpy_callables():
    ident = matref.get("trace.grad_axb")
    rng = np.random.default_rng(0)
    A, X, B = rng.normal(size=(2, 3)), rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    assert np.isclose(ident.numpy["f"](A=A, X=X, B=B), np.trace(A @ X @ B))
    assert np.allclose(ident.numpy["grad"](A=A, X=X, B=B), A.T @ B.T)
    with pytest.raises(matref.ShapeError, match="X has shape"):
        ident.numpy["f"](A=A, X=X.T, B=B)
