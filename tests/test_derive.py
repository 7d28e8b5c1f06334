"""matref.derive: gradients derived symbolically, kept short, and proved before they are shown."""

from __future__ import annotations

import json

import pytest

import matref
from matref.calculus import build as B
from matref.calculus import reverse
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


def test_every_function_has_a_rule_or_says_why_not():
    assert set(reverse.CALLS) | set(reverse.NOT_YET) == set(FUNCTIONS)
    assert not set(reverse.CALLS) & set(reverse.NOT_YET)


def test_a_wrong_rule_is_reported_as_a_bug_never_shown(monkeypatch):
    wrong = ("d log|det A| = tr(A dA) (wrong)", lambda n, g, p: (B.mul(g, n.args[0]),))
    monkeypatch.setitem(reverse.CALLS, "logdet", wrong)
    with pytest.raises(matref.MatrefError, match="bug in matref"):
        matref.derive("logdet(X)", "X", seed=1)


@pytest.mark.parametrize("f, wrt, message", [
    ("A @ X", "X", "not scalar"),
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
    assert cli.main(["derive", "--f", "A @ X", "--wrt", "X"]) == 2
    assert "not scalar" in capsys.readouterr().err
