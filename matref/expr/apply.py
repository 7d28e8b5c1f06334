"""Apply a claimed Jacobian or Hessian to a direction without forming it.

A claimed Jacobian of ``vec(A @ X @ B)`` is ``kron(B.T, A)``, an ``(mn) x (mn)`` matrix: 6.3 GB
at n = 128. What a directional check needs is only ``J @ vec(V)``, and

* ``kron(P, Q) @ vec(Z) = vec(Q @ Z @ P.T)``,
* ``commutation(X) @ vec(Z) = vec(Z.T)`` (Z shaped like X),
* ``I @ w = w``, ``diag(u) @ w = u * w``,
* sums, scalar multiples and products act one factor at a time (``(A @ B) w = A (B w)``),

so :func:`apply` rewrites ``J @ w`` into an expression whose largest array is the size of the
operands, not of the operator. What no rule covers is multiplied as it is (formed).

Examples
--------
>>> from matref.expr.parse import parse
>>> str(apply(parse("kron(B.T, A) + commutation(X)"), parse("vec(V)")))
'vec(A @ V @ B) + vec(V.T)'
"""

from __future__ import annotations

import dataclasses

from matref.expr import nodes as N
from matref.expr.transform import transpose


def fresh(node: N.Node) -> N.Node:
    """A copy of the tree with new node objects (shapes are keyed by node identity)."""
    return N.replace_children(dataclasses.replace(node), tuple(fresh(c) for c in node.children()))


def _vec_arg(w: N.Node) -> N.Node | None:
    return w.args[0] if isinstance(w, N.Call) and w.func == "vec" else None


class Shapes:
    """What :func:`apply` needs to know of the operator's nodes, from its shape inference
    (``typed``, a :class:`~matref.expr.infer.Typed`); nodes it does not know are neither."""

    def __init__(self, typed=None):
        self.typed = typed

    def _shape(self, node):
        if self.typed is None or id(node) not in self.typed.shapes:
            return None
        return self.typed.shape_of(node)

    def is_scalar(self, node) -> bool:
        s = self._shape(node)
        return s is not None and self.typed.scope.unifier.is_scalar(s)

    def is_column(self, node) -> bool:
        s = self._shape(node)
        return s is not None and self.typed.scope.unifier.is_one(s[1])


def apply(op: N.Node, w: N.Node, shapes: Shapes | None = None, checks: list | None = None) -> N.Node:
    """An expression for ``op @ w`` that does not form ``op`` where a rule applies.

    ``shapes`` tells which nodes of ``op`` are 1x1 or columns; ``checks`` receives ``(original
    node, rewritten node)`` pairs whose shapes must be equal for a rule to be valid (the caller
    verifies them after inferring the result).
    """
    checks = [] if checks is None else checks
    shapes = shapes or Shapes()
    is_scalar = shapes.is_scalar
    rec = lambda o, v: apply(o, v, shapes, checks)  # noqa: E731
    if isinstance(op, N.Add):
        return N.Add(rec(op.left, w), rec(op.right, fresh(w)))
    if isinstance(op, N.Sub):
        return N.Sub(rec(op.left, w), rec(op.right, fresh(w)))
    if isinstance(op, N.Neg):
        return N.Neg(rec(op.arg, w))
    if isinstance(op, N.Mul) and is_scalar(op.left):
        return N.Mul(fresh(op.left), rec(op.right, w))
    if isinstance(op, N.Mul) and is_scalar(op.right):
        return N.Mul(rec(op.left, w), fresh(op.right))
    if isinstance(op, N.Div) and is_scalar(op.right):
        return N.Div(rec(op.left, w), fresh(op.right))
    if isinstance(op, N.MatMul):
        return rec(op.left, rec(op.right, w))
    if isinstance(op, N.Identity):
        return w
    if isinstance(op, N.Transpose):
        inner = op.arg
        if isinstance(inner, N.Call) and inner.func == "kron":  # (P (x) Q)^T = P^T (x) Q^T
            p, q = inner.args
            return rec(N.Call("kron", (N.Transpose(p), N.Transpose(q))), w)
        if isinstance(inner, (N.Add, N.Sub)):
            return rec(type(inner)(N.Transpose(inner.left), N.Transpose(inner.right)), w)
        if isinstance(inner, N.MatMul):
            return rec(N.MatMul(N.Transpose(inner.right), N.Transpose(inner.left)), w)
        if isinstance(inner, (N.Identity, N.Transpose)):
            return rec(inner if isinstance(inner, N.Identity) else inner.arg, w)
    z = _vec_arg(w)
    if isinstance(op, N.Call) and op.func == "kron" and z is not None:
        p, q = op.args
        return N.Call("vec", (N.MatMul(N.MatMul(fresh(q), z), transpose(fresh(p))),))
    if isinstance(op, N.Call) and op.func == "commutation" and z is not None:
        checks.append((op.args[0], z))
        return N.Call("vec", (N.Transpose(z),))
    if isinstance(op, N.Call) and op.func == "diag" and shapes.is_column(op.args[0]) and not is_scalar(op.args[0]):
        return N.Mul(fresh(op.args[0]), w)  # diag(u) w = u * w
    return N.MatMul(fresh(op), w)
