"""matref.derive: gradients derived symbolically, kept short, and proved before they are shown."""

from __future__ import annotations

import json
import re

import pytest

import matref
from matref.calculus import build as B
from matref.calculus import forward, reverse
from matref.data.assumptions import closure
from matref.expr import nodes as N
from matref.expr.functions import FUNCTIONS
from matref.expr.nodes import symbols
from matref.expr.parse import parse
from matref.faces import cli

CAT = matref.catalog()


def catalog_case(ident):
    """(f, wrt, assume, shapes) of a catalog gradient derive can be asked, or None with why not."""
    syms = ident.spec.symbols
    if ident.conditions or ident.spec.params or any(s.value is not None or s.sample for s in syms):
        return None
    return (ident.statement["f"], ident.wrt, {s.name: list(s.assume) for s in syms if s.assume},
            {s.name: s.shape for s in syms if s.shape})


GRADIENTS = [i for i in CAT if i.kind == "gradient" and i.status == "proved" and catalog_case(i)]
NO_RULE_YET = {"trace.grad_kron_ax", "trace.grad_kron_xx", "block.grad_logdet_top_left"}


def tally(record_property, kind: str, outcome: str) -> None:
    """Counted by conftest and printed at the end of the run: how many catalog entries derive agrees with."""
    record_property("derive", json.dumps([kind, outcome]))


@pytest.mark.parametrize("ident", GRADIENTS, ids=lambda i: i.id)
def test_derive_agrees_with_the_catalog(ident, record_property):
    """An independent cross-check of both: the derived gradient equals the catalog's."""
    f, wrt, assume, shapes = catalog_case(ident)
    if ident.id in NO_RULE_YET:
        with pytest.raises(reverse.NotDifferentiable):
            matref.derive(f, wrt, assume=assume, shapes=shapes, seed=1, trials=3)
        tally(record_property, "gradients", "no rule")
        return
    d = matref.derive(f, wrt, assume=assume, shapes=shapes, seed=1, trials=3)
    assert d.report.ok
    used = set(symbols(parse(d.result))) | set(symbols(parse(ident.statement["grad"])))
    same = matref.check(lhs=d.result, rhs=ident.statement["grad"], seed=1, trials=3,
                        assume={k: v for k, v in assume.items() if k in used},
                        shapes={k: v for k, v in shapes.items() if k in used})
    assert same.ok, f"derived {d.result}, catalog {ident.statement['grad']}: {same.summary()}"
    tally(record_property, "gradients", "agrees")


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
    assert "d inv(X) = -(inv(X) @ dX @ inv(X))    [d inv(A) = -inv(A) dA inv(A)]" in out
    assert cli.main(["derive", "--f", "tr(kron(A, X))", "--wrt", "X"]) == 2
    assert "Kronecker" in capsys.readouterr().err


NO_DIFFERENTIAL_RULE_YET: set[str] = set()
DIFFERENTIALS = [i for i in CAT if i.kind == "differential" and i.status == "proved" and catalog_case(i)]


@pytest.mark.parametrize("ident", DIFFERENTIALS, ids=lambda i: i.id)
def test_derived_differentials_agree_with_the_catalog(ident, record_property):
    f, wrt, assume, shapes = catalog_case(ident)
    if ident.id in NO_DIFFERENTIAL_RULE_YET:
        with pytest.raises(reverse.NotDifferentiable, match="eigenvectors"):
            matref.derive(f, wrt, assume=assume, shapes=shapes, seed=1, kind="differential")
        tally(record_property, "differentials", "no rule")
        return
    d = matref.derive(f, wrt, assume=assume, shapes=shapes, seed=1, trials=3, kind="differential")
    assert d.kind == "differential" and d.report.ok
    claimed = ident.statement["differential"]
    # as an equality dX is a symbol like any other: uppercase, so that its shape is a matrix's
    rename = (lambda text: re.sub(rf"\bd{wrt}\b", f"D{wrt}", text)) if wrt[0].isupper() else (lambda text: text)
    lhs, rhs = rename(d.result), rename(claimed)
    used = set(symbols(parse(lhs))) | set(symbols(parse(rhs)))
    if wrt in shapes:  # the direction is shaped like the variable (dt a scalar when t is)
        shapes = {**shapes, rename(f"d{wrt}"): shapes[wrt]}
    structured = sorted(closure(assume.get(wrt, [])) & {"symmetric", "diagonal"})
    if structured:  # a direction in the variable's own space (dA symmetric when A is)
        assume = {**assume, rename(f"d{wrt}"): structured}
    same = matref.check(lhs=lhs, rhs=rhs, seed=1, trials=3,
                        assume={k: v for k, v in assume.items() if k in used},
                        shapes={k: v for k, v in shapes.items() if k in used})
    assert same.ok, f"derived {d.result}, catalog {claimed}: {same.summary()}"
    tally(record_property, "differentials", "agrees")


@pytest.mark.parametrize("f, wrt, expected", [
    ("inv(X)", "X", "-(inv(X) @ dX @ inv(X))"),
    ("A @ X @ B", "X", "A @ dX @ B"),
    ("logdet(X)", "X", "tr(inv(X) @ dX)"),
    ("kron(A, X)", "X", "kron(A, dX)"),
    ("X @ X", "X", "dX @ X + X @ dX"),
])
def test_differentials_are_short(f, wrt, expected):
    d = matref.derive(f, wrt, seed=2, kind="differential")
    assert d.result == expected and d.report.ok


JACOBIANS = [i for i in CAT if i.kind == "jacobian" and i.status == "proved" and catalog_case(i)]


@pytest.mark.parametrize("ident", JACOBIANS, ids=lambda i: i.id)
def test_derived_differentials_are_the_catalogs_jacobians_action(ident):
    """vec(d f) = J vec(dX): the derived differential against the catalog's Jacobian."""
    f, wrt, assume, shapes = catalog_case(ident)
    d = matref.derive(f, wrt, assume=assume, shapes=shapes, seed=1, trials=3, kind="differential")
    direction = f"D{wrt}" if wrt[0].isupper() else f"d{wrt}"
    renamed = re.sub(r"\bd" + wrt + r"\b", direction, d.result)
    lhs = f"vec({renamed})"
    rhs = f"({ident.statement['jacobian']}) @ vec({direction})"
    used = set(symbols(parse(lhs))) | set(symbols(parse(rhs)))
    shapes = _tied({**shapes, **_named_shapes(ident)}, wrt, direction)
    # The Jacobian of a structured variable (J P) acts on directions in its tangent space.
    tangent = {"spd": "symmetric", "symmetric": "symmetric", "diagonal": "diagonal"}
    space = [tangent[a] for a in _listed(assume.get(wrt)) if a in tangent]
    if space:
        assume = {**assume, direction: space[0]}
    same = matref.check(lhs=lhs, rhs=rhs, seed=1, trials=3,
                        assume={k: v for k, v in assume.items() if k in used},
                        shapes={k: v for k, v in shapes.items() if k in used})
    assert same.ok, f"vec({d.result}) against {rhs}: {same.summary()}"


def _listed(value) -> list:
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def _tied(shapes: dict, wrt: str, direction: str) -> dict:
    """The direction shaped like the variable: the same declared shape, or the same named sizes."""
    if wrt in shapes:
        return {**shapes, direction: shapes[wrt]}
    shape = "pv x qv" if wrt[0].isupper() else "lv x 1"
    return {**shapes, wrt: shape, direction: shape}


def _named_shapes(ident) -> dict:
    """Every symbol's shape as the identity infers it, sizes named (z<uid>): the equality of two
    operators then inherits the size relations f imposes (cols(A) = rows(X) in kron(I, A)), which
    alone it could not know, and its identity matrices have one size, not a guess."""
    from matref.expr.dims import Var

    u = ident.scope.unifier
    out = {}
    for name in ident.names:
        dims = [u.resolve(d) for d in ident.scope.shape_of_symbol(name)]
        if all(isinstance(d, (int, Var)) for d in dims):
            out[name] = " x ".join(str(d) if isinstance(d, int) else d.name if d.name.isidentifier() else f"z{d.uid}"
                                   for d in dims)
    return out


def _agrees_as_operator(f, wrt, assume, shapes, derived, stated, ident=None):
    """M_derived vec(D) = M_stated vec(D) for a direction D shaped like the variable (an equality that
    pins every size, identity matrices in Kronecker factors included)."""
    if ident is not None:
        shapes = {**shapes, **_named_shapes(ident)}
    direction = f"D{wrt}" if wrt[0].isupper() else f"d{wrt}"
    lhs, rhs = f"({derived}) @ vec({direction})", f"({stated}) @ vec({direction})"
    used = set(symbols(parse(lhs))) | set(symbols(parse(rhs)))
    shapes = _tied(shapes, wrt, direction)
    return matref.check(lhs=lhs, rhs=rhs, seed=1, trials=3, assume={k: v for k, v in assume.items() if k in used},
                        shapes={k: v for k, v in shapes.items() if k in used})


@pytest.mark.parametrize("ident", JACOBIANS, ids=lambda i: i.id)
def test_derived_jacobians_agree_with_the_catalog(ident, record_property):
    """--jacobian: the matrix in Kronecker/commutation form, equal to the catalog's Jacobian."""
    f, wrt, assume, shapes = catalog_case(ident)
    d = matref.derive(f, wrt, assume=assume, shapes=shapes, seed=1, trials=3, kind="jacobian")
    assert d.report.ok
    if d.kind != "jacobian":  # no Kronecker form: the action, already checked above
        assert d.note and "action" in d.note
        tally(record_property, "Jacobians", "as their action")
        return
    same = _agrees_as_operator(f, wrt, assume, shapes, d.result, ident.statement["jacobian"], ident)
    assert same.ok, f"derived {d.result}, catalog {ident.statement['jacobian']}: {same.summary()}"
    tally(record_property, "Jacobians", "agrees")


HESSIANS = [i for i in CAT if i.kind == "hessian" and i.status == "proved" and catalog_case(i)]


@pytest.mark.parametrize("ident", HESSIANS, ids=lambda i: i.id)
def test_derived_hessians_agree_with_the_catalog(ident, record_property):
    f, wrt, assume, shapes = catalog_case(ident)
    d = matref.derive(f, wrt, assume=assume, shapes=shapes, seed=1, trials=3, kind="hessian")
    assert d.kind == "hessian" and d.report.ok
    same = _agrees_as_operator(f, wrt, assume, shapes, d.result, ident.statement["hessian"], ident)
    assert same.ok, f"derived {d.result}, catalog {ident.statement['hessian']}: {same.summary()}"
    tally(record_property, "Hessians", "agrees")


def test_catalog_coverage_of_jacobians_and_hessians():
    assert len(JACOBIANS) >= 45 and len(HESSIANS) >= 18


@pytest.mark.parametrize("f, wrt, expected", [
    ("A @ X @ B", "X", "kron(B.T, A)"),
    ("X.T", "X", "commutation(X)"),
    ("A @ X.T @ B", "X", "kron(B.T, A) @ commutation(X)"),
    ("inv(X)", "X", "-kron(inv(X).T, inv(X))"),
    ("X @ X", "X", "kron(X.T, I) + kron(I, X)"),
    ("exp(X)", "X", "diag(vec(exp(X)))"),
    ("A @ x", "x", "A"),
    ("X @ a", "X", "kron(a.T, I)"),
    ("a.T @ X", "X", "kron(I, a.T)"),
    ("tr(X) * A", "X", "vec(A) @ vec(I).T"),
])
def test_jacobians_in_kronecker_form(f, wrt, expected):
    d = matref.derive(f, wrt, kind="jacobian", seed=2)
    assert (d.kind, d.result) == ("jacobian", expected) and d.report.ok


@pytest.mark.parametrize("f, wrt, expected", [
    ("x.T @ A @ x", "x", "A + A.T"),
    ("alpha * w.T @ w / 2", "w", "alpha * I"),
    ("tr(X.T @ A @ X)", "X", "kron(I, A + A.T)"),
    ("norm(A @ X - B) ** 2", "X", "2 * kron(I, A.T @ A)"),
    ("tr(X @ X)", "X", "2 * commutation(X)"),
])
def test_hessians(f, wrt, expected):
    d = matref.derive(f, wrt, kind="hessian", seed=2, shapes=["alpha=scalar"] if "alpha" in f else None)
    assert (d.kind, d.result) == ("hessian", expected) and d.report.ok


def test_a_jacobian_without_a_kronecker_form_is_given_as_its_action():
    d = matref.derive("kron(A, X)", "X", kind="jacobian", seed=1)
    assert d.kind == "differential" and d.result == "kron(A, dX)" and "action" in d.note and d.report.ok


def test_a_wrong_vec_rule_is_reported_as_a_bug_never_shown(monkeypatch):
    import types

    from matref.calculus import linear

    def swapped(func, *args, params=()):  # vec(P L Q) = (P ⊗ Qᵀ) vec(L): the row-major mistake
        return B.call(func, *(args[::-1] if func == "kron" else args), params=params)

    wrong = types.SimpleNamespace(**{k: getattr(B, k) for k in dir(B) if not k.startswith("__")})
    wrong.call = swapped
    monkeypatch.setattr(linear, "B", wrong)
    with pytest.raises(matref.MatrefError, match="bug in matref"):
        matref.derive("A @ X @ B", "X", kind="jacobian", seed=1)


@pytest.mark.parametrize("f, wrt, kind, rules", [
    ("a.T @ X @ b", "X", None, ["product rule", "cyclic trace", "identification"]),
    ("x.T @ A @ x", "x", None, ["product rule", "its own transpose", "collect the terms", "identification"]),
    ("tr(A @ inv(X) @ B)", "X", None, ["d inv(A) = -inv(A) dA inv(A)", "d tr(A) = tr(dA)", "cyclic trace"]),
    ("logdet(X)", "X", None, ["d log|det A| = tr(inv(A) dA)", "identification"]),
    ("det(A @ X @ B)", "X", None, ["Jacobi's formula", "cyclic trace", "identification"]),
    ("tr(A @ X)", "X", None, ["identification"]),
    ("A @ X @ B", "X", "jacobian", ["product rule", "read off J", "vec(P L Q) = (Qᵀ ⊗ P) vec(L)"]),
    ("x.T @ A @ x", "x", "hessian", ["identification", "d((A + A.T) @ x) = (A + A.T) @ dx", "read off H"]),
])
def test_steps_name_each_rule(f, wrt, kind, rules):
    d = matref.derive(f, wrt, kind=kind, seed=1)
    text = "\n".join(d.steps_text())
    for rule in rules:
        assert rule in text, text
    assert d.steps[-1].rhs == d.result or d.kind == "gradient" and "identification" in text
    tex = d.steps_latex()
    assert tex.isascii() and tex.count("{") == tex.count("}") and tex.count("\\\\") == len(d.steps) - 1


def test_every_rule_has_latex_without_raw_unicode():
    from matref.calculus.steps import rule_tex

    names = [name for name, _ in forward.CALLS.values()]
    for name in names + ["identification: df = tr(Gᵀ dX) ⇔ ∂f/∂X = G", "gradient on Sym(n): sym(G) = (G + Gᵀ) / 2"]:
        tex = rule_tex(name)
        assert tex.isascii() and tex.count("{") == tex.count("}"), (name, tex)


def test_check_without_a_claim_derives(capsys):
    assert cli.main(["check", "--f", "x.T @ A @ x", "--wrt", "x", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "no claim given" in out and "(A + A.T) @ x" in out and "proved" in out


def test_a_refuted_claim_is_followed_by_the_correct_result(capsys):
    assert cli.main(["check", "--f", "x.T @ A @ x", "--wrt", "x", "--grad", "2 * A @ x", "--seed", "1"]) == 1
    out = capsys.readouterr().out
    assert "does NOT hold" in out and "the correct gradient, derived and proved" in out
    assert out.rstrip().splitlines()[-2].strip() == "(A + A.T) @ x"
    assert cli.main(["check", "--f", "A @ X @ B", "--wrt", "X", "--jacobian", "kron(A, B.T)", "--seed", "1"]) == 1
    out = capsys.readouterr().out
    assert "the correct Jacobian" in out and "kron(B.T, A)" in out and "--jacobian --steps" in out
    # a claim that holds is not followed by anything
    assert cli.main(["check", "--f", "A @ X @ B", "--wrt", "X", "--jacobian", "kron(B.T, A)", "--seed", "1"]) == 0
    assert "correct" not in capsys.readouterr().out


def test_cli_jacobian_hessian_and_latex_steps(capsys):
    assert cli.main(["derive", "--f", "A @ X @ B", "--wrt", "X", "--jacobian", "--seed", "1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["kind"] == "jacobian" and data["jacobian"] == "kron(B.T, A)"
    assert all(set(s) == {"rule", "lhs", "rhs", "lhs_tex", "rhs_tex"} for s in data["steps"])
    assert cli.main(["derive", "--f", "x.T @ A @ x", "--wrt", "x", "--hessian", "--steps=latex", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "\\begin{aligned}" in out and "H &= A + A^{\\top}" in out
    assert cli.main(["derive", "--f", "A @ X", "--wrt", "X", "--hessian"]) == 2
    assert "not a scalar" in capsys.readouterr().err


def test_tidy_cancels_only_when_the_shapes_allow():
    from matref.calculus.tidy import tidy
    from matref.expr.infer import Scope

    scope = Scope()
    scope.infer(parse("s + y + t"))  # s, y: columns of one size
    scope.declare("c", (1, 1))
    assert str(tidy(parse("s * (y / s)"), scope)) == "y"
    assert str(tidy(parse("s.T @ (y / s)"), scope)) == "sum(y)"
    # a scalar c broadcast by s: s ∘ (c ⊘ s) is a column of c's, not c
    assert str(tidy(parse("s * (c / s)"), scope)) == "s * (c / s)"


def test_linear_forms_expand_and_say_when_there_is_no_matrix():
    from matref.calculus import linear
    from matref.faces.api import build

    typed = build(lhs="diag(x)", rhs="diag(x)").typed["lhs"]
    form = linear.Form.of(typed.scope, "x")
    assert [str(t) for t in linear.terms(parse("A @ (dx + B @ dx) - dx"), form)] == ["A @ dx", "A @ B @ dx", "-dx"]
    with pytest.raises(linear.NoMatrixForm, match="diag"):
        linear.matrix_of(parse("diag(dx)"), form)


def test_common_subexpressions_are_named_for_reading():
    d = matref.derive("det(A @ X @ B)", "X", seed=1)
    assert d.named == (("S1", "A @ X @ B"),) and d.short == "det(S1) * (A.T @ inv(S1).T @ B.T)  where S1 = A @ X @ B"
    assert "= det(S1)" in str(d) and d.to_dict()["named"] == {"S1": "A @ X @ B"}
    # a name never shadows a symbol of f
    d = matref.derive("det(S1 @ X @ B)", "X", seed=1)
    assert d.named and d.named[0][0] != "S1"
    assert not matref.derive("tr(A @ X)", "X", seed=1).named


@pytest.mark.parametrize("f, wrt, assume, kind, expected", [
    # the engine's convention: the Frobenius gradient on the variable's tangent space
    ("tr(A @ Q)", "Q", ["Q=orthogonal"], None, "(A.T - Q @ A @ Q) / 2"),
    ("tr(A @ X)", "X", ["X=symmetric"], "jacobian", "vec(A.T).T @ (I + commutation(X)) / 2"),
    ("inv(Q)", "Q", ["Q=orthogonal"], "jacobian", None),
    ("a.T @ X @ b", "X", ["X=diagonal"], "jacobian", None),
])
def test_structured_variables_are_read_on_their_tangent_space(f, wrt, assume, kind, expected):
    d = matref.derive(f, wrt, assume=assume, kind=kind, seed=1)
    assert d.report.ok and (expected is None or d.result == expected)
    assert any("tangent" in s.rule or "Sym(n)" in s.rule or "diagonal" in s.rule for s in d.steps)


def test_an_undecided_proof_is_not_an_answer_and_not_called_a_bug(capsys):
    with pytest.raises(matref.MatrefError, match="could not decide") as e:
        matref.derive("A @ pinv(A)", "A", shapes={"A": "m x n"}, seed=1)
    assert "bug" not in str(e.value)
    assert cli.main(["derive", "--f", "A @ pinv(A)", "--wrt", "A", "--shape", "A=m x n", "--seed", "1"]) == 3


def test_a_function_of_the_shape_only_has_a_zero_derivative_said_plainly():
    with pytest.raises(matref.MatrefError, match="does not depend on the entries of X"):
        matref.derive("commutation(A @ X @ B) @ kron(B.T, A)", "X")


def test_a_fixed_size_variable_gets_its_jacobian():
    d = matref.derive("1 + det(A) + tr(A)", "A", shapes={"A": "2x2"}, kind="jacobian", seed=1)
    assert d.kind == "jacobian" and "vec(I).T" in d.result and d.report.ok


@pytest.mark.parametrize("f", ["x - sum(x)", "A @ (x - sum(x) / sum(x ** 0))", "(x - sum(x)) / norm(x)"])
def test_a_broadcast_scalar_inside_a_linear_form_keeps_its_shape(f):
    """x - sum(x): the scalar is broadcast over x; distributing a product over that sum must
    keep the ones it was broadcast with."""
    d = matref.derive(f, "x", kind="jacobian", seed=1)
    assert d.kind == "jacobian" and d.report.ok
