"""What evaluating a typed expression at concrete sizes costs, before anything is allocated.

Two figures per expression: the number of entries of its largest sub-expression (memory) and
the floating-point operations of one evaluation (time). The verifier refuses a request whose
figures exceed :class:`matref.limits.Limits` instead of running into the machine's limits.

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
from matref.expr.functions import FUNCTIONS
from matref.expr.infer import Typed


def _shape(typed: Typed, node: N.Node, sizes: dict) -> tuple[int, int]:
    u = typed.scope.unifier
    r, c = typed.shape_of(node)
    return u.value(r, sizes), u.value(c, sizes)


def largest(typed: Typed, sizes: dict) -> tuple[int, N.Node]:
    """The number of entries of the largest sub-expression, and that sub-expression."""
    best, where = 0, typed.node
    for node in N.walk(typed.node):
        r, c = _shape(typed, node, sizes)
        if r * c > best:
            best, where = r * c, node
    return best, where


def flops(typed: Typed, sizes: dict) -> float:
    """Floating-point operations of one real evaluation (a complex one costs about four times)."""
    total = 0.0
    for node in N.walk(typed.node):
        r, c = _shape(typed, node, sizes)
        if isinstance(node, N.MatMul):
            k = _shape(typed, node.left, sizes)[1]
            total += 2.0 * r * k * c
        elif isinstance(node, N.Call) and FUNCTIONS[node.func].work is not None:
            ins = [_shape(typed, a, sizes) for a in node.args]
            total += FUNCTIONS[node.func].work(ins, (r, c), node.params)
        else:
            total += r * c + sum(math.prod(_shape(typed, a, sizes)) for a in node.children())
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
