"""Which expressions are symmetric by the stated assumptions (a small structural proof).

Used to refuse ``eigval``/``eigvec`` of a matrix that is not known to be symmetric: those
functions are defined for symmetric matrices only, and an identity must not hold merely because
its random instances happened to be symmetric.
"""

from __future__ import annotations

from matref.expr import nodes as N


def is_symmetric(node: N.Node, symmetric: set[str], is_scalar=lambda n: False) -> bool:
    """Whether ``node`` is symmetric for every value of its symbols, given the symbols in
    ``symmetric`` are. Sound, not complete: False means "not shown".

    Examples
    --------
    >>> from matref.expr.parse import parse
    >>> is_symmetric(parse("X.T @ A @ X + 2 * I"), {"A"})
    True
    >>> is_symmetric(parse("A @ B"), {"A", "B"})
    False
    """
    return _sym(node, symmetric, is_scalar)


def _sym(n, syms, scalar) -> bool:
    if scalar(n):
        return True
    if isinstance(n, N.Symbol):
        return n.name in syms
    if isinstance(n, (N.Identity, N.Number)):
        return True
    if isinstance(n, (N.Neg, N.Transpose)):
        return _sym(n.arg, syms, scalar)
    if isinstance(n, N.Pow):
        return _sym(n.base, syms, scalar)
    if isinstance(n, (N.Add, N.Sub)):
        if _sym(n.left, syms, scalar) and _sym(n.right, syms, scalar):
            return True
        # M + M^T
        return isinstance(n, N.Add) and (_transposes(n.left, n.right) or _transposes(n.right, n.left))
    if isinstance(n, (N.Mul, N.Div)):
        return _sym(n.left, syms, scalar) and _sym(n.right, syms, scalar)
    if isinstance(n, N.MatMul):
        return _congruence(n, syms, scalar)
    if isinstance(n, N.Call):
        if n.func in ("inv", "mpow", "exp", "log", "sin", "cos", "tanh", "sigmoid", "sqrt", "pinv"):
            return _sym(n.args[0], syms, scalar)
        if n.func == "kron":
            return all(_sym(a, syms, scalar) for a in n.args)
        if n.func in ("eye", "commutation"):
            return n.func == "eye"
        if n.func == "diag":
            return True  # a vector to a diagonal matrix (a matrix to a vector is a vector: checked by shape)
    return False


def _transposes(a, b) -> bool:
    return isinstance(b, N.Transpose) and b.arg == a


def _flatten(n) -> list:
    if isinstance(n, N.MatMul):
        return _flatten(n.left) + _flatten(n.right)
    return [n]


def _congruence(n, syms, scalar) -> bool:
    """M^T S M, M S M^T, M M^T ...: a product that reads the same backwards with transposes,
    whose middle factor (if any) is symmetric."""
    f = _flatten(n)
    i, j = 0, len(f) - 1
    while i < j:
        a, b = f[i], f[j]
        if not (_transposes(a, b) or _transposes(b, a) or (a == b and _sym(a, syms, scalar))):
            return False
        i, j = i + 1, j - 1
    return i > j or _sym(f[i], syms, scalar)
