"""matref.derive: gradients derived symbolically, kept short, and proved before they are shown."""

from __future__ import annotations

import json
import re

import pytest

import matref
from matref.calculus import build as B
from matref.calculus import forward, reverse
from matref.expr import nodes as N
from matref.expr.functions import FUNCTIONS
from matref.expr.nodes import symbols
from matref.expr.parse import parse
from matref.faces import cli

CAT = matref.catalog()


def catalog_case(ident):
    """(f, wrt, assume, shapes) of a catalog gradient derive can be asked, or None with why not."""
    syms = ident.spec.symbols
    if ident.conditions or any(s.value is not None or s.sample for s in syms):
        return None
    return (ident.statement["f"], ident.wrt, {s.name: list(s.assume) for s in syms if s.assume},
            {s.name: s.shape for s in syms if s.shape})


GRADIENTS = [i for i in CAT if i.kind == "gradient" and i.status == "proved" and catalog_case(i)]
NO_RULE_YET = {"trace.grad_kron_ax", "trace.grad_kron_xx", "determinant.grad_logdet_xtx_wrt_pinv"}


@pytest.mark.parametrize("ident", GRADIENTS, ids=lambda i: i.id)
def test_derive_agrees_with_the_catalog(ident):
    """An independent cross-check of both: the derived gradient equals the catalog's."""
    f, wrt, assume, shapes = catalog_case(ident)
    if ident.id in NO_RULE_YET:
        with pytest.raises(reverse.NotDifferentiable):
            matref.derive(f, wrt, assume=assume, shapes=shapes, seed=1, trials=3)
        return
    d = matref.derive(f, wrt, assume=assume, shapes=shapes, seed=1, trials=3)
    assert d.report.ok
    used = set(symbols(parse(d.result))) | set(symbols(parse(ident.statement["grad"])))
    same = matref.check(lhs=d.result, rhs=ident.statement["grad"], seed=1, trials=3,
                        assume={k: v for k, v in assume.items() if k in used},
                        shapes={k: v for k, v in shapes.items() if k in used})
    assert same.ok, f"derived {d.result}, catalog {ident.statement['grad']}: {same.summary()}"


def test_derive_covers_most_catalog_gradients():
    assert len(GRADIENTS) >= 140 and len(GRADIENTS) - len(NO_RULE_YET) >= 140


@pytest.mark.parametrize("f, wrt, assume, expected", [
    ("tr(A @ X @ B)", "X", None, "A.T @ B.T"),
    ("a.T @ X @ b", "X", None, "a @ b.T"),
    ("x.T @ A @ x", "x", None, "(A + A.T) @ x"),
    ("logdet(X)", "X", None, "inv(X).T"),
    ("tr(A @ inv(X) @ B)", "X", None, "-(inv(X).T @ A.T @ B.T @ inv(X).T)"),
    ("norm(A @ X - B) ** 2", "X", None, "2 * (A.T @ (A @ X - B))"),
    ("tr(X.T @ A @ X)", "X", None, "(A + A.T) @ X"),
    ("tr(mpow(X, 3))", "X", None, "3 * mpow(X.T, 2)"),
    ("sum(exp(X))", "X", None, "exp(X)"),
    ("tr(A @ X)", "X", ["X=symmetric"], "(A.T + A) / 2"),
    ("tr(A @ X)", "X", ["X=diagonal"], "A.T * I"),
])
def test_results_are_short(f, wrt, assume, expected):
    d = matref.derive(f, wrt, assume=assume, seed=3)
    assert d.result == expected and d.report.ok


@pytest.mark.parametrize("mode", [reverse, forward], ids=["reverse", "forward"])
def test_every_function_has_a_rule_or_says_why_not(mode):
    assert set(mode.CALLS) | set(mode.NOT_YET) | reverse.CONSTANTS == set(FUNCTIONS)
    assert not set(mode.CALLS) & set(mode.NOT_YET)


def test_a_wrong_rule_is_reported_as_a_bug_never_shown(monkeypatch):
    wrong = ("d log|det A| = tr(A dA) (wrong)", lambda n, g, p: (B.mul(g, n.args[0]),))
    monkeypatch.setitem(reverse.CALLS, "logdet", wrong)
    with pytest.raises(matref.MatrefError, match="bug in matref"):
        matref.derive("logdet(X)", "X", seed=1)


@pytest.mark.parametrize("f, wrt, message", [
    ("tr(A @ X", "X", "--f: column"),
    ("tr(kron(A, X))", "X", "Kronecker"),
    ("tr(A)", "X", "does not appear"),
])
def test_bad_requests_say_what_is_wrong(f, wrt, message):
    with pytest.raises(matref.MatrefError, match=message):
        matref.derive(f, wrt, seed=1)


def test_constructors_simplify_without_changing_values():
    X, A = N.Symbol("X"), N.Symbol("A")
    assert B.matmul(B.I, X) == X and B.matmul(X, B.I) == X
    assert B.t(B.t(X)) == X and B.t(N.MatMul(A, X)) == N.MatMul(N.Transpose(X), N.Transpose(A))
    assert B.neg(B.neg(X)) == X and B.mul(B.ONE, X) == X
    assert B.add(X, X) == N.Mul(N.Number(2.0), X) and B.add(B.mul(B.num(2), X), X) == N.Mul(N.Number(3.0), X)
    assert B.matmul(X, X) == N.Call("mpow", (X,), (2,))
    assert B.add(N.MatMul(A, X), N.MatMul(X, X)) == N.MatMul(N.Add(A, X), X)


def test_cli_derive(capsys):
    assert cli.main(["derive", "--f", "tr(A @ inv(X) @ B)", "--wrt", "X", "--seed", "1", "--steps"]) == 0
    out = capsys.readouterr().out
    assert "-(inv(X).T @ A.T @ B.T @ inv(X).T)" in out and "proved · 5 instances" in out
    assert "d inv(A) = -inv(A) dA inv(A)" in out and "numerator: -X^{-1} B A X^{-1}" in out
    assert cli.main(["derive", "--f", "x.T @ A @ x", "--wrt", "x", "--seed", "1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["gradient"] == "(A + A.T) @ x" and data["report"]["verdict"] == "holds"
    assert cli.main(["derive", "--f", "A @ inv(X) @ B", "--wrt", "X", "--seed", "1", "--steps"]) == 0
    out = capsys.readouterr().out
    assert "differential of A @ inv(X) @ B" in out and "-(A @ inv(X) @ dX @ inv(X) @ B)" in out
    assert "d(inv(X)) = -(inv(X) @ dX @ inv(X))    [d inv(A) = -inv(A) dA inv(A)]" in out
    assert cli.main(["derive", "--f", "tr(kron(A, X))", "--wrt", "X"]) == 2
    assert "Kronecker" in capsys.readouterr().err


NO_DIFFERENTIAL_RULE_YET = {"eigen.diff_eigenprojector", "eigen.diff_eigenprojector_smallest"}
DIFFERENTIALS = [i for i in CAT if i.kind == "differential" and i.status == "proved" and catalog_case(i)]


@pytest.mark.parametrize("ident", DIFFERENTIALS, ids=lambda i: i.id)
def test_derived_differentials_agree_with_the_catalog(ident):
    f, wrt, assume, shapes = catalog_case(ident)
    if ident.id in NO_DIFFERENTIAL_RULE_YET:
        with pytest.raises(reverse.NotDifferentiable, match="eigenvectors"):
            matref.derive(f, wrt, assume=assume, shapes=shapes, seed=1, differential=True)
        return
    d = matref.derive(f, wrt, assume=assume, shapes=shapes, seed=1, trials=3, differential=True)
    assert d.kind == "differential" and d.report.ok
    claimed = ident.statement["differential"]
    # as an equality dX is a symbol like any other: uppercase, so that its shape is a matrix's
    rename = (lambda text: re.sub(rf"\bd{wrt}\b", f"D{wrt}", text)) if wrt[0].isupper() else (lambda text: text)
    lhs, rhs = rename(d.result), rename(claimed)
    used = set(symbols(parse(lhs))) | set(symbols(parse(rhs)))
    same = matref.check(lhs=lhs, rhs=rhs, seed=1, trials=3,
                        assume={k: v for k, v in assume.items() if k in used},
                        shapes={k: v for k, v in shapes.items() if k in used})
    assert same.ok, f"derived {d.result}, catalog {claimed}: {same.summary()}"


@pytest.mark.parametrize("f, wrt, expected", [
    ("inv(X)", "X", "-(inv(X) @ dX @ inv(X))"),
    ("A @ X @ B", "X", "A @ dX @ B"),
    ("logdet(X)", "X", "tr(inv(X) @ dX)"),
    ("kron(A, X)", "X", "kron(A, dX)"),
    ("X @ X", "X", "dX @ X + X @ dX"),
])
def test_differentials_are_short(f, wrt, expected):
    d = matref.derive(f, wrt, seed=2, differential=True)
    assert d.result == expected and d.report.ok


JACOBIANS = [i for i in CAT if i.kind == "jacobian" and i.status == "proved" and catalog_case(i)]


@pytest.mark.parametrize("ident", JACOBIANS, ids=lambda i: i.id)
def test_derived_differentials_are_the_catalogs_jacobians_action(ident):
    """vec(d f) = J vec(dX): the derived differential against the catalog's Jacobian."""
    f, wrt, assume, shapes = catalog_case(ident)
    d = matref.derive(f, wrt, assume=assume, shapes=shapes, seed=1, trials=3, differential=True)
    direction = f"D{wrt}" if wrt[0].isupper() else f"d{wrt}"
    renamed = re.sub(r"\bd" + wrt + r"\b", direction, d.result)
    lhs = f"vec({renamed})"
    rhs = f"({ident.statement['jacobian']}) @ vec({direction})"
    used = set(symbols(parse(lhs))) | set(symbols(parse(rhs)))
    shapes = {**shapes, direction: shapes[wrt]} if wrt in shapes else shapes
    same = matref.check(lhs=lhs, rhs=rhs, seed=1, trials=3,
                        assume={k: v for k, v in assume.items() if k in used},
                        shapes={k: v for k, v in shapes.items() if k in used})
    assert same.ok, f"vec({d.result}) against {rhs}: {same.summary()}"
