"""Claimed Jacobians and Hessians applied to directions without being formed."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import matref
import matref.data.identity as identity_module
from matref.engine import mutate
from matref.expr.apply import Shapes, apply
from matref.expr.cost import largest
from matref.expr.infer import Scope
from matref.expr.parse import parse
from matref.expr.to_numpy import evaluate

OPERATORS = [
    ("kron(P, Q)", {"P": (3, 4), "Q": (2, 5)}),
    ("kron(P, Q).T", {"P": (4, 3), "Q": (5, 2)}),
    ("kron(P, Q) + 2 * kron(R, S)", {"P": (3, 4), "Q": (2, 5), "R": (2, 4), "S": (3, 5)}),
    ("kron(P, Q) @ kron(R, S)", {"P": (3, 2), "Q": (2, 3), "R": (2, 4), "S": (3, 5)}),
    ("commutation(Z) - kron(P, Q) / 3", {"Z": (5, 4), "P": (5, 4), "Q": (4, 5)}),
    ("diag(u) @ kron(P, Q)", {"u": (20, 1), "P": (4, 4), "Q": (5, 5)}),
    ("-(I + M) @ kron(P, Q).T", {"M": (20, 20), "P": (4, 4), "Q": (5, 5)}),
]


@pytest.mark.parametrize("text,shapes", OPERATORS, ids=[t for t, _ in OPERATORS])
def test_applied_operator_equals_the_formed_one(text, shapes):
    """Every rule against the formed operator, on a 5x4 direction V (vec(V) has 20 entries)."""
    rng = np.random.default_rng(0)
    scope = Scope()
    for name, shape in {**shapes, "V": (5, 4)}.items():
        scope.declare(name, shape)
    op = scope.infer(parse(text))
    tree = apply(op.node, parse("vec(V)"), Shapes(op), [])
    typed = scope.infer(tree)
    values = {name: rng.standard_normal(shape) for name, shape in {**shapes, "V": (5, 4)}.items()}
    dense = evaluate(op, values, {}) @ values["V"].reshape(-1, 1, order="F")
    assert np.allclose(evaluate(typed, values, {}), dense, rtol=1e-12, atol=1e-12)
    if "M" not in shapes:  # nothing as large as the operator is formed
        assert largest(typed, {})[0] < largest(op, {})[0], str(tree)


def test_a_claim_without_structure_is_formed():
    ident = matref.faces.api.build(f="A @ x", wrt="x", jacobian="A")
    assert ident.applied is None


LAZY = [i.id for i in matref.catalog()
        if any(x is not None and x.kind in ("jacobian", "hessian") and x.applied is not None
               for x in (i, i.corrected))]


@pytest.mark.parametrize("ident_id", LAZY)
def test_catalog_operators_hold_and_mutants_die_when_applied(ident_id, monkeypatch):
    """Every structured Jacobian and Hessian of the catalog, checked through the applied form
    only: the true one holds, every wrong variant is refuted."""
    monkeypatch.setattr(identity_module, "LAZY_ENTRIES", 0)
    ident = matref.get(ident_id)
    assert ident.verify(trials=4, seed=11).ok
    target = ident.corrected if ident.status == "erratum" else ident
    survivors = [o for o in mutate.run(target, trials=3, seed=5) if o.status in ("survived", "undecided")]
    assert not survivors, [(o.mutant.text, o.detail) for o in survivors]


SHAPES = {"A": "{n}x{n}", "B": "{n}x{n}", "X": "{n}x{n}"}


@pytest.mark.parametrize("claim,verdict", [("kron(B.T, A)", "holds"), ("kron(B, A)", "fails"),
                                           ("kron(A, B.T)", "fails"), ("1.000001 * kron(B.T, A)", "fails")])
def test_a_dense_jacobian_at_n_128_is_never_formed(claim, verdict):
    """kron(B.T, A) at n = 128 has 2.7e8 entries (2 GB); its proof stays under 100 MB."""
    shapes = {k: v.format(n=128) for k, v in SHAPES.items()}
    tracemalloc.start()
    try:
        report = matref.check(f="vec(A @ X @ B)", wrt="X", jacobian=claim, shapes=shapes, seed=3, trials=3)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert report.verdict == verdict
    assert peak < 100e6


@pytest.mark.parametrize("claim,verdict", [("kron(I, A + A.T)", "holds"), ("2 * kron(I, A)", "fails"),
                                           ("kron(A + A.T, I)", "fails")])
def test_a_large_hessian_is_applied_not_formed(claim, verdict):
    """The Hessian of tr(X^T A X) at X 60x60 has 1.3e7 entries; it is applied to directions,
    and a non-symmetric claim with the right quadratic form (2 kron(I, A)) is still refuted."""
    report = matref.check(f="tr(X.T @ A @ X)", wrt="X", hessian=claim, shapes={"A": "60x60", "X": "60x60"},
                          seed=4, trials=3)
    assert report.verdict == verdict, report
