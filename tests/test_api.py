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


def test_check_refuses_options_a_python_function_would_ignore_and_passes_trials():
    import numpy as np

    from matref.testing import general

    A = np.arange(9.0).reshape(3, 3)
    with pytest.raises(matref.MatrefError, match="assume: not used when f is a Python function"):
        matref.check(f=lambda X: np.trace(A @ X), wrt=0, grad=lambda X: A.T, inputs=[general(3)],
                     assume={"X": "symmetric"})
    r = matref.check(f=lambda X: np.trace(A @ X), wrt=0, grad=lambda X: A.T, inputs=[general(3)], seed=0, trials=7)
    assert r.ok and len(r.measurements) == 7  # one instance per trial


def test_unknown_symbol_or_role_is_an_error_not_a_silent_change():
    ident = matref.get("trace.grad_axb")
    with pytest.raises(matref.MatrefError, match="no symbol 'Z'"):
        ident.shape("Z")
    assert "Z" not in ident.scope.symbols  # the shared catalog object is untouched
    with pytest.raises(matref.MatrefError, match="no role 'gradient'"):
        ident.with_statement("gradient", "B @ A")


def test_check_equal_validates_trials():
    from matref.testing import check_equal, general

    for bad in (0, -1, 1.5, "3"):
        with pytest.raises(matref.MatrefError, match="trials must be an integer"):
            check_equal(lambda X: X.T.T, lambda X: X, [general(2)], trials=bad)
    assert check_equal(lambda X: (X @ X).T, lambda X: X.T @ X.T, [general(3)], seed=0, trials=2).verdict == "holds"


def test_spec_dtype_and_steps_rule_are_validated():
    from matref.testing import Spec, general

    for bad in ("int64", "complex128", "bool", "not-a-type"):
        with pytest.raises(matref.MatrefError, match="real floating-point"):
            general(3, dtype=bad)
    assert Spec((2, 2), (), "float32").dtype == "float32"
    d = matref.derive("tr(A @ X)", "X", seed=0)
    assert d.steps_latex("below") != d.steps_latex("right")
    with pytest.raises(matref.MatrefError, match="rule must be 'right' or 'below'"):
        d.steps_latex("left")
