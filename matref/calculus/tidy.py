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


class Shapes:
    """The shapes of expressions in one scope, each inferred once (a derivation asks about the
    same sub-expressions many times)."""

    def __init__(self, scope: Scope):
        self.scope = scope
        self.memo: dict[N.Node, str | None] = {}

    def __call__(self, node: N.Node) -> str | None:
        if node not in self.memo:
            try:
                s = self.scope.fork()
                self.memo[node] = s.show(s.infer(node).shape)
            except MatrefError:
                self.memo[node] = None
        return self.memo[node]


def tidy(node: N.Node, scope: Scope | Shapes) -> N.Node:
    """``node`` with the shape-aware rewrites applied bottom-up (never longer than it was).
    ``scope``: the derivation's, or a :class:`Shapes` over it (to share what it inferred)."""
    shapes = scope if isinstance(scope, Shapes) else Shapes(scope)
    kids = tuple(tidy(c, shapes) for c in node.children())
    node = B.remake(node, kids) if kids else node
    out = _rewrite(node, shapes)
    return out if N.size(out) <= N.size(node) else node


def _scalar(node: N.Node, shapes: Shapes) -> bool:
    """Whether ``node`` is 1x1 (a product such as xᵀ A x, which the constructors cannot see)."""
    if isinstance(node, N.Number):
        return True
    if isinstance(node, (N.Symbol, N.Identity)):
        return False if isinstance(node, N.Identity) else shapes.scope.is_scalar(node)
    return shapes(node) == "1x1"


def _signed_terms(node: N.Node, sign: float = 1.0) -> list[tuple[float, N.Node]]:
    if isinstance(node, N.Add):
        return _signed_terms(node.left, sign) + _signed_terms(node.right, sign)
    if isinstance(node, N.Sub):
        return _signed_terms(node.left, sign) + _signed_terms(node.right, -sign)
    c, term = B._coefficient(node)
    return [(sign * c, term)]


def collect(node: N.Node) -> N.Node:
    """A sum with its like terms collected: P + Q + P - Q / 2 = 2 P + Q / 2 (exact: the terms of a
    sum broadcast to one shape, whatever their order)."""
    totals: dict[N.Node, float] = {}
    for c, term in _signed_terms(node):
        totals[term] = totals.get(term, 0.0) + c
    if len(totals) == len(_signed_terms(node)) or any(c == 0 for c in totals.values()):
        return node  # nothing to collect (or a cancellation, whose zero would lose the shape)
    out = None
    for term, c in totals.items():
        out = B.add(out, _scaled(c, term))
    return out


def _scaled(c: float, term: N.Node) -> N.Node:
    """``c * term``, a simple fraction written as one: M / 2 rather than 0.5 * M."""
    from fractions import Fraction

    frac = Fraction(c).limit_denominator(64)
    if frac.denominator != 1 and abs(float(frac) - c) < 1e-12:
        top = term if abs(frac.numerator) == 1 else N.Mul(B.num(abs(frac.numerator)), term)
        written = N.Div(top, B.num(frac.denominator))
        return N.Neg(written) if frac < 0 else written
    return B.mul(B.num(c), term)


def _rewrite(node: N.Node, shapes: Shapes) -> N.Node:
    if isinstance(node, (N.Add, N.Sub)):
        node = collect(node)
    if isinstance(node, N.Mul) and isinstance(node.left, N.Number) and not float(node.left.value).is_integer():
        written = _scaled(node.left.value, node.right)  # 0.5 * M as M / 2
        if not (isinstance(written, N.Mul) and written.left == node.left):
            return written
    if isinstance(node, N.Transpose) and _scalar(node.arg, shapes):
        return node.arg  # a 1x1 is its own transpose
    if isinstance(node, N.MatMul):  # a 1x1 factor of a product is a scaling
        if _scalar(node.right, shapes):
            return B.mul(node.right, node.left)
        if _scalar(node.left, shapes):
            return B.mul(node.left, node.right)
    if isinstance(node, N.Mul):
        for a, b in ((node.left, node.right), (node.right, node.left)):
            if isinstance(b, N.Div) and b.right == a and shapes(b.left) == shapes(node):
                return b.left  # s ∘ (y ⊘ s) = y
        for a, b in ((node.left, node.right), (node.right, node.left)):
            if isinstance(b, (N.Add, N.Sub)) and any(isinstance(n, N.Div) and n.right == a for n in N.walk(b)):
                # distribute when a cancellation may follow; keep it if it came out shorter
                make = B.add if isinstance(b, N.Add) else B.sub
                spread = make(tidy(B.mul(a, b.left), shapes), tidy(B.mul(a, b.right), shapes))
                if N.size(spread) < N.size(node) and shapes(spread) == shapes(node):
                    return spread
    if isinstance(node, N.MatMul) and isinstance(node.right, N.Div):
        s, y = node.right.right, node.right.left
        if B.t(node.left) == s and shapes(s) == shapes(y) and _is_column(s, shapes):
            return B.call("sum", y)  # sᵀ (y ⊘ s) = Σ y
    return node


def _is_column(node: N.Node, shapes: Shapes) -> bool:
    s = shapes.scope.fork()
    try:
        return s.unifier.is_scalar((s.infer(node).shape[1], 1))
    except MatrefError:
        return False
