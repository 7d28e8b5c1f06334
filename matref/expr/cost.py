"""What evaluating a typed expression at concrete sizes costs, before anything is allocated.

Two figures per expression: the number of entries of its largest sub-expression (memory) and
the floating-point operations of one evaluation (time). The verifier refuses a request whose
figures exceed :class:`matref.engine.limits.Limits` instead of running into the machine's limits.

Examples
--------
>>> from matref.expr.infer import Scope
>>> from matref.expr.parse import parse
>>> scope = Scope()
>>> t = scope.infer(parse("kron(A, B) @ x"))
>>> sizes = {v: 10 for v in scope.unifier.free_vars([d for s in t.shapes.values() for d in s])}
>>> largest(t, sizes)[0]  # kron(A, B) is 100 x 100
10000
"""

from __future__ import annotations

import math

from matref.expr import nodes as N
from matref.expr.dims import Var, evaluate
from matref.expr.functions import FUNCTIONS
from matref.expr.infer import Typed


def _compile(u, d) -> tuple[int, tuple]:
    """A dimension as ``(constant, free variables)``: its value is the constant times their sizes."""
    factors = u.factors(d)
    const = math.prod(f for f in factors if isinstance(f, int))
    return const, tuple(f for f in factors if not isinstance(f, int))


def _value(dim: tuple[int, tuple], sizes: dict) -> int:
    const, variables = dim
    for v in variables:
        const *= sizes[v] if isinstance(v, Var) else evaluate(v, sizes)
    return const


class _Plan:
    """The shapes of every node of a typed expression, resolved once (estimates run per draw)."""

    def __init__(self, typed: Typed):
        u = typed.scope.unifier
        self.rows = []  # (node, rows, cols, work kind, operand shapes)
        for node in N.walk(typed.node):
            r, c = (_compile(u, d) for d in typed.shape_of(node))
            if isinstance(node, N.MatMul):
                extra = ("matmul", _compile(u, typed.shape_of(node.left)[1]))
            elif isinstance(node, N.Call) and FUNCTIONS[node.func].work is not None:
                extra = ("call", [tuple(_compile(u, d) for d in typed.shape_of(a)) for a in node.args])
            else:
                extra = ("linear", [tuple(_compile(u, d) for d in typed.shape_of(a)) for a in node.children()])
            self.rows.append((node, r, c, extra))


def _plan(typed: Typed) -> _Plan:
    plan = getattr(typed, "_cost_plan", None)
    if plan is None:
        plan = typed._cost_plan = _Plan(typed)
    return plan


def largest(typed: Typed, sizes: dict) -> tuple[int, N.Node]:
    """The number of entries of the largest sub-expression, and that sub-expression."""
    best, where = 0, typed.node
    for node, r, c, _ in _plan(typed).rows:
        n = _value(r, sizes) * _value(c, sizes)
        if n > best:
            best, where = n, node
    return best, where


def flops(typed: Typed, sizes: dict) -> float:
    """Floating-point operations of one real evaluation (a complex one costs about four times)."""
    total = 0.0
    for node, r, c, (kind, extra) in _plan(typed).rows:
        rows, cols = _value(r, sizes), _value(c, sizes)
        if kind == "matmul":
            total += 2.0 * rows * _value(extra, sizes) * cols
        elif kind == "call":
            ins = [(_value(a, sizes), _value(b, sizes)) for a, b in extra]
            total += FUNCTIONS[node.func].work(ins, (rows, cols), node.params)
        else:
            total += rows * cols + sum(_value(a, sizes) * _value(b, sizes) for a, b in extra)
    return total


def sampling_flops(shape: tuple[int, int]) -> float:
    """Drawing one random matrix (orthogonal factors by QR of Gaussian panels, a product), in
    the units of :func:`flops`."""
    m, n = shape
    k = min(m, n)
    # In matrix-product flops: a QR factorisation runs about four times slower per flop than a
    # matrix product (measured with one BLAS thread), so each 4/3 n^3 QR counts as about 5 n^3.
    if m == n:
        return 12.0 * n ** 3 + 1.0
    return 10.0 * (m + n) * k * k + 2.0 * m * n * k + 1.0
