"""Tree rewrites: pushing a transpose inward (for the other layout) and simplifications."""

from __future__ import annotations

from functools import singledispatch

from matref.expr import nodes as N


def transpose(node: N.Node, is_scalar=lambda n: False) -> N.Node:
    """The transpose of ``node``, pushed through products, sums and inverses.

    ``is_scalar(n)`` says whether a sub-expression is 1x1 (its transpose is itself).

    Examples
    --------
    >>> from matref.expr.parse import parse
    >>> str(transpose(parse("A.T @ B.T")))
    'B @ A'
    >>> str(transpose(parse("-inv(X).T @ A")))
    'A.T @ -inv(X)'
    """
    return _t(node, is_scalar)


@singledispatch
def _t(node: N.Node, s) -> N.Node:
    return node if s(node) else N.Transpose(node)


@_t.register
def _(n: N.Series, s):
    return N.Series(n.var, n.lo, n.hi, _t(n.body, s))


@_t.register
def _(n: N.Symbol, s):
    return n if s(n) else N.Transpose(n)


@_t.register
def _(n: N.Number, s):
    return n


@_t.register
def _(n: N.Identity, s):
    return n


@_t.register
def _(n: N.Transpose, s):
    return n.arg


@_t.register
def _(n: N.Neg, s):
    return N.Neg(_t(n.arg, s))


for _cls in (N.Add, N.Sub, N.Mul, N.Div):
    _t.register(_cls)(lambda n, s, _c=_cls: n if s(n) else _c(_t(n.left, s), _t(n.right, s)))


@_t.register
def _(n: N.MatMul, s):
    return n if s(n) else N.MatMul(_t(n.right, s), _t(n.left, s))


@_t.register
def _(n: N.Pow, s):
    return n if s(n) else N.Pow(_t(n.base, s), n.exponent)


@_t.register
def _(n: N.Call, s):
    if s(n):
        return n
    if n.func in ("inv", "pinv", "mpow", "exp", "log") and len(n.args) == 1:
        inner = n.args[0]
        if isinstance(inner, N.Transpose):
            return N.Call(n.func, (inner.arg,), n.params)
        if n.func in ("exp", "log"):
            return N.Call(n.func, (_t(inner, s),), n.params)
        return N.Transpose(n)
    if n.func == "kron":
        return N.Call("kron", tuple(_t(a, s) for a in n.args))
    return N.Transpose(n)


def tidy(node: N.Node, is_scalar=lambda n: False) -> N.Node:
    """Pull negations and scalar factors to the front of products; drop double negations.

    Examples
    --------
    >>> from matref.expr.parse import parse
    >>> str(tidy(parse("A.T @ -inv(X)")))
    '-(A.T @ inv(X))'
    """
    kids = tuple(tidy(c, is_scalar) for c in node.children())
    node = N.replace_children(node, kids) if kids else node
    if isinstance(node, N.Neg) and isinstance(node.arg, N.Neg):
        return node.arg.arg
    if isinstance(node, N.MatMul):
        left, right = node.left, node.right
        if isinstance(left, N.Neg) or isinstance(right, N.Neg):
            inner = N.MatMul(left.arg if isinstance(left, N.Neg) else left,
                             right.arg if isinstance(right, N.Neg) else right)
            inner = tidy(inner, is_scalar)
            return inner if isinstance(left, N.Neg) and isinstance(right, N.Neg) else N.Neg(inner)
        for side in ("left", "right"):
            f = getattr(node, side)
            if isinstance(f, N.Mul) and is_scalar(f.left) and not is_scalar(f.right):
                rest = N.MatMul(f.right, right) if side == "left" else N.MatMul(left, f.right)
                return N.Mul(f.left, tidy(rest, is_scalar))
    return node
