"""Simplifications that need shapes: the ones :mod:`matref.calculus.build` cannot make alone.

``s ∘ (y ⊘ s) = y`` holds when y has the shape of the product (a scalar y would be broadcast to
s's shape); ``sᵀ (y ⊘ s) = sum(y)`` for columns s and y; and an elementwise factor is distributed
over a sum when that makes the result shorter. Each rewrite is exact wherever the expression is
defined; the shapes come from the scope of the derivation.
"""

from __future__ import annotations

from matref.calculus import build as B
from matref.expr import nodes as N
from matref.expr.errors import MatrefError
from matref.expr.infer import Scope


def _shape(node: N.Node, scope: Scope) -> str | None:
    try:
        s = scope.fork()
        return s.show(s.infer(node).shape)
    except MatrefError:
        return None


def _size(node: N.Node) -> int:
    return sum(1 for _ in N.walk(node))


def tidy(node: N.Node, scope: Scope) -> N.Node:
    """``node`` with the shape-aware rewrites applied bottom-up (never longer than it was)."""
    kids = tuple(tidy(c, scope) for c in node.children())
    node = B.rebuild(N.replace_children(node, kids)) if kids else node
    out = _rewrite(node, scope)
    return out if _size(out) <= _size(node) else node


def _rewrite(node: N.Node, scope: Scope) -> N.Node:
    if isinstance(node, N.Mul):
        for a, b in ((node.left, node.right), (node.right, node.left)):
            if isinstance(b, N.Div) and b.right == a and _shape(b.left, scope) == _shape(node, scope):
                return b.left  # s ∘ (y ⊘ s) = y
        for a, b in ((node.left, node.right), (node.right, node.left)):
            if isinstance(b, (N.Add, N.Sub)):  # distribute, keep it if it came out shorter
                make = B.add if isinstance(b, N.Add) else B.sub
                spread = make(tidy(B.mul(a, b.left), scope), tidy(B.mul(a, b.right), scope))
                if _size(spread) < _size(node) and _shape(spread, scope) == _shape(node, scope):
                    return spread
    if isinstance(node, N.MatMul) and isinstance(node.right, N.Div):
        s, y = node.right.right, node.right.left
        if B.t(node.left) == s and _shape(s, scope) == _shape(y, scope) and _is_column(s, scope):
            return B.call("sum", y)  # sᵀ (y ⊘ s) = Σ y
    return node


def _is_column(node: N.Node, scope: Scope) -> bool:
    s = scope.fork()
    try:
        return s.unifier.is_scalar((s.infer(node).shape[1], 1))
    except MatrefError:
        return False
