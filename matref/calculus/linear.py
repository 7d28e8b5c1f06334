"""Reading a differential: the expression ``e`` linear in ``dX`` as a matrix, or as a gradient.

Two readings of the same linear form, each written as a person writes it:

* :func:`matrix_of`: the J with ``vec(e) = J vec(dX)`` (column-major vec), in Kronecker and
  commutation form: ``vec(P dX Q) = (Qᵀ ⊗ P) vec(dX)``, ``vec(dXᵀ) = K vec(dX)``,
  ``vec(c ∘ dX) = diag(vec(c)) vec(dX)``. A form with none (``diag(dx)``, ``kron(dX, B)``) raises
  :class:`NoMatrixForm`; the differential itself is then the Jacobian's action.
* :func:`trace_form`: a scalar ``df`` as ``Σ tr(Mᵢ dX)`` by the cyclic property of the trace, the
  step before identifying the gradient (``df = tr(Gᵀ dX)`` ⇔ ``∂f/∂X = G``).

Both first expand ``e`` into terms (products distributed over the sums that hold ``dX``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from matref.calculus import build as B
from matref.calculus.reverse import NotDifferentiable
from matref.expr import nodes as N
from matref.expr.infer import Scope


class NoMatrixForm(NotDifferentiable):
    """The differential has no Kronecker/commutation form in matref's language (its action stands)."""


@dataclass
class Form:
    """A linear form in ``dX``: the scope that types it (``dX`` declared like ``X``)."""

    scope: Scope
    dx: str
    used: list[str] = field(default_factory=list)  # the vec rules matrix_of applied, in order

    def rule(self, text: str) -> None:
        if text not in self.used:
            self.used.append(text)

    @classmethod
    def of(cls, scope: Scope, wrt: str) -> "Form":
        scope = scope.fork()
        scope.declare(f"d{wrt}", scope.shape_of_symbol(wrt))
        return cls(scope, f"d{wrt}")

    def shape(self, node: N.Node) -> tuple[bool, bool]:
        """(one row?, one column?) of ``node``."""
        r, c = self.scope.fork().infer(node).shape
        u = self.scope.unifier
        return u.is_scalar((r, 1)), u.is_scalar((c, 1))

    def scalar(self, node: N.Node) -> bool:
        return all(self.shape(node))

    def linear(self, node: N.Node) -> bool:
        return self.dx in N.symbols(node)

    def primal(self, node: N.Node) -> N.Node:
        """``node`` with ``dX`` read as ``X`` (the same shape; for shapes only)."""
        return N.substitute(node, {self.dx: N.Symbol(self.dx[1:])})


# -- expansion into terms ---------------------------------------------------------------------------
def terms(e: N.Node, form: Form) -> list[N.Node]:
    """``e`` as a sum of terms, each linear in ``dX`` with no sum around ``dX`` left inside."""
    if not form.linear(e):
        return []
    if isinstance(e, (N.Add, N.Sub)) and form.scalar(e.left) != form.scalar(e.right):
        # a 1x1 side broadcast over the other: made explicit (s 1), so that distributing a
        # product over the sum keeps every term well shaped
        ones = N.Pow(form.primal(e.right if form.scalar(e.left) else e.left), 0)
        left = B.mul(e.left, ones) if form.scalar(e.left) else e.left
        right = B.mul(e.right, ones) if form.scalar(e.right) else e.right
        e = type(e)(left, right)
    if isinstance(e, N.Add):
        return terms(e.left, form) + terms(e.right, form)
    if isinstance(e, N.Sub):
        return terms(e.left, form) + [B.neg(t) for t in terms(e.right, form)]
    if isinstance(e, N.Neg):
        return [B.neg(t) for t in terms(e.arg, form)]
    if isinstance(e, N.Transpose):
        return [B.t(t) for t in terms(e.arg, form)]
    if isinstance(e, (N.MatMul, N.Mul, N.Div)):
        make = {N.MatMul: B.matmul, N.Mul: B.mul, N.Div: B.div}[type(e)]
        if form.linear(e.left):
            return [make(t, e.right) for t in terms(e.left, form)]
        return [make(e.left, t) for t in terms(e.right, form)]
    if isinstance(e, N.Call) and e.func in ("tr", "sum", "vec", "diag") and len(e.args) == 1:
        return [B.call(e.func, t, params=e.params) for t in terms(e.args[0], form)]
    return [e]


def _factors(e: N.Node) -> list[N.Node]:
    if isinstance(e, N.MatMul):
        return _factors(e.left) + _factors(e.right)
    return [e]


def _product(fs: list[N.Node]) -> N.Node | None:
    out = None
    for f in fs:
        out = f if out is None else B.matmul(out, f)
    return out


def _split_chain(e: N.Node, form: Form) -> tuple[N.Node | None, N.Node, N.Node | None]:
    """``P @ L @ Q`` with the one factor L that holds ``dX``."""
    fs = _factors(e)
    at = [k for k, f in enumerate(fs) if form.linear(f)]
    if len(at) != 1:
        raise NotDifferentiable(f"{e} is not linear in {form.dx}")
    k = at[0]
    return _product(fs[:k]), fs[k], _product(fs[k + 1:])


# -- the matrix of a linear form --------------------------------------------------------------------
def vec_of(c: N.Node, form: Form) -> N.Node:
    """vec(c) written simply: a column is its own vec, a row's is its transpose."""
    rows1, cols1 = form.shape(c)
    if cols1:
        return c
    if rows1:
        return B.t(c)
    return B.call("vec", c)


def matrix_of(e: N.Node, form: Form) -> N.Node:
    """J with ``vec(e) = J vec(dX)`` for ``e`` linear in ``dX`` (rebuilt, shortest form).

    Raises
    ------
    NoMatrixForm
        For a part with no Kronecker/commutation form (the message names it).
    """
    total = None
    for term in terms(e, form):
        total = B.add(total, _matrix(term, form))
    if total is None:
        raise NotDifferentiable(f"{e} does not depend on {form.dx}")
    return total


def _matrix(e: N.Node, form: Form) -> N.Node:
    x_rows1, x_cols1 = form.shape(N.Symbol(form.dx))
    if x_rows1 and x_cols1:  # a scalar variable: e = C dt, and J = vec(C)
        return vec_of(B.rebuild(N.substitute(e, {form.dx: B.ONE})), form)
    if isinstance(e, N.Symbol):
        return B.I
    if isinstance(e, N.Neg):
        return B.neg(_matrix(e.arg, form))
    if form.scalar(e) and not (isinstance(e, N.Mul) and form.scalar(e.left) and form.scalar(e.right)):
        try:  # a scalar: the row vec(G)ᵀ of its gradient
            g = _gradient_of_term(e, form)
        except NotDifferentiable:  # (vec has no reverse rule): read it by its structure below
            pass
        else:
            form.rule("a scalar: vec(tr(Gᵀ dX)) = vec(G)ᵀ vec(dX)")
            return B.t(vec_of(g, form))
    if isinstance(e, N.Transpose):
        rows1, cols1 = form.shape(e.arg)
        if rows1 or cols1:  # a row and a column have the same vec
            return _matrix(e.arg, form)
        inner = _matrix(e.arg, form)
        form.rule("the commutation matrix K: vec(Lᵀ) = K vec(L)")
        return B.matmul(B.call("commutation", form.primal(e.arg)), inner)
    if isinstance(e, N.MatMul):
        return _matmul(e, form)
    if isinstance(e, (N.Mul, N.Div)):
        lin, other = (e.left, e.right) if form.linear(e.left) else (e.right, e.left)
        if form.linear(other) or (isinstance(e, N.Div) and lin is e.right):
            raise NotDifferentiable(f"{e} is not linear in {form.dx}")
        inner = _matrix(lin, form)
        if form.scalar(other):
            return B.div(inner, other) if isinstance(e, N.Div) else B.mul(other, inner)
        if isinstance(e, N.Div):
            other = B.div(B.ONE, other)
        if form.scalar(lin):  # a constant matrix times a linear scalar: vec(C s) = vec(C) s
            form.rule("a scalar s: vec(C s) = vec(C) s")
            return B.matmul(vec_of(other, form), inner)
        form.rule("vec(C ∘ L) = diag(vec(C)) vec(L)")
        return B.matmul(B.call("diag", vec_of(other, form)), inner)
    if isinstance(e, N.Call) and e.func == "vec":
        return _matrix(e.args[0], form)
    raise NoMatrixForm(f"{e}: no Kronecker or commutation form for {_name(e)} (its differential, the "
                       "Jacobian's action, is the answer)")


def _name(e: N.Node) -> str:
    return f"{e.func}(...)" if isinstance(e, N.Call) else type(e).__name__


def _matmul(e: N.Node, form: Form) -> N.Node:
    p, lin, q = _split_chain(e, form)
    inner = _matrix(lin, form)
    l_rows1, l_cols1 = form.shape(lin)
    if l_rows1 and l_cols1:  # P s Q with s 1x1: vec(P Q) s
        form.rule("a scalar s: vec(P s Q) = vec(P Q) s")
        return B.matmul(vec_of(_product([f for f in (p, q) if f is not None]), form), inner)
    # vec(P L Q) = (Qᵀ ⊗ P) vec(L), with the shortcuts of a missing side, a vector L or a 1x1 side
    if p is not None and form.scalar(p):
        return B.mul(p, _matmul(B.matmul(lin, q) if q is not None else lin, form)) if q is not None else B.mul(p, inner)
    if q is not None and form.scalar(q):
        return B.mul(q, _matrix(lin, form) if p is None else _matmul(B.matmul(p, lin), form))
    form.rule("vec(P L Q) = (Qᵀ ⊗ P) vec(L)")
    if q is None:
        return B.matmul(p, inner) if l_cols1 else B.matmul(B.call("kron", B.I, p), inner)
    if p is None:
        return B.matmul(B.t(q), inner) if l_rows1 else B.matmul(B.call("kron", B.t(q), B.I), inner)
    return B.matmul(B.call("kron", B.t(q), p), inner)


# -- the gradient of a scalar linear form, by the cyclic trace -------------------------------------
def _gradient_of_term(e: N.Node, form: Form) -> N.Node:
    """G with ``e = tr(Gᵀ dX)`` for one scalar term (reverse mode on the linear form)."""
    from matref.calculus.reverse import gradient

    g, _ = gradient(form.scope.fork().infer(e), form.dx)
    return _no_dx(g, form)


def _no_dx(node: N.Node, form: Form) -> N.Node:
    """An all-ones ``A ** 0`` built from a part holding ``dX`` depends on its shape only: read it at X."""
    if isinstance(node, N.Pow) and node.exponent == 0:
        return N.Pow(form.primal(node.base), 0.0)
    kids = tuple(_no_dx(c, form) for c in node.children())
    out = N.replace_children(node, kids) if kids else node
    if form.linear(out):
        raise NotDifferentiable(f"{out}: the form is not linear in {form.dx}")
    return out


def trace_form(df: N.Node, form: Form) -> list[tuple[N.Node, N.Node]]:
    """A scalar ``df`` as terms ``(term, M)`` with ``term = tr(M dX)``: the cyclic property of the
    trace moves dX to the right (``tr(P dX Q) = tr(Q P dX)``, ``aᵀ dX b = tr(b aᵀ dX)``,
    ``sum(C ∘ dX) = tr(Cᵀ dX)``)."""
    return [(t, B.t(_gradient_of_term(t, form))) for t in terms(df, form)]
